//! A result's status (issue 18 §5): unofficial while stations report, approved by the county's
//! executive board, confirmed by the supervision board, then published. A recount, an annulment
//! or a correction moves it back; every move has a reason and is audited.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ResultStatus {
    /// Some of the council's stations have not reported a counted, fully signed box.
    UnofficialPartial,
    /// Every station reported; nobody has approved the result yet.
    UnofficialComplete,
    /// Approved by the county's executive board.
    Approved,
    /// Confirmed by the supervision board: certified, its inputs frozen.
    Confirmed,
    Published,
}

impl ResultStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnofficialPartial => "unofficial_partial",
            Self::UnofficialComplete => "unofficial_complete",
            Self::Approved => "approved",
            Self::Confirmed => "confirmed",
            Self::Published => "published",
        }
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::UnofficialPartial => "غیررسمی — ناقص",
            Self::UnofficialComplete => "غیررسمی — کامل",
            Self::Approved => "تأیید هیئت اجرایی",
            Self::Confirmed => "تأیید هیئت نظارت",
            Self::Published => "اعلام رسمی",
        }
    }

    /// Whether the result is official (the supervision board confirmed it).
    pub fn is_certified(self) -> bool {
        self >= Self::Confirmed
    }

    /// The unofficial status the stations' reports give, before any board acts.
    pub fn reported(stations_reported: usize, stations_total: usize) -> Self {
        if stations_total > 0 && stations_reported >= stations_total {
            Self::UnofficialComplete
        } else {
            Self::UnofficialPartial
        }
    }
}

/// Where a station stands in a council's result: what keeps it out of the totals, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StationStanding {
    /// Still voting, or never opened: its box is not closed.
    NotClosed,
    /// Closed, but the guardians have not decrypted its tally for the council.
    NotCounted,
    /// Counted, but its count breaks a blocking rule: it stays out until resolved.
    CountError,
    /// Its devices failed and it counts paper ballots by hand: its hand count waits for a
    /// second official's entry, or for the executive board to resolve entries that differ.
    HandCountPending,
    /// Counted and in the council's totals, but its minutes are not fully signed: the council
    /// stays unofficial-partial.
    NotSigned,
    /// Its box annulled by the county's supervision board, with a reason: out of the totals,
    /// and no longer awaited.
    Annulled,
    /// Counted, its minutes signed, and in the council's totals.
    Reported,
}

impl StationStanding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotClosed => "not_closed",
            Self::NotCounted => "not_counted",
            Self::CountError => "count_error",
            Self::HandCountPending => "hand_count_pending",
            Self::NotSigned => "not_signed",
            Self::Annulled => "annulled",
            Self::Reported => "reported",
        }
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::NotClosed => "صندوق بسته نشده",
            Self::NotCounted => "شمارش نشده",
            Self::CountError => "مغایرت در شمارش",
            Self::HandCountPending => "شمارش دستی ناتمام",
            Self::NotSigned => "صورتجلسه امضا نشده",
            Self::Annulled => "ابطال‌شده",
            Self::Reported => "گزارش‌شده",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_every_station_reported_makes_a_result_complete() {
        assert_eq!(
            ResultStatus::reported(0, 0),
            ResultStatus::UnofficialPartial
        );
        assert_eq!(
            ResultStatus::reported(2, 3),
            ResultStatus::UnofficialPartial
        );
        assert_eq!(
            ResultStatus::reported(3, 3),
            ResultStatus::UnofficialComplete
        );
        assert!(!ResultStatus::Approved.is_certified());
        assert!(ResultStatus::Confirmed.is_certified());
        assert!(ResultStatus::Published.is_certified());
    }
}
