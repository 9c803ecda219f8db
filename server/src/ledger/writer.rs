//! The one task per process that appends to this process's chain.
//!
//! Requests queue on a channel; the task takes everything waiting (up to
//! `MAX_BATCH`), chains it in order, stores it together with the new chain
//! head in one atomic round trip, and only then answers each caller. One
//! commit (one fsync) serves a whole batch, so throughput grows with load.

use std::time::Instant;

use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};

use super::{GENESIS_HASH, canonical};
use crate::clock::LedgerTime;
use crate::domain::{ChainPosition, EventDraft, PersonalSeal, StoredEvent};
use crate::metrics::Metrics;
use crate::storage::{self, ChainHead};

const MAX_BATCH: usize = 512;
const QUEUE: usize = 8192;

/// Handle to this process's ledger writer; cheap to clone.
#[derive(Clone)]
pub struct LedgerWriter {
    jobs: mpsc::Sender<Job>,
}

/// Why an event was not appended. The caller must not acknowledge it.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("the ledger could not commit the event")]
    Storage,
    #[error("the ledger writer has stopped")]
    Stopped,
    /// An erasure of a subject that is already withdrawn: nothing appended.
    #[error("this consent is already withdrawn")]
    AlreadyWithdrawn,
}

struct Job {
    draft: EventDraft,
    queued: Instant,
    reply: oneshot::Sender<Result<StoredEvent, AppendError>>,
}

impl LedgerWriter {
    /// Opens a new chain for this process and starts the writer task.
    ///
    /// # Errors
    /// When the chain cannot be created in the database.
    pub async fn start(db: DatabaseConnection, metrics: Metrics) -> anyhow::Result<Self> {
        let head = ChainHead {
            chain_id: uuid::Uuid::new_v4().to_string(),
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        };
        storage::create_chain(&db, &head, &crate::clock::now())
            .await
            .context("while creating this process's ledger chain")?;
        tracing::info!(chain_id = %head.chain_id, "ledger chain opened");
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, head, queue, metrics));
        Ok(Self { jobs })
    }

    /// Appends one event and returns it as stored, once it is committed.
    ///
    /// # Errors
    /// When the commit failed or the writer is gone; nothing was acknowledged.
    pub async fn append(&self, draft: EventDraft) -> Result<StoredEvent, AppendError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            draft,
            queued: Instant::now(),
            reply,
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| AppendError::Stopped)?;
        answer.await.map_err(|_| AppendError::Stopped)?
    }
}

async fn run(
    db: DatabaseConnection,
    mut head: ChainHead,
    mut queue: mpsc::Receiver<Job>,
    metrics: Metrics,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = queue.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        drop_repeated_erasures(&db, &mut batch).await;
        if !batch.is_empty() {
            head = commit_batch(&db, head, &mut batch, &metrics).await;
        }
    }
}

/// Answers erasures of a subject that is already withdrawn, or that an
/// earlier job of the same batch withdraws, without appending them. The
/// writer is this process's only appender, so two erasures racing through
/// one instance leave exactly one withdrawal.
async fn drop_repeated_erasures(db: &DatabaseConnection, batch: &mut Vec<Job>) {
    if !batch.iter().any(|j| j.draft.erasure) {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        let d = &job.draft;
        // A failed look-up appends: a duplicate withdrawal is harmless, a
        // lost one is not.
        let repeated = d.erasure
            && (!seen.insert((d.site.clone(), d.consent_id))
                || storage::subject_state(db, &d.site, &d.consent_id.to_string())
                    .await
                    .is_ok_and(|s| s == storage::SubjectState::Withdrawn));
        if repeated {
            let _ = job.reply.send(Err(AppendError::AlreadyWithdrawn));
        } else {
            kept.push(job);
        }
    }
    *batch = kept;
}

async fn commit_batch(
    db: &DatabaseConnection,
    head: ChainHead,
    batch: &mut Vec<Job>,
    metrics: &Metrics,
) -> ChainHead {
    let events = chain(&head, batch.iter().map(|j| &j.draft));
    let last = events.last().expect("a batch is never empty");
    let new_head = ChainHead {
        chain_id: head.chain_id.clone(),
        seq: last.position.seq,
        hash: last.position.hash.clone(),
    };
    let erasures: Vec<storage::Erasure<'_>> = batch
        .iter()
        .zip(&events)
        .filter(|(job, _)| job.draft.erasure)
        .map(|(_, e)| storage::Erasure {
            site: &e.site,
            consent_id: e.consent_id,
            at: e.recorded_at,
        })
        .collect();
    let stored = storage::append_batch(db, &events, &new_head, &erasures).await;
    drop(erasures);
    match stored {
        Ok(()) => {
            for (job, event) in batch.drain(..).zip(events) {
                metrics.observe_append(job.queued.elapsed());
                let _ = job.reply.send(Ok(event));
            }
            new_head
        }
        Err(error) => {
            tracing::error!(%error, events = batch.len(), "ledger batch failed");
            for job in batch.drain(..) {
                let _ = job.reply.send(Err(AppendError::Storage));
            }
            // The commit may have landed even though we saw an error (a lost
            // connection after COMMIT): continue from what the database holds
            // so the chain never forks.
            reload_head(db, head).await
        }
    }
}

async fn reload_head(db: &DatabaseConnection, stale: ChainHead) -> ChainHead {
    match storage::find_chain(db, &stale.chain_id).await {
        Ok(Some(head)) => head,
        _ => stale,
    }
}

/// Places drafts after `head`, in order, with salts, digests and hashes.
fn chain<'a>(head: &ChainHead, drafts: impl Iterator<Item = &'a EventDraft>) -> Vec<StoredEvent> {
    let recorded_at = LedgerTime::now();
    let mut prev_hash = head.hash.clone();
    let mut seq = head.seq;
    drafts
        .map(|d| {
            seq += 1;
            let salt = random_salt();
            let digest = canonical::personal_digest(&salt, &d.personal);
            let mut event = StoredEvent {
                position: ChainPosition {
                    chain_id: head.chain_id.clone(),
                    seq,
                    prev_hash: std::mem::take(&mut prev_hash),
                    hash: String::new(),
                },
                recorded_at,
                site: d.site.clone(),
                consent_id: d.consent_id,
                action: d.action,
                source: d.source,
                policy_version: d.policy_version.clone(),
                policy_hash: d.policy_hash.clone(),
                choices: d.choices.clone(),
                gpc: d.gpc,
                locale: d.locale.clone(),
                personal: d.personal.clone(),
                seal: PersonalSeal {
                    salt: (!d.erasure).then_some(salt),
                    digest,
                },
                redacted_at: d.erasure.then_some(recorded_at),
            };
            event.position.hash = canonical::event_hash(&event);
            prev_hash.clone_from(&event.position.hash);
            event
        })
        .collect()
}

fn random_salt() -> String {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).expect("the system random generator works");
    hex::encode(salt)
}
