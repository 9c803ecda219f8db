//! The auditor's numbers: `/v1/audit/stats` (JSON) and `/audit/report`
//! (HTML with inline SVG charts, no scripts, no external fonts).

use actix_web::{HttpResponse, web};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::audit::{Auditor, log_access, period};
use super::problem::ApiError;
use super::state::Policies;
use crate::ledger::ExportFilter;
use crate::stats::{self, Stats};
use crate::templates::{Pages, REPORT};

#[derive(Deserialize)]
pub struct StatsQuery {
    site: Option<String>,
    from: Option<String>,
    to: Option<String>,
    lang: Option<String>,
}

fn filter(query: &StatsQuery) -> Result<ExportFilter, ApiError> {
    period(
        query.site.as_deref(),
        query.from.as_deref(),
        query.to.as_deref(),
    )
}

/// `GET /v1/audit/stats`.
#[utoipa::path(
    get,
    path = "/v1/audit/stats",
    params(
        ("site" = Option<String>, Query, description = "One site, or all"),
        ("from" = Option<String>, Query, description = "RFC 3339, inclusive"),
        ("to" = Option<String>, Query, description = "RFC 3339, exclusive"),
    ),
    security(("auditor_key" = [])),
    responses((status = 200, body = Stats), (status = 400), (status = 401))
)]
pub async fn stats_json(
    auditor: Auditor,
    query: web::Query<StatsQuery>,
    db: web::Data<DatabaseConnection>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter(&query)?;
    log_access(&db, &auditor, "stats", &filter).await?;
    let stats = stats::compute(db.get_ref(), &filter).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(stats))
}

#[derive(Serialize)]
struct Report<'a> {
    lang: &'a str,
    labels: &'a policies::ReportLabels,
    site: String,
    from: String,
    to: String,
    generated_at: String,
    gpc_pct: String,
    stats: &'a Stats,
    shares: Vec<Share>,
    categories: Vec<CategoryBar>,
    categories_height: usize,
    days: Vec<DayBar>,
    versions: Vec<Version>,
    changes: Vec<super::report_changes::VersionChange>,
}

#[derive(Serialize)]
struct Share {
    label: String,
    count: u64,
    pct: String,
    x: f64,
    width: f64,
    colour: &'static str,
}

#[derive(Serialize)]
struct CategoryBar {
    name: String,
    pct: String,
    vendors: Vec<String>,
    y: usize,
    text_y: usize,
    width: f64,
    label_x: f64,
}

#[derive(Serialize)]
struct DayBar {
    day: String,
    count: u64,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

#[derive(Serialize)]
struct Version {
    version: String,
    count: u64,
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0%".to_owned()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// `GET /audit/report`.
pub async fn report_html(
    auditor: Auditor,
    query: web::Query<StatsQuery>,
    db: web::Data<DatabaseConnection>,
    policies: web::Data<Policies>,
    pages: web::Data<Pages>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter(&query)?;
    log_access(&db, &auditor, "report", &filter).await?;
    let stats = stats::compute(db.get_ref(), &filter).await?;
    let lang = if query.lang.as_deref() == Some("en") {
        "en"
    } else {
        "nl"
    };
    let statement = policies
        .0
        .statement(lang)
        .ok_or_else(|| ApiError::NotFound(format!("no texts in `{lang}`")))?;
    let labels = &statement.report;
    let site = policies.0.site(filter.site.as_deref().unwrap_or("www"));
    let archived = crate::storage::archived_policies(db.get_ref()).await?;
    let changes = super::report_changes::version_changes(&archived, filter.site.as_deref());
    let report = Report {
        lang,
        labels,
        site: filter
            .site
            .clone()
            .unwrap_or_else(|| labels.everything.clone()),
        from: filter.from.clone().unwrap_or_else(|| "…".to_owned()),
        to: filter.to.clone().unwrap_or_else(|| "…".to_owned()),
        generated_at: crate::clock::now(),
        gpc_pct: pct(stats.gpc, stats.decisions),
        shares: shares(&stats, labels),
        categories: categories(&stats, site.map(|s| &s.policy), lang),
        categories_height: stats.categories.len().max(1) * 30,
        days: days(&stats),
        versions: stats
            .policy_versions
            .iter()
            .map(|(v, n)| Version {
                version: v.clone(),
                count: *n,
            })
            .collect(),
        changes,
        stats: &stats,
    };
    let html = pages
        .0
        .render(REPORT, &report)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Content-Security-Policy", super::csp::SCRIPTLESS))
        .body(html))
}

fn shares(stats: &Stats, labels: &policies::ReportLabels) -> Vec<Share> {
    let parts = [
        (&labels.accept_all, stats.accept_all, "#1b3a5c"),
        (&labels.custom, stats.custom, "#0b57a4"),
        (&labels.reject_all, stats.reject_all, "#c2410c"),
    ];
    let mut x = 0.0;
    parts
        .into_iter()
        .map(|(label, count, colour)| {
            let width = if stats.decisions == 0 {
                0.0
            } else {
                620.0 * count as f64 / stats.decisions as f64
            };
            let share = Share {
                label: label.clone(),
                count,
                pct: pct(count, stats.decisions),
                x,
                width,
                colour,
            };
            x += width;
            share
        })
        .collect()
}

fn categories(
    stats: &Stats,
    policy: Option<&policies::SitePolicy>,
    lang: &str,
) -> Vec<CategoryBar> {
    stats
        .categories
        .iter()
        .enumerate()
        .map(|(i, (id, c))| {
            let category = policy.and_then(|p| p.categories.iter().find(|x| x.id == *id));
            let name = category
                .and_then(|x| x.name.get(lang))
                .cloned()
                .unwrap_or_else(|| id.clone());
            let vendors = policy
                .map(|p| p.vendors_in(id).map(|v| v.name.clone()).collect())
                .unwrap_or_default();
            let width = 360.0 * c.rate;
            CategoryBar {
                name,
                pct: format!("{:.1}%", c.rate * 100.0),
                vendors,
                y: i * 30,
                text_y: i * 30 + 15,
                width,
                label_x: 190.0 + width,
            }
        })
        .collect()
}

fn days(stats: &Stats) -> Vec<DayBar> {
    let most = stats.per_day.values().copied().max().unwrap_or(1).max(1) as f64;
    let width = (620.0 / stats.per_day.len().max(1) as f64).min(40.0);
    stats
        .per_day
        .iter()
        .enumerate()
        .map(|(i, (day, count))| {
            let height = 150.0 * *count as f64 / most;
            DayBar {
                day: day.clone(),
                count: *count,
                x: i as f64 * width,
                y: 160.0 - height,
                width: width * 0.8,
                height,
            }
        })
        .collect()
}
