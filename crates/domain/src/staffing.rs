//! Election-day posts at a station and who may hold them (DESIGN §8, Stations).
//!
//! The store gathers the facts inside the transaction that would write the assignment, and
//! this module decides; so the rule lives here and the decision is race-free.

use crate::ids::NationalId;
use crate::person::{age_on, Person};
use serde::{Deserialize, Serialize};
use time::Date;

/// The seven posts of a station: the five branch members, the governor's representative and
/// the one inspector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Post {
    Head,
    #[serde(rename = "secretary_1")]
    Secretary1,
    #[serde(rename = "secretary_2")]
    Secretary2,
    #[serde(rename = "member_1")]
    Member1,
    #[serde(rename = "member_2")]
    Member2,
    GovernorRep,
    Inspector,
}

/// The least age on election day for any post.
pub const MINIMUM_AGE: i32 = 18;

impl Post {
    pub const ALL: [Post; 7] = [
        Self::Head,
        Self::Secretary1,
        Self::Secretary2,
        Self::Member1,
        Self::Member2,
        Self::GovernorRep,
        Self::Inspector,
    ];
    pub const BRANCH: [Post; 5] = [
        Self::Head,
        Self::Secretary1,
        Self::Secretary2,
        Self::Member1,
        Self::Member2,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Head => "head",
            Self::Secretary1 => "secretary_1",
            Self::Secretary2 => "secretary_2",
            Self::Member1 => "member_1",
            Self::Member2 => "member_2",
            Self::GovernorRep => "governor_rep",
            Self::Inspector => "inspector",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::Head => "رئیس شعبه",
            Self::Secretary1 => "منشی اول",
            Self::Secretary2 => "منشی دوم",
            Self::Member1 => "عضو اول",
            Self::Member2 => "عضو دوم",
            Self::GovernorRep => "نماینده فرماندار",
            Self::Inspector => "بازرس",
        }
    }

    pub fn is_branch_member(self) -> bool {
        Self::BRANCH.contains(&self)
    }
}

/// What the store knows about a proposed assignment, read in the writing transaction.
#[derive(Debug, Clone)]
pub struct AssignmentFacts<'a> {
    pub person: &'a Person,
    pub election_day: Date,
    pub station_closed: bool,
    /// The post the person already holds in this election, anywhere.
    pub current_post: Option<(String, Post)>,
    /// Who holds the requested post now, if anyone.
    pub holder: Option<NationalId>,
    /// The person stands as a candidate in a council the station serves.
    pub candidate_here: bool,
    /// A declared close relative (either way round) who stands in a council the station serves.
    pub candidate_relative: Option<NationalId>,
}

/// Why an assignment is refused. Each has a stable code and a Persian reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    StationClosed,
    PostTaken { holder: NationalId },
    AlreadyServing { station: String, post: Post },
    InspectorIsStaff { station: String, post: Post },
    Underage { age: i32 },
    Candidate,
    CandidateRelative { relative: NationalId },
    SittingCouncilMember,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::StationClosed => "station_closed",
            Self::PostTaken { .. } => "post_taken",
            Self::AlreadyServing { .. } => "already_serving",
            Self::InspectorIsStaff { .. } => "inspector_is_staff",
            Self::Underage { .. } => "underage",
            Self::Candidate => "candidate",
            Self::CandidateRelative { .. } => "candidate_relative",
            Self::SittingCouncilMember => "sitting_council_member",
        }
    }

    pub fn persian(&self) -> String {
        match self {
            Self::StationClosed => "این شعبه بسته شده است و نمی‌توان برای آن عامل تعیین کرد.".into(),
            Self::PostTaken { holder } => {
                format!("این سمت را شخص دیگری (کد ملی {holder}) دارد؛ نخست او را بردارید.")
            }
            Self::AlreadyServing { station, post } => {
                format!("این شخص در همین انتخابات سمت «{}» را در شعبه {station} دارد؛ هر کس فقط یک سمت می‌گیرد.", post.persian())
            }
            Self::InspectorIsStaff { station, post } => format!(
                "بازرس نمی‌تواند از عوامل شعبه باشد: این شخص «{}» شعبه {station} است.",
                post.persian()
            ),
            Self::Underage { age } => format!(
                "سن این شخص در روز رأی‌گیری {age} سال است؛ عوامل باید دست‌کم ۱۸ سال داشته باشند."
            ),
            Self::Candidate => {
                "این شخص داوطلب شورای همین حوزه است و نمی‌تواند از عوامل شعبه باشد.".into()
            }
            Self::CandidateRelative { relative } => {
                format!("خویشاوند نزدیک این شخص (کد ملی {relative}) داوطلب شورای همین حوزه است.")
            }
            Self::SittingCouncilMember => "اعضای فعلی شوراها نمی‌توانند از عوامل شعبه باشند.".into(),
        }
    }
}

/// Decides whether `post` at `station` may go to the person. Assigning someone to the post they
/// already hold is allowed (and changes nothing).
pub fn check_assignment(
    station: &str,
    post: Post,
    facts: &AssignmentFacts<'_>,
) -> Result<(), Refusal> {
    if facts
        .current_post
        .as_ref()
        .is_some_and(|(s, p)| s == station && *p == post)
    {
        return Ok(());
    }
    if facts.station_closed {
        return Err(Refusal::StationClosed);
    }
    if let Some(holder) = &facts.holder {
        return Err(Refusal::PostTaken {
            holder: holder.clone(),
        });
    }
    if let Some((other_station, other_post)) = &facts.current_post {
        if post == Post::Inspector || *other_post == Post::Inspector {
            return Err(Refusal::InspectorIsStaff {
                station: other_station.clone(),
                post: *other_post,
            });
        }
        return Err(Refusal::AlreadyServing {
            station: other_station.clone(),
            post: *other_post,
        });
    }
    let age = age_on(facts.person.birth_date, facts.election_day);
    if age < MINIMUM_AGE {
        return Err(Refusal::Underage { age });
    }
    if facts.candidate_here {
        return Err(Refusal::Candidate);
    }
    if let Some(relative) = &facts.candidate_relative {
        return Err(Refusal::CandidateRelative {
            relative: relative.clone(),
        });
    }
    if facts.person.sitting_council_member {
        return Err(Refusal::SittingCouncilMember);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::Gender;
    use time::macros::date;

    fn person(birth: Date) -> Person {
        Person {
            national_id: NationalId::parse("0018465986").unwrap(),
            first_name: "علی".into(),
            last_name: "کرمانی".into(),
            father_name: "محمد".into(),
            gender: Gender::Male,
            birth_date: birth,
            mobile: None,
            education: None,
            sitting_council_member: false,
            relatives: Vec::new(),
        }
    }

    fn facts(p: &Person) -> AssignmentFacts<'_> {
        AssignmentFacts {
            person: p,
            election_day: date!(2026 - 05 - 01),
            station_closed: false,
            current_post: None,
            holder: None,
            candidate_here: false,
            candidate_relative: None,
        }
    }

    #[test]
    fn a_clean_adult_may_serve() {
        let p = person(date!(1980 - 01 - 01));
        assert_eq!(check_assignment("1100001", Post::Head, &facts(&p)), Ok(()));
    }

    /// Election day is 1405/02/11 (2026-05-01): ages are counted in Jalali years, so someone
    /// born 1387/02/12 (2008-05-01) is still 17 on it.
    #[test]
    fn eighteen_on_election_day_is_enough() {
        let p = person(date!(2008 - 04 - 30));
        assert_eq!(
            check_assignment("1100001", Post::Member1, &facts(&p)),
            Ok(())
        );
        let p = person(date!(2008 - 05 - 01));
        assert_eq!(
            check_assignment("1100001", Post::Member1, &facts(&p)),
            Err(Refusal::Underage { age: 17 })
        );
    }

    #[test]
    fn one_post_per_person_and_inspectors_apart() {
        let p = person(date!(1980 - 01 - 01));
        let mut f = facts(&p);
        f.current_post = Some(("1100002".into(), Post::Secretary1));
        assert_eq!(
            check_assignment("1100001", Post::Head, &f)
                .unwrap_err()
                .code(),
            "already_serving"
        );
        assert_eq!(
            check_assignment("1100001", Post::Inspector, &f)
                .unwrap_err()
                .code(),
            "inspector_is_staff"
        );
        f.current_post = Some(("1100002".into(), Post::Inspector));
        assert_eq!(
            check_assignment("1100001", Post::Head, &f)
                .unwrap_err()
                .code(),
            "inspector_is_staff"
        );
        // Re-assigning the same post is a no-op, not a refusal.
        f.current_post = Some(("1100001".into(), Post::Head));
        assert_eq!(check_assignment("1100001", Post::Head, &f), Ok(()));
    }

    #[test]
    fn conflicts_of_interest_are_refused() {
        let mut p = person(date!(1980 - 01 - 01));
        let mut f = facts(&p);
        f.candidate_here = true;
        assert_eq!(
            check_assignment("s", Post::Head, &f),
            Err(Refusal::Candidate)
        );
        let mut f = facts(&p);
        let relative = NationalId::parse("0499370899").unwrap();
        f.candidate_relative = Some(relative.clone());
        assert_eq!(
            check_assignment("s", Post::Head, &f),
            Err(Refusal::CandidateRelative { relative })
        );
        p.sitting_council_member = true;
        assert_eq!(
            check_assignment("s", Post::GovernorRep, &facts(&p)),
            Err(Refusal::SittingCouncilMember)
        );
    }

    #[test]
    fn taken_posts_and_closed_stations() {
        let p = person(date!(1980 - 01 - 01));
        let mut f = facts(&p);
        f.holder = Some(NationalId::parse("0499370899").unwrap());
        assert_eq!(
            check_assignment("s", Post::Inspector, &f)
                .unwrap_err()
                .code(),
            "post_taken"
        );
        let mut f = facts(&p);
        f.station_closed = true;
        assert_eq!(
            check_assignment("s", Post::Inspector, &f)
                .unwrap_err()
                .code(),
            "station_closed"
        );
    }

    #[test]
    fn every_refusal_explains_itself_in_persian() {
        let id = NationalId::parse("0499370899").unwrap();
        for r in [
            Refusal::StationClosed,
            Refusal::PostTaken { holder: id.clone() },
            Refusal::AlreadyServing {
                station: "s".into(),
                post: Post::Head,
            },
            Refusal::InspectorIsStaff {
                station: "s".into(),
                post: Post::Head,
            },
            Refusal::Underage { age: 17 },
            Refusal::Candidate,
            Refusal::CandidateRelative { relative: id },
            Refusal::SittingCouncilMember,
        ] {
            assert!(r
                .persian()
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)));
            assert!(r.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
        for post in Post::ALL {
            assert_eq!(Post::parse(post.as_str()), Some(post));
        }
    }
}
