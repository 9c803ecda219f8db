//! Bodies compressed once, not for every request.
//!
//! actix's `Compress` gzips a response as it is sent, and hands every chunk
//! over 1 KiB to its blocking thread pool to do so. Browsers accept gzip,
//! so each request for the banner's wasm or glue cost 110–175 µs of CPU and
//! that hop: 1,800–2,300 responses a second from 64 connections (wrk),
//! against 60,000–77,000 uncompressed. A body kept here is gzipped once,
//! when it is made; a response that names its `Content-Encoding` is left
//! alone by `Compress`.

use std::io::Write;

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use flate2::Compression;
use flate2::write::GzEncoder;

/// A body as is and gzipped at the highest level (it is done once).
///
/// The gzipped form is sent even where it is not smaller (a JWKS of one
/// key grows by a few bytes): one rule for every kept body.
#[derive(Debug)]
pub struct Encoded {
    identity: Bytes,
    gzip: Bytes,
}

impl Encoded {
    pub fn new(identity: impl Into<Bytes>) -> Self {
        let identity = identity.into();
        let gzip = gzip(&identity, Compression::best());
        Self { identity, gzip }
    }

    /// The body as given.
    #[cfg(test)]
    pub fn identity(&self) -> &Bytes {
        &self.identity
    }

    /// `response` with this body, gzipped if the request accepts gzip.
    /// Either way it says that the body depends on `Accept-Encoding`, so a
    /// shared cache keeps the two apart.
    pub fn respond(
        &self,
        request: &HttpRequest,
        mut response: HttpResponseBuilder,
    ) -> HttpResponse {
        response.insert_header((header::VARY, "Accept-Encoding"));
        if accepts_gzip(request.headers()) {
            response
                .insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")))
                .body(self.gzip.clone())
        } else {
            response.body(self.identity.clone())
        }
    }
}

/// `body` gzipped at `level`, in memory.
pub fn gzip(body: &[u8], level: Compression) -> Bytes {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 3 + 64), level);
    encoder
        .write_all(body)
        .and_then(|()| encoder.finish())
        .map(Bytes::from)
        .expect("gzip into memory cannot fail")
}

/// Whether `Accept-Encoding` admits gzip: `gzip` or `x-gzip` named with a
/// quality above 0, or else `*` so (RFC 9110, 12.5.3: a coding named
/// outright outranks the wildcard, so `*, gzip;q=0` refuses it).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    let Some(accepted) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let (mut named, mut wildcard) = (None, None);
    for item in accepted.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let accepted = parts.all(|p| !is_zero_quality(p));
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            named = Some(named.unwrap_or(false) || accepted);
        } else if coding == "*" {
            wildcard = Some(accepted);
        }
    }
    named.or(wildcard).unwrap_or(false)
}

fn is_zero_quality(parameter: &str) -> bool {
    let Some((name, value)) = parameter.split_once('=') else {
        return false;
    };
    name.trim().eq_ignore_ascii_case("q") && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use actix_web::test::TestRequest;

    use super::*;

    fn accepts(header: &str) -> bool {
        accepts_gzip(
            TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, header))
                .to_http_request()
                .headers(),
        )
    }

    #[test]
    fn gzip_is_chosen_as_browsers_ask_for_it_and_not_when_refused() {
        assert!(accepts("gzip, deflate, br, zstd"));
        assert!(accepts("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts("*"));
        assert!(!accepts("br, zstd"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("gzip; q=0.000, br"));
        assert!(!accepts("*, gzip;q=0"), "named outright, gzip outranks *");
        assert!(accepts("*;q=0, gzip"));
        assert!(!accepts_gzip(
            TestRequest::default().to_http_request().headers()
        ));
    }

    #[test]
    fn the_gzipped_body_is_the_body() {
        let text = "var a = 1;\n".repeat(200);
        let encoded = Encoded::new(text.clone());
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&encoded.gzip[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, text);
        assert!(encoded.gzip.len() * 10 < text.len());
    }
}
