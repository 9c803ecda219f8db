//! The one time format of the ledger.

use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

/// RFC 3339 in UTC with exactly six fractional digits: fixed width, so text
/// order is time order, and identical on every database.
const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Now, in the ledger's format.
pub fn now() -> String {
    LedgerTime::now().to_string()
}

/// A time as the ledger holds it: UTC, whole microseconds, years 0 to 9999,
/// so that its one text form ([`format`]) gives it back exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LedgerTime(OffsetDateTime);

/// Why a stored time was refused.
#[derive(Debug, thiserror::Error)]
#[error("is not a ledger time (UTC, six fractional digits, e.g. 2026-01-01T00:00:00.000000Z)")]
pub struct LedgerTimeError;

impl LedgerTime {
    pub fn now() -> Self {
        Self::new(OffsetDateTime::now_utc()).expect("the clock is within the years 0 to 9999")
    }

    /// `at` in UTC, cut to whole microseconds; `None` outside the years 0
    /// to 9999 in UTC.
    pub fn new(at: OffsetDateTime) -> Option<Self> {
        let utc = at.checked_to_offset(time::UtcOffset::UTC)?;
        if !(0..=9999).contains(&utc.year()) {
            return None;
        }
        let micros = utc
            .replace_nanosecond(utc.nanosecond() / 1_000 * 1_000)
            .ok()?;
        Some(Self(micros))
    }

    /// Reads the ledger's text form, and only that: another spelling of the
    /// same instant was not written by the ledger, so it is refused.
    ///
    /// # Errors
    /// When `text` is not exactly what [`format`] writes.
    pub fn parse(text: &str) -> Result<Self, LedgerTimeError> {
        let at = time::PrimitiveDateTime::parse(text, FORMAT).map_err(|_| LedgerTimeError)?;
        let at = Self::new(at.assume_utc()).ok_or(LedgerTimeError)?;
        if at.to_string() != text {
            return Err(LedgerTimeError);
        }
        Ok(at)
    }

    pub fn get(self) -> OffsetDateTime {
        self.0
    }
}

/// The Unix epoch: a placeholder, never a recorded time.
impl Default for LedgerTime {
    fn default() -> Self {
        Self(OffsetDateTime::UNIX_EPOCH)
    }
}

impl std::fmt::Display for LedgerTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&format(self.0))
    }
}

/// `at` (converted to UTC) in the ledger's format.
///
/// # Panics
/// Outside the years 0 to 9999 in UTC; times from outside go through
/// [`parse_bound`] instead.
pub fn format(at: OffsetDateTime) -> String {
    try_format(at).expect("a time of the years 0 to 9999 formats")
}

/// `at` in the ledger's format, or `None` when its UTC year has no four
/// digits (`9999-12-31T23:59:59-01:00` is in the year 10000 in UTC).
fn try_format(at: OffsetDateTime) -> Option<String> {
    let utc = at.checked_to_offset(time::UtcOffset::UTC)?;
    if !(0..=9999).contains(&utc.year()) {
        return None;
    }
    utc.format(FORMAT).ok()
}

/// Why a time bound was refused.
#[derive(Debug, thiserror::Error)]
#[error("must be an RFC 3339 time between the years 0 and 9999 UTC, e.g. 2026-01-01T00:00:00Z")]
pub struct BoundError;

/// A period's bound given by a person (RFC 3339, any offset), in ledger time.
///
/// # Errors
/// When it is not RFC 3339 or falls outside what the ledger can hold.
pub fn parse_bound(value: &str) -> Result<String, BoundError> {
    let at = OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|_| BoundError)?;
    try_format(at).ok_or(BoundError)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn bounds_outside_four_digit_years_are_refused_not_a_panic() {
        assert_eq!(
            super::parse_bound("2026-01-01T01:00:00+01:00").unwrap(),
            "2026-01-01T00:00:00.000000Z"
        );
        for bad in [
            "9999-12-31T23:59:59-01:00",
            "0000-01-01T00:00:00+01:00",
            "2026-13-01T00:00:00Z",
            "yesterday",
        ] {
            assert!(super::parse_bound(bad).is_err(), "{bad}");
        }
        assert!(super::parse_bound("9999-12-31T23:59:59Z").is_ok());
    }

    #[test]
    fn a_ledger_time_reads_back_only_its_own_spelling() {
        let text = "2026-11-25T02:04:05.500000Z";
        assert_eq!(super::LedgerTime::parse(text).unwrap().to_string(), text);
        for other in [
            "2026-11-25T02:04:05.5Z",
            "2026-11-25T02:04:05.500000+00:00",
            "2026-11-25 02:04:05.500000Z",
            "2026-11-25T02:04:05.5000000Z",
        ] {
            assert!(super::LedgerTime::parse(other).is_err(), "{other}");
        }
        let at = datetime!(2026-11-25 03:04:05.123456789 +01:00);
        let kept = super::LedgerTime::new(at).unwrap();
        assert_eq!(kept.to_string(), "2026-11-25T02:04:05.123456Z");
        assert_eq!(super::LedgerTime::parse(&kept.to_string()).unwrap(), kept);
    }

    #[test]
    fn format_is_fixed_width_utc() {
        let at = datetime!(2026-11-25 03:04:05.5 +01:00);
        assert_eq!(super::format(at), "2026-11-25T02:04:05.500000Z");
    }
}
