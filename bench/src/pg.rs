//! The benchmarks' own PostgreSQL databases: each run creates one on the cluster it is given
//! and drops it when it ends, so that runs never share or leave data.

use anyhow::Context;
use sqlx::Connection;

/// A database created on the cluster for one benchmark run.
pub struct PgDatabase {
    /// The cluster's admin URL, which created the database and drops it.
    pub admin: String,
    pub name: String,
    /// The database's own URL.
    pub url: String,
}

impl PgDatabase {
    /// Creates `bench_<purpose>_<pid>_<random>` on the cluster at the admin URL `admin`.
    pub async fn create(admin: &str, purpose: &str) -> anyhow::Result<Self> {
        let name = format!(
            "bench_{purpose}_{}_{}",
            std::process::id(),
            &web::auth::token_hash(&web::auth::new_token())[..8]
        );
        let mut conn = sqlx::PgConnection::connect(admin)
            .await
            .context("cannot connect to the PostgreSQL admin URL")?;
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .with_context(|| format!("cannot create database {name}"))?;
        conn.close().await?;
        Ok(Self {
            admin: admin.to_owned(),
            url: store_postgres::testing::with_database(admin, &name),
            name,
        })
    }

    /// Drops the database, ending the sessions still connected to it.
    pub async fn drop_now(&self) -> anyhow::Result<()> {
        let mut conn = sqlx::PgConnection::connect(&self.admin).await?;
        sqlx::raw_sql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await?;
        conn.close().await?;
        Ok(())
    }
}
