//! How to read a bar file whose shape is not the default one: `ingest`'s reading flags.
//!
//! Every field has the default that reads the files `ingest` always read (a header line, commas or
//! a detected delimiter, ISO or RFC 3339 timestamps in UTC, whole volumes), so
//! `ReadOptions::default()` changes nothing. A `--format` preset fills what the user left unset
//! ([`ReadOptions::with_preset`]); a flag always wins over the preset.

use std::fmt;
use std::str::FromStr;

use super::columns::Column;
use super::presets::Preset;
use super::zone::Zone;

/// Whether the first line of a CSV file names the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// The first line is a header (the default).
    #[default]
    Present,
    /// Every line is a bar (`--no-header`); `--columns` names the columns.
    Absent,
    /// A header when the first line's price fields are not numbers (presets whose vendor exports
    /// both ways).
    Detect,
}

/// The unit of integer epoch timestamps (`--epoch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochUnit {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

impl EpochUnit {
    pub const ALL: [EpochUnit; 4] =
        [EpochUnit::Seconds, EpochUnit::Millis, EpochUnit::Micros, EpochUnit::Nanos];

    pub const fn name(self) -> &'static str {
        match self {
            EpochUnit::Seconds => "s",
            EpochUnit::Millis => "ms",
            EpochUnit::Micros => "us",
            EpochUnit::Nanos => "ns",
        }
    }

    /// The unit's word, for messages.
    pub const fn word(self) -> &'static str {
        match self {
            EpochUnit::Seconds => "seconds",
            EpochUnit::Millis => "milliseconds",
            EpochUnit::Micros => "microseconds",
            EpochUnit::Nanos => "nanoseconds",
        }
    }

    /// A count of this unit since 1970 in microseconds (nanoseconds are floored to the
    /// microsecond `market_data` stores); `None` on overflow.
    pub fn to_micros(self, value: i64) -> Option<i64> {
        match self {
            EpochUnit::Seconds => value.checked_mul(1_000_000),
            EpochUnit::Millis => value.checked_mul(1_000),
            EpochUnit::Micros => Some(value),
            EpochUnit::Nanos => Some(value.div_euclid(1_000)),
        }
    }
}

impl FromStr for EpochUnit {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        EpochUnit::ALL
            .into_iter()
            .find(|unit| unit.name() == text)
            .ok_or_else(|| format!("unknown epoch unit {text:?} (expected one of s, ms, us, ns)"))
    }
}

impl fmt::Display for EpochUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a column's values come from: a 1-based position or a header name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Position(usize),
    Name(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Position(n) => write!(f, "{n}"),
            Source::Name(name) => write!(f, "{name:?}"),
        }
    }
}

/// `--columns`: either the file's columns in order (`timestamp,open,high,low,close,_,volume`, `_`
/// skips one), or assignments (`timestamp=Gmt time,volume=7`) on top of the header's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnSpec {
    InOrder(Vec<Option<Column>>),
    Assigned(Vec<(Column, Source)>),
}

impl FromStr for ColumnSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let items: Vec<&str> = text.split(',').map(str::trim).collect();
        let column = |name: &str| {
            Column::from_name(name).ok_or_else(|| {
                format!(
                    "unknown column {name:?} in {text:?} (expected timestamp, date, time, open, high, low, \
                     close, volume, symbol, timeframe or _)"
                )
            })
        };
        if items.iter().any(|item| item.contains('=')) {
            let mut assigned = Vec::with_capacity(items.len());
            for item in items {
                let (name, source) = item.split_once('=').ok_or_else(|| {
                    format!("{item:?} in {text:?} has no \"=\" (expected NAME=POSITION or NAME=HEADER for every column)")
                })?;
                let source = source.trim();
                let source = match source.parse::<usize>() {
                    Ok(0) => return Err(format!("position 0 in {text:?} (positions count from 1)")),
                    Ok(position) => Source::Position(position),
                    Err(_) if source.is_empty() => {
                        return Err(format!(
                            "{item:?} in {text:?} names no source (expected a position or a header)"
                        ));
                    }
                    Err(_) => Source::Name(source.to_owned()),
                };
                assigned.push((column(name.trim())?, source));
            }
            return Ok(ColumnSpec::Assigned(assigned));
        }
        let in_order: Result<Vec<_>, String> =
            items.iter().map(|item| if *item == "_" { Ok(None) } else { column(item).map(Some) }).collect();
        Ok(ColumnSpec::InOrder(in_order?))
    }
}

/// What to do with a fractional volume: `market_data.volume` is `BIGINT`, so a volume such as
/// `715.05777964` is refused unless the user chooses how to make it whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VolumePolicy {
    /// `--volume-scale N`: store volume × N.
    pub scale: Option<u64>,
    /// `--volume-round`: round to the nearest whole number (ties away from zero) and count them.
    pub round: bool,
}

/// How to read a file: `ingest`'s flags, after a preset filled the gaps.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub header: Header,
    /// The CSV field separator; `None`: detected from the first lines.
    pub delimiter: Option<u8>,
    pub columns: Option<ColumnSpec>,
    /// A strftime format (chrono's syntax) for the timestamp column.
    pub timestamp_format: Option<String>,
    /// The same for a date and a time column, joined as "DATE TIME" (`--timestamp-format` sets
    /// both).
    pub date_time_format: Option<String>,
    /// Integer timestamps' unit; `None`: detected from the first one's magnitude.
    pub epoch: Option<EpochUnit>,
    /// The zone of timestamps without an offset, and the zone whose calendar dates day, week and
    /// month bars carry. `None`: UTC (day bars: each timestamp's own offset).
    pub tz: Option<Zone>,
    pub volume: VolumePolicy,
    /// Skip rows with a bad value instead of failing the file; they are kept with their reason.
    pub skip_bad_rows: bool,
    /// Spread ticks that share a timestamp by +1 µs each, in file order.
    pub tick_sequence: bool,
    /// The preset these options came from, for its header quirks.
    pub preset: Option<Preset>,
}

impl ReadOptions {
    /// Fills what the flags left unset from `preset`.
    pub fn with_preset(mut self, preset: Preset) -> Self {
        let spec = preset.spec();
        if self.header == Header::Present {
            self.header = spec.header;
        }
        self.delimiter = self.delimiter.or(spec.delimiter);
        if self.columns.is_none() {
            self.columns = spec.columns.map(|text| text.parse().expect("a preset's columns parse"));
        }
        if self.timestamp_format.is_none() {
            self.timestamp_format = spec.timestamp_format.map(str::to_owned);
        }
        if self.date_time_format.is_none() {
            self.date_time_format = spec.date_time_format.map(str::to_owned);
        }
        if self.tz.is_none() {
            self.tz = spec.tz.map(|name| name.parse().expect("a preset's zone parses"));
        }
        self.preset = Some(preset);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_order_skip_underscores() {
        let spec: ColumnSpec = "timestamp, open,high,low,close,_,volume".parse().unwrap();
        assert_eq!(
            spec,
            ColumnSpec::InOrder(vec![
                Some(Column::Timestamp),
                Some(Column::Open),
                Some(Column::High),
                Some(Column::Low),
                Some(Column::Close),
                None,
                Some(Column::Volume),
            ])
        );
    }

    #[test]
    fn columns_assigned_by_position_or_header() {
        let spec: ColumnSpec = "timestamp=Gmt time,volume=7".parse().unwrap();
        assert_eq!(
            spec,
            ColumnSpec::Assigned(vec![
                (Column::Timestamp, Source::Name("Gmt time".into())),
                (Column::Volume, Source::Position(7)),
            ])
        );
    }

    #[test]
    fn bad_columns_name_the_item() {
        let err = "timestamp,opne".parse::<ColumnSpec>().unwrap_err();
        assert!(err.starts_with("unknown column \"opne\" in \"timestamp,opne\""), "{err}");
        let err = "open=0".parse::<ColumnSpec>().unwrap_err();
        assert_eq!(err, "position 0 in \"open=0\" (positions count from 1)");
        let err = "open=2,close".parse::<ColumnSpec>().unwrap_err();
        assert!(err.starts_with("\"close\" in \"open=2,close\" has no \"=\""), "{err}");
    }

    #[test]
    fn epoch_units_convert_to_micros() {
        assert_eq!(EpochUnit::Seconds.to_micros(1_709_251_200), Some(1_709_251_200_000_000));
        assert_eq!(EpochUnit::Millis.to_micros(1_709_251_200_000), Some(1_709_251_200_000_000));
        assert_eq!(EpochUnit::Nanos.to_micros(1_709_251_200_000_000_999), Some(1_709_251_200_000_000));
        assert_eq!("ms".parse::<EpochUnit>(), Ok(EpochUnit::Millis));
        assert!("msec".parse::<EpochUnit>().unwrap_err().contains("expected one of s, ms, us, ns"));
    }
}
