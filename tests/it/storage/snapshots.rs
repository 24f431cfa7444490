//! The content-addressed snapshot store on a real folder.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use govwatch::storage::{ContentHash, LocalBackend, SnapshotStore, StorageError, StoreLimits};

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A government page: compressible, with Chinese text.
fn page(n: usize) -> Vec<u8> {
    let mut html =
        String::from("<html><head><meta charset=\"utf-8\"><title>通知公告</title></head><body>");
    for i in 0..n {
        html.push_str(&format!(
            "<p>关于做好2026年度政府网站与政务新媒体检查工作的通知（第{i}条）</p>\n"
        ));
    }
    html.push_str("</body></html>");
    html.into_bytes()
}

#[tokio::test]
async fn same_bytes_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open_local(dir.path());
    let body = page(200);

    let first = store.put(body.clone()).await.unwrap();
    assert!(!first.existed);
    assert_eq!(first.hash, ContentHash::of(&body));
    assert_eq!(first.size, body.len() as u64);
    assert!(first.compressed);
    assert!(
        first.stored_bytes < first.size / 4,
        "HTML compresses well: {first:?}"
    );

    let second = store.put(body.clone()).await.unwrap();
    assert!(second.existed);
    assert_eq!(second.hash, first.hash);

    let files = files_under(&dir.path().join("snapshots"));
    assert_eq!(files.len(), 1, "{files:?}");
    let hex = first.hash.to_hex();
    let expected = dir
        .path()
        .join("snapshots/objects")
        .join(&hex[..2])
        .join(format!("{hex}.zst"));
    assert_eq!(files[0], expected);
    assert_eq!(
        std::fs::metadata(&expected).unwrap().len(),
        first.stored_bytes
    );

    assert!(store.contains(&first.hash).await.unwrap());
    assert_eq!(store.get(&first.hash).await.unwrap(), Bytes::from(body));
}

/// Objects written by earlier versions (two folder levels, `objects/ab/cd/<hash>`) are still
/// read: an upgrade must not make old snapshots vanish from the diff view and WARC export.
#[tokio::test]
async fn objects_in_the_earlier_two_level_layout_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let body = page(50);
    let hash = ContentHash::of(&body);
    let hex = hash.to_hex();
    let old = dir
        .path()
        .join("snapshots/objects")
        .join(&hex[..2])
        .join(&hex[2..4]);
    std::fs::create_dir_all(&old).unwrap();
    std::fs::write(
        old.join(format!("{hex}.zst")),
        zstd::bulk::compress(&body, 3).unwrap(),
    )
    .unwrap();

    let store = SnapshotStore::open_local(dir.path());
    assert!(store.contains(&hash).await.unwrap());
    assert_eq!(store.get(&hash).await.unwrap(), Bytes::from(body));
    let missing = ContentHash::of(b"never stored");
    assert!(!store.contains(&missing).await.unwrap());
    assert!(matches!(
        store.get(&missing).await,
        Err(StorageError::NotFound(_))
    ));
}

#[tokio::test]
async fn small_and_incompressible_bodies_are_stored_raw() {
    let dir = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open_local(dir.path());

    let small = b"<html><body>404</body></html>".to_vec();
    let put = store.put(small.clone()).await.unwrap();
    assert!(!put.compressed);
    assert_eq!(put.stored_bytes, put.size);
    assert_eq!(store.get(&put.hash).await.unwrap(), Bytes::from(small));

    // Pseudo-random bytes (an image, a zip): zstd would not shrink them.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..8192)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let put = store.put(noise.clone()).await.unwrap();
    assert!(!put.compressed);
    assert_eq!(store.get(&put.hash).await.unwrap(), Bytes::from(noise));

    let names: HashSet<String> = files_under(&dir.path().join("snapshots"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.iter().all(|n| n.len() == 64 && !n.ends_with(".zst")),
        "{names:?}"
    );

    // The empty body is a valid snapshot too.
    let empty = store.put(Vec::new()).await.unwrap();
    assert_eq!(store.get(&empty.hash).await.unwrap().len(), 0);
}

#[tokio::test]
async fn corruption_is_detected_on_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = SnapshotStore::open_local(dir.path());
    let compressed = store.put(page(100)).await.unwrap();
    let raw = store.put(b"short body".to_vec()).await.unwrap();
    assert!(compressed.compressed && !raw.compressed);

    for (hash, flip_at) in [(compressed.hash, 40usize), (raw.hash, 3)] {
        let file = files_under(&dir.path().join("snapshots"))
            .into_iter()
            .find(|p| p.to_string_lossy().contains(&hash.to_hex()))
            .unwrap();
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[flip_at] ^= 0x20;
        std::fs::write(&file, bytes).unwrap();
        match store.get(&hash).await {
            Err(StorageError::Corrupt { hash: h, .. }) => assert_eq!(h, hash),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    let missing = ContentHash::of(b"never stored");
    assert!(!store.contains(&missing).await.unwrap());
    assert!(matches!(store.get(&missing).await, Err(StorageError::NotFound(h)) if h == missing));
}

#[tokio::test]
async fn hashes_from_outside_are_parsed_strictly() {
    let hash = ContentHash::of(b"x");
    assert_eq!(hash.to_hex().parse::<ContentHash>().unwrap(), hash);
    for bad in [
        "../../etc/passwd",
        "",
        &"g".repeat(64),
        &hash.to_hex()[..63],
    ] {
        assert!(bad.parse::<ContentHash>().is_err(), "{bad}");
    }
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = SnapshotStore::with_limits(
        LocalBackend::new(dir.path().join("snapshots")),
        StoreLimits {
            max_object_bytes: 1000,
        },
    );
    assert!(matches!(
        store.put(vec![b'a'; 1001]).await,
        Err(StorageError::TooLarge {
            size: 1001,
            limit: 1000
        })
    ));
    assert!(store.put(vec![b'a'; 1000]).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_puts_of_the_same_content() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SnapshotStore::open_local(dir.path()));
    let body = Bytes::from(page(2000));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (store, body) = (Arc::clone(&store), body.clone());
            tokio::spawn(async move { store.put(body).await.unwrap() })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert!(results.iter().all(|r| r.hash == results[0].hash));
    let created = results.iter().filter(|r| !r.existed).count();
    assert_eq!(created, 1, "exactly one writer created the object");
    let files = files_under(&dir.path().join("snapshots"));
    assert_eq!(
        files.len(),
        1,
        "one object and no temporary files left: {files:?}"
    );
    assert_eq!(store.get(&results[0].hash).await.unwrap(), body);
}
