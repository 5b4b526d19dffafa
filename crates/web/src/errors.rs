//! The one place where an error becomes an HTTP answer: a status, a stable code, and the message in
//! English and Persian, as JSON.

use app::model::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug)]
pub enum ApiError {
    Unauthenticated,
    WrongCredentials,
    Throttled {
        retry_after_s: i64,
    },
    /// Not there, or outside the caller's scope: the two are never told apart.
    NotFound(&'static str),
    WrongContentType,
    MalformedJson(String),
    TooLarge,
    /// Fields of the request that are wrong, each with its reason (in Persian too, where known).
    Fields(Vec<app::funds::FieldProblem>),
    Store(StoreError),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn field(field: &'static str, reason: impl std::fmt::Display) -> ApiError {
        ApiError::fields(vec![(field, reason.to_string())])
    }

    /// Wrong fields whose reasons exist in English only: the Persian message names the field.
    pub fn fields(fields: Vec<(&'static str, String)>) -> ApiError {
        ApiError::Fields(
            fields
                .into_iter()
                .map(|(field, reason)| app::funds::FieldProblem::new(field, reason, format!("«{field}» نادرست است")))
                .collect(),
        )
    }

    pub fn field_problems(problems: Vec<app::funds::FieldProblem>) -> ApiError {
        ApiError::Fields(problems)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        ApiError::Store(error)
    }
}

/// Status, code, English and Persian message, and anything more the caller can act on.
fn describe_store(error: &StoreError) -> (StatusCode, &'static str, String, &'static str, Value) {
    use domain::LedgerError;
    match error {
        StoreError::NotFound { what, .. } => {
            (StatusCode::NOT_FOUND, "not_found", format!("no such {what}"), "پیدا نشد", Value::Null)
        }
        StoreError::Invalid(m) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid", m.clone(), "ورودی نادرست است", Value::Null)
        }
        StoreError::Conflict(m) => {
            (StatusCode::CONFLICT, "conflict", m.clone(), "با وضعیت کنونی سازگار نیست", Value::Null)
        }
        StoreError::Ineligible(refusals) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "ineligible",
            error.to_string(),
            "درخواست وام پذیرفته نیست",
            json!({ "refusals": refusals.iter().map(|r| json!({ "message": r.message_en(), "message_fa": r.message_fa() })).collect::<Vec<_>>() }),
        ),
        StoreError::Rejected { error: LedgerError::IdempotencyConflict { .. }, .. } => (
            StatusCode::CONFLICT,
            "idempotency_conflict",
            error.to_string(),
            "این کلید پیش‌تر برای کار دیگری به کار رفته است",
            Value::Null,
        ),
        StoreError::Rejected { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused_by_books",
            error.to_string(),
            "دفتر حساب این سند را نمی‌پذیرد",
            Value::Null,
        ),
        StoreError::SheetLine { index, loan_id, error: inner } => {
            let (status, code, message, message_fa, _) = describe_store(inner);
            (
                status,
                code,
                format!("line {}: {message}", index + 1),
                message_fa,
                json!({ "line": index + 1, "loan_id": loan_id }),
            )
        }
        StoreError::ImportRow { index, error: inner } => {
            let (status, code, message, message_fa, _) = describe_store(inner);
            (status, code, message, message_fa, json!({ "item": index + 1 }))
        }
        StoreError::Stale { .. } => {
            (StatusCode::CONFLICT, "stale", error.to_string(), crate::i18n::Lang::Fa.t("stale"), Value::Null)
        }
        StoreError::Damaged(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "damaged",
            "the database file is damaged; an administrator must restore a backup".into(),
            "پروندهٔ پایگاه داده آسیب دیده است؛ مدیر سامانه باید پشتیبان را بازگرداند",
            Value::Null,
        ),
        StoreError::Unreachable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the database cannot be reached; try again".into(),
            "پایگاه داده در دسترس نیست؛ دوباره تلاش کنید",
            Value::Null,
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error; try again".into(),
            "خطای داخلی؛ دوباره تلاش کنید",
            Value::Null,
        ),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, message_fa, details) = match &self {
            ApiError::Unauthenticated => (
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "sign in first: send Authorization: Bearer TOKEN".to_string(),
                "ابتدا وارد شوید",
                Value::Null,
            ),
            ApiError::WrongCredentials => (
                StatusCode::UNAUTHORIZED,
                "wrong_credentials",
                "the username or the password is wrong".into(),
                "نام کاربری یا گذرواژه نادرست است",
                Value::Null,
            ),
            ApiError::Throttled { retry_after_s } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("too many failed sign-ins: try again in {retry_after_s} seconds"),
                "تلاش‌های ناموفق زیاد بود؛ کمی بعد دوباره تلاش کنید",
                json!({ "retry_after_s": retry_after_s }),
            ),
            ApiError::NotFound(what) => {
                (StatusCode::NOT_FOUND, "not_found", format!("no such {what}"), "پیدا نشد", Value::Null)
            }
            ApiError::WrongContentType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "wrong_content_type",
                "send the body as application/json".into(),
                "بدنه‌ی درخواست باید JSON باشد",
                Value::Null,
            ),
            ApiError::MalformedJson(reason) => (
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("the body is not the JSON expected: {reason}"),
                "بدنه‌ی درخواست JSON درستی نیست",
                Value::Null,
            ),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the body is too large".into(),
                "بدنه‌ی درخواست بیش از اندازه بزرگ است",
                Value::Null,
            ),
            ApiError::Fields(fields) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                fields.iter().map(|p| format!("{}: {}", p.field, p.en)).collect::<Vec<_>>().join("; "),
                "ورودی نادرست است",
                json!({ "fields": fields.iter().map(|p| json!({ "field": p.field, "message": p.en, "message_fa": p.fa })).collect::<Vec<_>>() }),
            ),
            ApiError::Store(error) => describe_store(error),
        };
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let mut body = json!({ "error": { "code": code, "message": message, "message_fa": message_fa } });
        if let (Some(error), Value::Object(details)) = (body.get_mut("error").and_then(Value::as_object_mut), details) {
            error.extend(details);
        }
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::Throttled { retry_after_s } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after_s.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
