//! `sandoq import voters FILE.csv`: the eligibility roll, streamed in one pass
//! (`store::import::roll_file`).

use anyhow::bail;
use std::path::Path;
use store::import::ImportError;
use store::Actor;

pub async fn import_voters(url: &str, path: &Path, by: Actor) -> anyhow::Result<()> {
    let store = crate::db::open(url).await?;
    let started = std::time::Instant::now();
    match store::import::roll_file(store.as_ref(), path, &by).await {
        Ok(n) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "imported {n} voters from {} in {secs:.1} s ({:.0} rows/s)",
                path.display(),
                n as f64 / secs.max(1e-9)
            );
            Ok(())
        }
        Err(ImportError::Rows(rows)) => {
            for row in &rows {
                eprintln!("{}:{}: {}", path.display(), row.line, row.message);
            }
            bail!(
                "{} bad rows in {}; nothing was imported",
                rows.len(),
                path.display()
            )
        }
        Err(ImportError::Store(e)) => {
            Err(anyhow::Error::new(e).context("the roll import was refused; nothing was imported"))
        }
    }
}
