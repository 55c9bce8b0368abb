//! Timestamps and inclusive time windows.
//!
//! One unit everywhere: a timestamp is a count of **microseconds since the Unix epoch, UTC** — the
//! resolution of PostgreSQL's `timestamptz`, so values round-trip through the database unchanged.

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

use super::InvalidArgument;

/// Microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The earliest representable instant.
    pub const MIN: Timestamp = Timestamp(i64::MIN);
    /// The latest representable instant.
    pub const MAX: Timestamp = Timestamp(i64::MAX);

    pub const fn from_micros(micros: i64) -> Self {
        Timestamp(micros)
    }

    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Parses the forms bar files and command lines use; text without an offset is taken as UTC:
    /// `2024-01-02T03:04:05Z`, `2024-01-02T03:04:05.250+01:00`, `2024-01-02 03:04:05`,
    /// `2024-01-02T03:04` and `2024-01-02` (midnight).
    pub fn parse(text: &str) -> Result<Self, InvalidArgument> {
        let text = text.trim();
        let parsed = DateTime::parse_from_rfc3339(text)
            .map(|dt| dt.with_timezone(&Utc))
            .or_else(|_| {
                DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z").map(|dt| dt.with_timezone(&Utc))
            })
            .or_else(|_| {
                ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
                    .iter()
                    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                    .or_else(|| {
                        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0))
                    })
                    .map(|naive| naive.and_utc())
                    .ok_or(())
            });
        match parsed {
            Ok(dt) => Ok(Timestamp(dt.timestamp_micros())),
            Err(()) => Err(InvalidArgument::new(format!(
                "invalid timestamp {} (expected RFC 3339 such as 2024-01-02T03:04:05Z, \
                 or YYYY-MM-DD[ HH:MM[:SS]] in UTC)",
                super::quoted(text)
            ))),
        }
    }

    /// The instant as a chrono UTC datetime, or `None` outside chrono's range.
    pub fn to_datetime(self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_micros(self.0)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(dt: DateTime<Utc>) -> Self {
        Timestamp(dt.timestamp_micros())
    }
}

impl std::str::FromStr for Timestamp {
    type Err = InvalidArgument;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(text)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with as many fractional digits as the value needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_datetime() {
            Some(dt) => f.write_str(&dt.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => write!(f, "{}us", self.0),
        }
    }
}

/// An inclusive window `start <= ts <= end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    start: Timestamp,
    end: Timestamp,
}

impl TimeRange {
    /// Rejects `start > end`, naming both.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self, InvalidArgument> {
        if start > end {
            return Err(InvalidArgument::new(format!(
                "start {start} is after end {end} (expected start <= end)"
            )));
        }
        Ok(TimeRange { start, end })
    }

    /// Every representable instant.
    pub const fn all() -> Self {
        TimeRange { start: Timestamp::MIN, end: Timestamp::MAX }
    }

    pub const fn start(self) -> Timestamp {
        self.start
    }

    pub const fn end(self) -> Timestamp {
        self.end
    }

    /// The part of this window at or before `end` (empty windows keep `start`: `end` is
    /// clamped so the window stays valid and holds nothing when `end < start`).
    pub fn until(self, end: Timestamp) -> Self {
        TimeRange { start: self.start, end: self.end.min(end) }
    }

    pub fn contains(self, ts: Timestamp) -> bool {
        self.start <= ts && ts <= self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        Timestamp::parse(text).unwrap().as_micros()
    }

    #[test]
    fn parse_accepts_offsets_and_takes_naive_text_as_utc() {
        let expected = 1_704_164_645_000_000; // 2024-01-02T03:04:05Z
        assert_eq!(micros("2024-01-02T03:04:05Z"), expected);
        assert_eq!(micros("2024-01-02T04:04:05+01:00"), expected);
        assert_eq!(micros("2024-01-02 03:04:05"), expected);
        assert_eq!(micros("2024-01-02 03:04:05+00:00"), expected);
        assert_eq!(micros("2024-01-02T03:04:05.25Z"), expected + 250_000);
        assert_eq!(micros("2024-01-02"), 1_704_153_600_000_000);
        assert_eq!(micros("2024-01-02 03:04"), expected - 5_000_000);
    }

    #[test]
    fn parse_error_names_the_text_and_the_forms() {
        let err = Timestamp::parse("02/01/2024").unwrap_err();
        assert!(err.to_string().starts_with(r#"invalid timestamp "02/01/2024" (expected RFC 3339"#), "{err}");
    }

    #[test]
    fn display_is_rfc3339_utc() {
        assert_eq!(Timestamp::from_micros(1_704_164_645_000_000).to_string(), "2024-01-02T03:04:05Z");
        assert_eq!(Timestamp::from_micros(1_704_164_645_250_000).to_string(), "2024-01-02T03:04:05.250Z");
    }

    #[test]
    fn time_range_rejects_start_after_end_and_is_inclusive() {
        let (a, b) = (Timestamp::from_micros(1), Timestamp::from_micros(2));
        assert!(TimeRange::new(b, a).unwrap_err().to_string().contains("is after end"));
        let range = TimeRange::new(a, b).unwrap();
        assert!(range.contains(a) && range.contains(b));
        assert!(!range.contains(Timestamp::from_micros(3)));
        assert!(TimeRange::new(a, a).is_ok());
    }
}
