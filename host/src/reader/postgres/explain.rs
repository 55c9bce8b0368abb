//! `candlewick run --explain`: each statement a read runs is first run under
//! `EXPLAIN (ANALYZE, BUFFERS)` with the same parameters on the same connection, and its plan
//! recorded ([`query_cost::explaining`]), when the calling thread asks for it. The session is
//! read-only, so running the statement twice changes nothing.

use postgres::GenericClient;
use postgres::types::ToSql;

use super::sql::Query;
use crate::reader::query_cost::{self, Explained};

/// Explains `query` with `params` when the calling thread is explaining; otherwise nothing.
pub(super) fn if_asked(client: &mut impl GenericClient, query: Query, params: &[&(dyn ToSql + Sync)]) {
    if !query_cost::explain_asked() {
        return;
    }
    let sql = query.sql();
    let plan = match client.query(&format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"), params) {
        Ok(rows) => {
            rows.iter().filter_map(|row| row.try_get::<_, String>(0).ok()).collect::<Vec<_>>().join("\n")
        }
        Err(err) => format!("not explained: {}", crate::domain::error_chain(&err)),
    };
    query_cost::explained(Explained { sql, params: format!("{params:?}"), plan });
}
