//! `timestamptz` in binary form, straight to and from Unix microseconds.
//!
//! PostgreSQL sends a `timestamptz` as microseconds since 2000-01-01 UTC, which is the unit of
//! [`Timestamp`] but another epoch: decoding is one subtraction, with no calendar arithmetic and no
//! allocation, which matters at millions of rows per second.

use std::error::Error;

use postgres::types::{FromSql, IsNull, ToSql, Type, accepts, to_sql_checked};

use crate::domain::Timestamp;

/// Microseconds from 1970-01-01 to 2000-01-01.
const PG_EPOCH_OFFSET_MICROS: i64 = 946_684_800_000_000;
/// PostgreSQL's earliest valid timestamp (4714-11-24 BC), in its own epoch.
const PG_MIN_MICROS: i64 = -211_813_488_000_000_000;
/// One past PostgreSQL's latest valid timestamp (294277-01-01), in its own epoch.
const PG_END_MICROS: i64 = 9_223_371_331_200_000_000;

/// A [`Timestamp`] that binds as, and decodes from, `timestamptz`. Instants beyond PostgreSQL's
/// range bind as `-infinity` / `infinity`, so an open window such as [`crate::domain::TimeRange::all`]
/// needs no special SQL.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PgTimestamp(pub Timestamp);

impl PgTimestamp {
    /// Microseconds in PostgreSQL's epoch, as bound: `i64::MIN` and `i64::MAX` are its
    /// `-infinity` and `infinity`, which every instant beyond its range becomes.
    fn bound(self) -> i64 {
        match self.0.as_micros().checked_sub(PG_EPOCH_OFFSET_MICROS) {
            Some(pg) if pg < PG_MIN_MICROS => i64::MIN,
            Some(pg) if pg >= PG_END_MICROS => i64::MAX,
            Some(pg) => pg,
            None => i64::MIN,
        }
    }
}

/// The time as RFC 3339, bare, or the infinity it binds as: how `run --explain` shows a
/// statement's parameters.
impl std::fmt::Debug for PgTimestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.bound() {
            i64::MIN => f.write_str("-infinity"),
            i64::MAX => f.write_str("infinity"),
            _ => write!(f, "{}", self.0),
        }
    }
}

impl ToSql for PgTimestamp {
    fn to_sql(&self, _: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        bytes::BufMut::put_i64(out, self.bound());
        Ok(IsNull::No)
    }

    accepts!(TIMESTAMPTZ);
    to_sql_checked!();
}

impl<'a> FromSql<'a> for PgTimestamp {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let bytes: [u8; 8] =
            raw.try_into().map_err(|_| format!("timestamptz of {} bytes (expected 8)", raw.len()))?;
        let micros = i64::from_be_bytes(bytes).saturating_add(PG_EPOCH_OFFSET_MICROS);
        Ok(PgTimestamp(Timestamp::from_micros(micros)))
    }

    accepts!(TIMESTAMPTZ);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_time_or_the_infinity_it_binds_as() {
        assert_eq!(
            format!("{:?}", PgTimestamp(Timestamp::from_micros(1_514_764_800_000_000))),
            "2018-01-01T00:00:00Z"
        );
        assert_eq!(format!("{:?}", PgTimestamp(Timestamp::MIN)), "-infinity");
        // Before PostgreSQL's earliest timestamp (4714 BC): bound as -infinity.
        assert_eq!(
            format!("{:?}", PgTimestamp(Timestamp::from_micros(-300_000_000_000_000_000))),
            "-infinity"
        );
        // Timestamp::MAX is within PostgreSQL's range (year 294247), so it binds as itself.
        assert_eq!(format!("{:?}", PgTimestamp(Timestamp::MAX)), format!("{}", Timestamp::MAX));
    }
}
