//! `sandoq`: the one binary of the system.
//!
//! It reads the configuration (flags and `SANDOQ_*` environment variables, through clap: the
//! only place in the workspace that reads the environment), picks the storage backend from the
//! database URL's scheme, and hands an `Arc<dyn Store>` to the web server or to a command.

mod audit_cmd;
mod db;
mod demo;
mod guardian;
mod http;
mod record_cmd;
mod roll;
mod serve;
mod tally_cmd;
mod transfer;
mod user;
mod verify_minutes;
mod verify_record;

use clap::{Args, Parser, Subcommand};

/// mimalloc rather than the system's malloc: requests are allocated on one thread and freed on
/// another, which glibc pays for in locks and consolidation under check-in load (measured in
/// `bench/README.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

/// Persian election administration for Kerman province: server and administration commands.
#[derive(Debug, Parser)]
#[command(name = "sandoq", version)]
struct Cli {
    /// Where the data lives: `sqlite:PATH`, `sqlite://PATH`, `postgres://…` or `postgresql://…`.
    #[arg(
        long,
        global = true,
        env = "SANDOQ_DATABASE_URL",
        default_value = "sqlite:sandoq.db",
        hide_env_values = true
    )]
    database_url: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web UI and the JSON API.
    Serve(serve::ServeArgs),
    /// Load the Kerman demo province and its demo logins into an empty database.
    Demo(demo::DemoArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Export data as CSV (UTF-8 with a BOM) to standard output.
    #[command(subcommand)]
    Export(transfer::ExportCommand),
    /// Import data from CSV files, all or nothing.
    #[command(subcommand)]
    Import(transfer::ImportCommand),
    /// The guardians' election key: its ceremony, their confirmations, its public record.
    #[command(subcommand)]
    Guardian(guardian::GuardianCommand),
    /// The election record: `export --to DIR` writes it for anyone to verify.
    #[command(subcommand)]
    Record(record_cmd::RecordCommand),
    /// Verify a published election record (ballots' proofs, tracking-code chains, tallies,
    /// decryptions, counts): exits 0, or 2 naming what is wrong.
    Verify(verify_record::VerifyRecordArgs),
    /// Recount: verify a published record and recompute every council's result (votes, seats,
    /// ties, lottery) from it alone: exits 0 when the published results are reproduced, or 2
    /// naming every difference.
    Tally(tally_cmd::TallyArgs),
    /// Check a station's posted count minutes: the QR code's text against the published
    /// minutes and keys (a record's directory, or a server): exits 0, or 2 naming each fault.
    VerifyMinutes(verify_minutes::VerifyMinutesArgs),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add(user::AddArgs),
    /// Disable an account: it cannot sign in, and its sessions end at once.
    Disable(user::NameArgs),
    /// Enable a disabled account.
    Enable(user::NameArgs),
    /// Set an account's password, read from standard input; its sessions end.
    Passwd(user::PasswdArgs),
    /// List an account's live sessions (never their tokens); `--revoke` ends them all.
    Sessions(user::SessionsArgs),
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the audit hash chain and name the first broken record.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct VerifyArgs {}

fn init_tracing(default_level: &str) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    // A second initialisation (never expected) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            init_tracing("info");
            serve::run(&cli.database_url, args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            init_tracing("warn");
            demo::run(&cli.database_url, &args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::User(command) => {
            init_tracing("warn");
            let url = &cli.database_url;
            match command {
                UserCommand::Add(args) => user::add(url, &args).await?,
                UserCommand::Disable(args) => user::disable(url, &args).await?,
                UserCommand::Enable(args) => user::enable(url, &args).await?,
                UserCommand::Passwd(args) => user::passwd(url, &args).await?,
                UserCommand::Sessions(args) => user::sessions(url, &args).await?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(transfer::ExportCommand::Stations(args)) => {
            init_tracing("warn");
            transfer::export_stations(&cli.database_url, &args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(transfer::ExportCommand::Results(args)) => {
            init_tracing("warn");
            transfer::export_results(&cli.database_url, &args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(command) => {
            init_tracing("warn");
            transfer::import(&cli.database_url, &command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Guardian(command) => {
            init_tracing("warn");
            guardian::run(&cli.database_url, &command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Record(command) => {
            init_tracing("warn");
            record_cmd::run(&cli.database_url, &command).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify(args) => {
            init_tracing("warn");
            verify_record::run(&args)
        }
        Command::VerifyMinutes(args) => {
            init_tracing("warn");
            verify_minutes::run(&args).await
        }
        Command::Tally(args) => {
            init_tracing("warn");
            tally_cmd::run(&args)
        }
        Command::Audit(AuditCommand::Verify(VerifyArgs {})) => {
            init_tracing("warn");
            audit_cmd::verify(&cli.database_url).await
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sandoq: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn database_url_defaults_to_sqlite_file() {
        let cli = Cli::try_parse_from(["sandoq", "audit", "verify"]).unwrap();
        // The environment of the test run may set SANDOQ_DATABASE_URL; only check the default
        // when it does not.
        if std::env::var_os("SANDOQ_DATABASE_URL").is_none() {
            assert_eq!(cli.database_url, "sqlite:sandoq.db");
        }
    }

    #[test]
    fn station_and_county_conflict() {
        let err = Cli::try_parse_from([
            "sandoq",
            "user",
            "add",
            "--username",
            "abc",
            "--role",
            "observer",
            "--county",
            "01",
            "--station",
            "01-0001",
            "--password-stdin",
        ]);
        assert!(err.is_err());
    }
}
