//! `--format NAME`: the shapes common data sources export, as reading options. Each is tested on
//! a small synthetic file of exactly that shape (`tests/fixtures/vendors/`).

use std::fmt;
use std::str::FromStr;

use super::options::Header;

/// A vendor's file shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Binance spot/futures klines: no header (or Binance's own), 12 columns, open time as an
    /// epoch in ms (µs in spot files since 2025: detected).
    Binance,
    /// MetaTrader 4 history export: `2024.01.02,00:00,open,high,low,close,volume`, no header (or
    /// `Date,Time,…`), the broker's time.
    Mt4,
    /// MetaTrader 5 export: tab-separated `<DATE> <TIME> <OPEN> … <TICKVOL> <VOL> <SPREAD>`;
    /// volume is the tick volume.
    Mt5,
    /// Dukascopy: `Gmt time,Open,High,Low,Close,Volume` with `02.01.2024 00:00:00.000` in UTC.
    Dukascopy,
    /// Yahoo Finance downloads and yfinance's `to_csv` (also its three header lines
    /// `Price…`/`Ticker…`/`Date…`).
    Yahoo,
    /// Stooq's `<TICKER>,<PER>,<DATE>,<TIME>,<OPEN>,…,<VOL>,<OPENINT>` (dates `20240102`, times
    /// `000000`), or its plain `Date,Open,…` daily files.
    Stooq,
    /// HistData.com ASCII bars: `20240102 170000;open;high;low;close;volume`, no header, in EST
    /// without daylight saving (UTC-5).
    Histdata,
}

/// What a preset sets; the user's flags win over each.
#[derive(Debug, Clone, Copy)]
pub struct PresetSpec {
    pub header: Header,
    pub delimiter: Option<u8>,
    /// In `--columns` syntax.
    pub columns: Option<&'static str>,
    /// For a single timestamp column.
    pub timestamp_format: Option<&'static str>,
    /// For a date and a time column, joined as "DATE TIME".
    pub date_time_format: Option<&'static str>,
    pub tz: Option<&'static str>,
    /// A further header spelling of the timestamp (yfinance's `Price`).
    pub timestamp_header: Option<&'static str>,
    /// Lines right after the header whose first field is one of these are header lines too.
    pub extra_header_lines: &'static [&'static str],
}

const NONE: PresetSpec = PresetSpec {
    header: Header::Present,
    delimiter: Some(b','),
    columns: None,
    timestamp_format: None,
    date_time_format: None,
    tz: None,
    timestamp_header: None,
    extra_header_lines: &[],
};

impl Preset {
    pub const ALL: [Preset; 7] = [
        Preset::Binance,
        Preset::Mt4,
        Preset::Mt5,
        Preset::Dukascopy,
        Preset::Yahoo,
        Preset::Stooq,
        Preset::Histdata,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Preset::Binance => "binance",
            Preset::Mt4 => "mt4",
            Preset::Mt5 => "mt5",
            Preset::Dukascopy => "dukascopy",
            Preset::Yahoo => "yahoo",
            Preset::Stooq => "stooq",
            Preset::Histdata => "histdata",
        }
    }

    pub const fn spec(self) -> PresetSpec {
        match self {
            Preset::Binance => PresetSpec {
                header: Header::Detect,
                columns: Some("timestamp,open,high,low,close,volume,_,_,_,_,_,_"),
                ..NONE
            },
            Preset::Mt4 => PresetSpec {
                header: Header::Detect,
                columns: Some("date,time,open,high,low,close,volume"),
                date_time_format: Some("%Y.%m.%d %H:%M"),
                ..NONE
            },
            Preset::Mt5 => PresetSpec { delimiter: Some(b'\t'), columns: Some("volume=TICKVOL"), ..NONE },
            Preset::Dukascopy => PresetSpec { timestamp_format: Some("%d.%m.%Y %H:%M:%S%.3f"), ..NONE },
            Preset::Yahoo => PresetSpec {
                timestamp_header: Some("price"),
                extra_header_lines: &["Ticker", "Date", "Datetime"],
                ..NONE
            },
            Preset::Stooq => PresetSpec { date_time_format: Some("%Y%m%d %H%M%S"), ..NONE },
            Preset::Histdata => PresetSpec {
                header: Header::Absent,
                delimiter: Some(b';'),
                columns: Some("timestamp,open,high,low,close,volume"),
                timestamp_format: Some("%Y%m%d %H%M%S"),
                tz: Some("-05:00"),
                ..NONE
            },
        }
    }
}

impl FromStr for Preset {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let wanted = if text.eq_ignore_ascii_case("yfinance") { "yahoo" } else { text };
        Preset::ALL.into_iter().find(|preset| preset.name().eq_ignore_ascii_case(wanted)).ok_or_else(|| {
            format!("unknown format {text:?} (expected one of binance, mt4, mt5, dukascopy, yahoo, stooq, histdata)")
        })
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bars_file::options::ColumnSpec;

    #[test]
    fn every_preset_parses_by_name_and_its_settings_are_valid() {
        for preset in Preset::ALL {
            assert_eq!(preset.name().parse::<Preset>(), Ok(preset));
            let spec = preset.spec();
            if let Some(columns) = spec.columns {
                columns.parse::<ColumnSpec>().unwrap();
            }
            for format in [spec.timestamp_format, spec.date_time_format].into_iter().flatten() {
                crate::bars_file::timestamp::check_strftime(format).unwrap();
            }
            if let Some(tz) = spec.tz {
                tz.parse::<crate::bars_file::Zone>().unwrap();
            }
        }
        assert!(
            "ninjatrader"
                .parse::<Preset>()
                .unwrap_err()
                .starts_with("unknown format \"ninjatrader\" (expected one of")
        );
    }
}
