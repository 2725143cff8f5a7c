//! The people registry: one person, a search, registering one or a file. The use cases are
//! `app::people`.

use crate::api::stations::{csv_body, read_file};
use crate::api::{page_request, ApiJson, ApiPath, ApiQuery};
use crate::auth::Visit;
use crate::ApiError;
use app::people::PersonForm;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use domain::access::Action;
use domain::person::{Education, Gender, Person, Relation};
use serde::{Deserialize, Serialize};
use store::Page;

/// A person of the registry, by national id (Persian or ASCII digits).
#[utoipa::path(get, path = "/api/v1/people/{national_id}", tag = "people", params(("national_id" = String, Path)),
    responses((status = 200, body = Person), (status = 404), (status = 422)))]
pub async fn show(
    Visit { state, auth }: Visit,
    ApiPath(national_id): ApiPath<String>,
) -> Result<Json<Person>, ApiError> {
    let people = state.app.people();
    Ok(Json(people.person(auth.principal(), &national_id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The start of a national id, or part of a first or last name.
    q: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

/// Finds people by national id or name.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(SearchQuery),
    responses((status = 200, body = Page<Person>), (status = 403),
        (status = 422, description = "`invalid_field`: an empty `q`")))]
pub async fn search(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Page<Person>>, ApiError> {
    let (people, page) = (state.app.people(), page_request(q.page, q.per_page));
    Ok(Json(people.search(auth.principal(), &q.q, page).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelativeRequest {
    national_id: String,
    relation: Relation,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePersonRequest {
    national_id: String,
    first_name: String,
    last_name: String,
    #[serde(default)]
    father_name: String,
    gender: Gender,
    /// Jalali (`1360/05/12`) or ISO (`1981-08-03`); Persian digits are fine.
    birth_date: String,
    mobile: Option<String>,
    education: Option<Education>,
    #[serde(default)]
    sitting_council_member: bool,
    #[serde(default)]
    relatives: Vec<RelativeRequest>,
}

/// Registers a person: 201, or 422 `invalid_national_id` (and other field codes), or 409
/// `duplicate_person`.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = CreatePersonRequest,
    responses((status = 201, body = Person), (status = 409), (status = 422)))]
pub async fn create(
    Visit { state, auth }: Visit,
    ApiJson(body): ApiJson<CreatePersonRequest>,
) -> Result<(StatusCode, Json<Person>), ApiError> {
    let form = PersonForm {
        national_id: body.national_id,
        first_name: body.first_name,
        last_name: body.last_name,
        father_name: body.father_name,
        gender: body.gender,
        birth_date: body.birth_date,
        mobile: body.mobile,
        education: body.education,
        sitting_council_member: body.sitting_council_member,
        relatives: body
            .relatives
            .into_iter()
            .map(|r| (r.national_id, r.relation))
            .collect(),
    };
    let person = state.app.people().create(auth.principal(), form).await?;
    Ok((StatusCode::CREATED, Json(person)))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportedPeople {
    imported: u64,
}

/// Imports a people CSV (all or nothing; every bad row reported by line).
#[utoipa::path(post, path = "/api/v1/people/import", tag = "people", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportedPeople), (status = 422)))]
pub async fn import(
    Visit { state, auth }: Visit,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ImportedPeople>, ApiError> {
    // Who may import is asked before the file is read.
    auth.require(Action::ManagePeople)?;
    let body = read_file(body).await?;
    let text = csv_body(&headers, &body)?;
    let imported = state.app.people().import(auth.principal(), text).await?;
    Ok(Json(ImportedPeople { imported }))
}
