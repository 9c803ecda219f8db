//! The one writer per process that appends to this process's chain: a
//! thread of its own on SQLite, a task on PostgreSQL.
//!
//! Requests queue on a channel; the writer takes everything waiting (up to
//! `MAX_BATCH`), chains it in order, stores it together with the new chain
//! head in one atomic round trip, and only then answers each caller. One
//! commit (one fsync) serves a whole batch, so throughput grows with load.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::Context;
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, oneshot};

use super::{GENESIS_HASH, canonical};
use crate::clock::LedgerTime;
use crate::domain::{ChainPosition, ConsentId, EventDraft, PersonalSeal, StoredEvent};
use crate::metrics::Metrics;
use crate::storage::{self, ChainHead, SqliteAppender, WriterStore};

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
    /// Opens a new chain for this process in `store` and starts the
    /// writer: on SQLite a thread of its own, elsewhere a task.
    ///
    /// # Errors
    /// When the chain cannot be created in the database.
    pub async fn start(store: WriterStore, metrics: Metrics) -> anyhow::Result<Self> {
        let head = ChainHead {
            chain_id: uuid::Uuid::new_v4().to_string(),
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        };
        let created_at = crate::clock::now();
        let (jobs, queue) = mpsc::channel(QUEUE);
        match store {
            WriterStore::Sqlite(appender) => {
                appender
                    .create_chain(&head, &created_at)
                    .context("while creating this process's ledger chain")?;
                std::thread::Builder::new()
                    .name("ledger-writer".into())
                    .spawn(move || run_on_sqlite(appender, head, queue, &metrics))
                    .context("while starting the ledger writer's thread")?;
            }
            WriterStore::Pool(db) => {
                storage::create_chain(&db, &head, &created_at)
                    .await
                    .context("while creating this process's ledger chain")?;
                tokio::spawn(run_on_pool(db, head, queue, metrics));
            }
        }
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

/// The writer's loop on SQLite: blocking, on its own thread, so a batch
/// never waits for a runtime's worker to be free.
fn run_on_sqlite(
    mut appender: SqliteAppender,
    mut head: ChainHead,
    mut queue: mpsc::Receiver<Job>,
    metrics: &Metrics,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = queue.blocking_recv() {
        take_waiting(first, &mut queue, &mut batch);
        drop_repeated_erasures(&mut batch, |site, id| {
            appender.is_withdrawn(site, id).map_err(|e| e.to_string())
        });
        if batch.is_empty() {
            continue;
        }
        let (events, new_head) = chain(&head, batch.iter().map(|j| &j.draft));
        let stored = appender.append_batch(&events, &new_head, &erasures_of(&batch, &events));
        head = match stored {
            Ok(()) => answer(&mut batch, events, new_head, metrics),
            Err(error) => {
                refuse(&mut batch, &error);
                let found = appender.find_chain(&head.chain_id).ok();
                reload_head(head, found)
            }
        };
    }
}

/// The writer's loop on PostgreSQL: a task, its database I/O async.
async fn run_on_pool(
    db: DatabaseConnection,
    mut head: ChainHead,
    mut queue: mpsc::Receiver<Job>,
    metrics: Metrics,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = queue.recv().await {
        take_waiting(first, &mut queue, &mut batch);
        let withdrawn = withdrawn_among(&db, &batch).await;
        drop_repeated_erasures(&mut batch, |site, id| {
            Ok(withdrawn.contains(&(site.to_owned(), id)))
        });
        if batch.is_empty() {
            continue;
        }
        let (events, new_head) = chain(&head, batch.iter().map(|j| &j.draft));
        let erasures = erasures_of(&batch, &events);
        let stored = storage::append_batch(&db, &events, &new_head, &erasures).await;
        drop(erasures);
        head = match stored {
            Ok(()) => answer(&mut batch, events, new_head, &metrics),
            Err(error) => {
                refuse(&mut batch, &error);
                let found = storage::find_chain(&db, &head.chain_id).await.ok();
                reload_head(head, found)
            }
        };
    }
}

/// `first` and everything waiting behind it, up to `MAX_BATCH`.
fn take_waiting(first: Job, queue: &mut mpsc::Receiver<Job>, batch: &mut Vec<Job>) {
    batch.push(first);
    while batch.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

/// The subjects of the batch's erasures that the ledger has withdrawn
/// already. A failed look-up counts as not withdrawn (see below).
async fn withdrawn_among(db: &DatabaseConnection, batch: &[Job]) -> HashSet<(String, ConsentId)> {
    let mut withdrawn = HashSet::new();
    for draft in batch.iter().map(|j| &j.draft).filter(|d| d.erasure) {
        let state = storage::subject_state(db, &draft.site, &draft.consent_id.to_string()).await;
        if state.is_ok_and(|s| s == storage::SubjectState::Withdrawn) {
            withdrawn.insert((draft.site.clone(), draft.consent_id));
        }
    }
    withdrawn
}

/// Answers erasures of a subject that is already withdrawn, or that an
/// earlier job of the same batch withdraws, without appending them. The
/// writer is this process's only appender, so two erasures racing through
/// one instance leave exactly one withdrawal.
fn drop_repeated_erasures(
    batch: &mut Vec<Job>,
    mut is_withdrawn: impl FnMut(&str, ConsentId) -> Result<bool, String>,
) {
    if !batch.iter().any(|j| j.draft.erasure) {
        return;
    }
    let mut seen = HashSet::new();
    let mut kept = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        let d = &job.draft;
        // A failed look-up appends: a duplicate withdrawal is harmless, a
        // lost one is not.
        let repeated = d.erasure
            && (!seen.insert((d.site.clone(), d.consent_id))
                || is_withdrawn(&d.site, d.consent_id).unwrap_or(false));
        if repeated {
            let _ = job.reply.send(Err(AppendError::AlreadyWithdrawn));
        } else {
            kept.push(job);
        }
    }
    *batch = kept;
}

/// The subjects whose earlier events `events` redact, with the time.
fn erasures_of<'e>(batch: &[Job], events: &'e [StoredEvent]) -> Vec<storage::Erasure<'e>> {
    batch
        .iter()
        .zip(events)
        .filter(|(job, _)| job.draft.erasure)
        .map(|(_, e)| storage::Erasure {
            site: &e.site,
            consent_id: e.consent_id,
            at: e.recorded_at,
        })
        .collect()
}

/// Acknowledges a committed batch; the chain now ends at `new_head`.
fn answer(
    batch: &mut Vec<Job>,
    events: Vec<StoredEvent>,
    new_head: ChainHead,
    metrics: &Metrics,
) -> ChainHead {
    for (job, event) in batch.drain(..).zip(events) {
        metrics.observe_append(job.queued.elapsed());
        let _ = job.reply.send(Ok(event));
    }
    new_head
}

/// Tells every caller of a failed batch that nothing was recorded.
fn refuse(batch: &mut Vec<Job>, error: &dyn std::fmt::Display) {
    tracing::error!(%error, events = batch.len(), "ledger batch failed");
    for job in batch.drain(..) {
        let _ = job.reply.send(Err(AppendError::Storage));
    }
}

/// Where the chain goes on after a failed commit. The commit may have
/// landed even though we saw an error (a lost connection after COMMIT):
/// continue from what the database holds, so the chain never forks.
fn reload_head(stale: ChainHead, found: Option<Option<ChainHead>>) -> ChainHead {
    found.flatten().unwrap_or(stale)
}

/// Places drafts after `head`, in order, with salts, digests and hashes;
/// with the head the chain has once they are stored.
fn chain<'a>(
    head: &ChainHead,
    drafts: impl Iterator<Item = &'a EventDraft>,
) -> (Vec<StoredEvent>, ChainHead) {
    let recorded_at = LedgerTime::now();
    let mut prev_hash = head.hash.clone();
    let mut seq = head.seq;
    let events = drafts
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
        .collect::<Vec<_>>();
    let new_head = ChainHead {
        chain_id: head.chain_id.clone(),
        seq,
        hash: prev_hash,
    };
    (events, new_head)
}

fn random_salt() -> String {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).expect("the system random generator works");
    hex::encode(salt)
}
