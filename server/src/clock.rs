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
pub fn format(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .expect("every UTC date in range formats")
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn format_is_fixed_width_utc() {
        let at = datetime!(2026-11-25 03:04:05.5 +01:00);
        assert_eq!(super::format(at), "2026-11-25T02:04:05.500000Z");
    }
}
