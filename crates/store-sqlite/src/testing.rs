//! Test support, not part of the store's API: each test gets a database file of its own, in a
//! directory named after the test process (`sandoq-test-<pid>-<n>` under the temporary
//! directory). The first database a process asks for also removes the directories of this
//! machine's test processes that have ended, so a developer's disk does not fill run after run.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use store::{StoreError, StoreResult};

static SWEPT: AtomicBool = AtomicBool::new(false);
static NEXT: AtomicU64 = AtomicU64::new(0);

/// The pid in a test directory's name, if it is one.
fn pid_of(name: &str) -> Option<u32> {
    name.strip_prefix("sandoq-test-")?
        .split('-')
        .next()?
        .parse()
        .ok()
}

/// A `sqlite:` URL of a database file no one has used, in a fresh directory.
pub fn new_database() -> StoreResult<String> {
    let root = std::env::temp_dir();
    if !SWEPT.swap(true, Ordering::SeqCst) {
        if let Ok(entries) = std::fs::read_dir(&root) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let ended = pid_of(&name)
                    .is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
                if ended {
                    // Another sweeper may have removed it already.
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
    }
    let dir = root.join(format!(
        "sandoq-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).map_err(StoreError::database)?;
    Ok(format!("sqlite:{}", dir.join("test.db").display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn databases_are_fresh_and_named_after_the_process() {
        let (a, b) = (new_database().unwrap(), new_database().unwrap());
        assert_ne!(a, b);
        let dir = std::path::Path::new(a.strip_prefix("sqlite:").unwrap())
            .parent()
            .unwrap()
            .to_owned();
        assert!(dir.is_dir());
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(pid_of(&name), Some(std::process::id()));
        assert_eq!(pid_of("sandoq-files"), None);
    }
}
