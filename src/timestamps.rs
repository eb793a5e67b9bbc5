//! Timestamps as Laravel serialises them: RFC 3339, UTC, microseconds, `Z`.
//!
//! Written digit by digit into a fixed buffer: every planet, user and token in a
//! response carries two or three of these, and chrono's `format` re-parses its
//! strftime pattern on each call (it was the largest item of `GET /planets` in a
//! profile).

use chrono::{Datelike, NaiveDateTime, Timelike};
use serde::Serializer;

/// `2026-12-04T19:30:00.000000Z`
const LEN: usize = 27;

fn write_digits(buf: &mut [u8], mut n: u32) {
    for b in buf.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// The fixed-width form, for years 0 to 9999 (every date a database column holds
/// in practice); `None` outside them.
fn fixed(t: &NaiveDateTime) -> Option<[u8; LEN]> {
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let mut b = *b"0000-00-00T00:00:00.000000Z";
    write_digits(&mut b[0..4], year);
    write_digits(&mut b[5..7], t.month());
    write_digits(&mut b[8..10], t.day());
    write_digits(&mut b[11..13], t.hour());
    write_digits(&mut b[14..16], t.minute());
    // A leap second is nanosecond >= 1e9 in chrono; it shows as :60 like strftime.
    let nanos = t.nanosecond();
    write_digits(&mut b[17..19], t.second() + nanos / 1_000_000_000);
    write_digits(&mut b[20..26], (nanos % 1_000_000_000) / 1000);
    Some(b)
}

pub fn format(t: &NaiveDateTime) -> String {
    match fixed(t) {
        Some(b) => ascii(&b).to_owned(),
        None => t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
    }
}

/// The buffer as text: it holds ASCII digits and punctuation only.
fn ascii(b: &[u8; LEN]) -> &str {
    std::str::from_utf8(b).unwrap_or("0000-00-00T00:00:00.000000Z")
}

/// `#[serde(serialize_with = "crate::timestamps::optional")]`: null when absent.
pub fn optional<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t.as_ref().map(|t| (t, fixed(t))) {
        Some((_, Some(b))) => s.serialize_str(ascii(&b)),
        Some((t, None)) => s.collect_str(&format(t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveDateTime};

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, micro: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|d| d.and_hms_micro_opt(h, mi, s, micro))
            .expect("valid date")
    }

    #[test]
    fn formats_like_laravel() {
        assert_eq!(
            super::format(&at(2026, 12, 4, 19, 30, 0, 0)),
            "2026-12-04T19:30:00.000000Z"
        );
        assert_eq!(
            super::format(&at(2026, 1, 2, 3, 4, 5, 67)),
            "2026-01-02T03:04:05.000067Z"
        );
    }

    #[test]
    fn agrees_with_chrono_on_every_field_and_outside_the_fast_range() {
        let cases = [
            at(1, 1, 1, 0, 0, 0, 0),
            at(999, 9, 30, 23, 59, 59, 999_999),
            at(2026, 12, 4, 19, 30, 0, 123_456),
            at(9999, 12, 31, 23, 59, 59, 999_999),
            at(10000, 1, 1, 0, 0, 0, 0),
            at(-1, 6, 15, 12, 0, 0, 5),
            NaiveDate::from_ymd_opt(2016, 12, 31)
                .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
                .expect("leap second"),
        ];
        for t in cases {
            assert_eq!(
                super::format(&t),
                t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                "{t:?}"
            );
            let json = serde_json::to_string(&Wrapper(Some(t))).expect("serialises");
            assert_eq!(json, format!("\"{}\"", super::format(&t)));
        }
    }

    struct Wrapper(Option<NaiveDateTime>);
    impl serde::Serialize for Wrapper {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            super::optional(&self.0, s)
        }
    }
}
