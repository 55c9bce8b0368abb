//! Clock periods in UTC: the period of a target timeframe a timestamp falls in, and its end.
//!
//! Fixed-length periods (5m … 1d) are counted from midnight UTC, and the Unix epoch is a
//! midnight, so flooring to a multiple of the length aligns them: 4h periods start at 00, 04,
//! 08 … UTC, days at midnight. Weeks start on Monday 00:00 UTC, months on the 1st at 00:00 UTC,
//! by the calendar. A period is `[start, end)`: `end` is the next period's start.

use crate::calendar::{civil_from_days, days_from_civil};
use crate::timeframe::{DAY, Timeframe};

/// 1970-01-05 00:00 UTC in µs, the first Monday after the epoch (a Thursday): weeks count from it.
const FIRST_MONDAY: i64 = 4 * DAY;

/// How the periods of one target timeframe fall.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Periods of `len` µs, one of which starts at `origin` µs.
    Fixed { len: i64, origin: i64 },
    /// Calendar months.
    Month,
}

impl Clock {
    /// The clock of `target`; none for `tick`, which has no periods.
    pub fn of(target: Timeframe) -> Option<Clock> {
        match target {
            Timeframe::Tick => None,
            Timeframe::Month1 => Some(Clock::Month),
            Timeframe::Week1 => Some(Clock::Fixed { len: 7 * DAY, origin: FIRST_MONDAY }),
            fixed => fixed.fixed_micros().map(|len| Clock::Fixed { len, origin: 0 }),
        }
    }

    /// The start of the period holding `ts`.
    pub fn period_start(self, ts: i64) -> i64 {
        match self {
            Clock::Fixed { len, origin } => {
                // In i128 so that timestamps near i64's ends cannot overflow.
                let (ts, len, origin) = (i128::from(ts), i128::from(len), i128::from(origin));
                let start = origin + (ts - origin).div_euclid(len) * len;
                i64::try_from(start).unwrap_or(i64::MIN)
            }
            Clock::Month => {
                let (year, month, _) = civil_from_days(ts.div_euclid(DAY));
                days_from_civil(year, month, 1).saturating_mul(DAY)
            }
        }
    }

    /// The end of the period starting at `start` (exclusive): the next period's start.
    pub fn period_end(self, start: i64) -> i64 {
        match self {
            Clock::Fixed { len, .. } => start.saturating_add(len),
            Clock::Month => {
                let (year, month, _) = civil_from_days(start.div_euclid(DAY));
                let (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
                days_from_civil(year, month, 1).saturating_mul(DAY)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeframe::{HOUR, MINUTE};

    /// µs of `year-month-day hour:minute` UTC.
    fn at(year: i64, month: u32, day: u32, hour: i64, minute: i64) -> i64 {
        days_from_civil(year, month, day) * DAY + hour * HOUR + minute * MINUTE
    }

    fn clock(target: Timeframe) -> Clock {
        Clock::of(target).expect("a clock")
    }

    #[test]
    fn four_hour_periods_start_at_multiples_of_four_from_midnight() {
        let h4 = clock(Timeframe::Hour4);
        assert_eq!(h4.period_start(at(2024, 3, 5, 3, 59)), at(2024, 3, 5, 0, 0));
        assert_eq!(h4.period_start(at(2024, 3, 5, 4, 0)), at(2024, 3, 5, 4, 0));
        assert_eq!(h4.period_start(at(2024, 3, 5, 23, 59)), at(2024, 3, 5, 20, 0));
        assert_eq!(h4.period_end(at(2024, 3, 5, 20, 0)), at(2024, 3, 6, 0, 0));
    }

    #[test]
    fn fifteen_minute_periods_floor_to_the_quarter() {
        let m15 = clock(Timeframe::Min15);
        assert_eq!(m15.period_start(at(2024, 3, 5, 10, 44) + 59_999_999), at(2024, 3, 5, 10, 30));
        assert_eq!(m15.period_start(at(2024, 3, 5, 10, 45)), at(2024, 3, 5, 10, 45));
    }

    #[test]
    fn days_floor_to_midnight_also_before_1970() {
        let d = clock(Timeframe::Day1);
        assert_eq!(d.period_start(at(1969, 12, 31, 23, 59)), at(1969, 12, 31, 0, 0));
        assert_eq!(d.period_start(-1), -DAY);
    }

    #[test]
    fn weeks_start_on_monday_midnight() {
        let w = clock(Timeframe::Week1);
        // 1970-01-01 was a Thursday; its week began on Monday 1969-12-29.
        assert_eq!(w.period_start(0), at(1969, 12, 29, 0, 0));
        // Sunday 2024-01-07 23:59 is in the week of Monday 2024-01-01.
        assert_eq!(w.period_start(at(2024, 1, 7, 23, 59)), at(2024, 1, 1, 0, 0));
        assert_eq!(w.period_start(at(2024, 1, 8, 0, 0)), at(2024, 1, 8, 0, 0));
        assert_eq!(w.period_end(at(2024, 1, 1, 0, 0)), at(2024, 1, 8, 0, 0));
    }

    #[test]
    fn months_follow_the_calendar_across_leap_days_and_years() {
        let m = clock(Timeframe::Month1);
        assert_eq!(m.period_start(at(2024, 2, 29, 23, 59)), at(2024, 2, 1, 0, 0));
        assert_eq!(m.period_end(at(2024, 2, 1, 0, 0)), at(2024, 3, 1, 0, 0));
        assert_eq!(m.period_end(at(2023, 2, 1, 0, 0)) - at(2023, 2, 1, 0, 0), 28 * DAY);
        assert_eq!(m.period_start(at(2023, 12, 31, 12, 0)), at(2023, 12, 1, 0, 0));
        assert_eq!(m.period_end(at(2023, 12, 1, 0, 0)), at(2024, 1, 1, 0, 0));
        assert_eq!(m.period_start(at(1969, 12, 15, 0, 0)), at(1969, 12, 1, 0, 0));
        assert_eq!(m.period_start(at(2024, 3, 1, 0, 0)), at(2024, 3, 1, 0, 0));
    }

    #[test]
    fn period_start_is_a_fixed_point_and_ends_chain() {
        for target in Timeframe::ALL.into_iter().skip(2) {
            let c = clock(target);
            let mut start = c.period_start(at(1999, 12, 30, 17, 23));
            for _ in 0..50 {
                assert_eq!(c.period_start(start), start, "{target} start {start}");
                let end = c.period_end(start);
                assert!(end > start);
                assert_eq!(c.period_start(end - 1), start, "{target} last µs of {start}");
                start = end;
            }
        }
    }

    #[test]
    fn tick_has_no_clock() {
        assert_eq!(Clock::of(Timeframe::Tick), None);
    }

    #[test]
    fn extreme_timestamps_do_not_overflow() {
        for target in Timeframe::ALL.into_iter().skip(1) {
            let c = clock(target);
            for ts in [i64::MIN, i64::MAX] {
                let start = c.period_start(ts);
                assert!(start <= ts && c.period_end(start) >= start, "{target} at {ts}");
            }
        }
    }
}
