//! Every error a client sees, as RFC 9457 `application/problem+json`.
//! Internal detail goes to the log, never into a response.

use actix_web::error::JsonPayloadError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

use crate::domain::ChoicesError;
use crate::ledger::AppendError;
use crate::rate_limit::RetryAfter;
use crate::tokens::InvalidToken;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("the body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    NotFound(String),
    #[error("this resource takes only {0}")]
    MethodNotAllowed(&'static str),
    #[error("{detail}")]
    StalePolicy {
        detail: String,
        current_version: String,
    },
    #[error("{0}")]
    Unprocessable(String),
    #[error(
        "a valid consent token for this consent id is required (Authorization: Bearer <token>)"
    )]
    Unauthorized,
    #[error("{0}")]
    TokenRequired(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("an auditor key is required (Authorization: Bearer <key>)")]
    AuditorUnauthorized,
    #[error("too many writes from this network; retry after {} s", .0.seconds())]
    TooManyWrites(RetryAfter),
    #[error("the consent ledger is unavailable; try again")]
    Unavailable,
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    fn kind(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::StalePolicy { .. } => "stale-policy",
            Self::Unprocessable(_) => "invalid-consent",
            Self::Unauthorized => "unauthorized",
            Self::TokenRequired(_) => "token-required",
            Self::Forbidden(_) => "forbidden",
            Self::AuditorUnauthorized => "unauthorized",
            Self::TooManyWrites(_) => "too-many-writes",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::StalePolicy { .. } => StatusCode::CONFLICT,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized | Self::TokenRequired(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::AuditorUnauthorized => StatusCode::UNAUTHORIZED,
            Self::TooManyWrites(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let Self::Internal(error) = self {
            tracing::error!(error = format!("{error:#}"), "request failed");
        }
        let mut body = json!({
            "type": format!("urn:nexxt-consent:problem:{}", self.kind()),
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": self.to_string(),
        });
        if let Self::StalePolicy {
            current_version, ..
        } = self
        {
            body["current_version"] = json!(current_version);
        }
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if matches!(
            self,
            Self::Unauthorized | Self::TokenRequired(_) | Self::AuditorUnauthorized
        ) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let Self::TooManyWrites(wait) = self {
            response.insert_header(("Retry-After", wait.seconds().to_string()));
        }
        response.body(body.to_string())
    }
}

impl From<ChoicesError> for ApiError {
    fn from(e: ChoicesError) -> Self {
        match e {
            ChoicesError::UnknownSite(_) => Self::NotFound(e.to_string()),
            ChoicesError::StalePolicy { ref current, .. } => Self::StalePolicy {
                current_version: current.clone(),
                detail: e.to_string(),
            },
            other => Self::Unprocessable(other.to_string()),
        }
    }
}

impl From<AppendError> for ApiError {
    fn from(_: AppendError) -> Self {
        Self::Unavailable
    }
}

impl From<InvalidToken> for ApiError {
    fn from(_: InvalidToken) -> Self {
        Self::Unauthorized
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        if crate::storage::unreachable(&e) {
            tracing::warn!(error = %e, "database unreachable");
            return Self::Unavailable;
        }
        Self::Internal(e.into())
    }
}

/// Maps the JSON extractor's failures to the statuses the API promises.
pub fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let api = match &error {
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::PayloadTooLarge(*limit),
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::Unprocessable(e.to_string()),
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        _ => ApiError::BadRequest("the body could not be read".to_owned()),
    };
    api.into()
}

/// Answer for any path no route matches.
pub async fn not_found() -> HttpResponse {
    ApiError::NotFound("no such endpoint".to_owned()).error_response()
}

impl From<crate::storage::StorageError> for ApiError {
    fn from(e: crate::storage::StorageError) -> Self {
        match e {
            crate::storage::StorageError::Db(db) => db.into(),
            corrupt => Self::Internal(corrupt.into()),
        }
    }
}
