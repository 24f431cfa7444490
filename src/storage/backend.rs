//! Where snapshot objects live.
//!
//! The store needs only three operations, so that an S3-compatible backend (MinIO, Aliyun OSS,
//! Huawei OBS: what government clouds offer) can be added without touching the store: workers on
//! many machines then share one bucket. The `object_store` crate would be the one to use then
//! (it speaks local files, memory and S3; `PutMode::Create` gives `put_if_absent` atomically).

use std::fs::{self, File, OpenOptions};
use std::future::Future;
use std::io::{ErrorKind, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::StorageError;

/// Object storage under string keys such as `objects/ab/<hash>.zst`.
pub trait ObjectBackend: Send + Sync + 'static {
    /// Stores `data` under `key` unless an object already exists there. Returns `true` if this
    /// call created it. Readers must never see a partial object.
    fn put_if_absent(
        &self,
        key: &str,
        data: Bytes,
    ) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// The object under `key`, or `None`. Objects larger than `limit` bytes are an error (a
    /// corrupt or foreign file must not exhaust memory).
    fn get(
        &self,
        key: &str,
        limit: u64,
    ) -> impl Future<Output = Result<Option<Bytes>, StorageError>> + Send;

    /// Whether an object exists under `key`.
    fn exists(&self, key: &str) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Makes every object written so far durable. Backends that make each object durable as
    /// it is written do nothing.
    fn sync(&self) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Creates a new object under `key` from `parts`, durable when this returns, and fails if
    /// the key exists. Used for pack files, whose names are fresh UUIDs.
    fn create_durable(
        &self,
        key: &str,
        parts: Vec<Bytes>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// `len` bytes from `offset` of the object under `key`: `None` if there is no such object,
    /// an error if it ends before `offset + len` (S3 backends would use a ranged GET).
    fn get_range(
        &self,
        key: &str,
        offset: u64,
        len: u64,
    ) -> impl Future<Output = Result<Option<Bytes>, StorageError>> + Send;
}

/// Objects as files under a root folder (`<data_dir>/snapshots`).
///
/// Writes go to a temporary file in the target folder, are fsynced, then linked into place:
/// `link(2)` fails if the name exists, so of several concurrent writers of the same object
/// exactly one reports "created" and none ever replaces a complete file. On file systems without
/// hard links the file is renamed into place instead (still atomic; concurrent writers then may
/// each report "created"). The folder is fsynced afterwards so the new name survives a crash.
///
/// In batched mode ([`LocalBackend::batched`]) the per-object fsyncs are skipped and
/// [`ObjectBackend::sync`] flushes the whole file system once (`syncfs(2)`): a crawl writes
/// thousands of objects and then commits their metadata, so one flush per batch, before the
/// commit, gives the same guarantee (no committed row points at a lost object) at a fraction
/// of the cost. Where `syncfs` does not exist, batched mode falls back to per-object fsync.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    root: PathBuf,
    /// fsync each object (and its folder) as it is written.
    durable_each: bool,
}

impl LocalBackend {
    /// A backend rooted at `root` (created on first write); each object is durable when
    /// `put_if_absent` returns.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            durable_each: true,
        }
    }

    /// A backend whose objects become durable at [`ObjectBackend::sync`].
    pub fn batched(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            durable_each: !cfg!(target_os = "linux"),
        }
    }

    /// The root folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }
}

fn io_error<'a>(
    op: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> StorageError + 'a {
    move |source| StorageError::Io {
        op,
        path: path.display().to_string(),
        source,
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::Task(e.to_string()))?
}

/// Removes the temporary file unless it was consumed.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_file(&self.0)
            && e.kind() != ErrorKind::NotFound
        {
            tracing::warn!(path = %self.0.display(), error = %e, "could not remove temporary file");
        }
    }
}

fn put_blocking(path: &Path, data: &[u8], durable: bool) -> Result<bool, StorageError> {
    if path.try_exists().map_err(io_error("stat", path))? {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_error("create folder", dir))?;
    let temp = TempFile(dir.join(format!(".tmp-{}", uuid::Uuid::new_v4())));
    {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp.0)
            .map_err(io_error("create", &temp.0))?;
        file.write_all(data).map_err(io_error("write", &temp.0))?;
        if durable {
            file.sync_all().map_err(io_error("fsync", &temp.0))?;
        }
    }
    // Durable mode links the temporary file into place: of several concurrent writers exactly
    // one reports "created", and a complete file is never replaced. Batched mode renames it
    // instead: no second name to unlink, which is what makes thousands of small objects cheap
    // on ext4; a concurrent writer of the same object writes the same bytes, so replacing
    // them is harmless.
    let created = if durable {
        match fs::hard_link(&temp.0, path) {
            Ok(()) => true,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => false,
            Err(e) => {
                tracing::debug!(error = %e, "hard link failed; renaming into place instead");
                fs::rename(&temp.0, path).map_err(io_error("rename", path))?;
                true
            }
        }
    } else {
        fs::rename(&temp.0, path).map_err(io_error("rename", path))?;
        true
    };
    drop(temp);
    if created && durable {
        // Durability of the new directory entry; failure here leaves a complete file anyway.
        if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
            tracing::warn!(dir = %dir.display(), error = %e, "could not fsync folder");
        }
    }
    Ok(created)
}

fn get_blocking(path: &Path, limit: u64) -> Result<Option<Bytes>, StorageError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("open", path)(e)),
    };
    let size = file.metadata().map_err(io_error("stat", path))?.len();
    if size > limit {
        return Err(StorageError::TooLarge { size, limit });
    }
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // `take` guards against a file that grows while we read it.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(io_error("read", path))?;
    if data.len() as u64 > limit {
        return Err(StorageError::TooLarge {
            size: data.len() as u64,
            limit,
        });
    }
    Ok(Some(Bytes::from(data)))
}

/// Writes a new file from `parts` and makes it and its name durable. No temporary file: a
/// pack is named only by index rows committed after this returns, so a pack torn by a crash
/// is never read (it is garbage, not damage).
fn create_durable_blocking(path: &Path, parts: &[Bytes]) -> Result<(), StorageError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    // Folders this call creates (the first pack of a fresh data directory creates
    // `snapshots/packs`): each new name must be made durable in its parent too.
    let created: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .collect();
    fs::create_dir_all(dir).map_err(io_error("create folder", dir))?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io_error("create", path))?;
    let total: usize = parts.iter().map(Bytes::len).sum();
    // One buffer, one write: hundreds of small records would otherwise be hundreds of calls.
    let mut buf = Vec::with_capacity(total);
    for part in parts {
        buf.extend_from_slice(part);
    }
    file.write_all(&buf).map_err(io_error("write", path))?;
    file.sync_data().map_err(io_error("fsync", path))?;
    drop(file);
    // The pack's own folder, and the parent of every folder created above.
    let mut dirs = vec![dir];
    // (A relative root's top folder has the empty path as parent: that is ".".)
    dirs.extend(created.iter().filter_map(|d| d.parent()).map(|p| {
        if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            p
        }
    }));
    for d in dirs {
        File::open(d)
            .and_then(|d| d.sync_all())
            .map_err(io_error("fsync folder", d))?;
    }
    Ok(())
}

fn get_range_blocking(path: &Path, offset: u64, len: u64) -> Result<Option<Bytes>, StorageError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("open", path)(e)),
    };
    let size = file.metadata().map_err(io_error("stat", path))?.len();
    if offset.checked_add(len).is_none_or(|end| end > size) {
        return Err(io_error("read", path)(std::io::Error::new(
            ErrorKind::UnexpectedEof,
            format!("range {offset}+{len} beyond the end of the file ({size} bytes)"),
        )));
    }
    file.seek(SeekFrom::Start(offset))
        .map_err(io_error("seek", path))?;
    let mut data = vec![0; usize::try_from(len).unwrap_or(usize::MAX)];
    file.read_exact(&mut data).map_err(io_error("read", path))?;
    Ok(Some(Bytes::from(data)))
}

impl ObjectBackend for LocalBackend {
    async fn create_durable(&self, key: &str, parts: Vec<Bytes>) -> Result<(), StorageError> {
        let path = self.path(key);
        blocking(move || create_durable_blocking(&path, &parts)).await
    }

    async fn get_range(
        &self,
        key: &str,
        offset: u64,
        len: u64,
    ) -> Result<Option<Bytes>, StorageError> {
        let path = self.path(key);
        blocking(move || get_range_blocking(&path, offset, len)).await
    }

    async fn put_if_absent(&self, key: &str, data: Bytes) -> Result<bool, StorageError> {
        let path = self.path(key);
        let durable = self.durable_each;
        blocking(move || put_blocking(&path, &data, durable)).await
    }

    async fn get(&self, key: &str, limit: u64) -> Result<Option<Bytes>, StorageError> {
        let path = self.path(key);
        blocking(move || get_blocking(&path, limit)).await
    }

    async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        let path = self.path(key);
        blocking(move || path.try_exists().map_err(io_error("stat", &path))).await
    }

    async fn sync(&self) -> Result<(), StorageError> {
        if self.durable_each {
            return Ok(());
        }
        let root = self.root.clone();
        blocking(move || {
            if !root.exists() {
                return Ok(());
            }
            let dir = File::open(&root).map_err(io_error("open", &root))?;
            #[cfg(target_os = "linux")]
            rustix::fs::syncfs(&dir).map_err(|e| io_error("syncfs", &root)(e.into()))?;
            drop(dir);
            Ok(())
        })
        .await
    }
}
