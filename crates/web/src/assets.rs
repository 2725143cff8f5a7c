//! Vendored front-end assets, embedded in the binary: nothing is fetched from outside.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/app.css"),
    },
    Asset {
        path: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/app.js"),
    },
    Asset {
        path: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/js/htmx.min.js"),
    },
    Asset {
        path: "fonts/Vazirmatn-Regular.woff2",
        content_type: "font/woff2",
        bytes: include_bytes!("../assets/fonts/Vazirmatn-Regular.woff2"),
    },
    Asset {
        path: "fonts/Vazirmatn-Medium.woff2",
        content_type: "font/woff2",
        bytes: include_bytes!("../assets/fonts/Vazirmatn-Medium.woff2"),
    },
    Asset {
        path: "fonts/Vazirmatn-Bold.woff2",
        content_type: "font/woff2",
        bytes: include_bytes!("../assets/fonts/Vazirmatn-Bold.woff2"),
    },
];

pub async fn serve(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.path == path) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            a.bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
