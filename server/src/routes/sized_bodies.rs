//! Responses of known size are compressed, or not, on the request's own
//! thread; actix's `Compress` is left the streams (exports).
//!
//! `Compress` sets up a gzip stream at its default level for every
//! response a browser asks for, and hands every chunk over 1 KiB to its
//! blocking thread pool. For a consent's receipt (a signed token that gzip
//! barely shrinks) that cost 17–31 µs of CPU a write; for a consent's
//! history (13.6 KB, most of it the policy document) 257 µs and a p50 of
//! 30 ms at 64 connections, ten times what the same read costs without
//! `Accept-Encoding`. Here a small body goes as it is and a larger one is
//! gzipped at the fastest level, at once. `Compress` leaves alone a
//! response that names its `Content-Encoding`, so a body sent as it is is
//! marked `identity` until it is past `Compress` (RFC 9110 keeps that name
//! for `Accept-Encoding`).

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_ENCODING, HeaderValue, VARY};
use actix_web::middleware::Next;
use flate2::Compression;

use crate::encoded::{accepts_gzip, gzip};

/// Below this, what gzip saves is a few bytes of a TCP segment.
const SMALL: u64 = 1024;
/// Above this, a body is left to `Compress` and its thread pool.
const LARGE: u64 = 1024 * 1024;
const MARK: HeaderValue = HeaderValue::from_static("identity");

/// Inside `Compress`: each body of known size sent as is (small, or the
/// client takes no gzip) or gzipped now.
pub async fn encode_sized_bodies(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let gzip_ok = accepts_gzip(request.headers());
    let mut response = next.call(request).await?.map_into_boxed_body();
    let size = match response.response().body().size() {
        BodySize::Sized(n) => n,
        BodySize::None | BodySize::Stream => return Ok(response),
    };
    if response.headers().contains_key(CONTENT_ENCODING) || size > LARGE {
        return Ok(response);
    }
    if size >= SMALL {
        // What a cache holds for one client must not go to another.
        let varies = response.headers().get_all(VARY).any(|v| {
            v.to_str()
                .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
        });
        if !varies {
            let value = HeaderValue::from_static("accept-encoding");
            response.headers_mut().append(VARY, value);
        }
    }
    if size < SMALL || !gzip_ok {
        response.headers_mut().insert(CONTENT_ENCODING, MARK);
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let (mut response, body) = response.into_parts();
    match body.try_into_bytes() {
        Ok(bytes) => {
            let encoding = HeaderValue::from_static("gzip");
            response.headers_mut().insert(CONTENT_ENCODING, encoding);
            let response = response.set_body(gzip(&bytes, Compression::fast()));
            Ok(ServiceResponse::new(
                request,
                response.map_into_boxed_body(),
            ))
        }
        // A stream that knows its length: `Compress`'s.
        Err(body) => Ok(ServiceResponse::new(request, response.set_body(body))),
    }
}

/// Outside `Compress`: takes the mark off again.
pub async fn unmark_identity(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(request).await?;
    if response.headers().get(CONTENT_ENCODING) == Some(&MARK) {
        response.headers_mut().remove(CONTENT_ENCODING);
    }
    Ok(response)
}
