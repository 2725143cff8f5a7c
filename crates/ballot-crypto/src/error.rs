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
