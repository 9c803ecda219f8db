//! A consent event: what the ledger stores about one decision.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// What the visitor did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// First decision under a new consent id.
    Given,
    /// A later decision under an existing consent id.
    Changed,
    /// Everything optional withdrawn through the subject API (erasure).
    Withdrawn,
}

/// Through which channel the decision reached us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Banner,
    Api,
    /// The operator's command line (an erasure asked for outside the web).
    Operator,
}

impl Action {
    /// The action named `value` (`given`, `changed`, `withdrawn`).
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Given, Self::Changed, Self::Withdrawn]
            .into_iter()
            .find(|a| a.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Given => "given",
            Self::Changed => "changed",
            Self::Withdrawn => "withdrawn",
        }
    }
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Banner => "banner",
            Self::Api => "api",
            Self::Operator => "operator",
        }
    }
}

/// The one text form of an event's choices, stored and hashed alike: JSON
/// with the categories in order (a `BTreeMap`), no spaces.
pub fn choices_json(choices: &BTreeMap<String, bool>) -> String {
    serde_json::to_string(choices).expect("a map of strings to booleans serializes")
}

/// An event before the ledger has placed it in a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub site: String,
    pub consent_id: String,
    pub action: Action,
    pub source: Source,
    pub policy_version: String,
    pub policy_hash: String,
    /// Final state of every category of the policy, denials included.
    pub choices: BTreeMap<String, bool>,
    pub gpc: bool,
    pub locale: Option<String>,
    pub url: Option<String>,
    pub ip_prefix: Option<String>,
    pub user_agent: Option<String>,
    /// A withdrawal with erasure: stored already redacted, and every earlier
    /// event of the subject is redacted in the same transaction.
    pub erasure: bool,
}

/// An event as the ledger holds it, chain fields included; personal fields
/// are `None` once redacted.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StoredEvent {
    pub chain_id: String,
    pub seq: i64,
    pub recorded_at: String,
    pub site: String,
    pub consent_id: String,
    pub action: String,
    pub source: String,
    pub policy_version: String,
    pub policy_hash: String,
    pub choices: BTreeMap<String, bool>,
    pub gpc: bool,
    pub locale: Option<String>,
    pub url: Option<String>,
    pub ip_prefix: Option<String>,
    pub user_agent: Option<String>,
    #[serde(skip)]
    pub personal_salt: Option<String>,
    pub personal_digest: String,
    pub prev_hash: String,
    pub hash: String,
    pub redacted_at: Option<String>,
}

impl StoredEvent {
    /// Categories granted by this event, in the order of the map.
    pub fn granted(&self) -> Vec<String> {
        self.choices
            .iter()
            .filter(|(_, on)| **on)
            .map(|(id, _)| id.clone())
            .collect()
    }
}
