//! The contract's timeframes as plain values: their job-file spellings, order and lengths.

use std::fmt;

/// One minute in µs.
pub const MINUTE: i64 = 60_000_000;
/// One hour in µs.
pub const HOUR: i64 = 60 * MINUTE;
/// One day in µs.
pub const DAY: i64 = 24 * HOUR;
/// One week in µs.
pub const WEEK: i64 = 7 * DAY;

/// A bar timeframe, ordered from finest to coarsest like the WIT `timeframe` enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timeframe {
    Tick,
    Min1,
    Min5,
    Min15,
    Min30,
    Hour1,
    Hour4,
    Day1,
    Week1,
    Month1,
}

impl Timeframe {
    /// Every timeframe, in canonical order.
    pub const ALL: [Timeframe; 10] = [
        Timeframe::Tick,
        Timeframe::Min1,
        Timeframe::Min5,
        Timeframe::Min15,
        Timeframe::Min30,
        Timeframe::Hour1,
        Timeframe::Hour4,
        Timeframe::Day1,
        Timeframe::Week1,
        Timeframe::Month1,
    ];

    /// The spelling job files and the database use (`1m` a minute, `1M` a month).
    pub fn label(self) -> &'static str {
        match self {
            Timeframe::Tick => "tick",
            Timeframe::Min1 => "1m",
            Timeframe::Min5 => "5m",
            Timeframe::Min15 => "15m",
            Timeframe::Min30 => "30m",
            Timeframe::Hour1 => "1h",
            Timeframe::Hour4 => "4h",
            Timeframe::Day1 => "1d",
            Timeframe::Week1 => "1w",
            Timeframe::Month1 => "1M",
        }
    }

    /// The timeframe spelled `label`, case-sensitively.
    pub fn parse(label: &str) -> Option<Timeframe> {
        Timeframe::ALL.into_iter().find(|timeframe| timeframe.label() == label)
    }

    /// The length in µs, when it is fixed: not for `tick` (no length) nor `1M` (months vary).
    pub fn fixed_micros(self) -> Option<i64> {
        match self {
            Timeframe::Tick | Timeframe::Month1 => None,
            Timeframe::Min1 => Some(MINUTE),
            Timeframe::Min5 => Some(5 * MINUTE),
            Timeframe::Min15 => Some(15 * MINUTE),
            Timeframe::Min30 => Some(30 * MINUTE),
            Timeframe::Hour1 => Some(HOUR),
            Timeframe::Hour4 => Some(4 * HOUR),
            Timeframe::Day1 => Some(DAY),
            Timeframe::Week1 => Some(WEEK),
        }
    }
}

impl fmt::Display for Timeframe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_round_trips_every_label_and_is_case_sensitive() {
        for timeframe in Timeframe::ALL {
            assert_eq!(Timeframe::parse(timeframe.label()), Some(timeframe));
        }
        assert_eq!(Timeframe::parse("1M"), Some(Timeframe::Month1));
        assert_eq!(Timeframe::parse("1m"), Some(Timeframe::Min1));
        assert_eq!(Timeframe::parse("1H"), None);
    }

    #[test]
    fn order_runs_from_tick_to_month() {
        assert!(Timeframe::ALL.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn fixed_micros_are_hand_counted() {
        assert_eq!(Timeframe::Min15.fixed_micros(), Some(900_000_000));
        assert_eq!(Timeframe::Hour4.fixed_micros(), Some(14_400_000_000));
        assert_eq!(Timeframe::Week1.fixed_micros(), Some(604_800_000_000));
        assert_eq!(Timeframe::Tick.fixed_micros(), None);
        assert_eq!(Timeframe::Month1.fixed_micros(), None);
    }
}
