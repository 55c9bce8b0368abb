//! The PostgreSQL adapter: a pool of read-only sessions over `market_data`.
//!
//! Every pooled session starts with `default_transaction_read_only=on` and a `statement_timeout`,
//! so each read is a read-only transaction with a bounded run time without an extra round trip
//! for `BEGIN READ ONLY` / `SET`; and with `plan_cache_mode` [`PLAN_CACHE_MODE`], so each prepared
//! statement is planned once per connection, not once per keyset page. Reads that take several
//! statements (multi-symbol ranges) run in one explicit `REPEATABLE READ READ ONLY` transaction,
//! so they see one snapshot.

mod decode;
mod explain;
mod pool;
mod sql;

use std::num::NonZeroUsize;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{IsolationLevel, NoTls};
use r2d2_postgres::PostgresConnectionManager;

use crate::domain::{
    Availability, AvailabilityEntry, BarColumns, Fields, LatestBar, ReadError, Symbol, SymbolSet, TimeRange,
    Timeframe, Timestamp,
};
use crate::pg::{ConnectionSettings, PgTimestamp};

use super::{MarketDataReader, RangeRequest, SymbolBars, query_cost};
use decode::{Fetch, availability_of, bar_of, count_rows, push_row, read_columns};
use pool::{ReaderConnectionManager, unavailable};
/// For the read replicas' router: which failures a fresh connection may get past.
pub(crate) use pool::{is_transient, may_pass};
use sql::Query;

/// How the reader's pool behaves.
#[derive(Debug, Clone)]
pub struct PgReaderConfig {
    /// Pooled connections. A unit of work holds at most one at a time — each read, each cursor
    /// page and the warm-up lookup takes one and gives it back before the plugin goes on — so one
    /// per concurrently running unit is enough; a job sizes it to its `workers`.
    pub max_connections: u32,
    /// Server-side limit on every statement the reader runs.
    pub statement_timeout: Duration,
    /// How long a read waits for a free connection before it fails.
    pub checkout_timeout: Duration,
    /// Tries per read when the failure is transient (a dropped connection, a server restart or
    /// an administrator's shutdown), including the first.
    pub attempts: u32,
    /// The wait before the first retry; it doubles for each further one, up to `max_backoff`.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for PgReaderConfig {
    fn default() -> Self {
        PgReaderConfig {
            max_connections: 4,
            statement_timeout: Duration::from_secs(30),
            checkout_timeout: Duration::from_secs(30),
            attempts: 6,
            first_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
        }
    }
}

/// Reads `market_data` through an r2d2 pool of read-only sessions. A read that fails on a
/// transient fault (see `pool::is_transient`) is retried on another connection with bounded, doubling
/// backoff; every read is idempotent, and a streamed range resumes from its last key.
#[derive(Debug, Clone)]
pub struct PgMarketDataReader {
    pool: r2d2::Pool<ReaderConnectionManager>,
    config: PgReaderConfig,
}

impl PgMarketDataReader {
    /// Opens the pool. One connection is made first, directly: an unreachable server, a wrong
    /// password or a database without `market_data` fails here, within the connect timeout and
    /// with the reason (`run candlewick migrate first`), rather than after the pool's checkout
    /// timeout or in every unit of a job.
    pub fn connect(settings: &ConnectionSettings, config: &PgReaderConfig) -> Result<Self, ReadError> {
        Self::connect_session(Self::session_config(settings, config), config)
    }

    /// [`connect`](Self::connect) with a session configuration of the caller's:
    /// [`session_config`](Self::session_config) with more added (a notice callback, a setting for
    /// diagnostics), as the planning test does.
    pub fn connect_session(session: postgres::Config, config: &PgReaderConfig) -> Result<Self, ReadError> {
        let manager = ReaderConnectionManager(PostgresConnectionManager::new(session, NoTls));
        let mut first = r2d2::ManageConnection::connect(&manager).map_err(ReadError::unavailable)?;
        // Parsed, not run: the table must exist.
        first.client.prepare(sql::PROBE).map_err(unavailable)?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(config.max_connections)
            .min_idle(Some(1))
            .connection_timeout(config.checkout_timeout)
            .build_unchecked(manager);
        Ok(PgMarketDataReader { pool, config: config.clone() })
    }

    /// The settings of every pooled session: read-only transactions, a statement timeout, and
    /// generic plans ([`PLAN_CACHE_MODE`]).
    pub fn session_config(settings: &ConnectionSettings, config: &PgReaderConfig) -> postgres::Config {
        settings.config_with(
            "candlewick-reader",
            &[
                ("default_transaction_read_only", "on".to_owned()),
                ("statement_timeout", config.statement_timeout.as_millis().to_string()),
                ("plan_cache_mode", PLAN_CACHE_MODE.to_owned()),
            ],
        )
    }
}

/// The reader's `plan_cache_mode`: each statement is planned once per connection.
///
/// Every statement is prepared once per pooled connection (`pool.rs`) with its values as
/// parameters. By default PostgreSQL plans the first five executions of a prepared statement with
/// their values ("custom plans") and keeps planning every execution afresh while a plan for any
/// value ("generic plan") looks costlier — as it does on a TimescaleDB hypertable, whose generic
/// plan covers every chunk. A streamed read of 2M bars is 123 keyset pages; issue 14 measured
/// 440–580 ms a plan on the replaced system's hypertable of 627 chunks (on TimescaleDB 2.28.3
/// built here, `auto` went generic after five plans: `cargo bench --bench planning` shows the
/// server's plan counts on the table it has). `force_generic_plan` plans the
/// statement once, at its first execution on the connection, and reuses that plan for every page
/// after it: the primary-key range scan on a plain table, and on a hypertable TimescaleDB's chunk
/// append, which leaves out the chunks outside the page's parameters when each page starts
/// ("startup exclusion"). PostgreSQL manual, "PREPARE" (notes on custom and generic plans) and
/// `plan_cache_mode`; `tests/read_planning.rs` counts the plans the server makes.
pub const PLAN_CACHE_MODE: &str = "force_generic_plan";

/// Row capacity to reserve before a read: enough to skip early regrowth, small enough that a
/// small read does not pay for a large buffer.
const INITIAL_ROWS: usize = 1024;

impl MarketDataReader for PgMarketDataReader {
    fn range(&self, request: &RangeRequest) -> Result<BarColumns, ReadError> {
        let (start, end) = (PgTimestamp(request.range.start()), PgTimestamp(request.range.end()));
        self.read(|conn| {
            read_columns(
                conn,
                Query::Range(request.fields),
                request.fields,
                &[&request.symbol.as_str(), &request.timeframe.as_str(), &start, &end],
                Fetch::Stream { reserve: INITIAL_ROWS },
            )
        })
    }

    fn multi_range(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        range: TimeRange,
        fields: Fields,
    ) -> Result<Vec<SymbolBars>, ReadError> {
        if symbols.is_empty() {
            return Ok(Vec::new());
        }
        let (start, end) = (PgTimestamp(range.start()), PgTimestamp(range.end()));
        self.read(|conn| {
            let statement = conn.statement(Query::Range(fields))?;
            let mut transaction = conn
                .client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let mut result = Vec::with_capacity(symbols.len());
            let mut bytes = 0;
            for symbol in symbols.iter() {
                let params: [&(dyn ToSql + Sync); 4] = [&symbol.as_str(), &timeframe.as_str(), &start, &end];
                explain::if_asked(&mut transaction, Query::Range(fields), &params);
                let mut rows = transaction.query_raw(&statement, params)?;
                let mut bars = BarColumns::with_capacity(fields, INITIAL_ROWS);
                while let Some(row) = rows.next()? {
                    bytes += row.raw_size_bytes() as u64;
                    push_row(&mut bars, fields, &row)?;
                }
                result.push(SymbolBars { symbol: symbol.clone(), bars });
            }
            transaction.commit()?;
            // BEGIN, a statement per symbol and COMMIT: `read` counted one.
            query_cost::statement(symbols.len() as u64 + 1, std::time::Duration::ZERO);
            query_cost::received(result.iter().map(|s| s.bars.len() as u64).sum(), bytes);
            Ok(result)
        })
    }

    fn latest(
        &self,
        symbols: &SymbolSet,
        timeframe: Timeframe,
        as_of: Timestamp,
    ) -> Result<Vec<LatestBar>, ReadError> {
        if symbols.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<&str> = symbols.iter().map(Symbol::as_str).collect();
        let rows = self.read(|conn| {
            let statement = conn.statement(Query::Latest)?;
            let params: [&(dyn ToSql + Sync); 3] = [&names, &timeframe.as_str(), &PgTimestamp(as_of)];
            explain::if_asked(&mut conn.client, Query::Latest, &params);
            conn.client.query(&statement, &params)
        })?;
        count_rows(&rows);
        let mut latest = Vec::with_capacity(rows.len());
        for row in &rows {
            let name: &str = row.try_get(0).map_err(unavailable)?;
            // The answer only names requested symbols; look the validated one up by its text.
            let Ok(index) = symbols.as_slice().binary_search_by(|s| s.as_str().cmp(name)) else {
                return Err(ReadError::unavailable(format!("answer names unrequested symbol {name:?}")));
            };
            latest.push(LatestBar {
                symbol: symbols.as_slice()[index].clone(),
                bar: bar_of(row, 1).map_err(unavailable)?,
            });
        }
        Ok(latest)
    }

    fn availability(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        range: TimeRange,
    ) -> Result<Availability, ReadError> {
        let (start, end) = (PgTimestamp(range.start()), PgTimestamp(range.end()));
        self.read(|conn| {
            let statement = conn.statement(Query::Availability)?;
            let params: [&(dyn ToSql + Sync); 4] = [&symbol.as_str(), &timeframe.as_str(), &start, &end];
            explain::if_asked(&mut conn.client, Query::Availability, &params);
            let row = conn.client.query_one(&statement, &params)?;
            count_rows(std::slice::from_ref(&row));
            availability_of(&row, 0)
        })
    }

    fn timeframes(&self, symbol: &Symbol) -> Result<Vec<Timeframe>, ReadError> {
        let known: Vec<&str> = Timeframe::ALL.iter().map(|tf| tf.as_str()).collect();
        let rows = self.read(|conn| {
            let statement = conn.statement(Query::Timeframes)?;
            conn.client.query(&statement, &[&symbol.as_str(), &known])
        })?;
        count_rows(&rows);
        rows.iter()
            .map(|row| {
                let text: &str = row.try_get(0).map_err(unavailable)?;
                // Only known timeframes were asked for, so this parse cannot fail on good data.
                text.parse().map_err(ReadError::unavailable)
            })
            .collect()
    }

    fn summary(&self) -> Result<Vec<AvailabilityEntry>, ReadError> {
        let rows = self.read(|conn| {
            let statement = conn.statement(Query::Summary)?;
            conn.client.query(&statement, &[])
        })?;
        count_rows(&rows);
        let mut entries = Vec::with_capacity(rows.len());
        for row in &rows {
            let symbol: &str = row.try_get(0).map_err(unavailable)?;
            let timeframe: &str = row.try_get(1).map_err(unavailable)?;
            // Rows the replaced system stored with other timeframes (or symbols Candlewick would
            // reject) are left out rather than failing the whole summary.
            let (Ok(symbol), Ok(timeframe)) = (Symbol::new(symbol), timeframe.parse::<Timeframe>()) else {
                tracing::debug!(
                    symbol,
                    timeframe,
                    "summary skips a series with an unknown timeframe or invalid symbol"
                );
                continue;
            };
            let availability = availability_of(row, 2).map_err(unavailable)?;
            entries.push(AvailabilityEntry { symbol, timeframe, availability });
        }
        entries.sort_by(|a, b| (&a.symbol, a.timeframe).cmp(&(&b.symbol, b.timeframe)));
        Ok(entries)
    }

    fn bar_before(
        &self,
        symbol: &Symbol,
        timeframe: Timeframe,
        before: Timestamp,
        bars_back: NonZeroUsize,
    ) -> Result<Option<Timestamp>, ReadError> {
        let skip = i64::try_from(bars_back.get() - 1).unwrap_or(i64::MAX);
        self.read(|conn| {
            let statement = conn.statement(Query::BarBefore)?;
            let params: [&(dyn ToSql + Sync); 4] =
                [&symbol.as_str(), &timeframe.as_str(), &PgTimestamp(before), &skip];
            explain::if_asked(&mut conn.client, Query::BarBefore, &params);
            let row = conn.client.query_opt(&statement, &params)?;
            count_rows(row.as_slice());
            row.map(|row| row.try_get::<_, PgTimestamp>(0).map(|ts| ts.0)).transpose()
        })
    }

    fn page(
        &self,
        request: &RangeRequest,
        after: Option<Timestamp>,
        limit: NonZeroUsize,
    ) -> Result<BarColumns, ReadError> {
        // `ts > start - 1µs` is `ts >= start`: one statement serves the first page and the rest.
        let after =
            after.unwrap_or(Timestamp::from_micros(request.range.start().as_micros().saturating_sub(1)));
        let (after, end) = (PgTimestamp(after), PgTimestamp(request.range.end()));
        let rows = i64::try_from(limit.get()).unwrap_or(i64::MAX);
        self.read(|conn| {
            read_columns(
                conn,
                Query::Page(request.fields),
                request.fields,
                &[&request.symbol.as_str(), &request.timeframe.as_str(), &after, &end, &rows],
                Fetch::Collect,
            )
        })
    }
}
