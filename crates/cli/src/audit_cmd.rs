//! `sandoq audit verify`: recomputes the audit hash chain through the store.

use anyhow::Context;
use std::process::ExitCode;

/// Exit code of a broken chain (1 is left for errors such as an unreachable database).
pub const BROKEN: u8 = 2;

pub async fn verify(url: &str) -> anyhow::Result<ExitCode> {
    let store = crate::db::open(url).await?;
    let outcome = store::verify_audit(store.as_ref())
        .await
        .context("cannot read the audit log")?;
    match outcome {
        Ok(records) => {
            println!("audit chain intact: {records} records");
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            let reason = match &broken {
                audit::AuditError::Broken { reason, .. } => reason.to_string(),
            };
            println!("audit chain broken at record {}: {reason}", broken.seq());
            Ok(ExitCode::from(BROKEN))
        }
    }
}
