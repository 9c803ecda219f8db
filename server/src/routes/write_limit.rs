//! Applies the per-client write limit to the public writes. Auditors'
//! endpoints are authenticated and exempt; reads are never limited.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

use super::client_ip;
use super::problem::ApiError;
use crate::rate_limit::WriteLimiter;

pub async fn limit_public_writes(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if is_public_write(&request) {
        let limiter = request.app_data::<web::Data<WriteLimiter>>().cloned();
        if let Some(limiter) = limiter {
            let client = client_ip(request.request());
            if let Err(wait) = limiter.check(client, Instant::now()) {
                let response = ApiError::TooManyWrites(wait).error_response();
                return Ok(request.into_response(response));
            }
        }
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

fn is_public_write(request: &ServiceRequest) -> bool {
    let write = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    write && !request.path().starts_with("/v1/audit/")
}
