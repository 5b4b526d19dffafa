//! The stylesheet, htmx and the Vazirmatn font, compiled into the binary and served with long cache
//! lifetimes (their names change when they do). See `assets/README.md` for where each comes from.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub const STYLESHEET: &str = "/assets/app-1.css";
pub const HTMX: &str = "/assets/htmx-2.0.11.min.js";
pub const SCRIPT: &str = "/assets/app-1.js";

const APP_CSS: &[u8] = include_bytes!("../assets/css/app.css");
const HTMX_JS: &[u8] = include_bytes!("../assets/js/htmx-2.0.11.min.js");
const APP_JS: &[u8] = include_bytes!("../assets/js/app.js");
const VAZIRMATN_REGULAR: &[u8] = include_bytes!("../assets/fonts/Vazirmatn-Regular.woff2");
const VAZIRMATN_BOLD: &[u8] = include_bytes!("../assets/fonts/Vazirmatn-Bold.woff2");

fn asset(bytes: &'static [u8], content_type: &'static str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    response
}

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(STYLESHEET, get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }))
        .route(HTMX, get(|| async { asset(HTMX_JS, "text/javascript; charset=utf-8") }))
        .route(SCRIPT, get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }))
        .route("/assets/fonts/Vazirmatn-Regular.woff2", get(|| async { asset(VAZIRMATN_REGULAR, "font/woff2") }))
        .route("/assets/fonts/Vazirmatn-Bold.woff2", get(|| async { asset(VAZIRMATN_BOLD, "font/woff2") }))
}

/// The weight of a page's own CSS and JavaScript, fonts aside (the budget is 100 KB).
pub fn page_weight_bytes() -> usize {
    APP_CSS.len() + HTMX_JS.len() + APP_JS.len()
}
