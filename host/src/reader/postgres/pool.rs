//! Pooled reader connections, each with its own prepared statements.
//!
//! r2d2_postgres opens the connections; this wrapper adds a per-connection statement cache, so a
//! read costs one round trip (bind + execute) instead of two (parse, then execute).

use std::collections::HashMap;

use postgres::{Client, NoTls, Statement};
use r2d2_postgres::PostgresConnectionManager;

use super::sql::Query;

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
