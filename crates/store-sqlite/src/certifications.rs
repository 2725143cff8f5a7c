//! A council's result certified, on SQLite (issue 18 §5).

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::sql::all;
use async_trait::async_trait;
use domain::results::certification::{self, KeptStep, Step, StepFacts};
use rusqlite::{params, Connection, Transaction};
use store::certifications::{certified, CertificationStep, ResultNow};
use store::{Actor, CertificationStore, Entity, StoreError, StoreResult};

/// A row as read: council, step, digest, result, (reason, lottery seed), by, at.
type KeptRow = (
    String,
    String,
    String,
    String,
    (Option<String>, Option<String>),
    String,
    i64,
);

const COLUMNS: &str =
    "council_code, step, digest, result, reason, lottery_seed, certified_by, certified_at_us";

fn steps(
    conn: &Connection,
    election: &str,
    council: Option<&str>,
) -> StoreResult<Vec<CertificationStep>> {
    let rows: Vec<KeptRow> = all(
        &mut *conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM result_certifications
                 WHERE election_code = ?1 AND (?2 IS NULL OR council_code = ?2)
                 ORDER BY council_code, id"
            ))
            .map_err(db_err)?,
        params![election, council],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                (r.get(4)?, r.get(5)?),
                r.get(6)?,
                r.get(7)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(
            |(council, step, digest, result, (reason, lottery_seed), by, at)| {
                Ok(CertificationStep {
                    step: Step::parse(&step).ok_or_else(|| {
                        StoreError::Corrupt(format!("certification step {step:?}"))
                    })?,
                    council,
                    digest,
                    result,
                    reason,
                    lottery_seed,
                    by,
                    at: domain::clock::from_micros(at),
                })
            },
        )
        .collect()
}

/// Complaints about the council that wait for a decision or a hearing.
pub(crate) fn pending_complaints(
    conn: &Connection,
    election: &str,
    council: &str,
) -> StoreResult<usize> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM result_complaints
             WHERE election_code = ?1 AND council_code = ?2
               AND (decided_at_us IS NULL OR (objected_at_us IS NOT NULL AND heard_at_us IS NULL))",
        )
        .map_err(db_err)?
        .query_row([election, council], |r| r.get(0))
        .map_err(db_err)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// When each decided complaint about the council that nobody objected to yet was decided.
fn decided_unobjected(
    conn: &Connection,
    election: &str,
    council: &str,
) -> StoreResult<Vec<time::OffsetDateTime>> {
    let at: Vec<i64> = all(
        &mut *conn
            .prepare_cached(
                "SELECT decided_at_us FROM result_complaints
                 WHERE election_code = ?1 AND council_code = ?2
                   AND decided_at_us IS NOT NULL AND objected_at_us IS NULL",
            )
            .map_err(db_err)?,
        [election, council],
        |r| r.get(0),
    )?;
    Ok(at.into_iter().map(domain::clock::from_micros).collect())
}

fn certify(
    tx: &Transaction<'_>,
    election: &str,
    now: &ResultNow,
    (step, reason): (Step, &str),
    by: &Actor,
) -> StoreResult<CertificationStep> {
    let known: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM councils WHERE code = ?1)")
        .map_err(db_err)?
        .query_row([&now.council], |r| r.get(0))
        .map_err(db_err)?;
    if !known {
        return Err(StoreError::not_found(Entity::Council));
    }
    let before = steps(tx, election, Some(&now.council))?;
    let kept: Vec<KeptStep> = before.iter().map(CertificationStep::kept).collect();
    let facts = StepFacts {
        reported: now.reported,
        digest: &now.digest,
        pending_complaints: pending_complaints(tx, election, &now.council)?,
        complaints_open: domain::results::complaints::still_open(
            now.complaints_window,
            decided_unobjected(tx, election, &now.council)?,
            by.at,
        ),
    };
    let reason = certification::check_step(&kept, step, &facts, reason)?;
    // Only an approval keeps the lottery's seed: the council's first, or the one drawn now.
    let seed = if step == Step::Approve {
        certification::lottery_seed(
            before.iter().map(|s| s.lottery_seed.as_deref()),
            now.lottery_seed.as_deref(),
        )
    } else {
        None
    };
    tx.prepare_cached(
        "INSERT INTO result_certifications (election_code, council_code, step, digest, result,
             reason, lottery_seed, certified_by, certified_at_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        now.council,
        step.as_str(),
        now.digest,
        now.result,
        reason,
        seed,
        by.username,
        by.at_us()
    ])
    .map_err(db_err)?;
    let made = CertificationStep {
        council: now.council.clone(),
        step,
        digest: now.digest.clone(),
        result: now.result.clone(),
        reason,
        lottery_seed: seed,
        by: by.username.clone(),
        at: by.at,
    };
    append_audit(tx, by, &certified(election, &made))?;
    Ok(made)
}

#[async_trait]
impl CertificationStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn certify(
        &self,
        election: &str,
        now: &ResultNow,
        step: Step,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<CertificationStep> {
        let (election, now, reason, by) = (
            election.to_owned(),
            now.clone(),
            reason.to_owned(),
            by.clone(),
        );
        self.write(move |tx| certify(tx, &election, &now, (step, &reason), &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn certifications(&self, election: &str) -> StoreResult<Vec<CertificationStep>> {
        let election = election.to_owned();
        self.read(move |conn| steps(conn, &election, None)).await
    }
}
