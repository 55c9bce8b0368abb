//! Rows of the server's answers decoded into the domain's columns and bars.

use postgres::Row;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;

use super::explain;
use super::pool::ReaderConnection;
use super::sql::{FIELD_COLUMNS, Query};
use crate::domain::{Availability, Bar, BarColumns, Fields};
use crate::pg::PgTimestamp;
use crate::reader::query_cost;

/// How a statement's rows come back from the server.
#[derive(Debug, Clone, Copy)]
pub(super) enum Fetch {
    /// Row by row into columns that reserve `reserve` rows first: memory stays at the columns,
    /// whatever the count. For ranges.
    Stream { reserve: usize },
    /// All at once, then decoded: the synchronous client runs its event loop once for the whole
    /// answer instead of once per row. For pages, whose `LIMIT` bounds the rows held (job
    /// benchmark, 2M bars: the host's CPU time from 1.7 s to 1.25 s).
    Collect,
}

/// Runs a prepared range or page statement and decodes its rows into columns.
pub(super) fn read_columns(
    conn: &mut ReaderConnection,
    query: Query,
    fields: Fields,
    params: &[&(dyn ToSql + Sync)],
    fetch: Fetch,
) -> Result<BarColumns, postgres::Error> {
    explain::if_asked(&mut conn.client, query, params);
    let statement = conn.statement(query)?;
    // Summed here and charged once (`query_cost`): a row's size is a field of the row.
    let mut bytes = 0;
    let columns = match fetch {
        Fetch::Stream { reserve } => {
            let mut rows = conn.client.query_raw(&statement, params.iter().copied())?;
            let mut columns = BarColumns::with_capacity(fields, reserve);
            while let Some(row) = rows.next()? {
                bytes += row.raw_size_bytes();
                push_row(&mut columns, fields, &row)?;
            }
            columns
        }
        Fetch::Collect => {
            let rows = conn.client.query(&statement, params)?;
            let mut columns = BarColumns::with_capacity(fields, rows.len());
            for row in &rows {
                bytes += row.raw_size_bytes();
                push_row(&mut columns, fields, row)?;
            }
            columns
        }
    };
    query_cost::received(columns.len() as u64, bytes as u64);
    Ok(columns)
}

/// Appends one row laid out as `sql::select_list(fields)`.
pub(super) fn push_row(columns: &mut BarColumns, fields: Fields, row: &Row) -> Result<(), postgres::Error> {
    let ts: PgTimestamp = row.try_get(0)?;
    columns.ts.push(ts.0.as_micros());
    let mut index = 1;
    for (field, _) in FIELD_COLUMNS {
        if !fields.contains(field) {
            continue;
        }
        match field {
            Fields::VOLUME => columns.volume.push(row.try_get(index)?),
            Fields::OPEN => columns.open.push(row.try_get(index)?),
            Fields::HIGH => columns.high.push(row.try_get(index)?),
            Fields::LOW => columns.low.push(row.try_get(index)?),
            _ => columns.close.push(row.try_get(index)?),
        }
        index += 1;
    }
    Ok(())
}

/// A whole bar from `timestamp, open, high, low, close, volume` starting at column `first`.
pub(super) fn bar_of(row: &Row, first: usize) -> Result<Bar, postgres::Error> {
    let ts: PgTimestamp = row.try_get(first)?;
    Ok(Bar {
        ts: ts.0,
        open: row.try_get(first + 1)?,
        high: row.try_get(first + 2)?,
        low: row.try_get(first + 3)?,
        close: row.try_get(first + 4)?,
        volume: row.try_get(first + 5)?,
    })
}

pub(super) fn availability_of(row: &Row, first: usize) -> Result<Availability, postgres::Error> {
    let count: i64 = row.try_get(first)?;
    let earliest: Option<PgTimestamp> = row.try_get(first + 1)?;
    let latest: Option<PgTimestamp> = row.try_get(first + 2)?;
    Ok(Availability {
        count: count.max(0) as u64,
        earliest: earliest.map(|ts| ts.0),
        latest: latest.map(|ts| ts.0),
    })
}

/// Charges the calling thread's [`query_cost`] with `rows` received: for the reads that are not
/// decoded into columns by [`read_columns`].
pub(super) fn count_rows(rows: &[Row]) {
    query_cost::received(rows.len() as u64, rows.iter().map(|r| r.raw_size_bytes() as u64).sum());
}
