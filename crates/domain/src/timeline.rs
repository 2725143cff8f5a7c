//! The election's timeline as the dashboards show it (issue 16): which milestones are due now,
//! which are overdue, which comes next, with a countdown in Persian; and the rules for the
//! province HQ's edits of it.

use crate::access::Role;
use crate::election::Milestone;
use crate::text::persian_number;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Where a milestone stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MilestoneState {
    /// Not started yet.
    Upcoming,
    /// Started and not ended: to be done before it ends.
    Due,
    /// Ended, owned by someone, and not marked done.
    Overdue,
    /// Marked done (at or before the moment).
    Done,
    /// Ended, a period no one owns (polling day, say).
    Passed,
}

impl MilestoneState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upcoming => "upcoming",
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::Done => "done",
            Self::Passed => "passed",
        }
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::Upcoming => "در پیش",
            Self::Due => "در جریان",
            Self::Overdue => "سررسید گذشته",
            Self::Done => "انجام شد",
            Self::Passed => "گذشت",
        }
    }
}

/// A milestone's state at `now`. A mark of done dated after `now` (a demo's history read with
/// an earlier pinned clock) does not count yet.
pub fn state(m: &Milestone, now: OffsetDateTime) -> MilestoneState {
    if m.done_at.is_some_and(|d| d <= now) {
        MilestoneState::Done
    } else if now < m.starts_at {
        MilestoneState::Upcoming
    } else if now < m.ends_at {
        MilestoneState::Due
    } else if m.owner.is_some() {
        MilestoneState::Overdue
    } else {
        MilestoneState::Passed
    }
}

/// A span in Persian, to the two largest units: «۳ روز و ۴ ساعت», «۲ ساعت و ۱۵ دقیقه»,
/// «۵ دقیقه», «کمتر از یک دقیقه».
pub fn span_persian(span: Duration) -> String {
    let minutes = span.whole_minutes().abs();
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let part = |n: i64, unit: &str| format!("{} {unit}", persian_number(n));
    let parts: Vec<String> = if days > 0 {
        std::iter::once(part(days, "روز"))
            .chain((hours > 0).then(|| part(hours, "ساعت")))
            .collect()
    } else if hours > 0 {
        std::iter::once(part(hours, "ساعت"))
            .chain((mins > 0).then(|| part(mins, "دقیقه")))
            .collect()
    } else if mins > 0 {
        vec![part(mins, "دقیقه")]
    } else {
        return "کمتر از یک دقیقه".into();
    };
    parts.join(" و ")
}

/// What a dashboard says of a milestone beside its state: how long until it starts, until it
/// ends, or since it ended.
pub fn countdown(m: &Milestone, now: OffsetDateTime) -> String {
    match state(m, now) {
        MilestoneState::Upcoming => format!("{} تا آغاز", span_persian(m.starts_at - now)),
        MilestoneState::Due => format!("{} تا پایان مهلت", span_persian(m.ends_at - now)),
        MilestoneState::Overdue => format!("{} از پایان مهلت گذشته", span_persian(now - m.ends_at)),
        MilestoneState::Done | MilestoneState::Passed => String::new(),
    }
}

/// A dashboard's reading of the timeline: what is due, what is overdue, and the next to start,
/// each in the timeline's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlook<'a> {
    pub due: Vec<&'a Milestone>,
    pub overdue: Vec<&'a Milestone>,
    pub next: Option<&'a Milestone>,
}

/// The outlook for a role (`None`: every owner's): a governor's dashboard shows the governors'
/// milestones and the periods no one owns.
pub fn outlook(milestones: &[Milestone], now: OffsetDateTime, role: Option<Role>) -> Outlook<'_> {
    let mine = |m: &&Milestone| match (role, m.owner) {
        (None | Some(Role::ProvinceHq), _) | (_, None) => true,
        (Some(r), Some(owner)) => r == owner,
    };
    let of = |wanted: MilestoneState| -> Vec<&Milestone> {
        milestones
            .iter()
            .filter(mine)
            .filter(|m| state(m, now) == wanted)
            .collect()
    };
    Outlook {
        due: of(MilestoneState::Due),
        overdue: of(MilestoneState::Overdue),
        next: milestones
            .iter()
            .filter(mine)
            .filter(|m| state(m, now) == MilestoneState::Upcoming)
            .min_by_key(|m| m.starts_at),
    }
}

/// Why an edit of the timeline is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineRefusal {
    BadKey,
    BadName,
    EndsBeforeStart,
    /// Polling day's milestone sets the polls' hours: it stays within the election's day.
    PollingDayElsewhere,
}

impl TimelineRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadKey => "invalid_milestone_key",
            Self::BadName => "invalid_milestone_name",
            Self::EndsBeforeStart => "milestone_ends_before_start",
            Self::PollingDayElsewhere => "polling_day_elsewhere",
        }
    }

    pub fn persian(&self) -> String {
        match self {
            Self::BadKey => {
                "شناسه مرحله باید ۱ تا ۴۰ نویسه از حروف کوچک لاتین، رقم و _ باشد.".into()
            }
            Self::BadName => "نام مرحله باید میان ۱ تا ۲۰۰ نویسه باشد.".into(),
            Self::EndsBeforeStart => "پایان مرحله باید پس از آغاز آن باشد.".into(),
            Self::PollingDayElsewhere => {
                "مرحله روز رأی‌گیری باید در همان روز رأی‌گیری انتخابات آغاز شود و پایان یابد.".into()
            }
        }
    }
}

/// Checks a milestone as the province HQ writes it, for an election polling on `election_day`.
pub fn check_milestone(m: &Milestone, election_day: time::Date) -> Result<(), TimelineRefusal> {
    let key_ok = (1..=40).contains(&m.key.len())
        && m.key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !key_ok {
        return Err(TimelineRefusal::BadKey);
    }
    let name = m.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(TimelineRefusal::BadName);
    }
    if m.ends_at <= m.starts_at {
        return Err(TimelineRefusal::EndsBeforeStart);
    }
    if m.key == "election_day" {
        let tehran = crate::calendar::TEHRAN;
        if m.starts_at.to_offset(tehran).date() != election_day
            || m.ends_at.to_offset(tehran).date() != election_day
        {
            return Err(TimelineRefusal::PollingDayElsewhere);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_instant;

    fn at(s: &str) -> OffsetDateTime {
        parse_instant(s).expect("instant")
    }

    fn milestone(key: &str, start: &str, end: &str, owner: Option<Role>) -> Milestone {
        Milestone {
            key: key.into(),
            name: "مرحله".into(),
            starts_at: at(start),
            ends_at: at(end),
            owner,
            done_at: None,
        }
    }

    #[test]
    fn a_milestone_moves_from_upcoming_to_due_to_overdue_until_marked_done() {
        let mut fibre = milestone(
            "fibre_deadline",
            "1404/11/01 00:00",
            "1404/12/01 00:00",
            Some(Role::CountyGovernor),
        );
        assert_eq!(
            state(&fibre, at("1404/10/30 12:00")),
            MilestoneState::Upcoming
        );
        assert_eq!(state(&fibre, at("1404/11/15 12:00")), MilestoneState::Due);
        assert_eq!(
            state(&fibre, at("1404/12/01 09:00")),
            MilestoneState::Overdue
        );
        fibre.done_at = Some(at("1404/12/02 10:00"));
        // Marked done a day later: not yet done on the morning after the deadline.
        assert_eq!(
            state(&fibre, at("1404/12/01 09:00")),
            MilestoneState::Overdue
        );
        assert_eq!(state(&fibre, at("1404/12/02 10:00")), MilestoneState::Done);
        let polling = milestone("election_day", "1405/02/11 08:00", "1405/02/11 18:00", None);
        assert_eq!(
            state(&polling, at("1405/02/12 08:00")),
            MilestoneState::Passed
        );
    }

    #[test]
    fn countdowns_read_in_persian_to_two_units() {
        assert_eq!(
            span_persian(Duration::minutes(3 * 1440 + 4 * 60 + 5)),
            "۳ روز و ۴ ساعت"
        );
        assert_eq!(
            span_persian(Duration::minutes(2 * 60 + 15)),
            "۲ ساعت و ۱۵ دقیقه"
        );
        assert_eq!(span_persian(Duration::minutes(1440)), "۱ روز");
        assert_eq!(span_persian(Duration::seconds(20)), "کمتر از یک دقیقه");
        let fibre = milestone(
            "fibre_deadline",
            "1404/11/01 00:00",
            "1404/12/01 00:00",
            Some(Role::CountyGovernor),
        );
        assert_eq!(
            countdown(&fibre, at("1404/12/01 09:00")),
            "۹ ساعت از پایان مهلت گذشته"
        );
        assert_eq!(
            countdown(&fibre, at("1404/11/29 00:00")),
            "۲ روز تا پایان مهلت"
        );
    }

    #[test]
    fn a_governor_sees_the_governors_milestones_and_the_shared_periods() {
        let milestones = vec![
            milestone(
                "vetting",
                "1404/11/09 00:00",
                "1404/11/23 00:00",
                Some(Role::ExecutiveBoard),
            ),
            milestone(
                "fibre",
                "1404/11/01 00:00",
                "1404/12/01 00:00",
                Some(Role::CountyGovernor),
            ),
            milestone(
                "plans",
                "1404/12/01 00:00",
                "1405/01/25 00:00",
                Some(Role::CountyGovernor),
            ),
            milestone(
                "tests",
                "1405/02/01 00:00",
                "1405/02/09 00:00",
                Some(Role::CountyGovernor),
            ),
            milestone("election_day", "1405/02/11 08:00", "1405/02/11 18:00", None),
        ];
        let now = at("1404/12/01 09:00");
        let governor = outlook(&milestones, now, Some(Role::CountyGovernor));
        assert_eq!(
            governor
                .overdue
                .iter()
                .map(|m| m.key.as_str())
                .collect::<Vec<_>>(),
            ["fibre"]
        );
        assert_eq!(
            governor
                .due
                .iter()
                .map(|m| m.key.as_str())
                .collect::<Vec<_>>(),
            ["plans"]
        );
        assert_eq!(governor.next.map(|m| m.key.as_str()), Some("tests"));
        let hq = outlook(&milestones, now, Some(Role::ProvinceHq));
        assert_eq!(
            hq.overdue
                .iter()
                .map(|m| m.key.as_str())
                .collect::<Vec<_>>(),
            ["vetting", "fibre"]
        );
    }

    #[test]
    fn an_edit_needs_a_key_a_name_an_order_and_polling_on_its_day() {
        let day = crate::calendar::parse_date("1405/02/11").expect("date");
        let good = milestone(
            "equipment_tests",
            "1405/02/01 08:00",
            "1405/02/09 18:00",
            None,
        );
        assert_eq!(check_milestone(&good, day), Ok(()));
        let bad_key = Milestone {
            key: "Equipment Tests".into(),
            ..good.clone()
        };
        assert_eq!(check_milestone(&bad_key, day), Err(TimelineRefusal::BadKey));
        let reversed = Milestone {
            starts_at: good.ends_at,
            ends_at: good.starts_at,
            ..good.clone()
        };
        assert_eq!(
            check_milestone(&reversed, day),
            Err(TimelineRefusal::EndsBeforeStart)
        );
        let blank = Milestone {
            name: "  ".into(),
            ..good.clone()
        };
        assert_eq!(check_milestone(&blank, day), Err(TimelineRefusal::BadName));
        let moved = milestone("election_day", "1405/02/12 08:00", "1405/02/12 18:00", None);
        assert_eq!(
            check_milestone(&moved, day),
            Err(TimelineRefusal::PollingDayElsewhere)
        );
    }
}
