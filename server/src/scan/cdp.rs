//! A small Chrome DevTools Protocol client: commands with answers, and the
//! events of each attached page kept in order until the scanner reads them.
//!
//! One WebSocket to the browser; pages are reached through flat sessions
//! (`Target.attachToTarget` with `flatten`), so every message carries the
//! session it belongs to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

/// How long any one command may take before the scan gives up on it.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// One protocol event: `Network.requestWillBeSent` and its parameters.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Event {
    pub method: String,
    pub params: Value,
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>>;
type Inboxes = Arc<Mutex<HashMap<String, Vec<Event>>>>;

/// A connection to the browser; cheap to clone.
#[derive(Clone)]
pub struct Cdp {
    outgoing: mpsc::UnboundedSender<String>,
    next_id: Arc<AtomicU64>,
    pending: Pending,
    inboxes: Inboxes,
}

impl Cdp {
    /// Connects to the browser's DevTools WebSocket.
    ///
    /// # Errors
    /// When the socket does not open.
    pub async fn connect(ws_url: &str) -> anyhow::Result<Self> {
        let (socket, _) = tokio_tungstenite::connect_async(ws_url)
            .await
            .with_context(|| format!("while connecting to Chromium at {ws_url}"))?;
        let (mut sink, mut stream) = socket.split();
        let (outgoing, mut queue) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(text) = queue.recv().await {
                if sink.send(Message::text(text)).await.is_err() {
                    break;
                }
            }
        });
        let pending: Pending = Arc::default();
        let inboxes: Inboxes = Arc::default();
        let (p, i) = (pending.clone(), inboxes.clone());
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                if let Ok(text) = message.to_text() {
                    route(text, &p, &i);
                }
            }
            // The browser is gone: every waiting command fails at once.
            for (_, reply) in p.lock().unwrap().drain() {
                let _ = reply.send(Err("Chromium closed the connection".to_owned()));
            }
        });
        Ok(Self {
            outgoing,
            next_id: Arc::new(AtomicU64::new(1)),
            pending,
            inboxes,
        })
    }

    /// Sends a command to the browser (`session` None) or to a page session.
    ///
    /// # Errors
    /// The protocol's own error message, or a timeout.
    pub async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> anyhow::Result<Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let (reply, answer) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, reply);
        self.outgoing
            .send(message.to_string())
            .map_err(|_| anyhow!("Chromium closed the connection"))?;
        match tokio::time::timeout(COMMAND_TIMEOUT, answer).await {
            Ok(Ok(Ok(result))) => Ok(result),
            Ok(Ok(Err(error))) => bail!("{method}: {error}"),
            Ok(Err(_)) => bail!("{method}: Chromium closed the connection"),
            Err(_) => {
                self.pending.lock().unwrap().remove(&id);
                bail!("{method}: no answer from Chromium within {COMMAND_TIMEOUT:?}")
            }
        }
    }

    /// Starts keeping the events of `session`.
    pub fn listen(&self, session: &str) {
        self.inboxes
            .lock()
            .unwrap()
            .entry(session.to_owned())
            .or_default();
    }

    /// The events of `session` received since the last call, in order.
    pub fn take_events(&self, session: &str) -> Vec<Event> {
        self.inboxes
            .lock()
            .unwrap()
            .get_mut(session)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Stops keeping the events of `session`.
    pub fn forget(&self, session: &str) {
        self.inboxes.lock().unwrap().remove(session);
    }
}

fn route(text: &str, pending: &Pending, inboxes: &Inboxes) {
    let Ok(message) = serde_json::from_str::<Value>(text) else {
        return;
    };
    if let Some(id) = message.get("id").and_then(Value::as_u64) {
        let Some(reply) = pending.lock().unwrap().remove(&id) else {
            return;
        };
        let answer = match message.get("error") {
            Some(error) => Err(error["message"].as_str().unwrap_or("error").to_owned()),
            None => Ok(message.get("result").cloned().unwrap_or(Value::Null)),
        };
        let _ = reply.send(answer);
        return;
    }
    let (Some(method), Some(session)) = (
        message.get("method").and_then(Value::as_str),
        message.get("sessionId").and_then(Value::as_str),
    ) else {
        return;
    };
    if let Some(inbox) = inboxes.lock().unwrap().get_mut(session) {
        inbox.push(Event {
            method: method.to_owned(),
            params: message.get("params").cloned().unwrap_or(Value::Null),
        });
    }
}
