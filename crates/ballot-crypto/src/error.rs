/// Why a ballot, a share, a key or a record was refused. The messages name the thing at fault,
/// so the verifier's report and the API's problem details can say what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the ballot has {got} choices; its style has {expected} candidates")]
    ChoiceCount { expected: usize, got: usize },
    #[error("the ballot marks {marked} candidates; the council has {seats} seats")]
    TooManyMarks { marked: usize, seats: u32 },
    #[error("the ballot style has no seats or no candidates")]
    EmptyStyle,
    #[error("the proof that choice {index} is 0 or 1 does not verify")]
    ChoiceProof { index: usize },
    #[error("the proof that at most the council's seats are marked does not verify")]
    MarksProof,
    #[error("the opening does not reproduce ciphertext {index}")]
    Opening { index: usize },
    #[error("the opening marks {marked} candidates; the council has {seats} seats")]
    OpeningMarks { marked: usize, seats: u32 },
    #[error("guardian {0} is not one of the election's guardians")]
    UnknownGuardian(usize),
    #[error("guardian {0} gave more than one share")]
    RepeatedGuardian(usize),
    #[error("guardian {guardian}'s decryption share for candidate {index} does not verify")]
    ShareProof { guardian: usize, index: usize },
    #[error("guardian {guardian}'s share covers {got} candidates; the tally has {expected}")]
    ShareShape {
        guardian: usize,
        expected: usize,
        got: usize,
    },
    #[error("{have} guardians' shares; {need} are needed")]
    NotEnoughShares { have: usize, need: usize },
    #[error("candidate {index}'s count is not what the shares decrypt")]
    CountMismatch { index: usize },
    #[error("the tally is not the sum of the ballots")]
    TallyMismatch,
    #[error("the secret share does not belong to guardian {0} of this key")]
    ShareNotForKey(usize),
    #[error("the key ceremony: {0}")]
    Ceremony(String),
    #[error("the passphrase is wrong or the share file is damaged")]
    ShareFileLocked,
    #[error("a passphrase needs at least {0} characters")]
    WeakPassphrase(usize),
    #[error("malformed {0}")]
    Malformed(String),
    #[error("the encryption's randomness could not be kept")]
    Randomness,
}

impl CryptoError {
    /// The stable snake_case code of the API's problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ChoiceCount { .. } | Self::TooManyMarks { .. } | Self::EmptyStyle => {
                "ballot_malformed"
            }
            Self::ChoiceProof { .. } | Self::MarksProof => "ballot_proof_invalid",
            Self::Opening { .. } | Self::OpeningMarks { .. } => "ballot_opening_invalid",
            Self::UnknownGuardian(_) => "unknown_guardian",
            Self::RepeatedGuardian(_) => "repeated_guardian",
            Self::ShareProof { .. } | Self::ShareShape { .. } => "decryption_share_invalid",
            Self::NotEnoughShares { .. } => "not_enough_shares",
            Self::CountMismatch { .. } | Self::TallyMismatch => "count_mismatch",
            Self::ShareNotForKey(_) => "share_not_for_key",
            Self::Ceremony(_) => "key_ceremony_invalid",
            Self::ShareFileLocked => "share_file_locked",
            Self::WeakPassphrase(_) => "weak_passphrase",
            Self::Malformed(_) => "malformed",
            Self::Randomness => "randomness_failed",
        }
    }

    /// Whether the error is the request's (422) rather than the state it meets (409) or the
    /// system's (500).
    pub fn is_invalid_input(&self) -> bool {
        !matches!(
            self,
            Self::Randomness | Self::NotEnoughShares { .. } | Self::TallyMismatch
        )
    }

    /// The Persian sentence for the person at the keyboard.
    pub fn persian(&self) -> String {
        match self {
            Self::ChoiceCount { .. } | Self::EmptyStyle => {
                "برگه رمزشده با فهرست نامزدهای این حوزه هم‌خوان نیست.".into()
            }
            Self::TooManyMarks { seats, .. } | Self::OpeningMarks { seats, .. } => format!(
                "بیش از {} نامزد انتخاب شده است.",
                persian_digits(&seats.to_string())
            ),
            Self::ChoiceProof { .. } | Self::MarksProof => {
                "اثبات درستی برگه رمزشده پذیرفته نشد.".into()
            }
            Self::Opening { .. } => {
                "گشودن برگه به چالش‌کشیده با گزینه‌های نمایش‌داده هم‌خوان نیست.".into()
            }
            Self::UnknownGuardian(index) => format!(
                "امین شماره {} از امینان این انتخابات نیست.",
                persian_digits(&(index + 1).to_string())
            ),
            Self::RepeatedGuardian(index) => format!(
                "سهم امین شماره {} بیش از یک بار آمده است.",
                persian_digits(&(index + 1).to_string())
            ),
            Self::ShareProof { guardian, .. } | Self::ShareShape { guardian, .. } => format!(
                "اثبات سهم رمزگشایی امین شماره {} پذیرفته نشد.",
                persian_digits(&(guardian + 1).to_string())
            ),
            Self::NotEnoughShares { have, need } => format!(
                "{} سهم از {} سهم لازم رسیده است.",
                persian_digits(&have.to_string()),
                persian_digits(&need.to_string())
            ),
            Self::CountMismatch { .. } | Self::TallyMismatch => {
                "شمارش با رمزگشایی جمع رمزشده هم‌خوان نیست.".into()
            }
            Self::ShareNotForKey(index) => format!(
                "این سهم از آنِ امین شماره {} در کلید این انتخابات نیست.",
                persian_digits(&(index + 1).to_string())
            ),
            Self::Ceremony(_) => "مراسم کلید پذیرفته نشد: شمار امینان یا آستانه درست نیست.".into(),
            Self::ShareFileLocked => "گذرواژه نادرست است یا پرونده سهم آسیب دیده است.".into(),
            Self::WeakPassphrase(min) => format!(
                "گذرواژه پرونده سهم دست‌کم {} نویسه باشد.",
                persian_digits(&min.to_string())
            ),
            Self::Malformed(_) => "داده رمزنگاری‌شده بدساخت است.".into(),
            Self::Randomness => "خطای داخلی در رمزنگاری برگه؛ دوباره تلاش کنید.".into(),
        }
    }
}

/// Western digits as Persian ones (the crate knows no more of Persian text than this).
fn persian_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(u32::from(c) - u32::from('0') + 0x06F0).unwrap_or(c),
            other => other,
        })
        .collect()
}
