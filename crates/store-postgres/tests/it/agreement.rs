//! The two backends agree: the same refusals in the same words for the same bad inputs, the
//! same migrations, and the same shape (one file per area, leaf modules that name no area).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::Store;

/// The store's areas: each backend has one file for each, implementing its trait.
const AREAS: &[&str] = &[
    "geography",
    "stations",
    "people",
    "staffing",
    "boards",
    "candidacy",
    "roll",
    "election_day",
    "auth",
    "identity",
    "audit_log",
    "readiness",
    "security",
    "incidents",
    "equipment",
    "guardians",
    "kiosks",
    "tallies",
    "minutes",
    "annulments",
    "hand_counts",
    "certifications",
    "complaints",
];

/// The leaf modules: helpers that name no area.
const LEAVES: [&str; 7] = ["db", "migrate", "sql", "rows", "chain", "facts", "testing"];

fn backend_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

/// The backend's top-level modules (`lib` included).
fn modules(src: &Path) -> BTreeSet<String> {
    std::fs::read_dir(src)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect()
}

/// Every `.rs` file of a module: the file and what its folder holds.
fn files_of(src: &Path, module: &str) -> Vec<PathBuf> {
    let mut out = vec![src.join(format!("{module}.rs"))];
    let dir = src.join(module);
    if dir.is_dir() {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out
}

/// The crate's modules a file names (`crate::x`), comments left out.
fn named_modules(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
        // `use crate::{a, b::c}` names several.
        if let Some(i) = code.find("crate::{") {
            let group = &code[i + "crate::{".len()..];
            for part in group.split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

#[test]
fn the_backends_have_the_same_files_one_per_area() {
    let sqlite = modules(&backend_src("store-sqlite"));
    let postgres = modules(&backend_src("store-postgres"));
    assert_eq!(sqlite, postgres, "the two backends' modules differ");
    let expected: BTreeSet<String> = AREAS
        .iter()
        .chain(LEAVES.iter())
        .chain(["lib"].iter())
        .map(|s| (*s).to_owned())
        .collect();
    assert_eq!(sqlite, expected);
}

#[test]
fn areas_name_only_leaves_and_leaves_name_no_area() {
    for backend in ["store-sqlite", "store-postgres"] {
        let src = backend_src(backend);
        let crate_modules = modules(&src);
        for module in AREAS.iter().chain(LEAVES.iter()) {
            for file in files_of(&src, module) {
                for named in named_modules(&file) {
                    if !crate_modules.contains(&named) || named == *module {
                        // A crate-root item other than a module, or the module itself.
                        assert!(
                            named == *module || !crate_modules.contains(&named),
                            "{}",
                            file.display()
                        );
                        continue;
                    }
                    assert!(
                        LEAVES.contains(&named.as_str()),
                        "{} names `crate::{named}`: {} may use only the leaf modules {LEAVES:?}",
                        file.display(),
                        if LEAVES.contains(module) {
                            "a leaf"
                        } else {
                            "an area"
                        },
                    );
                }
                // Nothing reaches lib.rs's items either: the root re-exports, it does not serve.
                let text = std::fs::read_to_string(&file).unwrap();
                for item in ["crate::Sqlite", "crate::Postgres"] {
                    assert!(
                        !text.contains(item),
                        "{} uses {item}: name it through crate::db",
                        file.display()
                    );
                }
            }
        }
    }
}

#[test]
fn the_backends_migrate_in_the_same_steps() {
    assert_eq!(store_sqlite::migrations(), store_postgres::migrations());
    let names = |backend: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(backend)
                .join("migrations"),
        )
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        names.sort();
        names
    };
    assert_eq!(names("store-sqlite"), names("store-postgres"));
    let listed: Vec<String> = store_sqlite::migrations()
        .iter()
        .map(|(v, name)| format!("{v:04}_{name}.sql"))
        .collect();
    assert_eq!(names("store-sqlite"), listed);
}

/// The same bad inputs on both stores: the same codes, the same Persian words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_stores_refuse_alike() {
    let sqlite: Arc<dyn Store> = Arc::new(
        store_sqlite::Sqlite::connect(&store_sqlite::testing::new_database().unwrap())
            .await
            .unwrap(),
    );
    let postgres: Arc<dyn Store> = crate::fresh().await;
    let on_sqlite = store::conformance::refusals::bad_inputs(sqlite).await;
    let on_postgres = store::conformance::refusals::bad_inputs(postgres).await;
    assert_eq!(on_sqlite.len(), on_postgres.len());
    for (s, p) in on_sqlite.iter().zip(&on_postgres) {
        assert_eq!(s, p, "the stores answer {} differently", s.case);
    }
}
