//! Checking an export with nothing but the file and the server's public keys:
//! every hash link, every checkpoint and the seal.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use super::checkpoint::CheckpointClaims;
use super::export::{ChainSpan, SealClaims};
use super::export_line::Line;
use super::{GENESIS_HASH, canonical};
use crate::domain::{ChainPosition, StoredEvent};
use crate::storage::PublicKeyRow;
use crate::tokens;

/// What an intact export held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfflineReport {
    pub chains: usize,
    pub events: u64,
    pub elided: u64,
    pub checkpoints: u64,
    /// Positions fixed by a kept earlier export that this one also holds,
    /// all with the same hash.
    pub kept_matched: u64,
    /// Policy documents carried, each matching its hash.
    pub policies: u64,
    /// Whether the export carries the policy documents its events name;
    /// `false` for an export from before the archive (it still verifies).
    pub policies_included: bool,
}

/// Chain positions (chain, seq) and the hashes an earlier, verified export
/// sealed there. Hashes chain, so a later export that agrees at each of
/// them agrees on everything before: a chain rewritten in the database,
/// hashes and head recomputed and checkpoints deleted, cannot.
pub type Kept = HashMap<(String, i64), String>;

/// The first line of an export that is not what the server wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// 1-based line of the file (for CSV, counting the header).
    pub line: usize,
    pub chain: Option<String>,
    pub seq: Option<i64>,
    pub reason: String,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let (Some(chain), Some(seq)) = (&self.chain, self.seq) {
            write!(f, " (chain {chain}, seq {seq})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

#[derive(Default)]
struct ChainState {
    span: Option<ChainSpan>,
    /// Checkpoints still to meet: seq → hash.
    pending: BTreeMap<i64, String>,
}

/// Walks the lines of one export in order.
pub struct OfflineVerifier<'k> {
    keys: &'k [PublicKeyRow],
    issuer: String,
    chains: HashMap<String, ChainState>,
    order: Vec<String>,
    report: OfflineReport,
    sealed: bool,
    sealed_spans: Vec<ChainSpan>,
    kept: Kept,
    /// Policy documents carried so far, by hash.
    documents: std::collections::HashSet<String>,
    /// Policy hashes events named without a document before them, with the
    /// first line naming each: settled by the seal.
    undocumented: BTreeMap<String, usize>,
    line: usize,
}

impl<'k> OfflineVerifier<'k> {
    pub fn new(keys: &'k [PublicKeyRow], issuer: &str) -> Self {
        let report = OfflineReport {
            chains: 0,
            events: 0,
            elided: 0,
            checkpoints: 0,
            kept_matched: 0,
            policies: 0,
            policies_included: false,
        };
        Self {
            keys,
            issuer: issuer.to_owned(),
            chains: HashMap::new(),
            order: Vec::new(),
            report,
            sealed: false,
            sealed_spans: Vec::new(),
            kept: Kept::new(),
            documents: std::collections::HashSet::new(),
            undocumented: BTreeMap::new(),
            line: 0,
        }
    }

    /// Also requires the hashes `kept` fixed, wherever this export holds
    /// those positions.
    pub fn with_kept(mut self, kept: Kept) -> Self {
        self.kept = kept;
        self
    }

    /// Whether `hash` at (`chain`, `seq`) contradicts a kept export.
    fn contradicts_kept(&mut self, chain: &str, seq: i64, hash: &str) -> bool {
        match self.kept.get(&(chain.to_owned(), seq)) {
            Some(kept) if kept != hash => true,
            Some(_) => {
                self.report.kept_matched += 1;
                false
            }
            None => false,
        }
    }

    fn broken(&self, line: &Line, reason: impl Into<String>) -> Broken {
        let (chain, seq) = line.position();
        Broken {
            line: self.line,
            chain: chain.map(str::to_owned),
            seq,
            reason: reason.into(),
        }
    }

    fn statement<T: serde::de::DeserializeOwned>(
        &self,
        line: &Line,
        token: &str,
    ) -> Result<T, Broken> {
        if token.is_empty() {
            return Err(self.broken(line, "no signature"));
        }
        let kid = tokens::key_id(token).map_err(|_| self.broken(line, "unreadable signature"))?;
        let key = self.keys.iter().find(|k| k.kid == kid);
        let key = key.ok_or_else(|| {
            self.broken(
                line,
                format!("signed by key {kid}, which the JWKS does not hold"),
            )
        })?;
        tokens::verify_statement(token, key, Some(&self.issuer))
            .map_err(|_| self.broken(line, "the signature does not verify"))
    }

    /// Checks one line (numbered `number`); the first problem ends the walk.
    ///
    /// # Errors
    /// [`Broken`] naming the line.
    pub fn check(&mut self, number: usize, line: &Line) -> Result<(), Broken> {
        self.line = number;
        if self.sealed {
            return Err(self.broken(line, "a line after the seal was added"));
        }
        match line {
            Line::Checkpoint(c) => self.checkpoint(line, (&c.chain_id, c.seq, &c.hash), &c.token.0),
            Line::Event(event) => {
                self.full_event(line, event)?;
                self.linked(line, &event.position)
            }
            Line::Elided(position) => {
                self.report.elided += 1;
                self.linked(line, position)
            }
            Line::Policy(p) => self.policy(line, &p.policy_hash, &p.document),
            Line::Seal(seal) => self.seal(line, &seal.token.0),
        }
    }

    fn checkpoint(
        &mut self,
        line: &Line,
        (chain, seq, hash): (&str, i64, &str),
        token: &str,
    ) -> Result<(), Broken> {
        let claims: CheckpointClaims = self.statement(line, token)?;
        if claims.chain != chain || claims.seq != seq || claims.hash != hash {
            return Err(self.broken(line, "the line does not say what its signature says"));
        }
        let state = self.chains.entry(claims.chain.clone()).or_default();
        if state
            .span
            .as_ref()
            .is_some_and(|s| s.last_seq >= claims.seq)
        {
            return Err(self.broken(
                line,
                "checkpoint after the event it covers: lines were moved",
            ));
        }
        state.pending.insert(claims.seq, claims.hash);
        self.report.checkpoints += 1;
        Ok(())
    }

    fn policy(&mut self, line: &Line, hash: &str, document: &str) -> Result<(), Broken> {
        if policies::document_hash(document) != hash {
            return Err(self.broken(
                line,
                format!("policy document {hash} does not match its hash: it was altered"),
            ));
        }
        self.documents.insert(hash.to_owned());
        self.report.policies += 1;
        Ok(())
    }

    /// The event's own checks: its personal fields and its hash.
    fn full_event(&mut self, line: &Line, event: &StoredEvent) -> Result<(), Broken> {
        if let Some(reason) = super::verify::personal_problem(event) {
            return Err(self.broken(line, reason));
        }
        if canonical::event_hash(event) != event.position.hash {
            return Err(self.broken(
                line,
                "its content no longer matches its hash: the line was edited",
            ));
        }
        if !self.documents.contains(&event.policy_hash) {
            self.undocumented
                .entry(event.policy_hash.clone())
                .or_insert(self.line);
        }
        self.report.events += 1;
        Ok(())
    }

    /// Where an event line (full or elided) sits: its links to the line
    /// before, to checkpoints and to a kept export.
    fn linked(&mut self, line: &Line, position: &ChainPosition) -> Result<(), Broken> {
        let ChainPosition {
            chain_id: chain,
            seq,
            prev_hash: prev,
            hash,
        } = position;
        let seq = *seq;
        let first_here = !self.chains.contains_key(chain) || self.chains[chain].span.is_none();
        if self.contradicts_kept(chain, seq, hash)
            || (first_here && self.contradicts_kept(chain, seq - 1, prev))
        {
            return Err(self.broken(
                line,
                "differs from the kept export at this position: the chain was rewritten",
            ));
        }
        if first_here {
            self.order.push(chain.clone());
        }
        let state = self.chains.entry(chain.clone()).or_default();
        let problem = match &mut state.span {
            None => {
                let anchored = state.pending.remove(&(seq - 1)).is_none_or(|h| h == *prev);
                let genesis_ok = seq != 1 || prev == GENESIS_HASH;
                state.span = Some(ChainSpan {
                    chain: chain.clone(),
                    first_seq: seq,
                    first_prev: prev.clone(),
                    last_seq: seq,
                    last_hash: hash.clone(),
                });
                (!anchored || !genesis_ok).then_some("does not link to the checkpoint before it")
            }
            Some(span) if seq != span.last_seq + 1 => {
                Some("out of sequence: a line was removed, inserted or moved")
            }
            Some(span) if *prev != span.last_hash => {
                Some("does not link to the line before it: removed, inserted or moved")
            }
            Some(span) => {
                span.last_seq = seq;
                span.last_hash.clone_from(hash);
                None
            }
        };
        let checkpoint_ok = state.pending.remove(&seq).is_none_or(|h| h == *hash);
        match problem {
            Some(reason) => Err(self.broken(line, reason)),
            None if !checkpoint_ok => {
                Err(self.broken(line, "differs from the signed checkpoint at this position"))
            }
            None => Ok(()),
        }
    }

    fn seal(&mut self, line: &Line, token: &str) -> Result<(), Broken> {
        let claims: SealClaims = self.statement(line, token)?;
        let seen: Vec<ChainSpan> = self
            .order
            .iter()
            .filter_map(|c| self.chains[c].span.clone())
            .collect();
        for span in &claims.chains {
            match seen.iter().find(|s| s.chain == span.chain) {
                None => {
                    return Err(self.broken(
                        line,
                        format!(
                            "chain {} is sealed but none of its lines are here",
                            span.chain
                        ),
                    ));
                }
                Some(s) if s != span => {
                    let reason = format!(
                        "chain {} ends at seq {} but was sealed at seq {} (lines were removed or added)",
                        span.chain, s.last_seq, span.last_seq
                    );
                    return Err(self.broken(line, reason));
                }
                Some(_) => {}
            }
        }
        if seen.len() != claims.chains.len() || claims.events != self.report.events {
            return Err(self.broken(line, "the export holds lines the seal does not cover"));
        }
        if let Some((chain, state)) = self.chains.iter().find(|(_, s)| !s.pending.is_empty()) {
            let seq = state.pending.keys().next().copied().unwrap_or_default();
            return Err(self.broken(
                line,
                format!("checkpoint of chain {chain} at seq {seq} has no event here"),
            ));
        }
        if claims.policies {
            let missing = self
                .undocumented
                .iter()
                .find(|(hash, _)| !claims.unarchived.contains(*hash));
            if let Some((hash, first)) = missing {
                return Err(Broken {
                    line: *first,
                    chain: None,
                    seq: None,
                    reason: format!(
                        "names policy {hash}, whose document the export does not hold before it"
                    ),
                });
            }
        }
        self.report.policies_included = claims.policies;
        self.sealed = true;
        self.report.chains = claims.chains.len();
        self.sealed_spans = claims.chains;
        Ok(())
    }

    /// The report once every line was checked.
    ///
    /// # Errors
    /// When the seal never came: the export was cut short.
    pub fn finish(self) -> Result<OfflineReport, Broken> {
        self.finish_kept().map(|(report, _)| report)
    }

    /// The report, and the positions this export fixes for a later one.
    ///
    /// # Errors
    /// As [`OfflineVerifier::finish`].
    pub fn finish_kept(self) -> Result<(OfflineReport, Kept), Broken> {
        if self.sealed {
            let mut kept = Kept::new();
            for span in self.sealed_spans {
                if span.first_seq > 1 {
                    kept.insert((span.chain.clone(), span.first_seq - 1), span.first_prev);
                }
                kept.insert((span.chain, span.last_seq), span.last_hash);
            }
            return Ok((self.report, kept));
        }
        let reason = "no seal at the end: the export was cut short (or is not an export)";
        Err(Broken {
            line: self.line + 1,
            chain: None,
            seq: None,
            reason: reason.to_owned(),
        })
    }
}
