//! One log line and one metric per request. Only the route pattern is
//! recorded: raw paths hold consent ids, and peers' addresses are personal.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::metrics::Metrics;

pub async fn observe_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let route = request
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = super::methods::label(request.method());
    let metrics = request.app_data::<web::Data<Metrics>>().cloned();
    let response = next.call(request).await?;
    let status = response.status().as_u16();
    if let Some(metrics) = metrics {
        metrics.count_request(&route, method, status);
    }
    tracing::info!(
        method,
        %route,
        status,
        // Microseconds are as fine as a request's time means anything.
        ms = %format_args!("{:.3}", started.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    Ok(response)
}
