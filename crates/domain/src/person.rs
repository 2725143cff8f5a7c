//! People: the registry of everyone who can hold a post, stand, or vote.

use crate::ids::{MobileNumber, NationalId};
use crate::DomainError;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "female" => Some(Self::Female),
            "male" => Some(Self::Male),
            _ => None,
        }
    }
}

/// Education levels, in order (the candidacy rules compare them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Education {
    Literate,
    Diploma,
    Associate,
    Bachelor,
    Master,
    Doctorate,
}

impl Education {
    pub const ALL: [Education; 6] = [
        Self::Literate,
        Self::Diploma,
        Self::Associate,
        Self::Bachelor,
        Self::Master,
        Self::Doctorate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Literate => "literate",
            Self::Diploma => "diploma",
            Self::Associate => "associate",
            Self::Bachelor => "bachelor",
            Self::Master => "master",
            Self::Doctorate => "doctorate",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Literate => "سواد خواندن و نوشتن",
            Self::Diploma => "دیپلم",
            Self::Associate => "کاردانی",
            Self::Bachelor => "کارشناسی",
            Self::Master => "کارشناسی ارشد",
            Self::Doctorate => "دکتری",
        }
    }
}

/// Close relatives as the law counts them for conflicts of interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Relation {
    Parent,
    Child,
    Sibling,
    Spouse,
}

impl Relation {
    pub const ALL: [Relation; 4] = [Self::Parent, Self::Child, Self::Sibling, Self::Spouse];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Parent => "parent",
            Self::Child => "child",
            Self::Sibling => "sibling",
            Self::Spouse => "spouse",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Parent => "پدر/مادر",
            Self::Child => "فرزند",
            Self::Sibling => "خواهر/برادر",
            Self::Spouse => "همسر",
        }
    }
}

/// A declared close relative, by national id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Relative {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub national_id: NationalId,
    pub relation: Relation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub national_id: NationalId,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub gender: Gender,
    pub birth_date: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub mobile: Option<MobileNumber>,
    #[serde(default)]
    pub education: Option<Education>,
    /// Sits on a council now (and so may not serve at a station).
    #[serde(default)]
    pub sitting_council_member: bool,
    #[serde(default)]
    pub relatives: Vec<Relative>,
}

/// Age in full years on `on`.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

impl Person {
    /// Normalises names and checks the record's own consistency.
    pub fn normalized(mut self) -> Result<Self, DomainError> {
        use crate::text::normalize_name;
        self.first_name = normalize_name(&self.first_name);
        self.last_name = normalize_name(&self.last_name);
        self.father_name = normalize_name(&self.father_name);
        for (field, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
        ] {
            if value.is_empty() || value.chars().count() > 100 {
                return Err(DomainError::InvalidField {
                    field,
                    reason: "نام باید میان ۱ تا ۱۰۰ نویسه باشد".into(),
                });
            }
        }
        if self.father_name.chars().count() > 100 {
            return Err(DomainError::InvalidField {
                field: "father_name",
                reason: "نام پدر حداکثر ۱۰۰ نویسه است".into(),
            });
        }
        if self.birth_date.year() < 1900 {
            return Err(DomainError::InvalidField {
                field: "birth_date",
                reason: "تاریخ تولد نامعتبر است".into(),
            });
        }
        if self
            .relatives
            .iter()
            .any(|r| r.national_id == self.national_id)
        {
            return Err(DomainError::InvalidField {
                field: "relatives",
                reason: "شخص نمی‌تواند خویشاوند خودش باشد".into(),
            });
        }
        let mut seen = std::collections::HashSet::new();
        if !self.relatives.iter().all(|r| seen.insert(&r.national_id)) {
            return Err(DomainError::InvalidField {
                field: "relatives",
                reason: "یک خویشاوند دو بار آمده است".into(),
            });
        }
        Ok(self)
    }
}
