//! The people registry: registering the staff, inspectors and board members the system
//! appoints, one by one or from a file.

use crate::{authorize, Context, Result};
use domain::access::{Action, Principal};
use domain::ids::{MobileNumber, NationalId};
use domain::person::{Education, Gender, Person, Relation, Relative};
use store::PeopleStore;

#[derive(Clone, Copy)]
pub struct People<'a> {
    pub(crate) people: &'a dyn PeopleStore,
    pub(crate) ctx: Context<'a>,
}

/// A person as typed: ids and dates in Persian or ASCII digits, dates Jalali or ISO.
#[derive(Debug, Clone)]
pub struct PersonForm {
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub gender: Gender,
    pub birth_date: String,
    pub mobile: Option<String>,
    pub education: Option<Education>,
    pub sitting_council_member: bool,
    pub relatives: Vec<(String, Relation)>,
}

impl PersonForm {
    fn person(self) -> Result<Person> {
        Ok(Person {
            national_id: NationalId::parse(&self.national_id)?,
            first_name: self.first_name,
            last_name: self.last_name,
            father_name: self.father_name,
            gender: self.gender,
            birth_date: domain::calendar::parse_date(&self.birth_date)?,
            mobile: self
                .mobile
                .filter(|m| !m.trim().is_empty())
                .map(|m| MobileNumber::parse(&m))
                .transpose()?,
            education: self.education,
            sitting_council_member: self.sitting_council_member,
            relatives: self
                .relatives
                .into_iter()
                .map(|(national_id, relation)| {
                    Ok(Relative {
                        national_id: NationalId::parse(&national_id)?,
                        relation,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        }
        .normalized()?)
    }
}

/// What a search for `typed` looks for: a national id's digits (Persian or ASCII), else a
/// name normalised; `None` when nothing was typed.
pub fn search_term(typed: &str) -> Option<String> {
    let digits = domain::text::ascii_digits(typed.trim());
    let term = if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits
    } else {
        domain::text::normalize_name(typed)
    };
    (!term.is_empty()).then_some(term)
}

/// Whether `p` appoints people, and so sees the pool of those linked to no county.
fn appoints(p: &Principal) -> bool {
    domain::access::authorize(Some(p), Action::ManagePeople).is_ok()
}

/// A person as `p` may see them: without mobile number and relatives unless the role needs
/// them (`domain::access::sees_contacts`).
fn as_seen_by(p: &Principal, mut person: Person) -> Person {
    if !domain::access::sees_contacts(p.role) {
        person.mobile = None;
        person.relatives.clear();
    }
    person
}

impl People<'_> {
    /// A person of the registry by national id (Persian or ASCII digits). A county's user sees
    /// the people linked to their county (its posts, boards and candidacies), and one who
    /// appoints people (`Action::ManagePeople`) those linked to no county too, the pool they
    /// appoint from; anyone else is not found to them.
    pub async fn person(self, principal: Option<&Principal>, national_id: &str) -> Result<Person> {
        let p = authorize(principal, Action::ViewPeople)?;
        let id = NationalId::parse(national_id)?;
        let not_found = crate::Error::NotFound(store::Entity::Person);
        if let Some(county) = p.scope.county() {
            if !self
                .people
                .person_in_county(id.as_str(), county, appoints(p))
                .await?
            {
                return Err(not_found);
            }
        }
        let person = self.people.person(id.as_str()).await?.ok_or(not_found)?;
        Ok(as_seen_by(p, person))
    }

    /// People whose national id starts with, or whose name holds, what was typed
    /// ([`search_term`]), a county's user's among their county's people only; an empty search
    /// is refused.
    pub async fn search(
        self,
        principal: Option<&Principal>,
        typed: &str,
        page: store::PageRequest,
    ) -> Result<store::Page<Person>> {
        let p = authorize(principal, Action::ViewPeople)?;
        let term = search_term(typed)
            .ok_or_else(|| crate::Error::invalid("q", "عبارت جست‌وجو خالی است"))?;
        let mut found = self
            .people
            .search_people(&term, p.scope.county(), appoints(p), page)
            .await?;
        found.items = found.items.into_iter().map(|x| as_seen_by(p, x)).collect();
        Ok(found)
    }

    /// Registers a person (`person.create`); `Duplicate { Person }` for a registered id.
    pub async fn create(self, principal: Option<&Principal>, form: PersonForm) -> Result<Person> {
        let p = authorize(principal, Action::ManagePeople)?;
        let person = form.person()?;
        self.people
            .create_person(&person, &self.ctx.actor(p))
            .await?;
        Ok(person)
    }

    /// Imports a people file, all or nothing, every bad row by line (`person.import`).
    pub async fn import(self, principal: Option<&Principal>, csv: &str) -> Result<u64> {
        let p = authorize(principal, Action::ManagePeople)?;
        Ok(store::import::people_csv(self.people, csv, &self.ctx.actor(p)).await?)
    }
}
