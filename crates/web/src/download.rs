//! Files a list is downloaded as: the attachment headers both trees share, and the Excel file
//! (xlsx) of a list an official works from, written by `rust_xlsxwriter`.
//!
//! A sheet reads right to left with its Persian header bold and frozen. Codes (national ids,
//! station and postal codes, phone numbers) are text cells with the text format, so a
//! spreadsheet keeps their leading zeros and never turns them into numbers; counts are numbers;
//! dates are Jalali text, as the pages show them.

use crate::ApiError;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::future::Future;
use store::{Page, PageRequest};

/// The media type of an xlsx file.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The most rows one download holds; a longer list is refused with a Persian message asking
/// for narrower filters (the province's whole vetting list fits).
pub const MAX_ROWS: usize = 50_000;

/// Rows read from the store at a time for a download.
const BATCH: u32 = PageRequest::MAX_PER_PAGE;

/// A file to download: the body with its media type, and a `Content-Disposition` naming it.
/// The name is made of the request's codes, so anything but ASCII letters, digits, `.`, `-`
/// and `_` becomes `_`: a header cannot hold a control character, and a client's file name
/// should not hold a quote or a slash.
pub fn attachment(content_type: &'static str, filename: &str, body: impl IntoResponse) -> Response {
    let filename: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// One cell of a sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Words (a name, a state, a Jalali date).
    Text(String),
    /// A code read as written (a national id, a station or postal code, a phone number):
    /// Latin digits in a text cell, leading zeros kept.
    Code(String),
    /// A count or an amount.
    Number(i64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }
    /// A code, with whatever digits it was written in read as Latin ones.
    pub fn code(s: &str) -> Self {
        if s.is_empty() {
            Self::Empty
        } else {
            Self::Code(domain::text::ascii_digits(s))
        }
    }
    pub fn opt_code(s: Option<&str>) -> Self {
        s.map_or(Self::Empty, Self::code)
    }
}

/// A sheet: its name, its Persian header and its rows (each as long as the header).
pub struct Sheet<'a> {
    pub name: &'a str,
    pub header: &'a [&'a str],
    pub rows: Vec<Vec<Cell>>,
}

fn xlsx_error(e: XlsxError) -> ApiError {
    ApiError::Internal(format!("xlsx: {e}"))
}

impl Sheet<'_> {
    /// The workbook's bytes.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, ApiError> {
        self.write().map_err(xlsx_error)
    }

    fn write(&self) -> Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        // "@": the text format, so that a code typed over in the sheet stays text too.
        let text = Format::new().set_num_format("@");
        let sheet = workbook.add_worksheet();
        sheet.set_name(self.name)?;
        sheet.set_right_to_left(true);
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for (col, title) in (0u16..).zip(self.header) {
            sheet.write_string_with_format(0, col, *title, &bold)?;
        }
        for (row, cells) in (1u32..).zip(&self.rows) {
            for (col, cell) in (0u16..).zip(cells) {
                let shown = match cell {
                    Cell::Text(s) => {
                        sheet.write_string(row, col, s)?;
                        s.chars().count()
                    }
                    Cell::Code(s) => {
                        sheet.write_string_with_format(row, col, s, &text)?;
                        s.len()
                    }
                    #[allow(clippy::cast_precision_loss)] // counts, far below 2^53
                    Cell::Number(n) => {
                        sheet.write_number(row, col, *n as f64)?;
                        n.to_string().len()
                    }
                    Cell::Empty => 0,
                };
                if let Some(w) = widths.get_mut(usize::from(col)) {
                    *w = (*w).max(shown);
                }
            }
        }
        for (col, width) in (0u16..).zip(&widths) {
            #[allow(clippy::cast_precision_loss)] // a column's width in characters
            sheet.set_column_width(col, (*width).clamp(6, 60) as f64 + 2.0)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        if let (Ok(last_row), Ok(last_col)) = (
            u32::try_from(self.rows.len()),
            u16::try_from(self.header.len().saturating_sub(1)),
        ) {
            sheet.autofilter(0, 0, last_row, last_col)?;
        }
        workbook.save_to_buffer()
    }

    /// The sheet as a download named `filename` (`.xlsx` added).
    pub fn download(&self, filename: &str) -> Result<Response, ApiError> {
        let bytes = self.to_xlsx()?;
        let mut response = attachment(XLSX, &format!("{filename}.xlsx"), bytes);
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
        Ok(response)
    }
}

/// Every row of a paged list, read a batch at a time through `fetch` (the same call, with the
/// same filters and scope, as the page's); refused whole when the list is longer than
/// [`MAX_ROWS`], before reading past its first batch.
pub async fn every_page<T, E, F, Fut>(mut fetch: F) -> Result<Vec<T>, ApiError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, E>>,
    E: Into<ApiError>,
{
    let first = fetch(PageRequest::new(1, BATCH))
        .await
        .map_err(Into::into)?;
    let total = first.total;
    if usize::try_from(total).map_or(true, |n| n > MAX_ROWS) {
        return Err(ApiError::ExportTooLarge {
            rows: total,
            limit: MAX_ROWS,
        });
    }
    let pages = first.pages();
    let mut items = first.items;
    let mut page = 2;
    while i64::from(page) <= pages {
        let next = fetch(PageRequest::new(page, BATCH))
            .await
            .map_err(Into::into)?;
        if next.items.is_empty() {
            break;
        }
        items.extend(next.items);
        page += 1;
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attachments_name_keeps_to_safe_characters() {
        let response = attachment(
            "text/csv; charset=utf-8",
            "stations-\u{1}\"x/..\\ی.csv",
            "a".to_owned(),
        );
        assert_eq!(
            response.headers()[header::CONTENT_DISPOSITION],
            "attachment; filename=\"stations-__x_..__.csv\""
        );
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/csv; charset=utf-8"
        );
    }

    #[test]
    fn codes_are_read_in_latin_digits() {
        assert_eq!(Cell::code("۰۰۱۲"), Cell::Code("0012".into()));
        assert_eq!(Cell::code(""), Cell::Empty);
    }

    #[tokio::test]
    async fn a_list_over_the_limit_is_refused_before_its_second_batch() {
        let mut asked = Vec::new();
        let refused = every_page(|page| {
            asked.push(page.page);
            async move {
                Ok::<_, ApiError>(Page {
                    items: vec![0u8; page.per_page as usize],
                    total: MAX_ROWS as i64 + 1,
                    page: page.page,
                    per_page: page.per_page,
                })
            }
        })
        .await;
        assert!(matches!(
            refused,
            Err(ApiError::ExportTooLarge { rows, .. }) if rows == MAX_ROWS as i64 + 1
        ));
        assert_eq!(asked, [1]);
        let (status, code, _, detail) = ApiError::ExportTooLarge {
            rows: 60_000,
            limit: MAX_ROWS,
        }
        .parts();
        assert_eq!((status.as_u16(), code), (422, "export_too_large"));
        assert!(detail.contains("۶۰٬۰۰۰"), "{detail}");

        // Within the limit: every batch, in order.
        let all = every_page(|page| async move {
            let total = 1_200_i64;
            let start = i64::from(page.page - 1) * i64::from(page.per_page);
            let end = (start + i64::from(page.per_page)).min(total);
            Ok::<_, ApiError>(Page {
                items: (start..end).collect(),
                total,
                page: page.page,
                per_page: page.per_page,
            })
        })
        .await
        .unwrap();
        assert_eq!(all, (0..1_200).collect::<Vec<i64>>());
    }

    #[test]
    fn a_sheet_is_an_xlsx_file() {
        let sheet = Sheet {
            name: "فهرست",
            header: &["کد ملی", "نام", "شمار"],
            rows: vec![vec![
                Cell::code("0012345678"),
                Cell::text("علی"),
                Cell::Number(3),
            ]],
        };
        let bytes = sheet.to_xlsx().expect("written");
        // A zip file.
        assert_eq!(&bytes[..2], b"PK");
    }
}
