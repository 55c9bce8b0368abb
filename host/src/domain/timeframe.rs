//! The bar timeframes `market_data` stores, as the exact, case-sensitive strings of the replaced system.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use super::Timestamp;

/// A bar timeframe. The declaration order is the canonical order: every list of timeframes the
/// reader returns is sorted by it (so `Ord` follows it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timeframe {
    /// One row per trade or quote.
    Tick,
    /// One minute (`1m`, lower case).
    Minute1,
    Minute5,
    Minute15,
    Minute30,
    Hour1,
    Hour4,
    Day1,
    Week1,
    /// One calendar month (`1M`, upper case).
    Month1,
}

/// A timeframe string that is not one of [`Timeframe::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown timeframe {value:?} (expected one of tick, 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w, 1M)")]
pub struct UnknownTimeframe {
    /// The rejected text, as given (its first 64 characters: a message quotes it).
    pub value: String,
}

impl Timeframe {
    /// Every timeframe, in canonical order.
    pub const ALL: [Timeframe; 10] = [
        Timeframe::Tick,
        Timeframe::Minute1,
        Timeframe::Minute5,
        Timeframe::Minute15,
        Timeframe::Minute30,
        Timeframe::Hour1,
        Timeframe::Hour4,
        Timeframe::Day1,
        Timeframe::Week1,
        Timeframe::Month1,
    ];

    /// The length of one bar in microseconds; `None` for ticks, which have none, and months,
    /// whose length varies.
    pub const fn step_micros(self) -> Option<i64> {
        const MINUTE: i64 = 60_000_000;
        Some(match self {
            Timeframe::Tick | Timeframe::Month1 => return None,
            Timeframe::Minute1 => MINUTE,
            Timeframe::Minute5 => 5 * MINUTE,
            Timeframe::Minute15 => 15 * MINUTE,
            Timeframe::Minute30 => 30 * MINUTE,
            Timeframe::Hour1 => 60 * MINUTE,
            Timeframe::Hour4 => 240 * MINUTE,
            Timeframe::Day1 => 1_440 * MINUTE,
            Timeframe::Week1 => 7 * 1_440 * MINUTE,
        })
    }

    /// The close time of the bar that opens at `open`: its open plus one bar — a calendar month
    /// for `1M` (the bar of 2024-01-01 closes 2024-02-01; a bar opening on the 31st closes on the
    /// next month's last day when it is shorter, as chrono's `checked_add_months`), nothing for a
    /// tick, which closes when it happens. Saturates at [`Timestamp::MAX`].
    pub fn close_of(self, open: Timestamp) -> Timestamp {
        if let Some(step) = self.step_micros() {
            return Timestamp::from_micros(open.as_micros().saturating_add(step));
        }
        match self {
            Timeframe::Month1 => open
                .to_datetime()
                .and_then(|at| at.checked_add_months(chrono::Months::new(1)))
                .map_or(Timestamp::MAX, Timestamp::from),
            _ => open,
        }
    }

    /// The string stored in the `timeframe` column.
    pub const fn as_str(self) -> &'static str {
        match self {
            Timeframe::Tick => "tick",
            Timeframe::Minute1 => "1m",
            Timeframe::Minute5 => "5m",
            Timeframe::Minute15 => "15m",
            Timeframe::Minute30 => "30m",
            Timeframe::Hour1 => "1h",
            Timeframe::Hour4 => "4h",
            Timeframe::Day1 => "1d",
            Timeframe::Week1 => "1w",
            Timeframe::Month1 => "1M",
        }
    }
}

impl FromStr for Timeframe {
    type Err = UnknownTimeframe;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timeframe::ALL
            .into_iter()
            .find(|tf| tf.as_str() == s)
            .ok_or_else(|| UnknownTimeframe { value: s.chars().take(64).collect() })
    }
}

impl fmt::Display for Timeframe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_timeframe_round_trips_through_its_string() {
        for tf in Timeframe::ALL {
            assert_eq!(tf.as_str().parse::<Timeframe>(), Ok(tf));
            assert_eq!(tf.to_string(), tf.as_str());
        }
    }

    #[test]
    fn parsing_is_case_sensitive_minute_and_month_differ() {
        assert_eq!("1m".parse(), Ok(Timeframe::Minute1));
        assert_eq!("1M".parse(), Ok(Timeframe::Month1));
        assert!("1H".parse::<Timeframe>().is_err());
        assert!("TICK".parse::<Timeframe>().is_err());
    }

    #[test]
    fn unknown_timeframe_error_names_the_value_and_the_choices() {
        let err = "1H".parse::<Timeframe>().unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"unknown timeframe "1H" (expected one of tick, 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w, 1M)"#
        );
    }

    #[test]
    fn canonical_order_is_declaration_order() {
        let mut shuffled = vec![Timeframe::Month1, Timeframe::Tick, Timeframe::Hour1, Timeframe::Minute1];
        shuffled.sort();
        assert_eq!(shuffled, [Timeframe::Tick, Timeframe::Minute1, Timeframe::Hour1, Timeframe::Month1]);
    }

    #[test]
    fn a_bar_closes_one_timeframe_after_it_opens_months_by_the_calendar() {
        let at = |text: &str| Timestamp::parse(text).unwrap();
        assert_eq!(Timeframe::Hour1.close_of(at("2024-01-05T23:00:00Z")), at("2024-01-06T00:00:00Z"));
        assert_eq!(Timeframe::Day1.close_of(at("2024-01-05")), at("2024-01-06"));
        assert_eq!(Timeframe::Week1.close_of(at("2024-01-01")), at("2024-01-08"), "Monday to Monday");
        assert_eq!(Timeframe::Month1.close_of(at("2024-02-01")), at("2024-03-01"), "29 days in 2024");
        assert_eq!(Timeframe::Month1.close_of(at("2023-02-01")), at("2023-03-01"), "28 days in 2023");
        assert_eq!(
            Timeframe::Tick.close_of(at("2024-01-05T10:00:00.000001Z")),
            at("2024-01-05T10:00:00.000001Z")
        );
        assert_eq!(Timeframe::Day1.close_of(Timestamp::MAX), Timestamp::MAX);
    }
}
