//! A council's result certified, on PostgreSQL (issue 18 §5). A step locks the council's row,
//! so two steps at once on one council queue and the second decides on what the first left.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, Attempt, Postgres, Unique};
use async_trait::async_trait;
use domain::results::certification::{self, KeptStep, Step, StepFacts};
use sqlx::postgres::PgConnection;
use sqlx::Row;
use store::certifications::{certified, CertificationStep, ResultNow};
use store::{Actor, CertificationStore, Entity, StoreError, StoreResult};

const COLUMNS: &str =
    "council_code, step, digest, result, reason, lottery_seed, certified_by, certified_at_us";

async fn steps(
    conn: &mut PgConnection,
    election: &str,
    council: Option<&str>,
) -> Attempt<Vec<CertificationStep>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM result_certifications \
         WHERE election_code = $1 AND ($2::TEXT IS NULL OR council_code = $2) \
         ORDER BY council_code COLLATE \"C\", id"
    ))
    .bind(election)
    .bind(council)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let step: String = r.try_get(1)?;
        out.push(CertificationStep {
            council: r.try_get(0)?,
            step: Step::parse(&step)
                .ok_or_else(|| StoreError::Corrupt(format!("certification step {step:?}")))?,
            digest: r.try_get(2)?,
            result: r.try_get(3)?,
            reason: r.try_get(4)?,
            lottery_seed: r.try_get(5)?,
            by: r.try_get(6)?,
            at: domain::clock::from_micros(r.try_get(7)?),
        });
    }
    Ok(out)
}

/// Complaints about the council that wait for a decision or a hearing.
pub(crate) async fn pending_complaints(
    conn: &mut PgConnection,
    election: &str,
    council: &str,
) -> Attempt<usize> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM result_complaints \
         WHERE election_code = $1 AND council_code = $2 \
           AND (decided_at_us IS NULL OR (objected_at_us IS NOT NULL AND heard_at_us IS NULL))",
    )
    .bind(election)
    .bind(council)
    .fetch_one(&mut *conn)
    .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}

impl Postgres {
    async fn try_certify(
        &self,
        election: &str,
        now: &ResultNow,
        (step, reason): (Step, &str),
        by: &Actor,
    ) -> Attempt<CertificationStep> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT 1 FROM councils WHERE code = $1 FOR NO KEY UPDATE")
            .bind(&now.council)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found(Entity::Council))?;
        let before = steps(&mut tx, election, Some(&now.council)).await?;
        let kept: Vec<KeptStep> = before.iter().map(CertificationStep::kept).collect();
        let decided: Vec<i64> = sqlx::query_scalar(
            "SELECT decided_at_us FROM result_complaints \
             WHERE election_code = $1 AND council_code = $2 \
               AND decided_at_us IS NOT NULL AND objected_at_us IS NULL",
        )
        .bind(election)
        .bind(&now.council)
        .fetch_all(&mut *tx)
        .await?;
        let facts = StepFacts {
            reported: now.reported,
            digest: &now.digest,
            pending_complaints: pending_complaints(&mut tx, election, &now.council).await?,
            complaints_open: domain::results::complaints::still_open(
                now.complaints_window,
                decided.into_iter().map(domain::clock::from_micros),
                by.at,
            ),
        };
        let reason =
            certification::check_step(&kept, step, &facts, reason).map_err(StoreError::from)?;
        // Only an approval keeps the lottery's seed: the council's first, or the one drawn now.
        let seed = if step == Step::Approve {
            certification::lottery_seed(
                before.iter().map(|s| s.lottery_seed.as_deref()),
                now.lottery_seed.as_deref(),
            )
        } else {
            None
        };
        sqlx::query(
            "INSERT INTO result_certifications (election_code, council_code, step, digest, \
                 result, reason, lottery_seed, certified_by, certified_at_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(election)
        .bind(&now.council)
        .bind(step.as_str())
        .bind(&now.digest)
        .bind(&now.result)
        .bind(&reason)
        .bind(&seed)
        .bind(&by.username)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
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
        append_audit(&mut tx, by, &certified(election, &made)).await?;
        tx.commit().await?;
        Ok(made)
    }
}

#[async_trait]
impl CertificationStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn certify(
        &self,
        election: &str,
        now: &ResultNow,
        step: Step,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<CertificationStep> {
        retry(Unique::Fail, || {
            self.try_certify(election, now, (step, reason), by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn certifications(&self, election: &str) -> StoreResult<Vec<CertificationStep>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        steps(&mut conn, election, None)
            .await
            .map_err(crate::db::settle)
    }
}
