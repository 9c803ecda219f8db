//! A consent event: what the ledger stores about one decision.
//!
//! [`StoredEvent`] is the one shape of an event. Its field table
//! (`event_fields!` below) names every field once, with its type and
//! whether the hash covers it; the storage row, the canonical hash input,
//! the NDJSON and CSV export lines and the API's JSON are all derived from
//! it. A new field is a member of the struct and a line of the table, plus
//! a migration; a test fails when the struct has a field the table lacks.

mod fields;
#[macro_use]
mod table;

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::ConsentId;
use crate::clock::LedgerTime;

pub use fields::{Cell, Field, FieldValue, Kind};
pub use table::{FieldError, PublicEvent};

/// What the visitor did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    #[default]
    /// First decision under a new consent id.
    Given,
    /// A later decision under an existing consent id.
    Changed,
    /// Everything optional withdrawn through the subject API (erasure).
    Withdrawn,
}

/// Through which channel the decision reached us.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
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
    /// The source named `value` (`banner`, `api`, `operator`).
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Banner, Self::Api, Self::Operator]
            .into_iter()
            .find(|s| s.as_str() == value)
    }

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

/// The fields that identify a visitor: kept apart from the event hash
/// (only their digest is hashed) so that erasing them breaks no chain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Personal {
    pub url: Option<String>,
    pub ip_prefix: Option<String>,
    pub user_agent: Option<String>,
}

impl Personal {
    pub fn is_empty(&self) -> bool {
        self.url.is_none() && self.ip_prefix.is_none() && self.user_agent.is_none()
    }
}

/// Where an event sits in its chain, and the hashes that link it there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ChainPosition {
    pub chain_id: String,
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
}

/// The seal over the personal fields: `digest` commits to them and to
/// `salt`; erasure drops the salt with them, so the digest can no longer be
/// matched against guesses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonalSeal {
    pub salt: Option<String>,
    pub digest: String,
}

/// An event before the ledger has placed it in a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub site: String,
    pub consent_id: ConsentId,
    pub action: Action,
    pub source: Source,
    pub policy_version: String,
    pub policy_hash: String,
    /// Final state of every category of the policy, denials included.
    pub choices: BTreeMap<String, bool>,
    pub gpc: bool,
    pub locale: Option<String>,
    pub personal: Personal,
    /// A withdrawal with erasure: stored already redacted, and every earlier
    /// event of the subject is redacted in the same transaction.
    pub erasure: bool,
}

/// An event as the ledger holds it, placed in its chain; personal fields
/// (and the salt) are `None` once redacted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredEvent {
    pub position: ChainPosition,
    pub recorded_at: LedgerTime,
    pub site: String,
    pub consent_id: ConsentId,
    pub action: Action,
    pub source: Source,
    pub policy_version: String,
    pub policy_hash: String,
    pub choices: BTreeMap<String, bool>,
    pub gpc: bool,
    pub locale: Option<String>,
    pub personal: Personal,
    pub seal: PersonalSeal,
    pub redacted_at: Option<LedgerTime>,
}

// The table. Its order is the hash input's (of the hashed fields), the CSV
// columns' and the JSON keys': never reorder it, append.
event_fields! {
    chain_id => position.chain_id: String, hashed;
    seq => position.seq: i64, hashed;
    recorded_at => recorded_at: LedgerTime, hashed;
    site => site: String, hashed;
    consent_id => consent_id: ConsentId, hashed;
    action => action: Action, hashed;
    source => source: Source, hashed;
    policy_version => policy_version: String, hashed;
    policy_hash => policy_hash: String, hashed;
    choices => choices: BTreeMap<String, bool>, hashed;
    gpc => gpc: bool, hashed;
    locale => locale: Option<String>, hashed;
    url => personal.url: Option<String>;
    ip_prefix => personal.ip_prefix: Option<String>;
    user_agent => personal.user_agent: Option<String>;
    personal_salt => seal.salt: Option<String>;
    personal_digest => seal.digest: String, hashed;
    prev_hash => position.prev_hash: String, hashed;
    hash => position.hash: String;
    redacted_at => redacted_at: Option<LedgerTime>;
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

#[cfg(test)]
mod tests {
    use super::{FIELDS, StoredEvent};

    /// Every leaf of a `StoredEvent` (`seal.salt`), read from its `Debug`:
    /// a field is a name after `{ ` or `, `; it is a part (not a leaf) when
    /// its value is a struct with named fields.
    fn leaf_paths(debug: &str) -> Vec<String> {
        let mut parts: Vec<(&str, usize)> = Vec::new();
        let mut depth = 0;
        let mut leaves = Vec::new();
        for (i, c) in debug.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    parts.retain(|(_, opened)| *opened <= depth);
                }
                _ => {}
            }
            let before = &debug[..i];
            if !(before.ends_with("{ ") || before.ends_with(", ")) {
                continue;
            }
            let Some((name, value)) = debug[i..].split_once(": ") else {
                continue;
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                continue;
            }
            let mut words = value.split_whitespace();
            let is_part = words
                .next()
                .is_some_and(|w| w.starts_with(char::is_uppercase))
                && words.next() == Some("{");
            if is_part {
                parts.push((name, depth + 1));
            } else {
                let mut path: Vec<&str> = parts.iter().map(|(p, _)| *p).collect();
                path.push(name);
                leaves.push(path.join("."));
            }
        }
        leaves
    }

    #[test]
    fn every_field_of_the_struct_is_in_the_table_once() {
        let mut leaves = leaf_paths(&format!("{:?}", StoredEvent::default()));
        assert!(leaves.contains(&"seal.salt".to_owned()), "{leaves:?}");
        let mut table: Vec<String> = FIELDS.iter().map(|f| f.path.replace(' ', "")).collect();
        leaves.sort();
        table.sort();
        assert_eq!(leaves, table);
    }
}
