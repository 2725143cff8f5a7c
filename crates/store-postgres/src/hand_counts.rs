//! The paper fallback's hand counts on PostgreSQL (issue 18 §1). A write locks the station's
//! row, so two entries at once queue and the second reads what the first left.

use crate::chain::append_audit;
use crate::db::{lock_station, retry, Attempt, Postgres, Unique};
use async_trait::async_trait;
use domain::results::paper::{self, HandCount};
use sqlx::postgres::PgConnection;
use sqlx::Row;
use store::hand_counts::{
    declared, entered, figure, gather, resolved, votes_from_text, votes_text, CouncilHandCount,
    PaperStation, RESOLUTION,
};
use store::{Actor, Entity, HandCountStore, StoreError, StoreResult};

/// The kept hand counts of a station (of one council when `council` is given), in council and
/// kind order.
async fn counts(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
    council: Option<&str>,
) -> Attempt<Vec<CouncilHandCount>> {
    let rows = sqlx::query(
        "SELECT kind, council_code, ballots, blank, unused_choices, votes, reason, entered_by, \
             entered_at_us \
         FROM hand_counts \
         WHERE election_code = $1 AND station_code = $2 \
           AND ($3::TEXT IS NULL OR council_code = $3) \
         ORDER BY council_code COLLATE \"C\", kind",
    )
    .bind(election)
    .bind(station)
    .bind(council)
    .fetch_all(&mut *conn)
    .await?;
    let mut kept = Vec::with_capacity(rows.len());
    for r in &rows {
        kept.push((
            r.try_get::<i64, _>(0)?,
            HandCount {
                council: r.try_get(1)?,
                ballots: figure(r.try_get(2)?),
                blank: figure(r.try_get(3)?),
                unused_choices: figure(r.try_get(4)?),
                votes: votes_from_text(&r.try_get::<String, _>(5)?)?,
            },
            r.try_get::<Option<String>, _>(6)?,
            r.try_get::<String, _>(7)?,
            domain::clock::from_micros(r.try_get(8)?),
        ));
    }
    Ok(gather(kept))
}

/// Locks the station's row (`NotFound` for an unknown station); whether it is declared.
async fn is_declared(conn: &mut PgConnection, election: &str, station: &str) -> Attempt<bool> {
    lock_station(conn, station).await?;
    Ok(
        sqlx::query("SELECT 1 FROM paper_stations WHERE election_code = $1 AND station_code = $2")
            .bind(election)
            .bind(station)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

async fn insert(
    conn: &mut PgConnection,
    (election, station): (&str, &str),
    count: &HandCount,
    (kind, reason): (i64, Option<&str>),
    by: &Actor,
) -> Attempt<()> {
    let figure = |n: u64| {
        i64::try_from(n).map_err(|_| StoreError::from(paper::PaperRefusal::FigureTooLarge))
    };
    sqlx::query(
        "INSERT INTO hand_counts (election_code, station_code, council_code, kind, ballots, \
             blank, unused_choices, votes, reason, entered_by, entered_at_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(election)
    .bind(station)
    .bind(&count.council)
    .bind(kind)
    .bind(figure(count.ballots)?)
    .bind(figure(count.blank)?)
    .bind(figure(count.unused_choices)?)
    .bind(votes_text(count))
    .bind(reason)
    .bind(&by.username)
    .bind(by.at_us())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The council's kept counts at a declared station (`NotPaper` when not declared), the
/// station's row locked.
async fn council_counts(
    conn: &mut PgConnection,
    election: &str,
    station: &str,
    council: &str,
) -> Attempt<CouncilHandCount> {
    if !is_declared(conn, election, station).await? {
        return Err(StoreError::from(paper::PaperRefusal::NotPaper).into());
    }
    Ok(counts(conn, election, station, Some(council))
        .await?
        .pop()
        .unwrap_or_else(|| CouncilHandCount {
            council: council.to_owned(),
            entries: Vec::new(),
            resolution: None,
        }))
}

impl Postgres {
    async fn try_declare_paper(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> Attempt<PaperStation> {
        let mut tx = self.pool.begin().await?;
        let reason =
            paper::check_declaration(is_declared(&mut tx, election, station).await?, reason)
                .map_err(StoreError::from)?;
        sqlx::query(
            "INSERT INTO paper_stations (election_code, station_code, reason, declared_by, \
                 declared_at_us) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(election)
        .bind(station)
        .bind(&reason)
        .bind(&by.username)
        .bind(by.at_us())
        .execute(&mut *tx)
        .await?;
        let made = PaperStation {
            station: station.to_owned(),
            reason,
            by: by.username.clone(),
            at: by.at,
            councils: Vec::new(),
        };
        append_audit(&mut tx, by, &declared(election, &made)).await?;
        tx.commit().await?;
        Ok(made)
    }

    async fn try_enter(
        &self,
        election: &str,
        station: &str,
        count: &HandCount,
        by: &Actor,
    ) -> Attempt<CouncilHandCount> {
        let mut tx = self.pool.begin().await?;
        let before = council_counts(&mut tx, election, station, &count.council).await?;
        let officials: Vec<&str> = before.entries.iter().map(|e| e.by.as_str()).collect();
        paper::check_entry(&officials, &by.username).map_err(StoreError::from)?;
        let kind = i64::try_from(officials.len()).unwrap_or(0) + 1;
        insert(&mut tx, (election, station), count, (kind, None), by).await?;
        append_audit(&mut tx, by, &entered(election, station, count, kind)).await?;
        let after = council_counts(&mut tx, election, station, &count.council).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn try_resolve(
        &self,
        (election, station): (&str, &str),
        count: &HandCount,
        reason: &str,
        by: &Actor,
    ) -> Attempt<CouncilHandCount> {
        let mut tx = self.pool.begin().await?;
        let before = council_counts(&mut tx, election, station, &count.council).await?;
        let entries: Vec<HandCount> = before.entries.iter().map(|e| e.count.clone()).collect();
        let reason = paper::check_resolution(&entries, before.resolution.is_some(), reason)
            .map_err(StoreError::from)?;
        insert(
            &mut tx,
            (election, station),
            count,
            (RESOLUTION, Some(&reason)),
            by,
        )
        .await?;
        append_audit(&mut tx, by, &resolved(election, station, count, &reason)).await?;
        let after = council_counts(&mut tx, election, station, &count.council).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn try_list_paper(&self, election: &str) -> Attempt<Vec<PaperStation>> {
        let mut conn = self.pool.acquire().await?;
        let declared = sqlx::query(
            "SELECT station_code, reason, declared_by, declared_at_us FROM paper_stations \
             WHERE election_code = $1 ORDER BY station_code COLLATE \"C\"",
        )
        .bind(election)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(declared.len());
        for r in &declared {
            let station: String = r.try_get(0)?;
            out.push(PaperStation {
                councils: counts(&mut conn, election, &station, None).await?,
                station,
                reason: r.try_get(1)?,
                by: r.try_get(2)?,
                at: domain::clock::from_micros(r.try_get(3)?),
            });
        }
        Ok(out)
    }
}

#[async_trait]
impl HandCountStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn declare_paper(
        &self,
        election: &str,
        station: &str,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<PaperStation> {
        retry(
            Unique::Retry {
                entity: Entity::Station,
                key: station,
            },
            || self.try_declare_paper(election, station, reason, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn enter_hand_count(
        &self,
        election: &str,
        station: &str,
        count: &HandCount,
        by: &Actor,
    ) -> StoreResult<CouncilHandCount> {
        retry(
            Unique::Retry {
                entity: Entity::Station,
                key: station,
            },
            || self.try_enter(election, station, count, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn resolve_hand_count(
        &self,
        election: &str,
        station: &str,
        count: &HandCount,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<CouncilHandCount> {
        retry(
            Unique::Retry {
                entity: Entity::Station,
                key: station,
            },
            || self.try_resolve((election, station), count, reason, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn paper_stations(&self, election: &str) -> StoreResult<Vec<PaperStation>> {
        retry(Unique::Fail, || self.try_list_paper(election)).await
    }
}
