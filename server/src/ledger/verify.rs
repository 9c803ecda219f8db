//! Checking a ledger in the database: every link, every hash, every head.

use std::fmt;

use sea_orm::ConnectionTrait;

use super::checkpoint::CheckpointClaims;
use super::{GENESIS_HASH, canonical};
use crate::domain::StoredEvent;
use crate::storage::{self, ChainHead, StorageError};
use crate::tokens;

const PAGE: u64 = 1000;

/// What an intact ledger held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyReport {
    pub chains: usize,
    pub events: u64,
    pub redacted: u64,
}

/// The first place the ledger is not what was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tamper {
    /// Database row id of the offending event, when there is one.
    pub row_id: Option<i64>,
    pub chain_id: String,
    pub seq: i64,
    pub reason: String,
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row_id {
            Some(id) => write!(
                f,
                "event row {id} (chain {}, seq {})",
                self.chain_id, self.seq
            )?,
            None => write!(f, "chain {} at seq {}", self.chain_id, self.seq)?,
        }
        write!(f, ": {}", self.reason)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("ledger tampered: {0}")]
    Tampered(Tamper),
    #[error("could not read the ledger: {0}")]
    Storage(#[from] sea_orm::DbErr),
}

/// Verifies every chain in the database.
///
/// # Errors
/// [`VerifyError::Tampered`] naming the first bad event, or a storage error.
pub async fn verify_database(db: &impl ConnectionTrait) -> Result<VerifyReport, VerifyError> {
    let chains = storage::list_chains(db).await?;
    let known: Vec<String> = chains.iter().map(|c| c.chain_id.clone()).collect();
    if let Some(orphan) = storage::orphan_chains(db, &known).await?.into_iter().next() {
        return Err(tampered(
            None,
            &orphan,
            0,
            "events of a chain the ledger never opened",
        ));
    }
    let mut report = VerifyReport {
        chains: chains.len(),
        events: 0,
        redacted: 0,
    };
    for head in &chains {
        verify_chain(db, head, &mut report).await?;
    }
    Ok(report)
}

async fn verify_chain(
    db: &impl ConnectionTrait,
    head: &ChainHead,
    report: &mut VerifyReport,
) -> Result<(), VerifyError> {
    let mut checker = ChainChecker::new(&head.chain_id);
    if let Some((seq, hash)) = purge_anchor(db, head).await? {
        checker.seq = seq;
        checker.prev_hash = hash;
    }
    loop {
        let page = match storage::chain_page(db, &head.chain_id, checker.seq, head.seq, PAGE).await
        {
            Ok(page) => page,
            Err(StorageError::Corrupt { id, seq, reason }) => {
                let seq = seq.unwrap_or(checker.seq + 1);
                return Err(tampered(Some(id), &head.chain_id, seq, &reason));
            }
            Err(StorageError::Db(e)) => return Err(e.into()),
        };
        let full = page.len() as u64 == PAGE;
        for (row_id, event) in &page {
            checker.check(*row_id, event)?;
            report.events += 1;
            report.redacted += u64::from(event.redacted_at.is_some());
        }
        if !full || checker.seq >= head.seq {
            break;
        }
    }
    if checker.seq != head.seq || checker.prev_hash != head.hash {
        let reason = format!(
            "the chain head records seq {} but the events end at seq {}: events were removed",
            head.seq, checker.seq
        );
        return Err(tampered(None, &head.chain_id, checker.seq + 1, &reason));
    }
    beyond_head(db, head).await
}

/// Where a chain cut by a retention purge now starts: the signed `purge`
/// checkpoint just before its first remaining event. Anything else missing
/// from the front was removed by hand.
async fn purge_anchor(
    db: &impl ConnectionTrait,
    head: &ChainHead,
) -> Result<Option<(i64, String)>, VerifyError> {
    let first = storage::min_seq(db, &head.chain_id).await?;
    let boundary_seq = match first {
        Some(1) => return Ok(None),
        Some(first) => first - 1,
        None if head.seq == 0 => return Ok(None),
        None => head.seq,
    };
    let Some(boundary) = storage::purge_boundary(db, &head.chain_id, boundary_seq).await? else {
        let reason = "events at the start of the chain were removed without a purge";
        return Err(tampered(None, &head.chain_id, boundary_seq, reason));
    };
    let signed = match tokens::key_id(&boundary.token) {
        Ok(kid) => match storage::find_statement_key(db, &kid).await? {
            Some(key) => {
                tokens::verify_statement::<CheckpointClaims>(&boundary.token, &key, None).ok()
            }
            None => None,
        },
        Err(_) => None,
    };
    let genuine = signed.is_some_and(|c| {
        c.chain == head.chain_id && c.seq == boundary.seq && c.hash == boundary.hash
    });
    if !genuine {
        return Err(tampered(
            None,
            &head.chain_id,
            boundary_seq,
            "the purge checkpoint's signature does not verify",
        ));
    }
    Ok(Some((boundary.seq, boundary.hash)))
}

/// Events after the head that no commit of the writer put there. The last
/// stored seq is read before the head: a writer commits both at once, so any
/// event already visible has its head visible by the second read.
async fn beyond_head(db: &impl ConnectionTrait, head: &ChainHead) -> Result<(), VerifyError> {
    let last = storage::max_seq(db, &head.chain_id).await?;
    let current = storage::find_chain(db, &head.chain_id).await?;
    match (last, current) {
        (Some(last), Some(current)) if last > current.seq => {
            let reason = "stored after the chain head without a commit of the ledger: inserted";
            Err(tampered(None, &head.chain_id, last, reason))
        }
        _ => Ok(()),
    }
}

/// Walks one chain in order, remembering the last good event.
struct ChainChecker<'a> {
    chain_id: &'a str,
    seq: i64,
    prev_hash: String,
}

impl<'a> ChainChecker<'a> {
    fn new(chain_id: &'a str) -> Self {
        Self {
            chain_id,
            seq: 0,
            prev_hash: GENESIS_HASH.to_owned(),
        }
    }

    fn check(&mut self, row_id: i64, e: &StoredEvent) -> Result<(), VerifyError> {
        let p = &e.position;
        let fail = |reason: &str| Err(tampered(Some(row_id), self.chain_id, p.seq, reason));
        if p.seq != self.seq + 1 {
            let reason = format!(
                "expected seq {}: an event was removed, inserted or moved",
                self.seq + 1
            );
            return fail(&reason);
        }
        if p.prev_hash != self.prev_hash {
            return fail("does not link to the event before it: removed, inserted or moved");
        }
        if let Some(reason) = personal_problem(e) {
            return fail(reason);
        }
        if canonical::event_hash(e) != p.hash {
            return fail("its content no longer matches its hash: the event was edited");
        }
        self.seq = p.seq;
        self.prev_hash.clone_from(&p.hash);
        Ok(())
    }
}

/// Personal fields must match their digest, or be fully erased when redacted.
pub(super) fn personal_problem(e: &StoredEvent) -> Option<&'static str> {
    if e.redacted_at.is_some() {
        return (!e.personal.is_empty() || e.seal.salt.is_some())
            .then_some("marked redacted but still holds personal data");
    }
    let Some(salt) = &e.seal.salt else {
        return Some("personal fields were erased without a redaction record");
    };
    (canonical::personal_digest(salt, &e.personal) != e.seal.digest)
        .then_some("its personal fields were edited")
}

fn tampered(row_id: Option<i64>, chain_id: &str, seq: i64, reason: &str) -> VerifyError {
    VerifyError::Tampered(Tamper {
        row_id,
        chain_id: chain_id.to_owned(),
        seq,
        reason: reason.to_owned(),
    })
}
