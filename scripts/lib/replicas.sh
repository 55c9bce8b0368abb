# shellcheck shell=bash
#
# A throwaway PostgreSQL primary with a streaming standby, for the read-replica tests
# (host/tests/replicas.rs). Uses the server binaries scripts/lib/postgres.sh finds or installs.
#
#   source scripts/lib/replicas.sh
#   candlewick_start_replica_pair     # a primary and one standby; exports the variables below
#   candlewick_new_standby BASE PORT  # one more standby of the primary on PORT: prints "PORT DATA_DIR"
#   candlewick_pg_ctl DATA_DIR ARGS   # pg_ctl as the clusters' owner (e.g. stop -m immediate)
#
# candlewick_start_replica_pair exports:
#   CANDLEWICK_TEST_PRIMARY_URL    postgresql://postgres@127.0.0.1:PORT/candlewick_test
#   CANDLEWICK_TEST_REPLICA_URL    the standby's, same database
#   CANDLEWICK_TEST_REPLICA_DATA   the standby's data directory (to stop it: candlewick_pg_ctl)
#   CANDLEWICK_TEST_REPLICA_PID    its postmaster's process id
#   CANDLEWICK_TEST_REPLICA_BASE   the folder of both clusters, where a test adds standbys
#   CANDLEWICK_TEST_PRIMARY_PORT   the primary's port (for candlewick_new_standby)
#
# The primary is initdb'd with wal_level=replica and a `host replication` line in pg_hba.conf,
# trust authentication, on 127.0.0.1 only; each standby is `pg_basebackup -R` of it (standby.signal
# and primary_conninfo written), started on the next free port from 56432 and waited for until
# it streams. Everything under BASE is stopped and deleted when the calling shell exits, standbys
# a test added there included.

# shellcheck source=scripts/lib/postgres.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/postgres.sh"

# The binaries and the clusters' owner, as postgres.sh's throwaway server has them.
_cw_replica_setup() {
  if [[ -z ${_CW_PG_BINDIR:-} ]]; then
    if ! _CW_PG_BINDIR=$(_cw_find_pg_bindir); then
      _cw_apt_install postgresql || return 1
      _CW_PG_BINDIR=$(_cw_find_pg_bindir) || {
        _cw_err "installed postgresql but still cannot find initdb"
        return 1
      }
    fi
  fi
  if [[ ! -x $_CW_PG_BINDIR/pg_basebackup ]]; then
    _cw_err "pg_basebackup is missing from $_CW_PG_BINDIR"
    return 1
  fi
  _CW_PG_RUN_AS=self
  if [[ $(id -u) -eq 0 ]]; then
    _cw_ensure_postgres_user || return 1
    _CW_PG_RUN_AS=postgres
  fi
}

candlewick_pg_ctl() {
  local data=$1
  shift
  _cw_replica_setup || return 1
  (cd / && _cw_as_pg "$_CW_PG_BINDIR/pg_ctl" -D "$data" "$@")
}

# `_cw_replica_start DATA LOG`: starts the cluster in DATA on the first free port from 56432;
# prints the port.
_cw_replica_start() {
  local data=$1 log=$2 port
  for ((port = 56432; port < 56632; port++)); do
    _cw_port_in_use "$port" && continue
    rm -f -- "$log"
    if (cd / && _cw_as_pg "$_CW_PG_BINDIR/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start) \
      >/dev/null 2>&1; then
      printf '%s\n' "$port"
      return 0
    fi
    grep -qE 'could not bind|could not create listen socket|[Aa]ddress already in use' "$log" 2>/dev/null &&
      continue
    _cw_err "PostgreSQL in $data failed to start (port $port):"
    _cw_show_log "$log"
    return 1
  done
  _cw_err "no free port in 56432-56631 for a throwaway PostgreSQL"
  return 1
}

candlewick_new_standby() {
  local base=$1 primary_port=$2 dir port url state i
  _cw_replica_setup || return 1
  dir=$(cd "$base" && mktemp -d "$base/standby.XXXXXX") || return 1
  [[ $_CW_PG_RUN_AS == postgres ]] && { chown postgres: "$dir" || return 1; }
  chmod 700 "$dir"
  if ! (cd / && _cw_as_pg "$_CW_PG_BINDIR/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
    -D "$dir/data" -R -X stream -c fast --no-sync) >"$dir/basebackup.log" 2>&1; then
    _cw_err "pg_basebackup of the primary on port $primary_port failed:"
    _cw_show_log "$dir/basebackup.log"
    return 1
  fi
  port=$(_cw_replica_start "$dir/data" "$dir/server.log") || return 1
  url=postgresql://postgres@127.0.0.1:$port/candlewick_test
  # pg_ctl -w returns once the standby takes read-only connections; wait until it streams too.
  for ((i = 0; i < 300; i++)); do
    state=$(candlewick_psql "$url" -c 'select status from pg_stat_wal_receiver' 2>/dev/null || true)
    [[ $state == streaming ]] && break
    sleep 0.1
  done
  if [[ $state != streaming ]]; then
    _cw_err "the standby on port $port does not stream from the primary on port $primary_port:"
    _cw_show_log "$dir/server.log"
    return 1
  fi
  printf '%s %s\n' "$port" "$dir/data"
}

# EXIT trap body: stop every cluster under the pair's folder, delete it.
_cw_replica_cleanup() {
  local base=${_CW_REPLICA_BASE:-} data
  [[ -n $base && -d $base ]] || return 0
  for data in "$base"/*/data; do
    [[ -f $data/postmaster.pid ]] || continue
    (cd / && _cw_as_pg "$_CW_PG_BINDIR/pg_ctl" -D "$data" -m immediate -w -t 30 stop) >/dev/null 2>&1 || true
  done
  rm -rf -- "$base" || true
  _CW_REPLICA_BASE=
}

candlewick_start_replica_pair() {
  local base dir port standby
  _cw_ensure_client || return 1
  _cw_replica_setup || return 1
  # Reachable by "postgres": a private TMPDIR (e.g. under /root) is not.
  base=$(mktemp -d /tmp/candlewick-replicas.XXXXXX) || return 1
  chmod 755 "$base"
  # The clusters' sockets are in it.
  [[ $_CW_PG_RUN_AS == postgres ]] && { chown postgres: "$base" || return 1; }
  _CW_REPLICA_BASE=$base
  candlewick_on_exit _cw_replica_cleanup

  dir=$base/primary
  mkdir -m 700 "$dir" || return 1
  [[ $_CW_PG_RUN_AS == postgres ]] && { chown postgres: "$dir" || return 1; }
  if ! (cd / && _cw_as_pg "$_CW_PG_BINDIR/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C --no-sync) >"$dir/initdb.log" 2>&1; then
    _cw_err "initdb of the replication primary failed:"
    _cw_show_log "$dir/initdb.log"
    return 1
  fi
  cat >>"$dir/data/postgresql.conf" <<EOF

# Added by candlewick's scripts/lib/replicas.sh: a disposable primary with streaming standbys.
listen_addresses = '127.0.0.1'
unix_socket_directories = '${base//\'/\'\'}'
wal_level = replica
max_wal_senders = 10
wal_keep_size = '256MB'
hot_standby = on
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  printf 'host replication all 127.0.0.1/32 trust\n' >>"$dir/data/pg_hba.conf"
  port=$(_cw_replica_start "$dir/data" "$dir/server.log") || return 1
  if ! candlewick_psql "postgresql://postgres@127.0.0.1:$port/postgres" \
    -c 'create database candlewick_test' >/dev/null; then
    _cw_err "the replication primary on port $port started but 'create database' failed"
    return 1
  fi
  standby=$(candlewick_new_standby "$base" "$port") || return 1

  export CANDLEWICK_TEST_PRIMARY_URL=postgresql://postgres@127.0.0.1:$port/candlewick_test
  export CANDLEWICK_TEST_PRIMARY_PORT=$port
  export CANDLEWICK_TEST_REPLICA_URL=postgresql://postgres@127.0.0.1:${standby%% *}/candlewick_test
  export CANDLEWICK_TEST_REPLICA_DATA=${standby#* }
  CANDLEWICK_TEST_REPLICA_PID=$(head -n 1 "$CANDLEWICK_TEST_REPLICA_DATA/postmaster.pid")
  export CANDLEWICK_TEST_REPLICA_PID
  export CANDLEWICK_TEST_REPLICA_BASE=$base
  _cw_log "started a PostgreSQL primary ($CANDLEWICK_TEST_PRIMARY_URL) and a streaming standby" \
    "($CANDLEWICK_TEST_REPLICA_URL) in $base, removed on exit"
}
