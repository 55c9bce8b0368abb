//! Time zones of naive timestamps (`--tz`, Parquet column zones): the IANA database of
//! `chrono-tz`, UTC, or a fixed offset.

use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, LocalResult, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// A time zone: where a wall-clock time without an offset is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Utc,
    Fixed(FixedOffset),
    Named(Tz),
}

impl Zone {
    /// The zone's offset from UTC at the instant `utc` (µs since 1970), in µs.
    pub fn offset_micros(self, utc: i64) -> i64 {
        let seconds = match self {
            Zone::Utc => 0,
            Zone::Fixed(offset) => offset.local_minus_utc(),
            Zone::Named(tz) => match chrono::DateTime::from_timestamp_micros(utc) {
                Some(instant) => tz.offset_from_utc_datetime(&instant.naive_utc()).fix().local_minus_utc(),
                None => 0,
            },
        };
        i64::from(seconds) * 1_000_000
    }

    /// The instant (µs since 1970) of a wall-clock time in this zone. A time that occurs twice
    /// (the hour a daylight-saving change repeats) is the earlier one, unless `previous` — the
    /// file's previous instant — is already at or past it: files in time order then read the
    /// repeated hour twice, as pandas' `tz_localize(ambiguous="infer")` does.
    pub fn to_utc(self, local: NaiveDateTime, previous: Option<i64>) -> Result<i64, String> {
        let resolved = match self {
            Zone::Utc => return Ok(local.and_utc().timestamp_micros()),
            Zone::Fixed(offset) => offset.from_local_datetime(&local).map(|dt| dt.timestamp_micros()),
            Zone::Named(tz) => tz.from_local_datetime(&local).map(|dt| dt.timestamp_micros()),
        };
        match resolved {
            LocalResult::Single(utc) => Ok(utc),
            LocalResult::Ambiguous(earlier, later) => {
                Ok(if previous.is_some_and(|previous| previous >= earlier) { later } else { earlier })
            }
            LocalResult::None => Err(format!(
                "{local} does not exist in {self} (the clock skips it at a daylight-saving change)"
            )),
        }
    }

    /// The zone of an Arrow timestamp column: an IANA name or an offset such as `+02:00`.
    pub fn from_arrow(name: &str) -> Result<Zone, String> {
        name.parse()
    }
}

impl FromStr for Zone {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("utc") || text == "Z" {
            return Ok(Zone::Utc);
        }
        if text.starts_with(['+', '-']) {
            return chrono::DateTime::parse_from_str(
                &format!("2000-01-01 00:00 {text}"),
                "%Y-%m-%d %H:%M %:z",
            )
            .or_else(|_| {
                chrono::DateTime::parse_from_str(&format!("2000-01-01 00:00 {text}"), "%Y-%m-%d %H:%M %z")
            })
            .map(|dt| Zone::Fixed(*dt.offset()))
            .map_err(|_| format!("invalid UTC offset {text:?} (expected one such as +02:00 or -0500)"));
        }
        text.parse::<Tz>().map(Zone::Named).map_err(|_| {
            format!(
                "unknown time zone {text:?} (expected an IANA name such as America/New_York or Europe/London, \
                 UTC, or an offset such as +02:00)"
            )
        })
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Utc => f.write_str("UTC"),
            Zone::Fixed(offset) => write!(f, "{offset}"),
            Zone::Named(tz) => f.write_str(tz.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn names_offsets_and_utc_parse() {
        assert_eq!("UTC".parse::<Zone>(), Ok(Zone::Utc));
        assert_eq!("+02:00".parse::<Zone>().unwrap().offset_micros(0), 7_200_000_000);
        assert_eq!("-0500".parse::<Zone>().unwrap().offset_micros(0), -18_000_000_000);
        assert_eq!("America/New_York".parse::<Zone>().unwrap().to_string(), "America/New_York");
        let err = "Mars/Olympus".parse::<Zone>().unwrap_err();
        assert!(err.starts_with("unknown time zone \"Mars/Olympus\" (expected an IANA name"), "{err}");
    }

    #[test]
    fn new_york_wall_clock_follows_daylight_saving() {
        let ny: Zone = "America/New_York".parse().unwrap();
        // 2024-01-02 00:00 EST = 05:00Z; 2024-07-01 00:00 EDT = 04:00Z.
        assert_eq!(ny.to_utc(local("2024-01-02 00:00"), None), Ok(1_704_171_600_000_000));
        assert_eq!(ny.to_utc(local("2024-07-01 00:00"), None), Ok(1_719_806_400_000_000));
        // 2024-03-10 02:30 does not exist in New York.
        assert!(ny.to_utc(local("2024-03-10 02:30"), None).unwrap_err().contains("does not exist"));
        // 2024-11-03 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
        let (first, second) = (1_730_611_800_000_000, 1_730_615_400_000_000);
        assert_eq!(ny.to_utc(local("2024-11-03 01:30"), None), Ok(first));
        assert_eq!(ny.to_utc(local("2024-11-03 01:30"), Some(first)), Ok(second));
    }
}
