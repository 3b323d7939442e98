//! Every answer that is not a success is JSON: `{"error": {"zh", "en"}, "code", "field"}`
//! with a 4xx status for anything the caller sent wrong. A 500 means our fault only;
//! bad input never produces one (invariant 5).

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use linli_core::sync::ErrorBody;
use linli_core::{FieldError, Text};
use serde::de::DeserializeOwned;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// Seconds until a refused caller may try again (429 Too Many Requests).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error: Text::new(zh, en),
                code: code.to_string(),
                field: None,
            },
            retry_after: None,
        }
    }

    pub fn field(mut self, field: &str) -> Self {
        self.body.field = Some(field.to_string());
        self
    }

    pub fn bad_request(error: FieldError) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: ErrorBody {
                error: error.message,
                code: error.code,
                field: Some(error.field),
            },
            retry_after: None,
        }
    }

    /// Too many requests: says when to come back, in the body and in `Retry-After`.
    pub fn too_many(code: &str, zh: String, en: String, retry_after_seconds: u64) -> Self {
        let seconds = retry_after_seconds.max(1);
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            code,
            format!("{zh}，请{seconds}秒后再试"),
            format!("{en}; try again in {seconds} s"),
        );
        error.retry_after = Some(seconds);
        error
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "终端未登记、已停用或凭证无效",
            "the device is not enrolled, has been revoked, or its credential is wrong",
        )
    }

    pub fn not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "没有这个接口",
            "no such endpoint",
        )
    }

    pub fn method_not_allowed() -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "该接口不支持这种请求方法",
            "this endpoint does not take that method",
        )
    }

    /// Our own failure (the database is away, a bug). Logged with its cause; the
    /// caller learns only that it should try again later.
    pub fn internal(cause: impl std::error::Error) -> Self {
        // tokio-postgres prints only "db error"; the cause chain says what it was.
        let mut text = cause.to_string();
        let mut source = cause.source();
        while let Some(inner) = source {
            text.push_str(": ");
            text.push_str(&inner.to_string());
            source = inner.source();
        }
        tracing::error!(cause = %text, "internal error");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "区级后台暂时无法处理，请稍后重试",
            "the district backend cannot handle this right now; try again later",
        )
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(error: tokio_postgres::Error) -> Self {
        ApiError::internal(error)
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        ApiError::internal(error)
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(error: crate::db::DbError) -> Self {
        ApiError::internal(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750: say which scheme the credential goes in.
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer realm=\"linli-district\""),
            );
        }
        response
    }
}

/// `Json<T>` whose every rejection is one of our JSON errors, naming what was wrong.
pub struct ValidJson<T>(pub T);

impl<S, T> FromRequest<S> for ValidJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let mut value = match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(value)) => value,
            Err(rejection) => return Err(json_rejection(rejection)),
        };
        // `1.0` is the integer 1 to the OpenAPI document's schemas, so here too.
        linli_core::wire::integral_numbers(&mut value);
        serde_json::from_value(value)
            .map(ValidJson)
            .map_err(|error| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_body",
                    format!("请求内容的字段不符合接口要求：{error}"),
                    format!("the body's fields do not match the schema: {error}"),
                )
            })
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let detail = rejection.body_text();
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_json",
            "请求内容须为JSON（Content-Type: application/json）",
            "the body must be JSON (Content-Type: application/json)",
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("请求内容不是有效的JSON：{detail}"),
            format!("the body is not valid JSON: {detail}"),
        ),
        JsonRejection::JsonDataError(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!("请求内容的字段不符合接口要求：{detail}"),
            format!("the body's fields do not match the schema: {detail}"),
        ),
        JsonRejection::BytesRejection(_) if detail.contains("length limit") => too_large(),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            format!("无法读取请求内容：{detail}"),
            format!("the body could not be read: {detail}"),
        ),
    }
}

pub fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!(
            "请求内容过大（上限{}字节），请分批发送",
            linli_core::sync::MAX_BODY_BYTES
        ),
        format!(
            "the body is too large (limit {} bytes); send it in smaller batches",
            linli_core::sync::MAX_BODY_BYTES
        ),
    )
}

/// `Query<T>` with JSON errors.
pub struct ValidQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ValidQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ValidQuery(value)),
            Err(rejection) => {
                let detail = match &rejection {
                    QueryRejection::FailedToDeserializeQueryString(e) => e.body_text(),
                    other => other.body_text(),
                };
                Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("查询参数有误：{detail}"),
                    format!("the query parameters are wrong: {detail}"),
                ))
            }
        }
    }
}
