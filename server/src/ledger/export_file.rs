//! Export files: NDJSON (one JSON object a line) or CSV (a header row, then
//! the same fields as columns), written and read line by line.

use std::io::{BufRead, Read};

use super::export_line::{CsvLayout, Line, columns};
use super::offline::{Broken, Kept, OfflineReport, OfflineVerifier};
use crate::storage::PublicKeyRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ndjson,
    Csv,
}

impl Format {
    /// `ndjson` or `csv`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "ndjson" => Some(Self::Ndjson),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Ndjson => "application/x-ndjson",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    /// Appends the bytes of `lines` to `out`; CSV starts with its header
    /// row when `first`. Callers reuse `out` page after page, so a large
    /// export does not allocate (and free) a buffer for every page.
    pub fn encode_into(self, lines: &[Line], first: bool, out: &mut Vec<u8>) {
        match self {
            Self::Ndjson => {
                for line in lines {
                    serde_json::to_writer(&mut *out, line).expect("a line serializes");
                    out.push(b'\n');
                }
            }
            Self::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                if first {
                    writer.write_record(columns()).expect("write to memory");
                }
                for line in lines {
                    writer
                        .write_record(line.to_record().iter().map(|c| c.as_bytes()))
                        .expect("write to memory");
                }
                writer.flush().expect("flush to memory");
            }
        }
    }

    /// The bytes of `lines`, as [`Format::encode_into`] appends them.
    pub fn encode(self, lines: &[Line], first: bool) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(lines, first, &mut out);
        out
    }
}

/// Why a file could not be verified.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{0}")]
    Broken(Broken),
    #[error("cannot read the export: {0}")]
    Io(#[from] std::io::Error),
}

/// Verifies an export read from `input`, in constant memory.
///
/// # Errors
/// The first broken line, or a read failure.
pub fn verify_export(
    input: impl Read,
    format: Format,
    keys: &[PublicKeyRow],
    issuer: &str,
) -> Result<OfflineReport, FileError> {
    let verifier = walk(input, format, OfflineVerifier::new(keys, issuer))?;
    verifier.finish().map_err(FileError::Broken)
}

/// Verifies an export an auditor kept, and returns the positions it fixes.
///
/// # Errors
/// As [`verify_export`]: a kept export must itself be intact.
pub fn kept_positions(
    input: impl Read,
    format: Format,
    keys: &[PublicKeyRow],
    issuer: &str,
) -> Result<Kept, FileError> {
    let verifier = walk(input, format, OfflineVerifier::new(keys, issuer))?;
    verifier
        .finish_kept()
        .map(|(_, kept)| kept)
        .map_err(FileError::Broken)
}

/// Verifies an export and that it agrees with `kept` wherever it holds a
/// position a kept export fixed.
///
/// # Errors
/// As [`verify_export`]; a disagreement is a broken line.
pub fn verify_export_against(
    input: impl Read,
    format: Format,
    keys: &[PublicKeyRow],
    issuer: &str,
    kept: Kept,
) -> Result<OfflineReport, FileError> {
    let verifier = OfflineVerifier::new(keys, issuer).with_kept(kept);
    walk(input, format, verifier)?
        .finish()
        .map_err(FileError::Broken)
}

/// Feeds every line of `input` to `verifier`, stopping at the first broken one.
fn walk<'k>(
    input: impl Read,
    format: Format,
    mut verifier: OfflineVerifier<'k>,
) -> Result<OfflineVerifier<'k>, FileError> {
    let unreadable = |line: usize, reason: String| {
        FileError::Broken(Broken {
            line,
            chain: None,
            seq: None,
            reason: format!("unreadable line: {reason}"),
        })
    };
    match format {
        Format::Ndjson => {
            for (index, text) in std::io::BufReader::new(input).lines().enumerate() {
                let text = text?;
                if text.trim().is_empty() {
                    continue;
                }
                let line =
                    Line::from_json(&text).map_err(|e| unreadable(index + 1, e.to_string()))?;
                verifier
                    .check(index + 1, &line)
                    .map_err(FileError::Broken)?;
            }
        }
        Format::Csv => {
            let mut reader = csv::Reader::from_reader(input);
            let header = reader.headers().map_err(|e| unreadable(1, e.to_string()))?;
            let layout = CsvLayout::of(header).map_err(|e| unreadable(1, e))?;
            for (index, record) in reader.records().enumerate() {
                let record = record.map_err(|e| unreadable(index + 2, e.to_string()))?;
                let line = layout.read(&record).map_err(|e| unreadable(index + 2, e))?;
                verifier
                    .check(index + 2, &line)
                    .map_err(FileError::Broken)?;
            }
        }
    }
    Ok(verifier)
}
