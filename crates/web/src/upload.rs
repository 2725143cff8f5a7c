//! Reading a registration's `multipart/form-data` body: its text fields and its documents, for
//! the API's `POST /api/v1/registrations` and the `/register` page alike. What to make of
//! them is the use case's (`app::registrations`); this only reads.

use crate::ApiError;
use app::registrations::{Fields, RegistrationForm, Upload, MAX_FIELD_CHARS};
use axum::extract::Multipart;
use axum::http::StatusCode;
use domain::registration::DocumentKind;

/// Why a registration's body could not be read to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    TooLarge,
    Broken,
    DocumentTwice,
    FieldTooLong,
}

impl Unreadable {
    pub fn error(self) -> ApiError {
        match self {
            Self::TooLarge => ApiError::PayloadTooLarge,
            Self::Broken => app::Error::invalid("multipart", "فرم ارسالی خوانا نیست").into(),
            Self::DocumentTwice => {
                app::Error::invalid("documents", "هر مدرک را یک بار بارگذاری کنید").into()
            }
            Self::FieldTooLong => {
                app::Error::invalid("multipart", "یکی از خانه‌ها بیش از اندازه بلند است").into()
            }
        }
    }
}

/// A registration form as read: what was read before a failure is kept, so that a page can
/// show the applicant's entries again.
pub struct ReadForm {
    pub form: RegistrationForm,
    pub unreadable: Option<Unreadable>,
}

/// Reads the form's fields and files; never fails, see [`ReadForm`].
pub async fn read_registration(mut multipart: Multipart) -> ReadForm {
    let mut read = ReadForm {
        form: RegistrationForm {
            fields: Fields::default(),
            uploads: Vec::new(),
        },
        unreadable: None,
    };
    let broken = |e: &axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Unreadable::TooLarge
        } else {
            Unreadable::Broken
        }
    };
    loop {
        let part = match multipart.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(e) => {
                read.unreadable = Some(broken(&e));
                break;
            }
        };
        let name = part.name().unwrap_or_default().to_owned();
        if let Some(kind) = DocumentKind::parse(&name) {
            let declared = part.content_type().map(str::to_owned);
            let unnamed = part.file_name().is_none_or(str::is_empty);
            let bytes = match part.bytes().await {
                Ok(bytes) => bytes,
                Err(e) => {
                    read.unreadable = Some(broken(&e));
                    break;
                }
            };
            // A file input left empty: browsers send it with no file name and no bytes.
            if bytes.is_empty() && (declared.is_none() || unnamed) {
                continue;
            }
            if read.form.uploads.iter().any(|u| u.kind == kind) {
                read.unreadable = Some(Unreadable::DocumentTwice);
                break;
            }
            read.form.uploads.push(Upload {
                kind,
                declared,
                bytes,
            });
        } else {
            let value = match part.text().await {
                Ok(value) => value,
                Err(e) => {
                    read.unreadable = Some(broken(&e));
                    break;
                }
            };
            if value.chars().count() > MAX_FIELD_CHARS {
                read.unreadable = Some(Unreadable::FieldTooLong);
                break;
            }
            read.form.fields.0.insert(name, value);
        }
    }
    read
}
