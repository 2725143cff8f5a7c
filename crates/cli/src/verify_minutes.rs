//! `sandoq verify-minutes --qr FILE (--from DIR | --server URL)`: an observer who photographed a
//! station's posted count minutes checks them (issue 18 §2). The QR code's text (as any phone's
//! reader gives it) holds the counts and every signature: each signature is verified against its
//! key, each key must be a published, confirmed official's key, and the sheet must say exactly
//! what the published minutes of that version say — from a published record's directory
//! (`minutes.json`) or from a running server's public API. Exits 0, or 2 naming each fault.

use crate::verify_record::{self, WRONG};
use clap::Args;
use domain::results::published_minutes::{
    check_sheet, PublishedKey, PublishedMinutes, PublishedStationMinutes, PublishedVersion,
    MINUTES_FILE,
};
use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("published").required(true).args(["from", "server"])))]
pub struct VerifyMinutesArgs {
    /// A file holding the QR code's text (`-`: standard input).
    #[arg(long, value_name = "FILE")]
    pub qr: PathBuf,
    /// The directory of a published record (`sandoq record export --to DIR`).
    #[arg(long = "from", value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// A running server's address (`http://…` or `https://…`): its public results API.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
}

/// The public API's answer for a station's minutes: only what the check needs.
#[derive(Debug, serde::Deserialize)]
struct ServedMinutes {
    station: String,
    versions: Vec<PublishedVersion>,
}

pub async fn run(args: &VerifyMinutesArgs) -> anyhow::Result<ExitCode> {
    let mut payload = String::new();
    if args.qr.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut payload)?;
    } else {
        payload = std::fs::read_to_string(&args.qr)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", args.qr.display()))?;
    }
    // The station is named in the sheet itself; read it before fetching what is published.
    let station_code = payload
        .lines()
        .find_map(|line| line.strip_prefix("station:"))
        .map(str::to_owned)
        .unwrap_or_default();
    let (station, keys): (Option<PublishedStationMinutes>, Vec<PublishedKey>) =
        if let Some(dir) = &args.from {
            let published: PublishedMinutes = match verify_record::read(&dir.join(MINUTES_FILE)) {
                Ok(published) => published,
                Err(error) => {
                    println!("the published minutes: {error:#}");
                    return Ok(ExitCode::from(WRONG));
                }
            };
            (
                published
                    .stations
                    .into_iter()
                    .find(|s| s.station == station_code),
                published.keys,
            )
        } else {
            let client = crate::http::Client::new(args.server.as_deref().unwrap_or_default())?;
            let served: ServedMinutes = client
                .get(&format!(
                    "/api/v1/results/stations/{}/minutes",
                    web::fmt::url_encode(&station_code)
                ))
                .await?;
            let keys: Vec<PublishedKey> = client.get("/api/v1/results/signing-keys").await?;
            (
                Some(PublishedStationMinutes {
                    station: served.station,
                    versions: served.versions,
                }),
                keys,
            )
        };
    let checked = check_sheet(&payload, station.as_ref(), &keys);
    for note in &checked.notes {
        println!("note: {note}");
    }
    if checked.faults.is_empty() {
        if let Some(minutes) = &checked.minutes {
            println!(
                "the sheet of station {} (minutes version {}, digest {}) is the published minutes, every signature on it verified",
                minutes.station,
                minutes.version,
                minutes.digest()
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        println!("the sheet does not check in {} ways", checked.faults.len());
        for fault in &checked.faults {
            println!("{fault}");
        }
        Ok(ExitCode::from(WRONG))
    }
}
