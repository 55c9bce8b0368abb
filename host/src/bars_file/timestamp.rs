//! Timestamps as vendors write them: RFC 3339 and ISO text, a strftime format, integer epochs in
//! any unit, naive wall-clock times in a named zone; and the instant a day, week or month bar is
//! stored at.
//!
//! A day bar is stored at UTC midnight of its date, as the replaced system stored them: the date
//! is the one its timestamp has in the zone of `--tz`, else in the timestamp's own offset (text
//! with `+02:00`, a Parquet column's zone), else in UTC. So a New York daily bar stamped
//! `2024-01-02T00:00-05:00` and the same bar in a CSV as `2024-01-02` land on one row. A day bar
//! that is not at midnight in that zone is refused: its date would be a guess.

use chrono::format::{Item, Numeric, Parsed as Fields, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

use super::Location;
use super::options::EpochUnit;
use super::zone::Zone;
use crate::domain::{Timeframe, Timestamp, quoted};

const DAY_MICROS: i64 = 86_400_000_000;

/// A parsed timestamp: the instant, and its wall-clock time (as if UTC) where the text said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Parsed {
    /// µs since 1970-01-01T00:00Z.
    pub utc: i64,
    /// The same instant's wall-clock time in its own offset, in µs as if it were UTC; `None`
    /// where the input carries no zone of its own (epochs, Parquet instants).
    pub wall: Option<i64>,
}

/// Checks a `--timestamp-format` value: chrono's strftime syntax, at least a date.
pub fn check_strftime(format: &str) -> Result<String, String> {
    let items = StrftimeItems::new(format).parse_to_owned().map_err(|_| {
        format!("invalid strftime format {format:?} (expected chrono's syntax, such as %d.%m.%Y %H:%M:%S)")
    })?;
    let has = |wanted: &[Numeric]| {
        items.iter().any(|item| matches!(item, Item::Numeric(n, _) if wanted.contains(n)))
    };
    if !has(&[Numeric::Day, Numeric::Ordinal, Numeric::Timestamp]) {
        return Err(format!(
            "strftime format {format:?} has no day (expected at least %Y, %m and %d, or %s)"
        ));
    }
    Ok(format.to_owned())
}

enum Mode {
    /// RFC 3339, `YYYY-MM-DD[ HH:MM[:SS[.f]]][±HH:MM]`, `YYYY.MM.DD[ HH:MM[:SS]]`, or an integer
    /// epoch whose unit is detected from the first one's magnitude.
    Auto,
    Format {
        items: Vec<Item<'static>>,
        has_time: bool,
    },
    Epoch(EpochUnit),
}

/// Parses one file's timestamps; keeps what the first rows decided (a detected epoch unit) and
/// the previous instant (to place a repeated daylight-saving hour).
pub(super) struct TimestampParser {
    mode: Mode,
    /// `--tz`, for naive times; UTC without it.
    zone: Option<Zone>,
    /// The unit detected from the first integer timestamp, and where.
    detected: Option<(EpochUnit, Location)>,
    previous: Option<i64>,
    /// What was detected, for the summary.
    pub note: Option<String>,
}

impl TimestampParser {
    pub fn new(format: Option<&str>, epoch: Option<EpochUnit>, zone: Option<Zone>) -> Result<Self, String> {
        let mode = match (format, epoch) {
            (Some(format), _) => {
                let items = StrftimeItems::new(format)
                    .parse_to_owned()
                    .map_err(|_| format!("--timestamp-format: invalid strftime format {format:?}"))?;
                let has_time = items.iter().any(|item| {
                    matches!(item, Item::Numeric(Numeric::Hour | Numeric::Hour12 | Numeric::Timestamp, _))
                });
                Mode::Format { items, has_time }
            }
            (None, Some(unit)) => Mode::Epoch(unit),
            (None, None) => Mode::Auto,
        };
        Ok(TimestampParser { mode, zone, detected: None, previous: None, note: None })
    }

    /// The zone naive times are in: `--tz`, else UTC.
    pub fn zone(&self) -> Option<Zone> {
        self.zone
    }

    pub fn parse(&mut self, text: &str, location: Location) -> Result<Parsed, String> {
        let parsed = match &self.mode {
            Mode::Auto => self.auto(text, location),
            Mode::Format { items, has_time } => self.formatted(text, items, *has_time),
            Mode::Epoch(unit) => {
                let unit = *unit;
                let value = text.parse::<i64>().map_err(|_| {
                    format!(
                        "expected an integer epoch in {} (--epoch {unit}), got {}",
                        unit.word(),
                        quoted(text)
                    )
                })?;
                self.epoch(value, Some(unit), location)
            }
        }?;
        self.previous = Some(parsed.utc);
        Ok(parsed)
    }

    /// An integer timestamp (CSV text or a Parquet integer column): `--epoch`, or the unit the
    /// file's first one's magnitude gave, which every later one must fit.
    pub fn epoch(
        &mut self,
        value: i64,
        given: Option<EpochUnit>,
        location: Location,
    ) -> Result<Parsed, String> {
        let given = given.or(match self.mode {
            Mode::Epoch(unit) => Some(unit),
            _ => None,
        });
        let unit = match (given, self.detected) {
            (Some(unit), _) => unit,
            (None, Some((unit, first))) => {
                if plausible_unit(value) != Some(unit) {
                    return Err(format!(
                        "epoch {value} is not in {} like the first timestamp ({first}; --epoch chooses the unit)",
                        unit.word()
                    ));
                }
                unit
            }
            (None, None) => {
                let unit = plausible_unit(value).ok_or_else(|| {
                    format!(
                        "integer timestamp {value} is no epoch in s, ms, us or ns between 1973 and 2128 \
                         (expected --epoch UNIT or --timestamp-format for this column)"
                    )
                })?;
                self.detected = Some((unit, location));
                self.note = Some(format!(
                    "timestamps read as epoch {} (detected at {location}; --epoch to choose)",
                    unit.word()
                ));
                unit
            }
        };
        let utc = unit
            .to_micros(value)
            .filter(|micros| DateTime::from_timestamp_micros(*micros).is_some())
            .ok_or_else(|| format!("epoch {value} {} is out of range", unit.word()))?;
        Ok(Parsed { utc, wall: None })
    }

    /// A wall-clock time without an offset, in `--tz` (UTC without it).
    pub fn naive(&self, local: NaiveDateTime) -> Result<Parsed, String> {
        let utc = self.zone.unwrap_or(Zone::Utc).to_utc(local, self.previous)?;
        Ok(Parsed { utc, wall: Some(local.and_utc().timestamp_micros()) })
    }

    fn aware(&self, dt: DateTime<chrono::FixedOffset>) -> Parsed {
        // `--tz` names the zone of the dates; otherwise the text's own offset does.
        let wall =
            if self.zone.is_some() { None } else { Some(dt.naive_local().and_utc().timestamp_micros()) };
        Parsed { utc: dt.timestamp_micros(), wall }
    }

    fn auto(&mut self, text: &str, location: Location) -> Result<Parsed, String> {
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.len() >= 9 && digits.bytes().all(|b| b.is_ascii_digit()) {
            let value = text
                .parse::<i64>()
                .map_err(|_| format!("integer timestamp {} is out of range", quoted(text)))?;
            return self.epoch(value, None, location);
        }
        if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
            return Ok(self.aware(dt));
        }
        if let Ok(dt) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z") {
            return Ok(self.aware(dt));
        }
        const NAIVE: [&str; 6] = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
            "%Y.%m.%d %H:%M:%S",
            "%Y.%m.%d %H:%M",
        ];
        let local =
            NAIVE.iter().find_map(|format| NaiveDateTime::parse_from_str(text, format).ok()).or_else(|| {
                ["%Y-%m-%d", "%Y.%m.%d"]
                    .iter()
                    .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
                    .and_then(|date| date.and_hms_opt(0, 0, 0))
            });
        match local {
            Some(local) => self.naive(local),
            None => Err(format!(
                "invalid timestamp {} (expected RFC 3339 such as 2024-01-02T03:04:05Z, YYYY-MM-DD[ HH:MM[:SS]], \
                 an integer epoch, or the format given with --timestamp-format or --format)",
                quoted(text)
            )),
        }
    }

    fn formatted(&self, text: &str, items: &[Item<'static>], has_time: bool) -> Result<Parsed, String> {
        let mut fields = Fields::new();
        let mismatch = || {
            format!("invalid timestamp {} (expected the --timestamp-format or --format layout)", quoted(text))
        };
        chrono::format::parse(&mut fields, text, items.iter()).map_err(|_| mismatch())?;
        if fields.offset().is_some() {
            let dt = fields.to_datetime().map_err(|_| mismatch())?;
            return Ok(self.aware(dt));
        }
        if fields.timestamp().is_some() {
            // `%s`: seconds since 1970, an instant without a wall clock of its own.
            let dt = fields.to_datetime_with_timezone(&chrono::Utc).map_err(|_| mismatch())?;
            return Ok(Parsed { utc: dt.timestamp_micros(), wall: None });
        }
        let date = fields.to_naive_date().map_err(|_| mismatch())?;
        let time =
            if has_time { fields.to_naive_time().map_err(|_| mismatch())? } else { chrono::NaiveTime::MIN };
        self.naive(date.and_time(time))
    }
}

/// The epoch unit under which `value` falls between 1973 and 2128, if any: the four units'
/// ranges do not overlap, so a value names its unit.
fn plausible_unit(value: i64) -> Option<EpochUnit> {
    EpochUnit::ALL.into_iter().find(|unit| {
        let scale = match unit {
            EpochUnit::Seconds => 1,
            EpochUnit::Millis => 1_000,
            EpochUnit::Micros => 1_000_000,
            EpochUnit::Nanos => 1_000_000_000,
        };
        (100_000_000 * scale..5_000_000_000 * scale).contains(&value)
    })
}

/// Whether a bar of `timeframe` stands for a calendar date.
pub(super) fn is_dated(timeframe: Timeframe) -> bool {
    matches!(timeframe, Timeframe::Day1 | Timeframe::Week1 | Timeframe::Month1)
}

/// The instant a bar is stored at: its own for intraday bars; UTC midnight of its date for day,
/// week and month bars, the date taken in `zone` when the timestamp has no wall-clock time of its
/// own (see the module's doc).
pub(super) fn bar_start(parsed: Parsed, timeframe: Timeframe, zone: Zone) -> Result<i64, String> {
    if !is_dated(timeframe) {
        return Ok(parsed.utc);
    }
    let (wall, whose) = match parsed.wall {
        Some(wall) => (wall, "its own offset".to_owned()),
        None => (parsed.utc.saturating_add(zone.offset_micros(parsed.utc)), zone.to_string()),
    };
    let time_of_day = wall.rem_euclid(DAY_MICROS);
    if time_of_day != 0 {
        let local = Timestamp::from_micros(wall).to_string();
        let local = local.trim_end_matches('Z');
        return Err(format!(
            "a {timeframe} bar at {} is {local} in {whose}, not midnight (a {timeframe} bar is stored at UTC \
             midnight of its date: give --tz with the zone whose dates the file's bars carry)",
            Timestamp::from_micros(parsed.utc)
        ));
    }
    Ok(wall)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: Location = Location::Line(2);

    fn parser(format: Option<&str>, epoch: Option<EpochUnit>, tz: Option<&str>) -> TimestampParser {
        TimestampParser::new(format, epoch, tz.map(|tz| tz.parse().unwrap())).unwrap()
    }

    #[test]
    fn auto_reads_iso_rfc3339_dotted_dates_and_offsets() {
        let mut p = parser(None, None, None);
        // 2024-01-02T03:04:05Z = 1_704_164_645 s
        assert_eq!(p.parse("2024-01-02T03:04:05Z", LINE).unwrap().utc, 1_704_164_645_000_000);
        assert_eq!(p.parse("2024-01-02 05:04:05+02:00", LINE).unwrap().utc, 1_704_164_645_000_000);
        assert_eq!(p.parse("2024.01.02 03:04:05", LINE).unwrap().utc, 1_704_164_645_000_000);
        assert_eq!(p.parse("2024.01.02", LINE).unwrap().utc, 1_704_153_600_000_000);
        assert!(p.note.is_none());
    }

    #[test]
    fn integer_epochs_are_detected_once_and_said() {
        let mut p = parser(None, None, None);
        assert_eq!(p.parse("1709251200000", LINE).unwrap().utc, 1_709_251_200_000_000);
        assert_eq!(
            p.note.as_deref(),
            Some("timestamps read as epoch milliseconds (detected at line 2; --epoch to choose)")
        );
        let err = p.parse("1709251200", Location::Line(3)).unwrap_err();
        assert_eq!(
            err,
            "epoch 1709251200 is not in milliseconds like the first timestamp (line 2; --epoch chooses the unit)"
        );
        let mut p = parser(None, None, None);
        assert!(p.parse("123456789012345678901", LINE).unwrap_err().contains("out of range"));
        let mut p = parser(None, Some(EpochUnit::Seconds), None);
        assert_eq!(p.parse("86400", LINE).unwrap().utc, 86_400_000_000);
        assert!(
            p.parse("2024-01-02", LINE)
                .unwrap_err()
                .starts_with("expected an integer epoch in seconds (--epoch s)")
        );
    }

    #[test]
    fn strftime_formats_read_dates_alone_and_with_times() {
        let mut p = parser(Some("%d.%m.%Y %H:%M:%S%.3f"), None, None);
        assert_eq!(p.parse("02.01.2024 03:04:05.250", LINE).unwrap().utc, 1_704_164_645_250_000);
        assert!(p.parse("2024-01-02", LINE).unwrap_err().starts_with("invalid timestamp \"2024-01-02\""));
        let mut p = parser(Some("%m/%d/%Y"), None, None);
        assert_eq!(p.parse("1/2/2024", LINE).unwrap().utc, 1_704_153_600_000_000);
        assert!(check_strftime("%H:%M").unwrap_err().contains("has no day"));
        let mut p = parser(Some("%s"), None, None);
        assert_eq!(p.parse("1704164645", LINE).unwrap().utc, 1_704_164_645_000_000);
        assert!(check_strftime("%Y-%m-%d %Q").unwrap_err().starts_with("invalid strftime format"));
    }

    #[test]
    fn naive_times_are_in_the_given_zone() {
        // 2024-01-02 00:00 in New York (EST) = 05:00Z.
        let mut p = parser(None, None, Some("America/New_York"));
        let parsed = p.parse("2024-01-02 00:00", LINE).unwrap();
        assert_eq!(parsed.utc, 1_704_171_600_000_000);
        assert_eq!(bar_start(parsed, Timeframe::Day1, Zone::Utc), Ok(1_704_153_600_000_000));
    }

    #[test]
    fn day_bars_land_on_utc_midnight_of_their_date() {
        let mut p = parser(None, None, None);
        let aware = p.parse("2024-01-02T00:00:00-05:00", LINE).unwrap();
        let plain = p.parse("2024-01-02", LINE).unwrap();
        assert_eq!(bar_start(aware, Timeframe::Day1, Zone::Utc), Ok(1_704_153_600_000_000));
        assert_eq!(bar_start(plain, Timeframe::Day1, Zone::Utc), Ok(1_704_153_600_000_000));
        assert_eq!(bar_start(aware, Timeframe::Hour1, Zone::Utc), Ok(1_704_171_600_000_000));
        // The same instant as a Parquet value without its zone: 05:00 in UTC is no date.
        let instant = Parsed { utc: 1_704_171_600_000_000, wall: None };
        let err = bar_start(instant, Timeframe::Day1, Zone::Utc).unwrap_err();
        assert!(
            err.starts_with("a 1d bar at 2024-01-02T05:00:00Z is 2024-01-02T05:00:00 in UTC, not midnight"),
            "{err}"
        );
        let ny = "America/New_York".parse().unwrap();
        assert_eq!(bar_start(instant, Timeframe::Day1, ny), Ok(1_704_153_600_000_000));
    }
}
