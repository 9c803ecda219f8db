//! The one time format of the ledger.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// RFC 3339 in UTC with exactly six fractional digits: fixed width, so text
/// order is time order, and identical on every database. Written and read
/// by hand: every event's time passes through both on each export and
/// verification, where the `time` crate's general formatter cost a tenth
/// of the CPU.
const TEMPLATE: &[u8; 27] = b"0000-00-00T00:00:00.000000Z";

/// Where each number sits in [`TEMPLATE`]: (start, width).
const YEAR: (usize, usize) = (0, 4);
const MONTH: (usize, usize) = (5, 2);
const DAY: (usize, usize) = (8, 2);
const HOUR: (usize, usize) = (11, 2);
const MINUTE: (usize, usize) = (14, 2);
const SECOND: (usize, usize) = (17, 2);
const MICRO: (usize, usize) = (20, 6);

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
        decode(text).map(Self).ok_or(LedgerTimeError)
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
        let text = encode(self.0);
        f.write_str(std::str::from_utf8(&text).expect("the template is ASCII"))
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
    LedgerTime::new(at).map(|at| at.to_string())
}

/// The text of a UTC time of the years 0 to 9999.
fn encode(utc: OffsetDateTime) -> [u8; 27] {
    fn put(out: &mut [u8; 27], (start, width): (usize, usize), mut n: u32) {
        for digit in out[start..start + width].iter_mut().rev() {
            *digit = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
    let mut out = *TEMPLATE;
    put(&mut out, YEAR, utc.year().unsigned_abs());
    put(&mut out, MONTH, u8::from(utc.month()).into());
    put(&mut out, DAY, utc.day().into());
    put(&mut out, HOUR, utc.hour().into());
    put(&mut out, MINUTE, utc.minute().into());
    put(&mut out, SECOND, utc.second().into());
    put(&mut out, MICRO, utc.microsecond());
    out
}

/// The time `text` spells in exactly [`TEMPLATE`]'s form, if it is one.
fn decode(text: &str) -> Option<OffsetDateTime> {
    let bytes: &[u8; 27] = text.as_bytes().try_into().ok()?;
    let digits_where_the_template_has_them = bytes.iter().zip(TEMPLATE).all(|(c, t)| {
        if *t == b'0' {
            c.is_ascii_digit()
        } else {
            c == t
        }
    });
    if !digits_where_the_template_has_them {
        return None;
    }
    let n = |(start, width): (usize, usize)| {
        bytes[start..start + width]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let small = |field| u8::try_from(n(field)).ok();
    let date = Date::from_calendar_date(
        i32::try_from(n(YEAR)).ok()?,
        Month::try_from(small(MONTH)?).ok()?,
        small(DAY)?,
    )
    .ok()?;
    let time = Time::from_hms_micro(small(HOUR)?, small(MINUTE)?, small(SECOND)?, n(MICRO)).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
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

    /// The hand-written form is the `time` crate's for the same format,
    /// across the years, and reads back to the same instant.
    #[test]
    fn the_hand_written_form_is_rfc_3339_with_six_digits() {
        let reference = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
        );
        let mut at = datetime!(0000-01-01 00:00:00 UTC);
        let step =
            time::Duration::seconds(86_400 * 97 + 3_723) + time::Duration::microseconds(1_234_567);
        let mut checked = 0;
        loop {
            let ours = super::LedgerTime::new(at).unwrap();
            assert_eq!(ours.to_string(), at.format(reference).unwrap());
            assert_eq!(super::LedgerTime::parse(&ours.to_string()).unwrap(), ours);
            checked += 1;
            match at.checked_add(step) {
                Some(next) => at = next,
                None => break,
            }
        }
        assert!(checked > 30_000, "{checked}");
        for bad in [
            "2026-02-30T00:00:00.000000Z",
            "2026-01-01T24:00:00.000000Z",
            "2026-01-01T00:60:00.000000Z",
        ] {
            assert!(super::LedgerTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn format_is_fixed_width_utc() {
        let at = datetime!(2026-11-25 03:04:05.5 +01:00);
        assert_eq!(super::format(at), "2026-11-25T02:04:05.500000Z");
    }
}
