//! Vendored front-end assets, embedded in the binary: nothing is fetched from outside.

use crate::views::OnPage;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Each vendored file: the path it is served at, and its bytes.
const ASSETS: &[(&str, &[u8])] = &[
    ("app.css", include_bytes!("../assets/app.css")),
    ("print.css", include_bytes!("../assets/print.css")),
    ("app.js", include_bytes!("../assets/app.js")),
    ("htmx.min.js", include_bytes!("../assets/js/htmx.min.js")),
    (
        "fonts/Vazirmatn-Regular.woff2",
        include_bytes!("../assets/fonts/Vazirmatn-Regular.woff2"),
    ),
    (
        "fonts/Vazirmatn-Medium.woff2",
        include_bytes!("../assets/fonts/Vazirmatn-Medium.woff2"),
    ),
    (
        "fonts/Vazirmatn-Bold.woff2",
        include_bytes!("../assets/fonts/Vazirmatn-Bold.woff2"),
    ),
];

/// The media type of a vendored file, by its extension.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

pub async fn serve(OnPage(Path(path)): OnPage<Path<String>>) -> Response {
    match ASSETS.iter().find(|(served, _)| *served == path) {
        Some(&(served, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type(served)),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
