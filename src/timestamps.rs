//! Timestamps as Laravel serialises them: RFC 3339, UTC, microseconds, `Z`.

use chrono::NaiveDateTime;
use serde::Serializer;

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

pub fn format(t: &NaiveDateTime) -> String {
    t.format(FORMAT).to_string()
}

/// `#[serde(serialize_with = "crate::timestamps::optional")]`: null when absent.
pub fn optional<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.collect_str(&t.format(FORMAT)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_like_laravel() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 4)
            .and_then(|d| d.and_hms_opt(19, 30, 0))
            .expect("valid date");
        assert_eq!(super::format(&t), "2026-12-04T19:30:00.000000Z");
    }
}
