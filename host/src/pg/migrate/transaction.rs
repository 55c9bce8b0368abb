//! refinery's driver over one PostgreSQL transaction: refinery's own driver commits each
//! statement batch on its own, so a migrate that failed halfway left its history table behind.
//! Here every statement runs in the caller's transaction, which commits once, after the last step.

use postgres::Transaction;
use refinery_core::Migration;
use refinery_core::traits::sync::{Migrate, Query, Transaction as RefineryTransaction};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A migrate's transaction, as a refinery connection.
pub(super) struct InTransaction<'a, 't>(pub(super) &'a mut Transaction<'t>);

impl RefineryTransaction for InTransaction<'_, '_> {
    type Error = postgres::Error;

    fn execute<'a, T: Iterator<Item = &'a str>>(&mut self, queries: T) -> Result<usize, postgres::Error> {
        let mut count = 0;
        for query in queries {
            self.0.batch_execute(query)?;
            count += 1;
        }
        Ok(count)
    }
}

impl Query<Vec<Migration>> for InTransaction<'_, '_> {
    /// The history rows refinery asks for, read as its own driver reads them: `applied_on` in
    /// RFC 3339, the checksum a `u64` in text.
    fn query(&mut self, query: &str) -> Result<Vec<Migration>, postgres::Error> {
        let rows = self.0.query(query, &[])?;
        Ok(rows
            .iter()
            .map(|row| {
                let applied_on: String = row.get(2);
                let checksum: String = row.get(3);
                Migration::applied(
                    row.get(0),
                    row.get(1),
                    // refinery wrote both; a row it cannot read back is a corrupt history table.
                    OffsetDateTime::parse(&applied_on, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH),
                    checksum.parse().unwrap_or_default(),
                )
            })
            .collect())
    }
}

impl Migrate for InTransaction<'_, '_> {}
