//! The count's rules (issue 17 §4): a station's encrypted tallies are decrypted only once it is
//! closed — a tally of a station still voting would tell its running result — and each
//! guardian's shares are their own.

use crate::station_day::DayState;

/// Whether the guardians may decrypt a station's tallies in this state of its day.
pub fn decryptable(state: DayState) -> bool {
    state == DayState::Closed
}

/// The most shares one post may carry (a guardian posts a page of stations at a time).
pub const MAX_SHARES_PER_POST: usize = 2_000;

/// Why a guardian's decryption shares are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyRefusal {
    /// The station is not closed: its tallies are not decrypted before its close.
    StationNotClosed,
    /// The station took no ballot for that council: there is no tally to decrypt.
    NoTally,
    /// A share names another guardian than the one posting.
    GuardianMismatch,
    /// Nothing posted, or more than [`MAX_SHARES_PER_POST`].
    ShareCount,
}

impl TallyRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::StationNotClosed => "station_not_closed",
            Self::NoTally => "no_tally",
            Self::GuardianMismatch => "guardian_mismatch",
            Self::ShareCount => "share_count",
        }
    }

    pub fn persian(self) -> String {
        match self {
            Self::StationNotClosed => "رأی‌گیری این شعبه هنوز پایان نیافته است؛ جمع آرای شعبه تنها پس از بسته شدن صندوق رمزگشایی می‌شود.".to_owned(),
            Self::NoTally => "این شعبه برگه‌ای برای این شورا ندارد و جمعی برای رمزگشایی نیست.".to_owned(),
            Self::GuardianMismatch => "سهم رمزگشایی از آنِ امین دیگری است؛ هر امین تنها سهم خود را می‌فرستد.".to_owned(),
            Self::ShareCount => format!(
                "هر بار دست‌کم یک و حداکثر {} سهم رمزگشایی فرستاده می‌شود.",
                crate::text::persian_number(MAX_SHARES_PER_POST as i64)
            ),
        }
    }

    /// Whether the refusal is about what was sent (422), not the state it meets (409).
    pub fn is_invalid_input(self) -> bool {
        matches!(self, Self::GuardianMismatch | Self::ShareCount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_closed_stations_tallies_are_decrypted() {
        for state in [DayState::NotOpened, DayState::Open, DayState::Paused] {
            assert!(!decryptable(state), "{state:?}");
        }
        assert!(decryptable(DayState::Closed));
        assert_eq!(TallyRefusal::StationNotClosed.code(), "station_not_closed");
        assert!(TallyRefusal::ShareCount
            .persian()
            .contains(&crate::text::persian_number(2_000)));
    }
}
