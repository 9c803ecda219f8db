//! `consent-server scan URL`: the compliance scanner's command line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::scan::{self, ScanOptions, baseline, cmp::Cmp, report::Verdict, suggest};

#[derive(clap::Args)]
pub struct ScanArgs {
    /// The page to start from, e.g. https://www.nexxtjourneys.com/
    url: String,
    /// Site id of the policy to judge by [default: read from the page's loader URL]
    #[arg(long)]
    site: Option<String>,
    /// Most pages to visit: the start page, then links of the same origin
    #[arg(long, default_value_t = 5)]
    pages: usize,
    /// Write the report to this file, JSON or HTML by its extension (.json,
    /// .html); may be given twice. Without it the JSON goes to stdout.
    #[arg(long)]
    out: Vec<PathBuf>,
    /// Directory with organization.toml and sites/*.toml [default: the shipped policies]
    #[arg(long, env = "CONSENT_POLICIES")]
    policies: Option<PathBuf>,
    /// The Chromium binary [default: `chromium` on PATH]
    #[arg(long, env = "CONSENT_CHROMIUM")]
    chromium: Option<PathBuf>,
    /// Resolve no host name except localhost, so that scanning a local copy
    /// provably sends nothing off the machine
    #[arg(long)]
    local_only: bool,
    /// The consent banner to operate [default: detected from the page]
    #[arg(long, value_enum)]
    cmp: Option<Cmp>,
    /// A CSV file of known cookies (the Open Cookie Database's columns)
    /// whose entries add to or replace the shipped ones
    #[arg(long, env = "CONSENT_KNOWN_COOKIES")]
    known_cookies: Option<PathBuf>,
    /// Write the vendor and cookie entries the policy lacks, in the
    /// policy's TOML, to this file
    #[arg(long)]
    suggest: Option<PathBuf>,
    /// An earlier JSON report: list what is new or gone since, and exit 3
    /// when anything new is undeclared
    #[arg(long)]
    baseline: Option<PathBuf>,
}

impl ScanArgs {
    /// Exit code 0 when the site passes, 1 when any finding is a violation
    /// (so a site's CI can gate on it), 3 when none is but something new
    /// since `--baseline` is undeclared, 2 when the scan could not run or
    /// could not visit every page it meant to (and found no violation).
    pub async fn run(self) -> anyhow::Result<ExitCode> {
        let formats = self
            .out
            .iter()
            .map(|path| Format::of(path).map(|f| (path, f)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let baseline = self.baseline.as_deref().map(baseline::load).transpose()?;
        let policies = policies::PolicySet::load(self.policies.as_deref())?;
        let options = ScanOptions {
            url: self.url,
            site: self.site,
            pages: self.pages,
            policies,
            chromium: self.chromium,
            local_only: self.local_only,
            cmp: self.cmp,
            known_cookies: self.known_cookies,
        };
        let mut report = scan::scan(&options).await?;
        if let Some(baseline) = &baseline {
            baseline::compare(&mut report, baseline);
            report.finish();
        }
        if let (Some(path), Some(policy)) = (&self.suggest, options.policies.site(&report.site)) {
            std::fs::write(path, suggest::suggest(&report, policy))
                .with_context(|| format!("while writing {}", path.display()))?;
        }
        if formats.is_empty() {
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        for (path, format) in formats {
            let text = match format {
                Format::Json => serde_json::to_string_pretty(&report)?,
                Format::Html => scan::render_html(&report)?,
            };
            std::fs::write(path, text)
                .with_context(|| format!("while writing {}", path.display()))?;
        }
        let s = &report.summary;
        eprintln!(
            "{}: {} violation(s), {} warning(s); {} of {} banner checks passed; {} page(s), {} visits",
            if report.verdict == Verdict::Pass {
                "PASS"
            } else {
                "FAIL"
            },
            s.violations,
            s.warnings,
            s.checks_passed,
            s.checks_passed + s.checks_failed,
            s.pages,
            s.visits
        );
        for finding in report.findings.iter().take(20) {
            eprintln!(
                "  {:?} {} [{} · {}]: {}",
                finding.severity, finding.rule, finding.page, finding.visit, finding.message
            );
        }
        let new_undeclared = report
            .baseline
            .as_ref()
            .map_or(0, |c| c.new_undeclared().count());
        if let Some(changes) = &report.baseline {
            eprintln!(
                "since {}: {} new ({new_undeclared} undeclared), {} gone, {} lifetime(s) changed",
                changes.baseline_scanned_at,
                changes.new.len(),
                changes.gone.len(),
                changes.lifetimes_changed.len()
            );
        }
        Ok(match report.verdict {
            Verdict::Fail => ExitCode::from(1),
            Verdict::Pass if new_undeclared > 0 => ExitCode::from(3),
            // Nothing wrong in what was seen, but not everything was seen.
            Verdict::Pass if s.incomplete_pages > 0 => {
                eprintln!(
                    "incomplete: {} page(s) could not be visited; see page_not_scanned",
                    s.incomplete_pages
                );
                ExitCode::from(2)
            }
            Verdict::Pass => ExitCode::SUCCESS,
        })
    }
}

enum Format {
    Json,
    Html,
}

impl Format {
    fn of(path: &std::path::Path) -> anyhow::Result<Self> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Ok(Self::Json),
            Some("html" | "htm") => Ok(Self::Html),
            _ => bail!(
                "--out {}: the file must end in .json or .html",
                path.display()
            ),
        }
    }
}
