//! The consent token as a credential: extractors that turn an
//! `Authorization: Bearer` header or the consent cookie into a verified
//! [`Holder`], so that a handler's signature says whose consent it acts on.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};

use super::CONSENT_COOKIE;
use super::problem::ApiError;
use super::state::Issuer;
use crate::consents::{self, ConsentError, Holder};
use crate::storage::{KeyCache, SubjectReads};

/// The verified holder named by the request's bearer token; 401 without one.
pub struct ConsentBearer(pub Holder);

/// A bearer token when the request carries one: `None` without an
/// `Authorization` header, 401 when the header is there but does not verify
/// (never quietly treated as absent).
pub struct OptionalBearer(pub Option<Holder>);

/// The credential of an `Authorization: Bearer …` header.
pub(super) fn bearer(request: &HttpRequest) -> Option<&str> {
    request
        .headers()
        .get("Authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

type Extracted<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for ConsentBearer {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(request).map(str::to_owned);
        let request = request.clone();
        Box::pin(async move {
            let token = token.ok_or(ApiError::Unauthorized)?;
            Ok(Self(holder_of(&request, &token).await?))
        })
    }
}

impl FromRequest for OptionalBearer {
    type Error = ApiError;
    type Future = Extracted<Self>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let present = request.headers().contains_key("Authorization");
        let token = bearer(request).map(str::to_owned);
        let request = request.clone();
        Box::pin(async move {
            match (present, token) {
                (false, _) => Ok(Self(None)),
                (true, None) => Err(ApiError::Unauthorized),
                (true, Some(token)) => Ok(Self(Some(holder_of(&request, &token).await?))),
            }
        })
    }
}

/// The holder of the consent cookie, if the request carries a valid one. A
/// cookie that does not verify (forged, expired, withdrawn) counts as none.
///
/// # Errors
/// Only when the database cannot be read.
pub(super) async fn cookie_holder(request: &HttpRequest) -> Result<Option<Holder>, ApiError> {
    let Some(cookie) = request.cookie(CONSENT_COOKIE) else {
        return Ok(None);
    };
    match holder_of(request, cookie.value()).await {
        Ok(holder) => Ok(Some(holder)),
        Err(ApiError::Unauthorized) => Ok(None),
        Err(other) => Err(other),
    }
}

async fn holder_of(request: &HttpRequest, token: &str) -> Result<Holder, ApiError> {
    let missing = || {
        ApiError::Internal(anyhow::anyhow!(
            "consent verification state is not registered"
        ))
    };
    let reads = request
        .app_data::<web::Data<SubjectReads>>()
        .ok_or_else(missing)?;
    let keys = request
        .app_data::<web::Data<KeyCache>>()
        .ok_or_else(missing)?;
    let issuer = request
        .app_data::<web::Data<Issuer>>()
        .ok_or_else(missing)?;
    consents::authenticate(reads.get_ref(), keys, &issuer.0, token)
        .await
        .map_err(ApiError::from)
}

impl From<ConsentError> for ApiError {
    fn from(e: ConsentError) -> Self {
        match e {
            ConsentError::Choices(e) => e.into(),
            ConsentError::NotHolder => Self::Unauthorized,
            ConsentError::TokenRequired(_) => Self::TokenRequired(e.to_string()),
            ConsentError::Ledger(e) => e.into(),
            ConsentError::Storage(e) => e.into(),
        }
    }
}
