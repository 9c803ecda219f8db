//! Token-verified reads on PostgreSQL, gathered: the reads a server thread
//! has waiting go to the database as one query.
//!
//! Profiled under `GET /v1/consents/{id}` (wrk, 64 connections), each read
//! cost the server 285 µs of CPU and PostgreSQL 103 µs, against 110 µs in
//! all on SQLite: a round trip a read, each waking a database backend and
//! then the server thread, and a quarter of the server's samples were
//! those switches. Here, as the ledger writer does for commits, a thread
//! runs at most `LEADERS` queries at a time; a read that finds them all
//! busy waits, and the next query serves every read then waiting. One read
//! alone is one query, as before.
//!
//! A gathered query starts after each of its reads arrived, so it sees
//! every commit acknowledged before the read began: a withdrawal still ends
//! a token at once.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use sea_orm::DatabaseConnection;
use tokio::sync::oneshot;

use super::StorageError;
use crate::domain::{ConsentId, StoredEvent};

/// Queries one thread runs at once, and the connections of its pool. With
/// more, each gathers fewer reads; with one, a read that arrives during a
/// query waits for two.
pub(super) const LEADERS: u32 = 2;
/// Subjects one query reads at most.
const MAX_BATCH: usize = 128;

type Answer = Result<Vec<StoredEvent>, StorageError>;

/// What a waiting read is told.
enum Turn {
    /// Its events, read by another read's query.
    Done(Answer),
    /// Run the next query yourself (a query just ended, reads are waiting).
    Lead,
}

struct Waiting {
    site: String,
    consent_id: String,
    reply: oneshot::Sender<Turn>,
}

/// One thread's gathering of reads for one server. Not `Send`: it lives
/// and is used on the thread that made it.
pub(super) struct Gathering {
    pool: DatabaseConnection,
    waiting: RefCell<VecDeque<Waiting>>,
    /// Reads now running a query (each holds one of `LEADERS` turns).
    leading: Cell<u32>,
}

impl Gathering {
    pub(super) fn new(pool: DatabaseConnection) -> Rc<Self> {
        Rc::new(Self {
            pool,
            waiting: RefCell::new(VecDeque::new()),
            leading: Cell::new(0),
        })
    }

    /// Every event of `consent_id` on `site`, oldest first.
    ///
    /// # Errors
    /// When the database fails or a row of this subject does not decode.
    pub(super) async fn events_of(&self, site: &str, consent_id: &str) -> Answer {
        loop {
            if self.leading.get() < LEADERS {
                self.leading.set(self.leading.get() + 1);
                return self.lead(site, consent_id).await;
            }
            let (reply, turn) = oneshot::channel();
            self.waiting.borrow_mut().push_back(Waiting {
                site: site.to_owned(),
                consent_id: consent_id.to_owned(),
                reply,
            });
            let mut turn = AwaitedTurn {
                turn,
                gathering: self,
            };
            match (&mut turn.turn).await {
                Ok(Turn::Done(answer)) => return answer,
                Ok(Turn::Lead) => return self.lead(site, consent_id).await,
                // The read whose query held us was cancelled (its client
                // went away) before answering: wait or lead again.
                Err(_) => {}
            }
        }
    }

    /// Runs one query for this read and every read waiting (holding a
    /// turn), answers them, and passes the turn on.
    async fn lead(&self, site: &str, consent_id: &str) -> Answer {
        let _turn = HeldTurn { gathering: self };
        let others: Vec<Waiting> = {
            let mut waiting = self.waiting.borrow_mut();
            let take = waiting.len().min(MAX_BATCH - 1);
            waiting.drain(..take).collect()
        };
        if others.is_empty() {
            return super::events_of(&self.pool, site, consent_id).await;
        }
        let mut subjects = vec![(site, consent_id)];
        subjects.extend(
            others
                .iter()
                .map(|w| (w.site.as_str(), w.consent_id.as_str())),
        );
        match super::events::events_of_many(&self.pool, &subjects).await {
            Ok(events) => {
                for other in others {
                    let theirs = of_subject(&events, &other.site, &other.consent_id);
                    let _ = other.reply.send(Turn::Done(Ok(theirs)));
                }
                Ok(of_subject(&events, site, consent_id))
            }
            // One subject's undecodable row must not fail the others'
            // reads: each is read alone, as without gathering.
            Err(StorageError::Corrupt { .. }) => {
                for other in others {
                    let answer = super::events_of(&self.pool, &other.site, &other.consent_id).await;
                    let _ = other.reply.send(Turn::Done(answer));
                }
                super::events_of(&self.pool, site, consent_id).await
            }
            // The database failed: every reader is told at once (reading
            // each alone would wait out the same failure once a reader).
            Err(error) => {
                for other in others {
                    let _ = other.reply.send(Turn::Done(Err(error.again())));
                }
                Err(error)
            }
        }
    }

    /// A query ended: the first read still waiting leads the next, or the
    /// turn is free again.
    fn pass_turn(&self) {
        loop {
            let next = self.waiting.borrow_mut().pop_front();
            let Some(next) = next else {
                break;
            };
            // A read cancelled while waiting is skipped.
            if next.reply.send(Turn::Lead).is_ok() {
                return;
            }
        }
        self.leading.set(self.leading.get() - 1);
    }
}

/// A held turn: passed on when its query ends, however it ends (a read
/// cancelled mid-query still passes it, so no waiting read is stranded).
struct HeldTurn<'a> {
    gathering: &'a Gathering,
}

impl Drop for HeldTurn<'_> {
    fn drop(&mut self) {
        self.gathering.pass_turn();
    }
}

/// A waiting read's answer to come. A read cancelled after it was handed
/// the turn, before it saw it, passes the turn on: else the turn would be
/// lost, and with all of them lost no read would ever be answered.
struct AwaitedTurn<'a> {
    turn: oneshot::Receiver<Turn>,
    gathering: &'a Gathering,
}

impl Drop for AwaitedTurn<'_> {
    fn drop(&mut self) {
        if let Ok(Turn::Lead) = self.turn.try_recv() {
            self.gathering.pass_turn();
        }
    }
}

/// The events of one subject among a query's, in their order. The id is
/// parsed once, not each event's formatted (an id that does not parse has
/// no events).
fn of_subject(events: &[StoredEvent], site: &str, consent_id: &str) -> Vec<StoredEvent> {
    let Ok(id) = ConsentId::parse_stored(consent_id) else {
        return Vec::new();
    };
    events
        .iter()
        .filter(|e| e.consent_id == id && e.site == site)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{connect, create_scratch, drop_scratch, migrate};

    /// The test PostgreSQL, or `None` with a loud notice; under `CI=true`
    /// its absence fails.
    fn admin_url() -> Option<String> {
        let url = std::env::var("TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty());
        if url.is_none() {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "CI=true: TEST_POSTGRES_URL must name a PostgreSQL"
            );
            eprintln!("!!! read gathering test SKIPPED: TEST_POSTGRES_URL is not set");
        }
        url
    }

    /// Both turns held by queries in flight, two reads waiting: the first
    /// waiting one is handed the turn and cancelled before it sees it, the
    /// second must still be answered, and every turn come back.
    #[tokio::test]
    async fn a_read_cancelled_after_it_was_handed_the_turn_passes_it_on() {
        let Some(admin) = admin_url() else {
            return;
        };
        let (url, name) = create_scratch(&admin, "gathering").await.unwrap();
        let db = connect(&url).await.unwrap();
        migrate(&db).await.unwrap();
        let gathering = Gathering::new(db.clone());
        let id = crate::domain::ConsentId::generate().to_string();
        let read = || gathering.events_of("www", &id);

        let (mut a, mut b) = (Box::pin(read()), Box::pin(read()));
        let (mut cancelled, mut last) = (Box::pin(read()), Box::pin(read()));
        for future in [&mut a, &mut b, &mut cancelled, &mut last] {
            assert!(futures::poll!(future.as_mut()).is_pending());
        }
        assert_eq!(gathering.leading.get(), LEADERS);
        assert_eq!(gathering.waiting.borrow().len(), 2);

        assert!(a.await.unwrap().is_empty());
        // `a`'s turn went to `cancelled`, which goes away without seeing it.
        assert_eq!(gathering.waiting.borrow().len(), 1);
        drop(cancelled);
        let last = tokio::time::timeout(std::time::Duration::from_secs(10), last).await;
        let last = last.expect("the read behind the cancelled one is answered, not stranded");
        assert!(last.unwrap().is_empty());
        assert!(b.await.unwrap().is_empty());
        assert_eq!(gathering.leading.get(), 0, "every turn is free again");
        assert!(gathering.waiting.borrow().is_empty());

        db.close().await.ok();
        drop(gathering);
        drop_scratch(&admin, &name).await.unwrap();
    }
}
