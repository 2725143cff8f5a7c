//! A station's count minutes (صورتجلسه شمارش آرا, issue 18 §2): what the station's officials
//! sign, in a canonical text anyone can rebuild and check; who signs; when a signature is
//! accepted; and the QR code's payload posted with the sheet.
//!
//! The canonical text is plain lines (`key:value`), so that an observer reading the posted QR
//! code sees the counts themselves, and so that its bytes are fixed by its content: councils in
//! code order, each council's candidates in code order. Signatures are Ed25519 over those bytes
//! (`ed25519-dalek`, strict verification); the keys are made in the officials' browsers
//! (docs/ARCHITECTURE.md, "Station minutes").

use crate::results::count_checks::Voters;
use crate::staffing::Post;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The first line of every minutes' canonical text: what it is and its encoding's version.
pub const HEADER: &str = "sandoq-minutes-v1";

/// The posts whose holders sign the minutes: the head, the two secretaries, the governor's
/// representative and the inspector (DESIGN §8, Minutes and results).
pub const SIGNING_POSTS: [Post; 5] = [
    Post::Head,
    Post::Secretary1,
    Post::Secretary2,
    Post::GovernorRep,
    Post::Inspector,
];

/// Whether the holder of `post` signs the minutes.
pub fn signs(post: Post) -> bool {
    SIGNING_POSTS.contains(&post)
}

/// The longest reason for refusing to sign, or for a new version, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

/// One council's count in the minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesCouncil {
    pub council: String,
    pub ballots: u64,
    /// Votes per candidate code, in code order.
    pub votes: Vec<MinutesVotes>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesVotes {
    pub candidate: String,
    pub votes: u64,
}

/// A station's count minutes: the opening and closing, its voters, and per council its ballots
/// and each candidate's votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minutes {
    pub election: String,
    pub station: String,
    /// 1 for the first minutes; each correction is the next.
    pub version: u32,
    pub opened_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub check_ins: u64,
    pub walkouts: u64,
    /// What the officials record of the station's day (events, objections), one normalised
    /// line (`text::normalize_name`), at most [`MAX_REMARKS_CHARS`]; often empty.
    pub remarks: String,
    /// Who is to sign, fixed when the minutes are drawn: each staffed signing post and the
    /// national id of its holder, in post order. A mark counts only from the person named here
    /// for its post, and "fully signed" is judged against this list, not against who holds the
    /// posts later.
    pub signers: Vec<(Post, String)>,
    /// In council code order.
    pub councils: Vec<MinutesCouncil>,
}

/// The longest remarks, in characters: they travel in the QR code.
pub const MAX_REMARKS_CHARS: usize = 300;

/// Remarks as the minutes keep them: one line, Arabic letters and digits normalised.
/// Control characters and the direction overrides and isolates are dropped: they would break
/// the stored text or make the printed remarks read other than they are.
pub fn normalise_remarks(remarks: &str) -> String {
    let kept: String = remarks
        .chars()
        .filter_map(|c| match c {
            c if c.is_whitespace() => Some(' '),
            c if c.is_control() => None,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => None,
            c => Some(c),
        })
        .collect();
    crate::text::normalize_name(kept.trim())
}

/// Why a canonical text or a QR payload cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MinutesFormatError(pub String);

fn bad(what: impl Into<String>) -> MinutesFormatError {
    MinutesFormatError(what.into())
}

/// A code or identifier fit for a line: no separator, no line break, not empty.
fn plain(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

fn instant(at: Option<OffsetDateTime>) -> String {
    at.and_then(|at| {
        at.to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .ok()?
            .format(&Rfc3339)
            .ok()
    })
    .unwrap_or_else(|| "-".to_owned())
}

impl Minutes {
    /// Builds minutes in canonical order (councils, then candidates, by code), whatever order
    /// the counts came in; instants (opened, closed) to the second. Version 0: the store
    /// numbers the versions it keeps.
    pub fn new(
        election: &str,
        station: &str,
        (opened_at, closed_at): (Option<OffsetDateTime>, Option<OffsetDateTime>),
        voters: Voters,
        remarks: &str,
        mut councils: Vec<MinutesCouncil>,
    ) -> Self {
        councils.sort_by(|a, b| a.council.cmp(&b.council));
        for council in &mut councils {
            council.votes.sort_by(|a, b| a.candidate.cmp(&b.candidate));
        }
        let second =
            |at: Option<OffsetDateTime>| at.map(|at| at.replace_nanosecond(0).unwrap_or(at));
        Self {
            election: election.to_owned(),
            station: station.to_owned(),
            version: 0,
            opened_at: second(opened_at),
            closed_at: second(closed_at),
            check_ins: voters.check_ins,
            walkouts: voters.walkouts,
            remarks: normalise_remarks(remarks),
            signers: Vec::new(),
            councils,
        }
    }

    /// The minutes with their roster: the signing posts among `holders` (post, national id),
    /// in post order.
    #[must_use]
    pub fn with_signers(mut self, holders: impl IntoIterator<Item = (Post, String)>) -> Self {
        let mut signers: Vec<(Post, String)> = holders
            .into_iter()
            .filter(|(post, _)| signs(*post))
            .collect();
        signers.sort();
        signers.dedup_by_key(|(post, _)| *post);
        self.signers = signers;
        self
    }

    /// The person the roster names for `post`.
    pub fn signer(&self, post: Post) -> Option<&str> {
        self.signers
            .iter()
            .find(|(p, _)| *p == post)
            .map(|(_, id)| id.as_str())
    }

    /// The post the roster gives the person `national_id`.
    pub fn post_of(&self, national_id: &str) -> Option<Post> {
        self.signers
            .iter()
            .find(|(_, id)| id == national_id)
            .map(|(post, _)| *post)
    }

    /// The roster's posts, in order.
    pub fn roster(&self) -> Vec<Post> {
        self.signers.iter().map(|(post, _)| *post).collect()
    }

    /// The canonical text: what is signed, byte for byte.
    pub fn canonical(&self) -> String {
        use std::fmt::Write as _;
        let mut text = String::with_capacity(256);
        let _ = writeln!(text, "{HEADER}");
        let _ = writeln!(text, "election:{}", self.election);
        let _ = writeln!(text, "station:{}", self.station);
        let _ = writeln!(text, "version:{}", self.version);
        let _ = writeln!(text, "opened:{}", instant(self.opened_at));
        let _ = writeln!(text, "closed:{}", instant(self.closed_at));
        let _ = writeln!(text, "check_ins:{}", self.check_ins);
        let _ = writeln!(text, "walkouts:{}", self.walkouts);
        let _ = writeln!(text, "remarks:{}", self.remarks);
        for (post, national_id) in &self.signers {
            let _ = writeln!(text, "signer:{}:{national_id}", post.as_str());
        }
        for council in &self.councils {
            let _ = writeln!(text, "council:{}:{}", council.council, council.ballots);
            for votes in &council.votes {
                let _ = writeln!(text, "vote:{}:{}", votes.candidate, votes.votes);
            }
        }
        text
    }

    /// SHA-256 of the canonical text, in hex: the minutes' fingerprint shown on the sheet.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(self.canonical().as_bytes()))
    }

    /// Reads a canonical text back. Only the canonical text itself is accepted: a text that
    /// reads but is not what its content writes (reordered, spaced, a second format) is refused,
    /// so that one set of minutes has exactly one signed form.
    pub fn parse(text: &str) -> Result<Self, MinutesFormatError> {
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Err(bad(format!("the first line is not {HEADER}")));
        }
        let mut field = |key: &str| -> Result<String, MinutesFormatError> {
            let line = lines.next().ok_or_else(|| bad(format!("no {key} line")))?;
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix(':'))
                .map(str::to_owned)
                .ok_or_else(|| bad(format!("expected {key}, found {line:?}")))
        };
        let election = field("election")?;
        let station = field("station")?;
        let version = number(&field("version")?, "version")?;
        let opened_at = read_instant(&field("opened")?)?;
        let closed_at = read_instant(&field("closed")?)?;
        let check_ins = number(&field("check_ins")?, "check_ins")?;
        let walkouts = number(&field("walkouts")?, "walkouts")?;
        let remarks = field("remarks")?;
        let mut councils: Vec<MinutesCouncil> = Vec::new();
        let mut signers: Vec<(Post, String)> = Vec::new();
        for line in lines {
            if let Some(rest) = line.strip_prefix("signer:") {
                let (post, national_id) = rest
                    .split_once(':')
                    .ok_or_else(|| bad(format!("bad signer line {line:?}")))?;
                let post = Post::parse(post)
                    .filter(|p| signs(*p))
                    .ok_or_else(|| bad(format!("not a signing post: {post:?}")))?;
                if !councils.is_empty() {
                    return Err(bad("a signer after the counts"));
                }
                signers.push((post, national_id.to_owned()));
            } else if let Some(rest) = line.strip_prefix("council:") {
                let (code, ballots) = rest
                    .split_once(':')
                    .ok_or_else(|| bad(format!("bad council line {line:?}")))?;
                councils.push(MinutesCouncil {
                    council: code.to_owned(),
                    ballots: number(ballots, "ballots")?,
                    votes: Vec::new(),
                });
            } else if let Some(rest) = line.strip_prefix("vote:") {
                let (code, votes) = rest
                    .split_once(':')
                    .ok_or_else(|| bad(format!("bad vote line {line:?}")))?;
                let council = councils
                    .last_mut()
                    .ok_or_else(|| bad("a vote before any council"))?;
                council.votes.push(MinutesVotes {
                    candidate: code.to_owned(),
                    votes: number(votes, "votes")?,
                });
            } else {
                return Err(bad(format!("unknown line {line:?}")));
            }
        }
        let minutes = Self {
            election,
            station,
            version: u32::try_from(version).map_err(|_| bad("version too large"))?,
            opened_at,
            closed_at,
            check_ins,
            walkouts,
            remarks,
            signers,
            councils,
        };
        let codes_plain = plain(&minutes.election)
            && plain(&minutes.station)
            && minutes.signers.iter().all(|(_, id)| plain(id))
            && minutes.signers.windows(2).all(|w| w[0].0 < w[1].0)
            && minutes
                .councils
                .iter()
                .all(|c| plain(&c.council) && c.votes.iter().all(|v| plain(&v.candidate)));
        // Councils and candidates each once, in code order.
        let ordered = minutes
            .councils
            .windows(2)
            .all(|w| w[0].council < w[1].council)
            && minutes
                .councils
                .iter()
                .all(|c| c.votes.windows(2).all(|w| w[0].candidate < w[1].candidate));
        let remarks_kept = minutes.remarks == normalise_remarks(&minutes.remarks)
            && minutes.remarks.chars().count() <= MAX_REMARKS_CHARS;
        if !codes_plain || !ordered || !remarks_kept || minutes.canonical() != text {
            return Err(bad("the text is not in canonical form"));
        }
        Ok(minutes)
    }

    /// The council's count, if the minutes hold one.
    pub fn council(&self, code: &str) -> Option<&MinutesCouncil> {
        self.councils.iter().find(|c| c.council == code)
    }

    /// The voters the minutes record.
    pub fn voters(&self) -> Voters {
        Voters {
            check_ins: self.check_ins,
            walkouts: self.walkouts,
        }
    }

    /// Whether two minutes say the same (everything but their version).
    pub fn same_counts(&self, other: &Minutes) -> bool {
        Minutes {
            version: other.version,
            ..self.clone()
        } == *other
    }
}

fn number(text: &str, what: &str) -> Result<u64, MinutesFormatError> {
    // Digits only: no sign, no spaces (`u64::from_str` would take a leading `+`).
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("{what} is not a number: {text:?}")));
    }
    text.parse().map_err(|_| bad(format!("{what} too large")))
}

fn read_instant(text: &str) -> Result<Option<OffsetDateTime>, MinutesFormatError> {
    if text == "-" {
        return Ok(None);
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map(Some)
        .map_err(|_| bad(format!("not an instant: {text:?}")))
}

/// An Ed25519 public key, 32 bytes; written as unpadded base64url.
pub type PublicKey = [u8; 32];
/// An Ed25519 signature, 64 bytes; written as unpadded base64url.
pub type Signature = [u8; 64];

/// Bytes from unpadded base64url (padding tolerated), of exactly `N` bytes.
pub fn decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim().trim_end_matches('='))
        .ok()?;
    bytes.try_into().ok()
}

/// Bytes as unpadded base64url.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `key` is a usable Ed25519 public key (a point on the curve, not of small order).
pub fn valid_key(key: &PublicKey) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(key).is_ok_and(|k| !k.is_weak())
}

/// Whether `signature` is `key`'s over `text` (strict: no malleable or weak-key signature).
pub fn verify(text: &str, key: &PublicKey, signature: &Signature) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(key) else {
        return false;
    };
    if key.is_weak() {
        return false;
    }
    key.verify_strict(
        text.as_bytes(),
        &ed25519_dalek::Signature::from_bytes(signature),
    )
    .is_ok()
}

/// A post's mark on one version of the minutes: its holder's signature, or their refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    Signed {
        key: PublicKey,
        signature: Signature,
    },
    Refused {
        reason: String,
    },
}

/// Where a version of the minutes stands among its signers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SigningState {
    pub signed: Vec<Post>,
    pub refused: Vec<Post>,
    /// The staffed signing posts with no mark yet.
    pub missing: Vec<Post>,
}

impl SigningState {
    /// The state of minutes carrying `marks`, whose roster names the signing posts `staffed`
    /// ([`Minutes::roster`]); a mark of a post off the roster counts for nothing.
    pub fn of(staffed: &[Post], marks: &[(Post, Mark)]) -> Self {
        let mut state = Self::default();
        for post in SIGNING_POSTS {
            if !staffed.contains(&post) {
                continue;
            }
            match marks.iter().find(|(p, _)| *p == post) {
                Some((_, Mark::Signed { .. })) => state.signed.push(post),
                Some((_, Mark::Refused { .. })) => state.refused.push(post),
                None => state.missing.push(post),
            }
        }
        state
    }

    /// Every staffed signing post has signed or refused (a refusal does not block), and at
    /// least one has signed.
    pub fn fully_signed(&self) -> bool {
        self.missing.is_empty() && !self.signed.is_empty()
    }
}

/// Why the minutes, a signature or a signing key are refused. Each has a stable code and a
/// Persian reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MinutesRefusal {
    /// The station's box is not closed and counted for every council it took ballots for.
    NotCounted,
    /// Remarks longer than [`MAX_REMARKS_CHARS`].
    RemarksTooLong,
    /// A mark on minutes not drawn up yet.
    NotDrawn,
    /// A new version with nothing changed.
    Unchanged,
    /// A new version of minutes that exist needs its reason.
    CorrectionNeedsReason,
    /// A reason or a refusal longer than [`MAX_REASON_CHARS`], or an empty refusal.
    ReasonLength,
    /// The version signed is not the station's current one.
    Superseded { current: u32 },
    /// The signer holds no signing post at this station.
    NotASigner,
    /// The post has already signed or refused this version.
    AlreadySigned { post: Post },
    /// The account has no confirmed, unrevoked signing key.
    NoSigningKey,
    /// The signature is not the key's over the minutes' canonical text.
    BadSignature,
    /// Not a usable Ed25519 public key.
    BadPublicKey,
    /// The person, or the account, already has a live (pending or confirmed) key: revoke it
    /// first.
    KeyExists,
    /// A key is registered for someone who holds no signing post in the election within the
    /// registering account's scope.
    NoSigningPost,
    /// Only a pending key is confirmed; a revoked one stays revoked.
    KeyNotPending,
    /// The key is already revoked.
    KeyRevoked,
    /// Nobody confirms a key they registered themselves.
    OwnKey,
}

impl MinutesRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotCounted => "minutes_not_counted",
            Self::RemarksTooLong => "minutes_remarks_too_long",
            Self::NotDrawn => "minutes_not_drawn",
            Self::Unchanged => "minutes_unchanged",
            Self::CorrectionNeedsReason => "minutes_correction_needs_reason",
            Self::ReasonLength => "minutes_reason_length",
            Self::Superseded { .. } => "minutes_superseded",
            Self::NotASigner => "not_a_signer",
            Self::AlreadySigned { .. } => "already_signed",
            Self::NoSigningKey => "no_signing_key",
            Self::BadSignature => "bad_signature",
            Self::BadPublicKey => "bad_public_key",
            Self::KeyExists => "signing_key_exists",
            Self::NoSigningPost => "no_signing_post",
            Self::KeyNotPending => "signing_key_not_pending",
            Self::KeyRevoked => "signing_key_revoked",
            Self::OwnKey => "own_signing_key",
        }
    }

    pub fn persian(&self) -> String {
        match self {
            Self::NotCounted => "شمارش این شعبه هنوز کامل نشده است؛ صورتجلسه پس از بسته شدن صندوق و رمزگشایی آرای همه شوراهای آن تنظیم می‌شود.".into(),
            Self::RemarksTooLong => format!(
                "توضیحات صورتجلسه بیش از {} نویسه است.",
                crate::text::persian_number(MAX_REMARKS_CHARS as i64)
            ),
            Self::NotDrawn => "صورتجلسه این شعبه هنوز تنظیم نشده است؛ پس از تنظیم آن را امضا کنید.".into(),
            Self::Unchanged => "این صورتجلسه با نسخهٔ کنونی هیچ تفاوتی ندارد.".into(),
            Self::CorrectionNeedsReason => "برای این شعبه صورتجلسه تنظیم شده است؛ نسخهٔ تازه (اصلاحیه) دلیل می‌خواهد.".into(),
            Self::ReasonLength => format!(
                "دلیل باید نوشته شود و بیش از {} نویسه نباشد.",
                crate::text::persian_number(MAX_REASON_CHARS as i64)
            ),
            Self::Superseded { current } => format!(
                "این نسخهٔ صورتجلسه جای خود را به نسخهٔ {} داده است؛ نسخهٔ کنونی را امضا کنید.",
                crate::text::persian_number(i64::from(*current))
            ),
            Self::NotASigner => "شما در این شعبه سمتی ندارید که صورتجلسه را امضا کند.".into(),
            Self::AlreadySigned { post } => format!(
                "{} این نسخهٔ صورتجلسه را پیش‌تر امضا کرده یا از امضای آن خودداری کرده است.",
                post.persian()
            ),
            Self::NoSigningKey => "کلید امضای تأییدشده‌ای برای حساب شما نیست؛ نخست کلید بسازید و تأیید فرماندار را بگیرید.".into(),
            Self::BadSignature => "امضا با کلید ثبت‌شدهٔ شما و متن این صورتجلسه نمی‌خواند.".into(),
            Self::BadPublicKey => "کلید عمومی فرستاده‌شده کلید Ed25519 معتبری نیست.".into(),
            Self::KeyExists => "برای این شخص کلید امضای فعالی ثبت شده است؛ نخست آن را باطل کنید.".into(),
            Self::NoSigningPost => "این شخص در این انتخابات سمتی ندارد که صورتجلسه امضا کند.".into(),
            Self::KeyNotPending => "این کلید در انتظار تأیید نیست.".into(),
            Self::KeyRevoked => "این کلید پیش‌تر باطل شده است.".into(),
            Self::OwnKey => "کلیدی را که خودتان ثبت کرده‌اید نمی‌توانید تأیید کنید.".into(),
        }
    }

    /// A refusal about the request's content (422), not about the state it meets (409).
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Self::CorrectionNeedsReason
                | Self::RemarksTooLong
                | Self::ReasonLength
                | Self::BadSignature
                | Self::BadPublicKey
        )
    }
}

/// Checks a reason (a refusal's or a new version's): trimmed, not empty, not too long.
pub fn check_reason(reason: &str) -> Result<String, MinutesRefusal> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(MinutesRefusal::ReasonLength);
    }
    Ok(reason.to_owned())
}

/// What the store reads, in the writing transaction, before keeping a version of the minutes.
#[derive(Debug, Clone)]
pub struct DrawFacts<'a> {
    pub drawn: &'a Minutes,
    /// The station's current minutes, if any.
    pub current: Option<&'a Minutes>,
    pub reason: Option<&'a str>,
}

/// Decides a new version: the first needs no reason; a later one needs one and must change
/// something. The version it is kept as.
pub fn check_draw(facts: &DrawFacts<'_>) -> Result<(u32, Option<String>), MinutesRefusal> {
    if facts.drawn.remarks.chars().count() > MAX_REMARKS_CHARS {
        return Err(MinutesRefusal::RemarksTooLong);
    }
    let reason = facts
        .reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(check_reason)
        .transpose()?;
    match facts.current {
        None => Ok((1, reason)),
        Some(current) => {
            if current.same_counts(facts.drawn) {
                return Err(MinutesRefusal::Unchanged);
            }
            let reason = reason.ok_or(MinutesRefusal::CorrectionNeedsReason)?;
            Ok((current.version + 1, Some(reason)))
        }
    }
}

/// What the store reads, in the writing transaction, before keeping a post's mark.
#[derive(Debug, Clone)]
pub struct SigningFacts<'a> {
    /// The version the signer saw.
    pub version: u32,
    /// The station's current minutes.
    pub current: &'a Minutes,
    /// The person the signer's confirmed, unrevoked key names, and the key; `None` without one.
    pub key: Option<(&'a str, PublicKey)>,
    /// The marks already on the current version.
    pub marks: &'a [(Post, Mark)],
}

/// Decides a signature (`Some`) or a refusal (`None` with its reason): which post of the
/// minutes' roster it marks.
pub fn check_mark(
    facts: &SigningFacts<'_>,
    signature: Option<&Signature>,
) -> Result<Post, MinutesRefusal> {
    if facts.version != facts.current.version {
        return Err(MinutesRefusal::Superseded {
            current: facts.current.version,
        });
    }
    // The confirmed key tells who the account's person is, for a refusal too; the minutes'
    // roster, which post that person signs for.
    let (person, key) = facts.key.ok_or(MinutesRefusal::NoSigningKey)?;
    let post = facts
        .current
        .post_of(person)
        .ok_or(MinutesRefusal::NotASigner)?;
    if facts.marks.iter().any(|(p, _)| *p == post) {
        return Err(MinutesRefusal::AlreadySigned { post });
    }
    if let Some(signature) = signature {
        if !verify(&facts.current.canonical(), &key, signature) {
            return Err(MinutesRefusal::BadSignature);
        }
    }
    Ok(post)
}

/// The QR code's payload: the canonical text, then a line per mark in post order —
/// `signed:<post>:<key>:<signature>` or `refused:<post>` (the reason is on the sheet).
pub fn qr_payload(minutes: &Minutes, marks: &[(Post, Mark)]) -> String {
    let mut text = minutes.canonical();
    let mut marks: Vec<&(Post, Mark)> = marks.iter().collect();
    marks.sort_by_key(|(post, _)| *post);
    for (post, mark) in marks {
        match mark {
            Mark::Signed { key, signature } => {
                text.push_str(&format!(
                    "signed:{}:{}:{}\n",
                    post.as_str(),
                    encode(key),
                    encode(signature)
                ));
            }
            Mark::Refused { .. } => text.push_str(&format!("refused:{}\n", post.as_str())),
        }
    }
    text
}

/// A QR payload read back: the minutes and each post's mark (a refusal's reason empty).
pub fn read_qr(payload: &str) -> Result<(Minutes, Vec<(Post, Mark)>), MinutesFormatError> {
    let normalised = payload.replace("\r\n", "\n");
    let normalised = if normalised.ends_with('\n') {
        normalised
    } else {
        format!("{normalised}\n")
    };
    let split = normalised
        .find("\nsigned:")
        .into_iter()
        .chain(normalised.find("\nrefused:"))
        .min()
        .map_or(normalised.len(), |at| at + 1);
    let (canonical, rest) = normalised.split_at(split);
    let minutes = Minutes::parse(canonical)?;
    let mut marks = Vec::new();
    for line in rest.lines() {
        let mark = if let Some(refused) = line.strip_prefix("refused:") {
            let post =
                Post::parse(refused).ok_or_else(|| bad(format!("unknown post {refused:?}")))?;
            (
                post,
                Mark::Refused {
                    reason: String::new(),
                },
            )
        } else if let Some(signed) = line.strip_prefix("signed:") {
            let mut parts = signed.split(':');
            let (Some(post), Some(key), Some(signature), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad(format!("bad signature line {line:?}")));
            };
            let post = Post::parse(post).ok_or_else(|| bad(format!("unknown post {post:?}")))?;
            (
                post,
                Mark::Signed {
                    key: decode(key).ok_or_else(|| bad("a key is not 32 bytes of base64url"))?,
                    signature: decode(signature)
                        .ok_or_else(|| bad("a signature is not 64 bytes of base64url"))?,
                },
            )
        } else {
            return Err(bad(format!("unknown line {line:?}")));
        };
        if !signs(mark.0) || marks.iter().any(|(p, _)| *p == mark.0) {
            return Err(bad(format!("post {} marked wrongly", mark.0.as_str())));
        }
        marks.push(mark);
    }
    Ok((minutes, marks))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use proptest::prelude::*;

    fn minutes() -> Minutes {
        let mut m = Minutes::new(
            "1405-council",
            "KRM-0001",
            (
                Some(time::macros::datetime!(2026-05-01 04:30:00.25 UTC)),
                Some(time::macros::datetime!(2026-05-01 15:30 UTC)),
            ),
            Voters {
                check_ins: 12,
                walkouts: 1,
            },
            " ي\nدو\u{0}\u{202E}  ",
            vec![
                MinutesCouncil {
                    council: "C-2".into(),
                    ballots: 3,
                    votes: vec![MinutesVotes {
                        candidate: "B".into(),
                        votes: 2,
                    }],
                },
                MinutesCouncil {
                    council: "C-1".into(),
                    ballots: 8,
                    votes: vec![
                        MinutesVotes {
                            candidate: "Z".into(),
                            votes: 1,
                        },
                        MinutesVotes {
                            candidate: "A".into(),
                            votes: 7,
                        },
                    ],
                },
            ],
        );
        m.version = 1;
        m.with_signers([
            (Post::Inspector, "0000000003".to_owned()),
            (Post::Head, "0000000001".to_owned()),
            (Post::Member1, "0000000009".to_owned()),
            (Post::Secretary1, "0000000002".to_owned()),
        ])
    }

    fn key(n: u8) -> SigningKey {
        SigningKey::from_bytes(&[n; 32])
    }

    #[test]
    fn the_canonical_text_is_ordered_and_reads_back_only_in_its_one_form() {
        let m = minutes();
        let text = m.canonical();
        assert_eq!(
            text,
            "sandoq-minutes-v1\nelection:1405-council\nstation:KRM-0001\nversion:1\n\
             opened:2026-05-01T04:30:00Z\nclosed:2026-05-01T15:30:00Z\ncheck_ins:12\nwalkouts:1\nremarks:ی دو\nsigner:head:0000000001\n\
             signer:secretary_1:0000000002\nsigner:inspector:0000000003\ncouncil:C-1:8\nvote:A:7\nvote:Z:1\ncouncil:C-2:3\nvote:B:2\n"
        );
        assert_eq!(Minutes::parse(&text).unwrap(), m);
        // The same content spelled another way is not the canonical text.
        for other in [
            text.replace("vote:A:7\nvote:Z:1", "vote:Z:1\nvote:A:7"),
            text.replace("check_ins:12", "check_ins:+12"),
            text.replace("check_ins:12", "check_ins:012"),
            text.replace('\n', "\r\n"),
            format!("{text}\n"),
            text.replace("station:KRM-0001", "station:KRM 0001"),
            text.replace("remarks:ی دو", "remarks:ي دو"),
            text.replace(
                "signer:head:0000000001\nsigner:secretary_1:0000000002",
                "signer:secretary_1:0000000002\nsigner:head:0000000001",
            ),
            text.replace("signer:head:", "signer:member_1:"),
        ] {
            assert!(Minutes::parse(&other).is_err(), "{other:?}");
        }
        assert_ne!(
            m.digest(),
            Minutes {
                version: 2,
                ..m.clone()
            }
            .digest()
        );
    }

    #[test]
    fn a_signature_holds_only_for_its_key_and_its_exact_minutes() {
        let m = minutes();
        let signer = key(1);
        let signature = signer.sign(m.canonical().as_bytes()).to_bytes();
        let public = signer.verifying_key().to_bytes();
        assert!(verify(&m.canonical(), &public, &signature));
        assert!(!verify(
            &m.canonical(),
            &key(2).verifying_key().to_bytes(),
            &signature
        ));
        let changed = m.canonical().replace("vote:A:7", "vote:A:8");
        assert!(!verify(&changed, &public, &signature));
        assert!(!valid_key(&[0u8; 32]) || !verify(&m.canonical(), &[0u8; 32], &signature));
    }

    fn facts<'a>(
        m: &'a Minutes,
        marks: &'a [(Post, Mark)],
        post: Option<Post>,
    ) -> SigningFacts<'a> {
        // The person the post's holder is on the roster, or someone the roster does not name.
        let person = post.and_then(|p| m.signer(p)).unwrap_or("0000000099");
        SigningFacts {
            version: m.version,
            current: m,
            key: Some((person, key(1).verifying_key().to_bytes())),
            marks,
        }
    }

    #[test]
    fn signing_is_refused_out_of_turn_twice_or_with_a_bad_signature() {
        let m = minutes();
        let good = key(1).sign(m.canonical().as_bytes()).to_bytes();
        assert_eq!(
            check_mark(&facts(&m, &[], Some(Post::Head)), Some(&good)),
            Ok(Post::Head)
        );
        assert_eq!(
            check_mark(&facts(&m, &[], None), Some(&good)),
            Err(MinutesRefusal::NotASigner)
        );
        assert_eq!(
            check_mark(&facts(&m, &[], Some(Post::Member1)), Some(&good)),
            Err(MinutesRefusal::NotASigner)
        );
        let marks = [(Post::Head, Mark::Refused { reason: "x".into() })];
        assert_eq!(
            check_mark(&facts(&m, &marks, Some(Post::Head)), Some(&good)),
            Err(MinutesRefusal::AlreadySigned { post: Post::Head })
        );
        let forged = key(2).sign(m.canonical().as_bytes()).to_bytes();
        assert_eq!(
            check_mark(&facts(&m, &[], Some(Post::Head)), Some(&forged)),
            Err(MinutesRefusal::BadSignature)
        );
        let mut old = facts(&m, &[], Some(Post::Head));
        old.version = 0;
        assert_eq!(
            check_mark(&old, Some(&good)),
            Err(MinutesRefusal::Superseded { current: 1 })
        );
        let mut keyless = facts(&m, &[], Some(Post::Head));
        keyless.key = None;
        assert_eq!(
            check_mark(&keyless, Some(&good)),
            Err(MinutesRefusal::NoSigningKey)
        );
        // A refusal is made from the account whose confirmed key names its person.
        assert_eq!(
            check_mark(&keyless, None),
            Err(MinutesRefusal::NoSigningKey)
        );
        assert_eq!(
            check_mark(&facts(&m, &[], Some(Post::Head)), None),
            Ok(Post::Head)
        );
    }

    #[test]
    fn a_correction_needs_a_reason_and_a_change() {
        let first = minutes();
        assert_eq!(
            check_draw(&DrawFacts {
                drawn: &first,
                current: None,
                reason: None
            }),
            Ok((1, None))
        );
        assert_eq!(
            check_draw(&DrawFacts {
                drawn: &first,
                current: Some(&first),
                reason: Some("دوباره")
            }),
            Err(MinutesRefusal::Unchanged)
        );
        let mut corrected = first.clone();
        corrected.remarks = "خروج دوم ثبت نشده بود".into();
        assert_eq!(
            check_draw(&DrawFacts {
                drawn: &corrected,
                current: Some(&first),
                reason: Some("  ")
            }),
            Err(MinutesRefusal::CorrectionNeedsReason)
        );
        assert_eq!(
            check_draw(&DrawFacts {
                drawn: &corrected,
                current: Some(&first),
                reason: Some(" خروج دوم ثبت نشده بود ")
            }),
            Ok((2, Some("خروج دوم ثبت نشده بود".into())))
        );
    }

    #[test]
    fn refusals_do_not_block_but_a_missing_signer_does() {
        let staffed = [Post::Head, Post::Secretary1, Post::Inspector];
        let signed = Mark::Signed {
            key: [1; 32],
            signature: [2; 64],
        };
        let refused = Mark::Refused { reason: "x".into() };
        let state = SigningState::of(&staffed, &[(Post::Head, signed.clone())]);
        assert_eq!(state.missing, vec![Post::Secretary1, Post::Inspector]);
        assert!(!state.fully_signed());
        let state = SigningState::of(
            &staffed,
            &[
                (Post::Head, signed.clone()),
                (Post::Secretary1, signed),
                (Post::Inspector, refused.clone()),
            ],
        );
        assert!(state.fully_signed());
        // Refusals alone sign nothing.
        assert!(!SigningState::of(&[Post::Head], &[(Post::Head, refused)]).fully_signed());
    }

    #[test]
    fn the_qr_payload_carries_the_counts_and_every_mark() {
        let m = minutes();
        let head = key(1);
        let marks = vec![
            (
                Post::Inspector,
                Mark::Refused {
                    reason: "ignored in the code".into(),
                },
            ),
            (
                Post::Head,
                Mark::Signed {
                    key: head.verifying_key().to_bytes(),
                    signature: head.sign(m.canonical().as_bytes()).to_bytes(),
                },
            ),
        ];
        let payload = qr_payload(&m, &marks);
        let (read, read_marks) = read_qr(&payload).unwrap();
        assert_eq!(read, m);
        assert_eq!(read_marks.len(), 2);
        assert_eq!(read_marks[0].0, Post::Head);
        let Mark::Signed { key, signature } = &read_marks[0].1 else {
            panic!("the head signed");
        };
        assert!(verify(&read.canonical(), key, signature));
        assert!(read_qr(&payload.replace("refused:inspector", "refused:member_1")).is_err());
        assert!(read_qr(&format!("{payload}refused:head\n")).is_err());
    }

    proptest! {
        #[test]
        fn any_minutes_read_back_as_themselves(
            check_ins in 0u64..100_000,
            walkouts in 0u64..100,
            votes in proptest::collection::btree_map(0u32..500, 0u64..10_000, 0..30),
        ) {
            let mut m = Minutes::new("E", "S-1", (None, None), Voters { check_ins, walkouts }, "", vec![MinutesCouncil {
                council: "C".into(),
                ballots: check_ins,
                votes: votes.iter().map(|(c, v)| MinutesVotes { candidate: format!("K{c}"), votes: *v }).collect(),
            }]);
            m.version = 3;
            prop_assert_eq!(Minutes::parse(&m.canonical()).unwrap(), m);
        }
    }
}
