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
    format(OffsetDateTime::now_utc())
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
    fn format_is_fixed_width_utc() {
        let at = datetime!(2026-11-25 03:04:05.5 +01:00);
        assert_eq!(super::format(at), "2026-11-25T02:04:05.500000Z");
    }
}
