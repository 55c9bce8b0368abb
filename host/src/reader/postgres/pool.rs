//! Pooled reader connections, each with its own prepared statements, and how a read gets one:
//! waiting for a free connection, retrying a transient failure on a fresh one.
//!
//! r2d2_postgres opens the connections; this wrapper adds a per-connection statement cache, so a
//! read costs one round trip (bind + execute) instead of two (parse, then execute).

use std::collections::HashMap;

use postgres::{Client, NoTls, Statement};
use r2d2_postgres::PostgresConnectionManager;

use super::PgMarketDataReader;
use super::sql::Query;
use crate::domain::ReadError;
use crate::pg::NoMarketDataTable;
use crate::reader::query_cost;

/// A pooled client and the statements prepared on it.
pub(super) struct ReaderConnection {
    pub(super) client: Client,
    statements: HashMap<Query, Statement>,
}

impl ReaderConnection {
    /// The prepared statement for `query`, preparing it on first use.
    pub(super) fn statement(&mut self, query: Query) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(&query) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(&query.sql())?;
        self.statements.insert(query, statement.clone());
        Ok(statement)
    }
}

impl std::fmt::Debug for ReaderConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderConnection").field("statements", &self.statements.len()).finish()
    }
}

/// Opens [`ReaderConnection`]s through r2d2_postgres.
#[derive(Debug)]
pub(super) struct ReaderConnectionManager(pub(super) PostgresConnectionManager<NoTls>);

impl r2d2::ManageConnection for ReaderConnectionManager {
    type Connection = ReaderConnection;
    type Error = postgres::Error;

    fn connect(&self) -> Result<ReaderConnection, postgres::Error> {
        Ok(ReaderConnection { client: self.0.connect()?, statements: HashMap::new() })
    }

    fn is_valid(&self, conn: &mut ReaderConnection) -> Result<(), postgres::Error> {
        self.0.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut ReaderConnection) -> bool {
        conn.client.is_closed()
    }
}

impl PgMarketDataReader {
    /// A pooled connection. When every one is busy this waits up to the checkout timeout, and
    /// says so in the log; the error then names the pool's size and the timeout.
    pub(super) fn connection(&self) -> Result<r2d2::PooledConnection<ReaderConnectionManager>, ReadError> {
        let state = self.pool.state();
        let busy = state.idle_connections == 0 && state.connections >= self.pool.max_size();
        if busy {
            tracing::info!(
                connections = state.connections,
                timeout = ?self.config.checkout_timeout,
                "every pooled database connection is busy; waiting for one"
            );
        }
        self.pool.get().map_err(|err| {
            let cause = if busy {
                format!(
                    "no database connection came free within {:?}: all {} pooled connections stayed busy \
                     (run fewer units at once or give the reader more connections)",
                    self.config.checkout_timeout,
                    self.pool.max_size()
                )
            } else {
                format!(
                    "could not open a database connection within {:?}: {err}",
                    self.config.checkout_timeout
                )
            };
            ReadError::unavailable(cause)
        })
    }

    /// Runs `op` on a pooled connection, retrying transient failures on a fresh connection
    /// (a broken one is dropped by the pool) after a doubling backoff. Each attempt is one
    /// statement of the calling thread's [`query_cost`]; an `op` of several adds the others.
    pub(super) fn read<T>(
        &self,
        mut op: impl FnMut(&mut ReaderConnection) -> Result<T, postgres::Error>,
    ) -> Result<T, ReadError> {
        let mut backoff = self.config.first_backoff;
        for attempt in 1.. {
            let mut conn = self.connection()?;
            let started = std::time::Instant::now();
            let result = op(&mut conn);
            query_cost::statement(1, started.elapsed());
            match result {
                Ok(value) => return Ok(value),
                Err(err) if attempt < self.config.attempts && is_transient(&err) => {
                    tracing::warn!(attempt, ?backoff, error = %crate::domain::error_chain(&err), "transient database failure; retrying");
                    query_cost::retry();
                    drop(conn);
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(self.config.max_backoff);
                }
                Err(err) => return Err(unavailable(err)),
            }
        }
        unreachable!("the loop returns by its last attempt")
    }
}

/// A failure that another attempt on a new connection can get past: the connection closed or
/// reset under the read, the server shutting down or restarting (`57P01` admin shutdown, `57P02`,
/// `57P03` cannot connect now), any connection exception (class `08`), or a serialization
/// failure or deadlock. A statement timeout (`57014`) is not one: retrying would only take
/// longer.
pub fn is_transient(err: &postgres::Error) -> bool {
    if err.is_closed() {
        return true;
    }
    if let Some(state) = err.code() {
        let code = state.code();
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "40001" | "40P01");
    }
    std::error::Error::source(err).is_some_and(|source| source.is::<std::io::Error>())
}

/// Whether a read that failed with [`ReadError::Unavailable`] and this `source` may succeed when
/// run again later: the one rule for a job's exit code (75, run it again, against 1 or 2) and for
/// counting a unit's failure as the source's. It may when the database did not answer — a lost or
/// refused connection, a server shutting down, a pool that stayed busy ([`is_transient`], or no
/// database error at all in the chain) — and may not when the server answered with a refusal
/// that will be the same next time: a wrong password (class `28`), a database that does not
/// exist (`3D000`), permission denied, a missing `market_data` table.
pub fn may_pass(source: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(source);
    while let Some(err) = cause {
        if err.is::<NoMarketDataTable>() {
            return false;
        }
        if let Some(database) = err.downcast_ref::<postgres::Error>() {
            return is_transient(database);
        }
        cause = err.source();
    }
    true
}

/// A database error as the reader's: a missing `market_data` table says what to do about it.
pub(super) fn unavailable(err: postgres::Error) -> ReadError {
    if NoMarketDataTable::is(&err) {
        return ReadError::unavailable(NoMarketDataTable);
    }
    ReadError::unavailable(err)
}
