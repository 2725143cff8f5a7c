//! Uploaded documents, kept outside the database: one file per content, named by its SHA-256
//! (`ab/abcdef…`), written durably before the database records it. The same content uploaded
//! twice is stored once. A file whose database transaction then failed is left unreferenced,
//! never half-written.

use crate::{Entity, StoreError, StoreResult};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::database(std::io::Error::new(
        e.kind(),
        format!("{what} {}: {e}", path.display()),
    ))
}

/// The SHA-256 of `bytes`, hex.
pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl FileStore {
    /// A store under `root` (created by the first [`Self::put`]).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, sha256: &str) -> StoreResult<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::Corrupt(format!(
                "not a content hash: {sha256:?}"
            )));
        }
        let sha = sha256.to_ascii_lowercase();
        Ok(self.root.join(&sha[..2]).join(sha))
    }

    /// Stores `bytes` and returns their hash. Blocking: call it off the async workers.
    ///
    /// Written to a temporary file, synced, renamed into place and the directory synced, so
    /// after a crash the file is either whole under its name or absent.
    pub fn put(&self, bytes: &[u8]) -> StoreResult<String> {
        let sha = content_hash(bytes);
        let path = self.path_of(&sha)?;
        // Written even when the content is there already: the new file's time tells the
        // orphan sweep (`stored`) it is in use again, so a sweep cannot take it from under a
        // filing that reuses it.
        let dir = path.parent().unwrap_or(&self.root);
        // Owner only (0700 folders, 0600 files): the documents are applicants' papers.
        std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
            .create(dir)
            .map_err(|e| io_err("cannot create", dir, &e))?;
        let mut tmp = tempfile_in(dir)?;
        tmp.1
            .write_all(bytes)
            .and_then(|()| tmp.1.sync_all())
            .map_err(|e| io_err("cannot write", &tmp.0, &e))?;
        std::fs::rename(&tmp.0, &path).map_err(|e| io_err("cannot rename", &tmp.0, &e))?;
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_err("cannot sync", dir, &e))?;
        Ok(sha)
    }

    /// Every content stored, by hash, with when it was last written; and the temporary files
    /// a crash left behind. Blocking.
    pub fn stored(&self) -> StoreResult<Vec<Stored>> {
        let mut out = Vec::new();
        let top = match std::fs::read_dir(&self.root) {
            Ok(top) => top,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(io_err("cannot list", &self.root, &e)),
        };
        for dir in top {
            let dir = dir
                .map_err(|e| io_err("cannot list", &self.root, &e))?
                .path();
            if !dir.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&dir).map_err(|e| io_err("cannot list", &dir, &e))? {
                let file = file.map_err(|e| io_err("cannot list", &dir, &e))?;
                let name = file.file_name().to_string_lossy().into_owned();
                let modified = file
                    .metadata()
                    .and_then(|m| m.modified())
                    .map_err(|e| io_err("cannot read", &file.path(), &e))?;
                out.push(Stored {
                    path: file.path(),
                    sha256: self.path_of(&name).is_ok().then_some(name),
                    modified,
                });
            }
        }
        Ok(out)
    }

    /// Removes a stored file (`Stored::path`); one already gone is not an error. Blocking.
    pub fn remove(&self, stored: &Stored) -> StoreResult<()> {
        match std::fs::remove_file(&stored.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("cannot remove", &stored.path, &e)),
        }
    }

    /// The content stored under `sha256`, checked against its hash.
    pub fn get(&self, sha256: &str) -> StoreResult<Vec<u8>> {
        let path = self.path_of(sha256)?;
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::not_found(Entity::Document))
            }
            Err(e) => return Err(io_err("cannot read", &path, &e)),
        };
        if content_hash(&bytes) != sha256.to_ascii_lowercase() {
            return Err(StoreError::Corrupt(format!(
                "{} does not match its hash",
                path.display()
            )));
        }
        Ok(bytes)
    }
}

/// A file of the store: a content by its hash, or (`sha256: None`) a temporary file.
#[derive(Debug, Clone)]
pub struct Stored {
    pub path: PathBuf,
    pub sha256: Option<String>,
    pub modified: std::time::SystemTime,
}

/// A new file in `dir` with a unique name (the process id and a counter).
fn tempfile_in(dir: &Path) -> StoreResult<(PathBuf, std::fs::File)> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!(".upload-{}-{n}.tmp", std::process::id()));
    let file = std::os::unix::fs::OpenOptionsExt::mode(
        std::fs::OpenOptions::new().write(true).create_new(true),
        0o600,
    )
    .open(&path)
    .map_err(|e| io_err("cannot create", &path, &e))?;
    Ok((path, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "sandoq-files-test-{}-{}",
            std::process::id(),
            content_hash(format!("{:?}", std::thread::current().id()).as_bytes())
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// Applicants' papers are their owner's to read only: folders 0700, files 0600 (issue 15:
    /// they were created world-readable).
    #[test]
    fn documents_are_readable_by_their_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch();
        let files = FileStore::new(&dir);
        let sha = files.put(b"%PDF-1.7 private").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(&sha[..2])), 0o700);
        assert_eq!(mode(&dir.join(&sha[..2]).join(&sha)), 0o600);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn content_is_stored_once_under_its_hash_and_read_back_checked() {
        let dir = scratch();
        let files = FileStore::new(&dir);
        let sha = files.put(b"%PDF-1.7 certificate").unwrap();
        assert_eq!(sha, content_hash(b"%PDF-1.7 certificate"));
        assert_eq!(files.put(b"%PDF-1.7 certificate").unwrap(), sha);
        assert_eq!(files.get(&sha).unwrap(), b"%PDF-1.7 certificate");
        let stored = dir.join(&sha[..2]).join(&sha);
        assert!(stored.is_file());
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.join(&sha[..2]))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // A changed file is noticed, a missing one is not found, a bad name refused.
        std::fs::write(&stored, b"tampered").unwrap();
        assert!(matches!(files.get(&sha), Err(StoreError::Corrupt(_))));
        assert!(matches!(
            files.get(&content_hash(b"other")),
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            files.get("../../etc/passwd"),
            Err(StoreError::Corrupt(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
