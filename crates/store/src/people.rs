//! The people registry: the staff, inspectors and board members the system appoints.

use crate::{Actor, Page, PageRequest, StoreResult};
use async_trait::async_trait;
use domain::person::Person;

#[async_trait]
pub trait PeopleStore: Send + Sync + 'static {
    async fn person(&self, national_id: &str) -> StoreResult<Option<Person>>;
    async fn people_count(&self) -> StoreResult<i64>;
    /// Adds a person (with declared relatives); `Duplicate { Person }` if the national id is
    /// already registered.
    async fn create_person(&self, person: &Person, by: &Actor) -> StoreResult<()>;
    /// Adds every person given, all or nothing, with one audit record.
    async fn import_people(&self, people: &[Person], by: &Actor) -> StoreResult<u64>;
    /// People whose national id starts with `query` (digits) or whose first or last name
    /// contains it, ordered by last name, first name, national id; with `county`, only those
    /// its users see ([`Self::person_in_county`]).
    async fn search_people(
        &self,
        query: &str,
        county: Option<&str>,
        pool: bool,
        page: PageRequest,
    ) -> StoreResult<Page<Person>>;
    /// Whether a county's users see a person: one linked to `county` (a post at one of its
    /// stations, a seat on one of its boards, a candidacy for one of its councils, in any
    /// election), or, with `pool`, one linked to no county (whom those who appoint draw from);
    /// never one of another county.
    async fn person_in_county(
        &self,
        national_id: &str,
        county: &str,
        pool: bool,
    ) -> StoreResult<bool>;
}

pub fn person_created(person: &Person) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::PersonCreate,
        format!("person/{}", person.national_id),
        serde_json::json!({
            "national_id": person.national_id.as_str(),
            "first_name": person.first_name,
            "last_name": person.last_name,
        }),
    )
}

pub fn people_imported(count: usize) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::PersonImport,
        "people",
        serde_json::json!({"count": count}),
    )
}

/// What a people search looks for: a national id by its first digits (typed in any script),
/// or a part of a first or last name, as a search key (`domain::text::search_key`: compared
/// with the names' keys, whatever the script, spaces and ZWNJs typed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeopleQuery {
    IdPrefix(String),
    Name(String),
}

impl PeopleQuery {
    /// An empty query is a name search for the empty string: everyone.
    pub fn parse(text: &str) -> Self {
        let digits = domain::text::ascii_digits(text.trim());
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            Self::IdPrefix(digits)
        } else {
            Self::Name(domain::text::search_key(text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_read_ids_in_any_script_and_names_normalised() {
        assert_eq!(
            PeopleQuery::parse(" ۰۰۱۸۴ "),
            PeopleQuery::IdPrefix("00184".into())
        );
        assert_eq!(
            PeopleQuery::parse("0018"),
            PeopleQuery::IdPrefix("0018".into())
        );
        // Arabic kaf and yeh are the Persian letters names are stored with.
        assert_eq!(
            PeopleQuery::parse("كرماني"),
            PeopleQuery::Name("کرمانی".into())
        );
        assert_eq!(PeopleQuery::parse(""), PeopleQuery::Name(String::new()));
        // Digits within a name are kept as names store them: in Persian.
        assert_eq!(PeopleQuery::parse("12ab"), PeopleQuery::Name("۱۲ab".into()));
        // Spaces and ZWNJs are not compared: «نیک نام» finds «نیک‌نام».
        assert_eq!(
            PeopleQuery::parse("نیک نام"),
            PeopleQuery::Name("نیکنام".into())
        );
    }
}
