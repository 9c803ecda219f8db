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

use serde::{Deserialize, Serialize};

use crate::domain::{Cell, ChainPosition, FIELDS, StoredEvent};

/// One line. NDJSON keys and CSV columns are named as here, an event's by
/// the event's field table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "nearly every line is an event: boxing it would allocate once a line"
)]
pub enum Line {
    Event(StoredEvent),
    Elided(ChainPosition),
    Checkpoint(CheckpointLine),
    Policy(PolicyLine),
    Seal(SealLine),
}

/// A stored signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointLine {
    pub chain_id: String,
    pub seq: i64,
    pub hash: String,
    #[serde(default)]
    pub token: Signature,
}

/// An archived policy document; `document` is its canonical text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyLine {
    pub site: String,
    pub policy_version: String,
    pub policy_hash: String,
    pub document: String,
}

/// The signature over the whole export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealLine {
    #[serde(default)]
    pub token: Signature,
}

/// A statement's signature (a compact JWS). Read leniently, absent or
/// `null` as empty, so that the verifier names an unsigned line rather
/// than failing to read it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Signature(pub String);

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(Option::<String>::deserialize(d)?.unwrap_or_default()))
    }
}

/// The CSV columns besides the event's fields: first the line's type, last
/// a statement's signature and a policy's document.
const TYPE: &str = "type";
const TOKEN: &str = "token";
const DOCUMENT: &str = "document";

/// How many columns a CSV record has.
pub const WIDTH: usize = FIELDS.len() + 3;

/// The CSV header: `type`, the event's fields in table order, `token`,
/// `document`. Exports from before the policy archive have no `document`;
/// readers go by the header, so they are read too.
pub fn columns() -> [&'static str; WIDTH] {
    let mut columns = [TYPE; WIDTH];
    for (column, field) in columns[1..].iter_mut().zip(FIELDS) {
        *column = field.name;
    }
    columns[WIDTH - 2] = TOKEN;
    columns[WIDTH - 1] = DOCUMENT;
    columns
}

/// The column of `name` in a record written by [`Line::to_record`].
fn column(name: &str) -> usize {
    columns()
        .iter()
        .position(|c| *c == name)
        .expect("a column of the export")
}

impl Line {
    /// The chain position a line names, for messages about it.
    pub fn position(&self) -> (Option<&str>, Option<i64>) {
        match self {
            Self::Event(e) => (Some(&e.position.chain_id), Some(e.position.seq)),
            Self::Elided(p) => (Some(&p.chain_id), Some(p.seq)),
            Self::Checkpoint(c) => (Some(&c.chain_id), Some(c.seq)),
            Self::Policy(_) | Self::Seal(_) => (None, None),
        }
    }

    /// Reads an NDJSON line. The same as its `Deserialize`, without serde's
    /// buffering of an internally tagged value: the line's `type` is read
    /// first, then the line again as that type (which skips `type`).
    ///
    /// # Errors
    /// When the text is not a line of an export.
    pub fn from_json(text: &str) -> serde_json::Result<Self> {
        #[derive(Deserialize)]
        struct Type<'a> {
            #[serde(rename = "type", borrow)]
            name: Cow<'a, str>,
        }
        // Exports write `type` first; a line in another order is read whole.
        let first = text
            .strip_prefix(r#"{"type":""#)
            .and_then(|rest| rest.split_once('"'))
            .map(|(name, _)| name)
            .filter(|name| !name.contains('\\'));
        let name = match first {
            Some(name) => Cow::Borrowed(name),
            None => serde_json::from_str::<Type<'_>>(text)?.name,
        };
        Ok(match name.as_ref() {
            "event" => Self::Event(serde_json::from_str(text)?),
            "elided" => Self::Elided(serde_json::from_str(text)?),
            "checkpoint" => Self::Checkpoint(serde_json::from_str(text)?),
            "policy" => Self::Policy(serde_json::from_str(text)?),
            "seal" => Self::Seal(serde_json::from_str(text)?),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "unknown line type `{other}`"
                )));
            }
        })
    }

    fn type_name(&self) -> &'static str {
        match self {
            Self::Event(_) => "event",
            Self::Elided(_) => "elided",
            Self::Checkpoint(_) => "checkpoint",
            Self::Policy(_) => "policy",
            Self::Seal(_) => "seal",
        }
    }

    /// The CSV record, in [`columns`] order; absent fields are empty and
    /// every cell is [`neutralised`](csv_cell) against formula injection.
    /// Cells borrow from the line: a million-event export allocates only
    /// the few cells that are not text already.
    pub fn to_record(&self) -> [Cow<'_, str>; WIDTH] {
        let mut record: [Cow<'_, str>; WIDTH] = std::array::from_fn(|_| Cow::Borrowed(""));
        record[0] = Cow::Borrowed(self.type_name());
        match self {
            Self::Event(event) => {
                let mut cells = record[1..].iter_mut();
                event.for_each_cell(|_, cell| {
                    *cells.next().expect("a column a field") = cell.into_text().unwrap_or_default();
                });
            }
            Self::Elided(p) => {
                record[column("seq")] = Cow::Owned(p.seq.to_string());
                record[column("chain_id")] = Cow::Borrowed(&p.chain_id);
                record[column("prev_hash")] = Cow::Borrowed(&p.prev_hash);
                record[column("hash")] = Cow::Borrowed(&p.hash);
            }
            Self::Checkpoint(c) => {
                record[column("seq")] = Cow::Owned(c.seq.to_string());
                record[column("chain_id")] = Cow::Borrowed(&c.chain_id);
                record[column("hash")] = Cow::Borrowed(&c.hash);
                record[column(TOKEN)] = Cow::Borrowed(&c.token.0);
            }
            Self::Policy(p) => {
                record[column("site")] = Cow::Borrowed(&p.site);
                record[column("policy_version")] = Cow::Borrowed(&p.policy_version);
                record[column("policy_hash")] = Cow::Borrowed(&p.policy_hash);
                record[column(DOCUMENT)] = Cow::Borrowed(&p.document);
            }
            Self::Seal(seal) => record[column(TOKEN)] = Cow::Borrowed(&seal.token.0),
        }
        record.map(csv_cell)
    }
}

/// Where each column of [`columns`] is in a CSV file, from its header.
pub struct CsvLayout {
    at: [Option<usize>; WIDTH],
}

impl CsvLayout {
    /// # Errors
    /// When the header has no `type` column or a column twice.
    pub fn of(header: &csv::StringRecord) -> Result<Self, String> {
        let mut at = [None; WIDTH];
        for (slot, name) in at.iter_mut().zip(columns()) {
            let mut found = header.iter().enumerate().filter(|(_, h)| *h == name);
            *slot = found.next().map(|(i, _)| i);
            if found.next().is_some() {
                return Err(format!("the header names `{name}` twice"));
            }
        }
        if at[0].is_none() {
            return Err("the header has no `type` column".to_owned());
        }
        Ok(Self { at })
    }

    /// Reads a CSV record written by [`Line::to_record`].
    ///
    /// # Errors
    /// When the record has the wrong shape or a field does not parse.
    pub fn read(&self, record: &csv::StringRecord) -> Result<Line, String> {
        let cell = |column: usize| -> Option<&str> {
            let value = csv_value(record.get(self.at[column]?)?);
            Some(value).filter(|v| !v.is_empty())
        };
        let named = |name: &str| cell(column(name));
        let text = |name: &str| {
            named(name)
                .map(str::to_owned)
                .ok_or_else(|| format!("`{name}` is missing"))
        };
        let seq = || {
            let seq = text("seq")?;
            seq.parse::<i64>()
                .ok()
                .filter(|n| n.to_string() == seq)
                .ok_or_else(|| "`seq` is not a number".to_owned())
        };
        let signature = || Signature(named(TOKEN).unwrap_or_default().to_owned());
        Ok(match cell(0).unwrap_or_default() {
            "event" => {
                let mut index = 0;
                // Fields are asked for in table order: column 1 onwards.
                let event = StoredEvent::from_cells(|_| {
                    index += 1;
                    cell(index).map_or(Cell::Absent, |v| Cell::Text(v.into()))
                });
                Line::Event(event.map_err(|e| e.to_string())?)
            }
            "elided" => Line::Elided(ChainPosition {
                chain_id: text("chain_id")?,
                seq: seq()?,
                prev_hash: text("prev_hash")?,
                hash: text("hash")?,
            }),
            "checkpoint" => Line::Checkpoint(CheckpointLine {
                chain_id: text("chain_id")?,
                seq: seq()?,
                hash: text("hash")?,
                token: signature(),
            }),
            "policy" => Line::Policy(PolicyLine {
                site: text("site")?,
                policy_version: text("policy_version")?,
                policy_hash: text("policy_hash")?,
                document: text(DOCUMENT)?,
            }),
            "seal" => Line::Seal(SealLine { token: signature() }),
            other => return Err(format!("unknown line type `{other}`")),
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
    use super::{columns, csv_cell, csv_value};

    /// Files written before the field table read by this header.
    #[test]
    fn the_columns_are_those_exports_have_always_had() {
        assert_eq!(
            columns().as_slice(),
            [
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
            ]
            .as_slice()
        );
    }

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

#[cfg(test)]
mod line_tests {
    use super::{CheckpointLine, CsvLayout, Line, PolicyLine, SealLine, Signature, columns};
    use crate::clock::LedgerTime;
    use crate::domain::StoredEvent;
    use crate::domain::{Action, ChainPosition, ConsentId, Personal, PersonalSeal, Source};

    fn event(redacted: bool) -> StoredEvent {
        StoredEvent {
            position: ChainPosition {
                chain_id: "c".into(),
                seq: 12,
                prev_hash: "p".into(),
                hash: "h".into(),
            },
            recorded_at: LedgerTime::parse("2026-11-25T02:04:05.500000Z").unwrap(),
            site: "www".into(),
            consent_id: ConsentId::generate(),
            action: Action::Changed,
            source: Source::Banner,
            policy_version: "2026-11-25".into(),
            policy_hash: "ph".into(),
            choices: [
                ("analytics".to_owned(), false),
                ("necessary".to_owned(), true),
            ]
            .into(),
            gpc: true,
            locale: (!redacted).then(|| "nl".to_owned()),
            personal: Personal {
                url: (!redacted).then(|| "=cmd|' /C calc'!A0".to_owned()),
                ip_prefix: (!redacted).then(|| "192.0.2.0/24".to_owned()),
                user_agent: None,
            },
            seal: PersonalSeal {
                salt: (!redacted).then(|| "s".to_owned()),
                digest: "d".into(),
            },
            redacted_at: redacted.then(LedgerTime::now),
        }
    }

    fn lines() -> Vec<Line> {
        vec![
            Line::Policy(PolicyLine {
                site: "www".into(),
                policy_version: "v".into(),
                policy_hash: "ph".into(),
                document: "[{\"a\":1},\n\"-x\"]".into(),
            }),
            Line::Checkpoint(CheckpointLine {
                chain_id: "c".into(),
                seq: 11,
                hash: "p".into(),
                token: Signature("t.o.k".into()),
            }),
            Line::Event(event(false)),
            Line::Event(event(true)),
            Line::Elided(ChainPosition {
                chain_id: "c".into(),
                seq: 13,
                prev_hash: "h".into(),
                hash: "h2".into(),
            }),
            Line::Seal(SealLine {
                token: Signature("s.e.al".into()),
            }),
        ]
    }

    #[test]
    fn every_line_reads_back_from_ndjson_and_csv() {
        let layout = CsvLayout::of(&csv::StringRecord::from(columns().to_vec())).unwrap();
        for line in lines() {
            let json = serde_json::to_string(&line).unwrap();
            assert_eq!(serde_json::from_str::<Line>(&json).unwrap(), line, "{json}");
            assert_eq!(Line::from_json(&json).unwrap(), line, "{json}");
            // A Value's keys are sorted: `type` is no longer first.
            let sorted = serde_json::to_value(&line).unwrap().to_string();
            assert!(!sorted.starts_with(r#"{"type""#), "{sorted}");
            assert_eq!(Line::from_json(&sorted).unwrap(), line, "{sorted}");
            let record = csv::StringRecord::from(
                line.to_record()
                    .iter()
                    .map(|c| c.as_ref())
                    .collect::<Vec<_>>(),
            );
            assert_eq!(layout.read(&record).unwrap(), line, "{record:?}");
        }
    }

    /// The NDJSON an auditor's script reads: `type` first, then the fields
    /// in table order, absent ones left out, numbers and booleans typed.
    #[test]
    fn an_event_line_is_the_documented_json() {
        let mut e = event(true);
        e.consent_id = ConsentId::parse("0192f3c4-0000-7000-8000-000000000001").unwrap();
        let at = e.redacted_at.unwrap().to_string();
        let json = serde_json::to_string(&Line::Event(e)).unwrap();
        assert_eq!(
            json,
            format!(
                concat!(
                    r#"{{"type":"event","chain_id":"c","seq":12,"recorded_at":"2026-11-25T02:04:05.500000Z","#,
                    r#""site":"www","consent_id":"0192f3c4-0000-7000-8000-000000000001","action":"changed","#,
                    r#""source":"banner","policy_version":"2026-11-25","policy_hash":"ph","#,
                    r#""choices":{{"analytics":false,"necessary":true}},"gpc":true,"personal_digest":"d","#,
                    r#""prev_hash":"p","hash":"h","redacted_at":"{}"}}"#
                ),
                at
            )
        );
    }

    #[test]
    fn an_event_line_that_lacks_a_field_or_spells_one_otherwise_is_refused() {
        let json = serde_json::to_value(Line::Event(event(false))).unwrap();
        for (field, value) in [
            ("hash", serde_json::Value::Null),
            ("action", "erased".into()),
            ("recorded_at", "2026-11-25T02:04:05.5Z".into()),
            ("consent_id", "not-a-uuid".into()),
            ("seq", "12".into()),
        ] {
            let mut edited = json.clone();
            if value.is_null() {
                edited.as_object_mut().unwrap().remove(field);
            } else {
                edited[field] = value;
            }
            let error = Line::from_json(&edited.to_string()).expect_err(field);
            assert!(serde_json::from_value::<Line>(edited).is_err(), "{field}");
            if field == "hash" {
                assert!(error.to_string().contains("`hash`"), "{error}");
            }
        }
    }
}
