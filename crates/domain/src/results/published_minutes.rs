//! The published minutes (issue 18 §2, §7): every station's minutes, every version with its
//! canonical text and marks, and every official's signing key, written beside the election
//! record (`minutes.json`). [`check`] verifies each signature against its key and tells which
//! stations' current minutes are fully signed: what `sandoq tally` and `sandoq verify-minutes`
//! rely on instead of the server's word.

use super::minutes::{self, Mark, Minutes, SigningState};
use crate::staffing::Post;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The file's name in the record's directory.
pub const MINUTES_FILE: &str = "minutes.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PublishedMinutes {
    pub election: String,
    pub keys: Vec<PublishedKey>,
    /// In station code order.
    pub stations: Vec<PublishedStationMinutes>,
}

/// An official's signing key: the person it names, the county whose governor confirmed it,
/// and when it was confirmed and revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedKey {
    pub id: i64,
    pub national_id: String,
    pub county: String,
    /// 32 bytes, base64url.
    pub public_key: String,
    #[serde(with = "crate::json_time::instant::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub confirmed_at: Option<OffsetDateTime>,
    #[serde(with = "crate::json_time::instant::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedStationMinutes {
    pub station: String,
    /// Oldest first; the last is current. Each version's text names who is to sign it.
    pub versions: Vec<PublishedVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedVersion {
    pub version: u32,
    /// The canonical text, what was signed.
    pub text: String,
    /// SHA-256 of the text, hex.
    pub digest: String,
    /// A correction's reason.
    pub reason: Option<String>,
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub drawn_at: OffsetDateTime,
    pub marks: Vec<PublishedMark>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedMark {
    pub post: Post,
    pub national_id: String,
    /// The key's id in `keys`.
    pub key: i64,
    /// 64 bytes, base64url; absent for a refusal.
    pub signature: Option<String>,
    /// A refusal's reason; absent for a signature.
    pub refusal: Option<String>,
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
}

impl PublishedMark {
    /// The mark as the domain reads it, with the key it names.
    pub fn mark(&self, key: &minutes::PublicKey) -> Option<Mark> {
        match (&self.signature, &self.refusal) {
            (Some(signature), None) => Some(Mark::Signed {
                key: *key,
                signature: minutes::decode(signature)?,
            }),
            (None, Some(reason)) => Some(Mark::Refused {
                reason: reason.clone(),
            }),
            _ => None,
        }
    }
}

/// What the published minutes establish: each station's current minutes and whether they are
/// fully signed, and every fault found (a text that is not canonical, a signature that does not
/// verify, a key unknown, unconfirmed, revoked before the signature, or of another person).
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub current: HashMap<String, (Minutes, bool)>,
    pub faults: Vec<String>,
}

/// Checks every version's text and every mark of the published minutes.
pub fn check(published: &PublishedMinutes) -> Checked {
    let keys: HashMap<i64, &PublishedKey> = published.keys.iter().map(|k| (k.id, k)).collect();
    let mut out = Checked::default();
    for station in &published.stations {
        if out.current.contains_key(&station.station) {
            out.faults
                .push(format!("station {} is published twice", station.station));
            continue;
        }
        let mut last = None;
        for (i, version) in station.versions.iter().enumerate() {
            let place = format!(
                "station {} minutes version {}",
                station.station, version.version
            );
            let minutes = match Minutes::parse(&version.text) {
                Ok(minutes) => minutes,
                Err(e) => {
                    out.faults.push(format!("{place}: {e}"));
                    last = None;
                    continue;
                }
            };
            if minutes.station != station.station
                || minutes.election != published.election
                || minutes.version != version.version
                || u32::try_from(i + 1).ok() != Some(version.version)
            {
                out.faults.push(format!(
                    "{place}: the text is of station {} version {} of election {}",
                    minutes.station, minutes.version, minutes.election
                ));
                last = None;
                continue;
            }
            if minutes.digest() != version.digest {
                out.faults
                    .push(format!("{place}: the digest is not the text's"));
            }
            let mut marks = Vec::new();
            for mark in &version.marks {
                match check_mark(&place, &minutes, mark, &keys) {
                    Ok(checked) => {
                        if marks.iter().any(|(post, _)| *post == mark.post) {
                            out.faults
                                .push(format!("{place}: {} marked twice", mark.post.as_str()));
                        } else {
                            marks.push((mark.post, checked));
                        }
                    }
                    Err(fault) => out.faults.push(fault),
                }
            }
            let signed = SigningState::of(&minutes.roster(), &marks).fully_signed();
            last = Some((minutes, signed));
        }
        match last {
            Some(last) => {
                out.current.insert(station.station.clone(), last);
            }
            None => {
                // Faulty: its station counts as not signed (the faults say why).
                if let Some(text) = station
                    .versions
                    .last()
                    .and_then(|v| Minutes::parse(&v.text).ok())
                {
                    out.current.insert(station.station.clone(), (text, false));
                }
            }
        }
    }
    out
}

fn check_mark(
    place: &str,
    minutes: &Minutes,
    mark: &PublishedMark,
    keys: &HashMap<i64, &PublishedKey>,
) -> Result<Mark, String> {
    let post = mark.post.as_str();
    if minutes.signer(mark.post) != Some(mark.national_id.as_str()) {
        return Err(format!(
            "{place}: {post}'s mark is not by the person the minutes name for it"
        ));
    }
    let key = keys
        .get(&mark.key)
        .ok_or_else(|| format!("{place}: {post}'s key {} is not published", mark.key))?;
    if key.national_id != mark.national_id {
        return Err(format!(
            "{place}: {post}'s key {} is another person's",
            mark.key
        ));
    }
    let public_key = minutes::decode(&key.public_key)
        .ok_or_else(|| format!("{place}: key {} is not 32 bytes of base64url", key.id))?;
    let checked = mark
        .mark(&public_key)
        .ok_or_else(|| format!("{place}: {post}'s mark is neither a signature nor a refusal"))?;
    if key.confirmed_at.is_none_or(|confirmed| confirmed > mark.at) {
        return Err(format!(
            "{place}: {post} marked with key {} before it was confirmed",
            key.id
        ));
    }
    if key.revoked_at.is_some_and(|revoked| revoked <= mark.at) {
        return Err(format!(
            "{place}: {post} marked with key {} after it was revoked",
            key.id
        ));
    }
    if let Mark::Signed { key, signature } = &checked {
        if !minutes::verify(&minutes.canonical(), key, signature) {
            return Err(format!("{place}: {post}'s signature does not verify"));
        }
    }
    Ok(checked)
}

/// What a posted sheet's QR code says, against the published minutes of its station: faults
/// (a signature that does not verify, a key not published or not confirmed, a text other than
/// the published version's, a mark the published version lacks) and notes (a later version, a
/// mark made after the sheet was printed).
#[derive(Debug, Clone, Default)]
pub struct SheetCheck {
    pub minutes: Option<Minutes>,
    pub faults: Vec<String>,
    pub notes: Vec<String>,
}

/// Checks a sheet's QR payload against the published minutes of its station (`None`: nothing
/// published for it) and the published keys.
pub fn check_sheet(
    payload: &str,
    station: Option<&PublishedStationMinutes>,
    keys: &[PublishedKey],
) -> SheetCheck {
    let mut out = SheetCheck::default();
    let (minutes, marks) = match minutes::read_qr(payload) {
        Ok(read) => read,
        Err(e) => {
            out.faults
                .push(format!("the QR code does not read as minutes: {e}"));
            return out;
        }
    };
    let place = format!(
        "station {} minutes version {}",
        minutes.station, minutes.version
    );
    for (post, mark) in &marks {
        let Mark::Signed { key, signature } = mark else {
            continue;
        };
        let post = post.as_str();
        if !minutes::verify(&minutes.canonical(), key, signature) {
            out.faults.push(format!(
                "{place}: {post}'s signature on the sheet does not verify"
            ));
        }
        let encoded = minutes::encode(key);
        match keys.iter().find(|k| k.public_key == encoded) {
            None => out.faults.push(format!(
                "{place}: {post}'s key {encoded} is not a published key"
            )),
            Some(k) if k.confirmed_at.is_none() => out.faults.push(format!(
                "{place}: {post}'s key {} was never confirmed",
                k.id
            )),
            Some(_) => {}
        }
    }
    match station.and_then(|s| s.versions.iter().find(|v| v.version == minutes.version)) {
        None => out
            .faults
            .push(format!("{place}: no such version is published")),
        Some(published) => {
            if published.text != minutes.canonical() {
                let sheet = minutes.canonical();
                let differing: Vec<String> = sheet
                    .lines()
                    .zip(published.text.lines())
                    .filter(|(a, b)| a != b)
                    .map(|(a, b)| format!("sheet {a:?}, published {b:?}"))
                    .collect();
                out.faults.push(format!(
                    "{place}: the sheet says other than the published minutes: {}",
                    if differing.is_empty() {
                        "lines added or missing".to_owned()
                    } else {
                        differing.join("; ")
                    }
                ));
            }
            for (post, mark) in &marks {
                let on_record = published.marks.iter().find(|m| m.post == *post);
                let same = match (mark, on_record) {
                    (Mark::Signed { signature, .. }, Some(m)) => {
                        m.signature.as_deref() == Some(minutes::encode(signature).as_str())
                    }
                    (Mark::Refused { .. }, Some(m)) => m.refusal.is_some(),
                    (_, None) => false,
                };
                if !same {
                    out.faults.push(format!(
                        "{place}: {}'s mark on the sheet is not the published one",
                        post.as_str()
                    ));
                }
            }
            for mark in &published.marks {
                if !marks.iter().any(|(post, _)| *post == mark.post) {
                    out.notes.push(format!(
                        "{place}: {} marked after the sheet was printed",
                        mark.post.as_str()
                    ));
                }
            }
            if let Some(last) = station.and_then(|s| s.versions.last()) {
                if last.version != minutes.version {
                    out.notes.push(format!(
                        "{place}: superseded by version {} (reason: {})",
                        last.version,
                        last.reason.as_deref().unwrap_or("-")
                    ));
                }
            }
        }
    }
    out.minutes = Some(minutes);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::count_checks::Voters;
    use ed25519_dalek::{Signer, SigningKey};
    use time::macros::datetime;

    fn published() -> (PublishedMinutes, SigningKey) {
        let signer = SigningKey::from_bytes(&[3; 32]);
        let mut m = Minutes::new("E", "S1", (None, None), Voters::default(), "", vec![])
            .with_signers([(Post::Head, "0012345678".to_owned())]);
        m.version = 1;
        let mark = PublishedMark {
            post: Post::Head,
            national_id: "0012345678".into(),
            key: 7,
            signature: Some(minutes::encode(
                &signer.sign(m.canonical().as_bytes()).to_bytes(),
            )),
            refusal: None,
            at: datetime!(2026-05-01 16:00 UTC),
        };
        let published = PublishedMinutes {
            election: "E".into(),
            keys: vec![PublishedKey {
                id: 7,
                national_id: "0012345678".into(),
                county: "11".into(),
                public_key: minutes::encode(&signer.verifying_key().to_bytes()),
                confirmed_at: Some(datetime!(2026-04-01 0:00 UTC)),
                revoked_at: None,
            }],
            stations: vec![PublishedStationMinutes {
                station: "S1".into(),
                versions: vec![PublishedVersion {
                    version: 1,
                    digest: m.digest(),
                    text: m.canonical(),
                    reason: None,
                    drawn_at: datetime!(2026-05-01 15:50 UTC),
                    marks: vec![mark],
                }],
            }],
        };
        (published, signer)
    }

    #[test]
    fn sound_minutes_are_signed_and_each_forgery_is_named() {
        let (good, _) = published();
        let checked = check(&good);
        assert!(checked.faults.is_empty(), "{:?}", checked.faults);
        assert!(checked.current["S1"].1);

        let mut forged = good.clone();
        forged.stations[0].versions[0].marks[0].signature = Some(minutes::encode(&[9; 64]));
        let mut changed = good.clone();
        changed.stations[0].versions[0].text = changed.stations[0].versions[0]
            .text
            .replace("check_ins:0", "check_ins:5");
        let mut unconfirmed = good.clone();
        unconfirmed.keys[0].confirmed_at = None;
        let mut revoked = good.clone();
        revoked.keys[0].revoked_at = Some(datetime!(2026-05-01 12:00 UTC));
        let mut stranger = good.clone();
        stranger.stations[0].versions[0].marks[0].national_id = "0099999999".into();
        for (bad, named) in [
            (forged, "does not verify"),
            (changed, "does not verify"),
            (unconfirmed, "before it was confirmed"),
            (revoked, "after it was revoked"),
            (stranger, "not by the person the minutes name"),
        ] {
            let checked = check(&bad);
            assert!(
                checked.faults.iter().any(|f| f.contains(named)),
                "{named}: {:?}",
                checked.faults
            );
            assert!(!checked.current["S1"].1);
        }
    }

    #[test]
    fn a_posted_sheet_matches_its_published_minutes_or_is_named() {
        let (good, signer) = published();
        let version = &good.stations[0].versions[0];
        let m = Minutes::parse(&version.text).unwrap();
        let sheet = minutes::qr_payload(
            &m,
            &[(
                Post::Head,
                version.marks[0]
                    .mark(&signer.verifying_key().to_bytes())
                    .unwrap(),
            )],
        );
        let checked = check_sheet(&sheet, Some(&good.stations[0]), &good.keys);
        assert!(checked.faults.is_empty(), "{:?}", checked.faults);
        assert_eq!(checked.minutes.unwrap(), m);
        // A count changed on the sheet: its signature fails, and it differs from what is published.
        let altered = sheet.replace("check_ins:0", "check_ins:7");
        let checked = check_sheet(&altered, Some(&good.stations[0]), &good.keys);
        assert!(checked.faults.iter().any(|f| f.contains("does not verify")));
        assert!(checked.faults.iter().any(|f| f.contains("check_ins:7")));
        // Signed with a key nobody published.
        let stranger = SigningKey::from_bytes(&[8; 32]);
        let forged = minutes::qr_payload(
            &m,
            &[(
                Post::Head,
                Mark::Signed {
                    key: stranger.verifying_key().to_bytes(),
                    signature: stranger.sign(m.canonical().as_bytes()).to_bytes(),
                },
            )],
        );
        let checked = check_sheet(&forged, Some(&good.stations[0]), &good.keys);
        assert!(checked
            .faults
            .iter()
            .any(|f| f.contains("not a published key")));
        assert!(checked
            .faults
            .iter()
            .any(|f| f.contains("not the published one")));
        assert!(!check_sheet(&sheet, None, &good.keys).faults.is_empty());
    }
}
