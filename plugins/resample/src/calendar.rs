//! Proleptic Gregorian dates as day counts from 1970-01-01, both ways, without a date library.
//!
//! Howard Hinnant's `days_from_civil` / `civil_from_days` ("chrono-Compatible Low-Level Date
//! Algorithms"): exact for every date, negative day counts included, with a few integer
//! divisions. Eras of 400 years (146,097 days) repeat the calendar, so each date is found as an
//! era plus a day of the era, counting years from March so that February's leap day comes last.

/// Days from 1970-01-01 to `year-month-day` (negative before it). `month` is 1..=12 and `day`
/// 1..=31; other values give meaningless results, never a panic.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `(year, month, day)` that is `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    // Both fit in u32: day 1..=31, month 1..=12.
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = (if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 }) as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_leap(year: i64) -> bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    fn month_days(year: i64, month: u32) -> u32 {
        match month {
            2 if is_leap(year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// The day after a date, by the month-length table: an independent count to compare with.
    fn next_date((year, month, day): (i64, u32, u32)) -> (i64, u32, u32) {
        if day < month_days(year, month) {
            (year, month, day + 1)
        } else if month < 12 {
            (year, month + 1, 1)
        } else {
            (year + 1, 1, 1)
        }
    }

    #[test]
    fn days_from_civil_matches_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(days_from_civil(1900, 1, 1), -25_567);
    }

    #[test]
    fn both_directions_agree_with_day_by_day_count_from_1600_to_2400() {
        let mut date = (1600, 1, 1);
        let mut days = days_from_civil(1600, 1, 1);
        // 370 years of 365 days plus 90 leap days (93 fourth years less 1700, 1800, 1900).
        assert_eq!(days, -135_140);
        while date.0 < 2400 {
            assert_eq!(days_from_civil(date.0, date.1, date.2), days, "days_from_civil{date:?}");
            assert_eq!(civil_from_days(days), date, "civil_from_days({days})");
            date = next_date(date);
            days += 1;
        }
    }
}
