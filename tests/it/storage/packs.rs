//! Pack files and their database index: many objects to one file, each found again by its
//! hash, damage reported as corruption (never another page's text), loose objects still read.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use govwatch::db::entities::snapshot_object;
use govwatch::storage::{ContentHash, PackedObject, SnapshotStore, StorageError, index};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::support::db::test_db;

fn packs(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir.join("snapshots/packs")) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A page of a government site, different for each `n`.
fn page(n: usize) -> Vec<u8> {
    let mut html = format!("<html><head><title>通知公告 第{n}号</title></head><body>");
    for i in 0..(20 + n % 7) {
        html.push_str(&format!(
            "<p>关于做好第{n}批惠民补贴发放工作的通知（第{i}条）</p>"
        ));
    }
    html.push_str("</body></html>");
    html.into_bytes()
}

async fn pack_of(store: &SnapshotStore, bodies: &[Vec<u8>]) -> Vec<PackedObject> {
    let mut prepared = Vec::new();
    for b in bodies {
        prepared.push(store.prepare(b.clone()).await.unwrap());
    }
    store.write_pack(prepared).await.unwrap()
}

#[tokio::test]
async fn many_objects_go_into_one_pack_and_each_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open_local_batched(dir.path());
    let mut bodies: Vec<Vec<u8>> = (0..300).map(page).collect();
    // A small body (stored raw) and the empty body, too.
    bodies.push(b"<html>404</html>".to_vec());
    bodies.push(Vec::new());
    let placed = pack_of(&store, &bodies).await;

    assert_eq!(placed.len(), bodies.len());
    let files = packs(dir.path());
    assert_eq!(files.len(), 1, "one pack for the batch: {files:?}");
    assert!(
        !dir.path().join("snapshots/objects").exists(),
        "no loose objects"
    );
    let total: u64 = placed.iter().map(|p| p.stored_length + 45).sum::<u64>() + 8;
    assert_eq!(std::fs::metadata(&files[0]).unwrap().len(), total);
    assert!(placed[0].compressed && !placed[300].compressed);
    for (body, at) in bodies.iter().zip(&placed) {
        assert_eq!(at.hash, ContentHash::of(body));
        assert_eq!(at.size, body.len() as u64);
        assert_eq!(
            store.get_packed(at).await.unwrap(),
            Bytes::from(body.clone())
        );
    }
    // Nothing to pack, no pack.
    assert!(store.write_pack(Vec::new()).await.unwrap().is_empty());
    assert_eq!(packs(dir.path()).len(), 1);
}

#[tokio::test]
async fn a_damaged_pack_or_index_row_is_reported_as_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open_local_batched(dir.path());
    let bodies: Vec<Vec<u8>> = (0..3).map(page).collect();
    let placed = pack_of(&store, &bodies).await;
    let file = packs(dir.path()).remove(0);

    // An index row pointing at another object's record: never that object's text.
    let mut wrong = placed[1].clone();
    wrong.offset = placed[0].offset;
    wrong.stored_length = placed[0].stored_length;
    wrong.compressed = placed[0].compressed;
    assert!(matches!(
        store.get_packed(&wrong).await,
        Err(StorageError::Corrupt { hash, .. }) if hash == placed[1].hash
    ));
    // An offset in the middle of a record.
    let mut mid = placed[1].clone();
    mid.offset += 7;
    assert!(matches!(
        store.get_packed(&mid).await,
        Err(StorageError::Corrupt { .. })
    ));
    // A length that disagrees with the record.
    let mut long = placed[1].clone();
    long.stored_length -= 1;
    assert!(matches!(
        store.get_packed(&long).await,
        Err(StorageError::Corrupt { .. })
    ));
    // A range past the end of the file.
    let mut past = placed[2].clone();
    past.offset += 1_000_000;
    assert!(store.get_packed(&past).await.is_err());
    // A pack name from a tampered row must not become a path outside the store.
    let mut escape = placed[0].clone();
    escape.pack = "../../../../etc/passwd".into();
    match store.get_packed(&escape).await {
        Err(StorageError::Corrupt { reason, .. }) => assert!(reason.contains("invalid pack")),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    // A pack file that is gone.
    let mut gone = placed[0].clone();
    gone.pack = uuid::Uuid::new_v4().to_string();
    match store.get_packed(&gone).await {
        Err(StorageError::Corrupt { reason, .. }) => assert!(reason.contains("missing")),
        other => panic!("expected Corrupt, got {other:?}"),
    }

    // A flipped bit inside the stored bytes of the second object.
    let mut bytes = std::fs::read(&file).unwrap();
    let at = usize::try_from(placed[1].offset).unwrap() + 45 + 20;
    bytes[at] ^= 0x01;
    std::fs::write(&file, bytes).unwrap();
    assert!(matches!(
        store.get_packed(&placed[1]).await,
        Err(StorageError::Corrupt { hash, .. }) if hash == placed[1].hash
    ));
    // The other objects of the pack are still good.
    assert_eq!(
        store.get_packed(&placed[0]).await.unwrap(),
        Bytes::from(bodies[0].clone())
    );
    assert_eq!(
        store.get_packed(&placed[2]).await.unwrap(),
        Bytes::from(bodies[2].clone())
    );
}

#[tokio::test]
async fn the_index_finds_packed_and_loose_objects_and_keeps_the_first_location() {
    let t = test_db().await;
    let store = SnapshotStore::open_local_batched(t.dir.path());
    let bodies: Vec<Vec<u8>> = (0..5).map(page).collect();
    let hashes: Vec<ContentHash> = bodies.iter().map(|b| ContentHash::of(b)).collect();
    assert_eq!(index::missing(&t.db, &hashes).await.unwrap().len(), 5);

    let first = pack_of(&store, &bodies[..3]).await;
    index::record(&t.db, &first, chrono::Utc::now())
        .await
        .unwrap();
    let missing = index::missing(&t.db, &hashes).await.unwrap();
    assert_eq!(
        missing,
        hashes[3..].iter().copied().collect(),
        "only the unpacked bodies are missing"
    );

    // Two workers packed the same bytes at the same moment: recording the second copy
    // changes nothing, and reads go to the first.
    let again = pack_of(&store, &bodies[..1]).await;
    index::record(&t.db, &again, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(
        snapshot_object::Entity::find().count(&t.db).await.unwrap(),
        3
    );
    assert_eq!(
        index::locate(&t.db, &hashes[0])
            .await
            .unwrap()
            .unwrap()
            .pack,
        first[0].pack
    );

    for (body, hash) in bodies[..3].iter().zip(&hashes) {
        assert_eq!(
            index::load(&t.db, &store, hash).await.unwrap(),
            Bytes::from(body.clone())
        );
    }
    // A body stored loose (large, or from before packs existed) is read through the same call.
    let loose = store.put(bodies[4].clone()).await.unwrap();
    assert_eq!(
        index::load(&t.db, &store, &loose.hash).await.unwrap(),
        Bytes::from(bodies[4].clone())
    );
    // Neither packed nor loose.
    assert!(matches!(
        index::load(&t.db, &store, &hashes[3]).await,
        Err(StorageError::NotFound(h)) if h == hashes[3]
    ));
}

/// Removes a folder made under the working directory, even if the test fails.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The first pack of a fresh data directory creates its folders; a relative data directory
/// (`--data-dir govwatch-data`, as operators type it) must work too.
#[tokio::test]
async fn the_first_pack_creates_the_folders_of_a_fresh_relative_data_directory() {
    let top = PathBuf::from(format!("pack-test-{}", uuid::Uuid::new_v4().simple()));
    let _cleanup = RemoveOnDrop(top.clone());
    let data_dir = top.join("data");
    assert!(!top.exists());
    let store = SnapshotStore::open_local_batched(&data_dir);
    let body = page(1);
    let placed = pack_of(&store, std::slice::from_ref(&body)).await;
    assert_eq!(packs(&data_dir).len(), 1);
    assert_eq!(
        store.get_packed(&placed[0]).await.unwrap(),
        Bytes::from(body)
    );
}
