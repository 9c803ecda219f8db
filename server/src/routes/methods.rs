//! HTTP methods: only those some route takes get past the door. Anything
//! else is a 405 before it is counted, logged or limited, so that made-up
//! methods cannot grow the metrics or slip past the write limit.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};

use super::problem::ApiError;

/// Every method some route (or CORS preflight) answers.
pub const KNOWN: [Method; 5] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::DELETE,
    Method::OPTIONS,
];

/// The method as a metrics label: one of [`KNOWN`], else `other`.
pub fn label(method: &Method) -> &'static str {
    KNOWN
        .iter()
        .find(|m| *m == method)
        .map_or("other", Method::as_str)
}

pub async fn refuse_unknown_methods(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !KNOWN.contains(request.method()) {
        let response = not_allowed("GET, HEAD, POST, DELETE, OPTIONS").await;
        return Ok(request.into_response(response));
    }
    Ok(next.call(request).await?.map_into_boxed_body())
}

/// 405 naming the methods the resource takes.
pub async fn not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = ApiError::MethodNotAllowed(allow).error_response();
    response.headers_mut().insert(
        actix_web::http::header::ALLOW,
        actix_web::http::header::HeaderValue::from_static(allow),
    );
    response
}
