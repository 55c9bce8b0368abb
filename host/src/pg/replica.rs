//! Where a server stands in streaming replication: which server it is, whether it is a standby,
//! and how far its replay is behind the primary. What the read-replica reader
//! (`reader::ReplicaReader`) checks before a job and when a replica's connection fails.
//!
//! Lag is measured the way that stays right on an idle primary. `now() -
//! pg_last_xact_replay_timestamp()` alone grows while nothing is written, although nothing is
//! missing; so a standby whose replay position (`pg_last_wal_replay_lsn()`) has reached the
//! primary's current WAL position (`pg_current_wal_lsn()`, read first) is 0 s behind, and only
//! one that has not is as far behind as its last replayed transaction is old (PostgreSQL manual,
//! "Recovery Information Functions" and "Backup Control Functions"). That age is taken from the
//! standby's clock and the primary's commit time: on two machines, their clock skew is in it.

use std::time::Duration;

use postgres::Client;

use super::ConnectionSettings;

/// How long a check may take to connect, and each of its statements to run: a check must not hold
/// a job up for as long as a read may.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// A server among others: a standby made by `pg_basebackup` shares its primary's system
/// identifier, so the postmaster's start time tells the two apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerIdentity {
    /// `pg_control_system().system_identifier`: the same for a cluster and its physical copies.
    pub system_identifier: i64,
    /// `pg_postmaster_start_time()`, as text.
    pub started: String,
}

/// The primary, as a replica's lag is measured against it.
#[derive(Debug, Clone)]
pub struct PrimaryPosition {
    pub identity: ServerIdentity,
    /// `pg_current_wal_lsn()` (`pg_last_wal_replay_lsn()` when the "primary" is itself a standby),
    /// as text such as `0/3000148`.
    pub wal_lsn: String,
}

/// What a replica's check found.
#[derive(Debug, Clone)]
pub struct ReplicaPosition {
    pub identity: ServerIdentity,
    /// `pg_is_in_recovery()`: a standby is; a promoted one or an independent server is not.
    pub in_recovery: bool,
    /// Bytes of WAL the primary had written (at its check) that this standby has not replayed;
    /// 0 or less when it has replayed all of it; `None` when it is not a standby.
    pub unreplayed_bytes: Option<f64>,
    /// `now() - pg_last_xact_replay_timestamp()`; `None` before it has replayed any transaction
    /// since it started.
    pub replay_age: Option<Duration>,
}

impl ReplicaPosition {
    /// How far behind the primary it is: nothing when it has replayed all the primary had
    /// written, else the age of its last replayed transaction; `None` when that is unknown.
    pub fn lag(&self) -> Option<Duration> {
        match self.unreplayed_bytes {
            Some(bytes) if bytes <= 0.0 => Some(Duration::ZERO),
            Some(_) => self.replay_age,
            None => None,
        }
    }
}

/// A short-lived connection for a check: its own name on the server, [`CHECK_TIMEOUT`] to connect
/// (or the URL's own, when shorter) and per statement.
fn check_client(settings: &ConnectionSettings) -> Result<Client, postgres::Error> {
    let mut config = settings.config_with(
        "candlewick-replica-check",
        &[("statement_timeout", CHECK_TIMEOUT.as_millis().to_string())],
    );
    let timeout = config.get_connect_timeout().map_or(CHECK_TIMEOUT, |t| (*t).min(CHECK_TIMEOUT));
    config.connect_timeout(timeout);
    config.connect(postgres::NoTls)
}

fn identity(row: &postgres::Row) -> Result<ServerIdentity, postgres::Error> {
    Ok(ServerIdentity { system_identifier: row.try_get(0)?, started: row.try_get(1)? })
}

/// The primary's identity and current WAL position.
pub fn primary_position(settings: &ConnectionSettings) -> Result<PrimaryPosition, postgres::Error> {
    let row = check_client(settings)?.query_one(
        "SELECT system_identifier, pg_postmaster_start_time()::text, \
         (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text \
         FROM pg_control_system()",
        &[],
    )?;
    Ok(PrimaryPosition { identity: identity(&row)?, wal_lsn: row.try_get(2)? })
}

/// A replica's identity and how far it has replayed, against `primary`'s position.
pub fn replica_position(
    settings: &ConnectionSettings,
    primary: &PrimaryPosition,
) -> Result<ReplicaPosition, postgres::Error> {
    let row = check_client(settings)?.query_one(
        "SELECT system_identifier, pg_postmaster_start_time()::text, pg_is_in_recovery(), \
         pg_wal_lsn_diff($1::text::pg_lsn, pg_last_wal_replay_lsn())::float8, \
         extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 \
         FROM pg_control_system()",
        &[&primary.wal_lsn],
    )?;
    let age: Option<f64> = row.try_get(4)?;
    Ok(ReplicaPosition {
        identity: identity(&row)?,
        in_recovery: row.try_get(2)?,
        unreplayed_bytes: row.try_get(3)?,
        // A standby's clock behind the primary's makes the age negative: no lag to speak of.
        replay_age: age.map(|seconds| Duration::from_secs_f64(seconds.max(0.0))),
    })
}

/// Whether the server answers as a standby: the check of a replica whose read failed mid-job.
pub fn is_standby(settings: &ConnectionSettings) -> Result<bool, postgres::Error> {
    check_client(settings)?.query_one("SELECT pg_is_in_recovery()", &[])?.try_get(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(unreplayed_bytes: Option<f64>, replay_age: Option<u64>) -> ReplicaPosition {
        ReplicaPosition {
            identity: ServerIdentity { system_identifier: 1, started: String::new() },
            in_recovery: true,
            unreplayed_bytes,
            replay_age: replay_age.map(Duration::from_secs),
        }
    }

    #[test]
    fn a_standby_that_replayed_everything_is_not_behind_however_old_its_last_transaction() {
        // An idle primary: the last replayed commit is an hour old, and nothing is missing.
        assert_eq!(position(Some(0.0), Some(3600)).lag(), Some(Duration::ZERO));
        // Replayed past the position read from the primary a moment before.
        assert_eq!(position(Some(-120.0), None).lag(), Some(Duration::ZERO));
    }

    #[test]
    fn a_standby_with_wal_to_replay_is_as_far_behind_as_its_last_replayed_transaction() {
        assert_eq!(position(Some(168.0), Some(42)).lag(), Some(Duration::from_secs(42)));
        assert_eq!(position(Some(168.0), None).lag(), None, "nothing replayed since it started");
        assert_eq!(position(None, Some(1)).lag(), None, "not a standby");
    }
}
