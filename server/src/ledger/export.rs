//! Exports of the ledger for auditors: page by page in ledger order (so
//! memory stays flat whatever the size), with the checkpoints they cover and
//! a signed seal at the end.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::export_line::{CheckpointLine, Line, PolicyLine, SealLine, Signature};
use crate::storage::{self, ChainHead, ChainPages, StorageError};
use crate::tokens::SigningKey;

const PAGE: u64 = 1000;

/// Which events an export holds in full. Times are ledger time text (UTC).
/// Events of the period that the other fields leave out are still there,
/// as `elided` lines, so the chains and the seal cover them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFilter {
    pub site: Option<String>,
    /// Inclusive.
    pub from: Option<String>,
    /// Exclusive.
    pub to: Option<String>,
    /// `given`, `changed` or `withdrawn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<String>,
    /// A category the event grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted: Option<String>,
    /// A category the event denies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denied: Option<String>,
}

impl ExportFilter {
    /// Whether `event` is exported in full.
    pub fn selects(&self, event: &crate::domain::StoredEvent) -> bool {
        let is = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        let state = |category: &Option<String>, on: bool| {
            category
                .as_ref()
                .is_none_or(|c| event.choices.get(c) == Some(&on))
        };
        is(&self.site, &event.site)
            && is(&self.action, event.action.as_str())
            && is(&self.policy_version, &event.policy_version)
            && state(&self.granted, true)
            && state(&self.denied, false)
    }
}

/// Where one chain's part of an export starts and ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSpan {
    pub chain: String,
    pub first_seq: i64,
    /// The hash the first exported event links to.
    pub first_prev: String,
    pub last_seq: i64,
    pub last_hash: String,
}

/// The claims of the seal, the last line of every export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealClaims {
    pub iss: String,
    /// Always `export-seal`.
    pub typ: String,
    pub iat: i64,
    pub exported_by: String,
    pub filter: ExportFilter,
    pub chains: Vec<ChainSpan>,
    /// Full event lines (not elided ones).
    pub events: u64,
    /// Whether the export carries the policy documents its events name
    /// (absent in exports from before the archive).
    #[serde(default)]
    pub policies: bool,
    /// Policy hashes events name that the archive has no document for
    /// (events recorded before it existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unarchived: Vec<String>,
}

struct Current {
    chain: String,
    after: i64,
    last: i64,
    span: Option<ChainSpan>,
}

/// Produces an export page by page; see [`Exporter::next_page`].
pub struct Exporter {
    db: DatabaseConnection,
    pages: ChainPages,
    key: Arc<SigningKey>,
    issuer: String,
    exported_by: String,
    filter: ExportFilter,
    chains: std::vec::IntoIter<ChainHead>,
    current: Option<Current>,
    spans: Vec<ChainSpan>,
    events: u64,
    /// Policy hashes already written (as a line) or found unarchived.
    policies: std::collections::HashSet<String>,
    unarchived: Vec<String>,
    sealed: bool,
}

impl Exporter {
    /// # Errors
    /// When the chains cannot be listed.
    pub async fn new(
        db: DatabaseConnection,
        key: Arc<SigningKey>,
        issuer: String,
        exported_by: String,
        filter: ExportFilter,
    ) -> Result<Self, sea_orm::DbErr> {
        let chains = storage::list_chains(&db).await?.into_iter();
        Ok(Self {
            pages: ChainPages::open(&db)?,
            db,
            key,
            issuer,
            exported_by,
            filter,
            chains,
            current: None,
            spans: Vec::new(),
            events: 0,
            policies: std::collections::HashSet::new(),
            unarchived: Vec::new(),
            sealed: false,
        })
    }

    /// Full event lines produced so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The next lines, or `None` once the seal has been produced.
    ///
    /// # Errors
    /// When the database fails or a row no longer decodes.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Line>>, StorageError> {
        loop {
            if let Some(current) = self.current.as_mut() {
                if current.after >= current.last {
                    let done = self.current.take().expect("checked above");
                    self.spans.extend(done.span);
                    continue;
                }
                let page = self
                    .pages
                    .page(&current.chain, current.after, current.last, PAGE)
                    .await?;
                let Some((_, last)) = page.last() else {
                    current.after = current.last;
                    continue;
                };
                current.after = last.position.seq;
                let filter = self.filter.clone();
                let named: Vec<String> = page
                    .iter()
                    .map(|(_, e)| e)
                    .filter(|e| filter.selects(e))
                    .map(|e| e.policy_hash.clone())
                    .collect();
                let mut lines = self.policy_lines(named).await?;
                let current = self.current.as_mut().expect("a chain is open");
                // The page is consumed: each event's fields move into its line.
                lines.extend(page.into_iter().map(|(_, e)| {
                    let p = &e.position;
                    let span = current.span.get_or_insert_with(|| ChainSpan {
                        chain: p.chain_id.clone(),
                        first_seq: p.seq,
                        first_prev: p.prev_hash.clone(),
                        last_seq: p.seq,
                        last_hash: p.hash.clone(),
                    });
                    span.last_seq = p.seq;
                    span.last_hash.clone_from(&p.hash);
                    if filter.selects(&e) {
                        self.events += 1;
                        Line::Event(e)
                    } else {
                        Line::Elided(e.position)
                    }
                }));
                return Ok(Some(lines));
            }
            if let Some(head) = self.chains.next() {
                if let Some(lines) = self.start_chain(head).await? {
                    return Ok(Some(lines));
                }
                continue;
            }
            if self.sealed {
                return Ok(None);
            }
            self.sealed = true;
            return Ok(Some(vec![self.seal()]));
        }
    }

    /// Writes the whole export to `out` in `format`, page by page through
    /// one reused buffer, calling `after_page` after each (for progress).
    ///
    /// # Errors
    /// When the database fails, a row no longer decodes or `out` fails.
    pub async fn write_to(
        &mut self,
        format: super::Format,
        out: &mut impl std::io::Write,
        mut after_page: impl FnMut(&Self),
    ) -> anyhow::Result<()> {
        let mut first = true;
        let mut page = Vec::new();
        while let Some(lines) = self.next_page().await? {
            page.clear();
            format.encode_into(&lines, first, &mut page);
            out.write_all(&page)?;
            first = false;
            after_page(self);
        }
        out.flush()?;
        Ok(())
    }

    /// Opens a chain's period; returns the checkpoints it covers, if any.
    async fn start_chain(&mut self, head: ChainHead) -> Result<Option<Vec<Line>>, StorageError> {
        let (from, to) = (self.filter.from.as_deref(), self.filter.to.as_deref());
        let Some((first, last)) = storage::chain_range(&self.db, &head.chain_id, from, to).await?
        else {
            return Ok(None);
        };
        let last = last.min(head.seq);
        let checkpoints =
            storage::checkpoints_between(&self.db, &head.chain_id, first - 1, last).await?;
        self.current = Some(Current {
            chain: head.chain_id,
            after: first - 1,
            last,
            span: None,
        });
        let lines: Vec<Line> = checkpoints
            .iter()
            .map(|c| {
                Line::Checkpoint(CheckpointLine {
                    chain_id: c.chain_id.clone(),
                    seq: c.seq,
                    hash: c.hash.clone(),
                    token: Signature(c.token.clone()),
                })
            })
            .collect();
        Ok((!lines.is_empty()).then_some(lines))
    }

    /// A line for each policy document of `hashes` not written yet, read
    /// from the archive; hashes it has no document for are noted for the seal.
    async fn policy_lines(&mut self, hashes: Vec<String>) -> Result<Vec<Line>, StorageError> {
        let mut lines = Vec::new();
        for hash in hashes {
            if !self.policies.insert(hash.clone()) {
                continue;
            }
            match storage::find_archived_policy(&self.db, &hash).await? {
                Some(p) => lines.push(Line::Policy(PolicyLine {
                    site: p.site,
                    policy_version: p.version,
                    policy_hash: p.hash,
                    document: p.document,
                })),
                None => self.unarchived.push(hash),
            }
        }
        Ok(lines)
    }

    fn seal(&self) -> Line {
        let claims = SealClaims {
            iss: self.issuer.clone(),
            typ: "export-seal".to_owned(),
            iat: time::OffsetDateTime::now_utc().unix_timestamp(),
            exported_by: self.exported_by.clone(),
            filter: self.filter.clone(),
            chains: self.spans.clone(),
            events: self.events,
            policies: true,
            unarchived: self.unarchived.clone(),
        };
        Line::Seal(SealLine {
            token: Signature(self.key.sign(&claims)),
        })
    }
}
