# shellcheck shell=bash
#
# Find or start a PostgreSQL server for Candlewick's tests and demo.
#
#   source scripts/lib/postgres.sh
#   candlewick_ensure_postgres      # exports DATABASE_URL, or returns 1
#
# The resulting database lets its user CREATE SCHEMA and CREATE ROLE. Where it
# comes from, first match wins:
#
#   1. DATABASE_URL, if already set. It must be reachable; nothing else is tried,
#      so a typo never silently falls back to another server.
#   2. A server on 127.0.0.1:5432 that accepts user "postgres" without a
#      password: database "test" if it exists, else "candlewick_test" (created).
#   3. A throwaway cluster in a temporary directory, on 127.0.0.1 port 55432 or
#      the next free one. It is stopped and deleted when the calling shell
#      exits. The server packages are installed with apt-get if missing.
#
# CANDLEWICK_PG=throwaway skips 1 and 2 and always uses 3 (CANDLEWICK_PG=auto,
# the default, does not). After the call, CANDLEWICK_PG_SOURCE says which of
# "env", "local" or "throwaway" was used.
#
# Connection checks run psql with libpq's PG* environment variables and
# ~/.pgpass ignored: the Rust code sees only DATABASE_URL, so the check must too.

# shellcheck source=scripts/lib/on-exit.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/on-exit.sh"

# Which server candlewick_ensure_postgres chose: env, local or throwaway.
# shellcheck disable=SC2034  # read by the scripts that source this file
CANDLEWICK_PG_SOURCE=

_cw_log() { printf 'candlewick: %s\n' "$*" >&2; }
_cw_err() { printf 'candlewick: error: %s\n' "$*" >&2; }

# Print URL (or a "key=value ..." connection string) with passwords replaced by ***.
candlewick_mask_url() {
  printf '%s\n' "$1" | sed -E \
    -e 's#^([A-Za-z][A-Za-z0-9+.-]*://[^:@/]*):[^@/]*@#\1:***@#' \
    -e 's#([?&]password=)[^&]*#\1***#g' \
    -e "s#(^|[[:space:]])password[[:space:]]*=[[:space:]]*('[^']*'|[^[:space:]]*)#\\1password=***#g"
}

# Print the passwords in URL, one per line, so error text can be scrubbed of them.
_cw_url_passwords() {
  local url=$1 re_userinfo='^[A-Za-z][A-Za-z0-9+.-]*://[^:@/]*:([^@/]*)@'
  local re_param='[?&]password=([^&]*)'
  [[ $url =~ $re_userinfo ]] && printf '%s\n' "${BASH_REMATCH[1]}"
  [[ $url =~ $re_param ]] && printf '%s\n' "${BASH_REMATCH[1]}"
  return 0
}

# psql with no psqlrc, no prompts, unaligned tuples-only output, stop on error;
# ignores the PG* variables and ~/.pgpass (see above).
candlewick_psql() {
  env -u PGHOST -u PGHOSTADDR -u PGPORT -u PGUSER -u PGPASSWORD -u PGDATABASE \
    -u PGSERVICE -u PGSERVICEFILE -u PGOPTIONS \
    PGPASSFILE=/nonexistent/candlewick-no-pgpass \
    PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}" \
    psql -X -w -q -A -t -v ON_ERROR_STOP=1 "$@"
}

# Run a command as root: directly, or through sudo when available.
_cw_as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    _cw_err "need root to run '$*' (not root, no sudo); install it by hand and re-run"
    return 1
  fi
}

_cw_apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    _cw_err "PostgreSQL package(s) $* missing and no apt-get here; install them with your package manager, or set DATABASE_URL to an existing server"
    return 1
  fi
  _cw_log "installing $* with apt-get ..."
  # apt's progress goes to stderr so stdout stays clean for callers.
  _cw_as_root apt-get update -qq >&2 || return 1
  _cw_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || return 1
}

# psql and pg_isready are needed for every path's checks.
_cw_ensure_client() {
  if command -v psql >/dev/null 2>&1 && command -v pg_isready >/dev/null 2>&1; then
    return 0
  fi
  _cw_apt_install postgresql-client || return 1
  if ! command -v psql >/dev/null 2>&1 || ! command -v pg_isready >/dev/null 2>&1; then
    _cw_err "installed postgresql-client but psql/pg_isready are still not on PATH"
    return 1
  fi
}

# 1. An explicit DATABASE_URL: verify it, never replace it.
_cw_use_given_url() {
  local masked err pw ok
  masked=$(candlewick_mask_url "$DATABASE_URL")
  if ! err=$(candlewick_psql "$DATABASE_URL" -c 'select 1' 2>&1 >/dev/null); then
    # First line of psql's complaint, without its prefix or any password.
    err=$(printf '%s\n' "$err" | sed -n '/./{s/^psql: error: //;p;q;}')
    while IFS= read -r pw; do
      if [[ -n $pw ]]; then err=${err//"$pw"/***}; fi
    done < <(_cw_url_passwords "$DATABASE_URL")
    _cw_err "DATABASE_URL=$masked is not reachable: ${err:-psql failed}"
    return 1
  fi
  export DATABASE_URL
  CANDLEWICK_PG_SOURCE='env'
  _cw_log "using PostgreSQL from DATABASE_URL: $masked"

  # Tests create schemas and roles; warn early rather than fail obscurely later.
  ok=$(candlewick_psql "$DATABASE_URL" -c "select coalesce((select rolsuper or rolcreaterole from pg_roles where rolname = current_user), false) and has_database_privilege(current_database(), 'CREATE')" 2>/dev/null || true)
  if [[ $ok != t ]]; then
    _cw_log "warning: this user may not be allowed to CREATE SCHEMA / CREATE ROLE; some tests may fail"
  fi
}

# 2. A developer's local server on the default port, with trust auth.
_cw_try_local() {
  local base=postgresql://postgres@127.0.0.1:5432 db exists
  candlewick_psql "$base/postgres" -c 'select 1' >/dev/null 2>&1 || return 1

  exists=$(candlewick_psql "$base/postgres" -c "select 1 from pg_database where datname = 'test'" 2>/dev/null) || return 1
  if [[ $exists == 1 ]]; then
    db='test'
  else
    db=candlewick_test
    exists=$(candlewick_psql "$base/postgres" -c "select 1 from pg_database where datname = '$db'" 2>/dev/null) || return 1
    if [[ $exists != 1 ]]; then
      # A concurrent run may create it first; only a still-missing database is an error.
      if ! candlewick_psql "$base/postgres" -c "create database $db" >/dev/null 2>&1; then
        exists=$(candlewick_psql "$base/postgres" -c "select 1 from pg_database where datname = '$db'" 2>/dev/null || true)
        if [[ $exists != 1 ]]; then
          _cw_log "local server on 127.0.0.1:5432 answers but 'create database $db' failed; not using it"
          return 1
        fi
      fi
    fi
  fi
  candlewick_psql "$base/$db" -c 'select 1' >/dev/null 2>&1 || return 1

  export DATABASE_URL=$base/$db
  CANDLEWICK_PG_SOURCE=local
  _cw_log "using local PostgreSQL server: $DATABASE_URL"
}

# Directory holding initdb/pg_ctl/postgres, newest version first.
_cw_find_pg_bindir() {
  local f dir
  dir=$(for f in /usr/lib/postgresql/*/bin/initdb; do
    [[ -x $f ]] && printf '%s\n' "${f%/initdb}"
  done | sort -V | tail -n 1)
  # Non-Debian layouts: pg_config's bindir, or initdb on PATH.
  if [[ -z $dir ]] && command -v pg_config >/dev/null 2>&1; then
    f=$(pg_config --bindir 2>/dev/null || true)
    [[ -n $f && -x $f/initdb ]] && dir=$f
  fi
  if [[ -z $dir ]] && f=$(command -v initdb 2>/dev/null); then
    dir=${f%/initdb}
  fi
  [[ -n $dir && -x $dir/pg_ctl && -x $dir/postgres ]] || return 1
  printf '%s\n' "$dir"
}

# initdb and pg_ctl refuse to run as root, so root runs them as "postgres".
_cw_ensure_postgres_user() {
  id -u postgres >/dev/null 2>&1 && return 0
  if ! command -v useradd >/dev/null 2>&1; then
    _cw_err "system user 'postgres' is missing and useradd is not available to create it"
    return 1
  fi
  local -a group=(--user-group)
  getent group postgres >/dev/null 2>&1 && group=(--gid postgres)
  useradd --system "${group[@]}" --no-create-home --home-dir /var/lib/postgresql \
    --shell /usr/sbin/nologin postgres || return 1
  _cw_log "created system user 'postgres' to run the throwaway server"
}

# Run a server binary as the throwaway cluster's owner.
_cw_as_pg() {
  if [[ ${_CW_PG_RUN_AS:-self} == self ]]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su -s /bin/bash postgres -c "$(printf '%q ' "$@")"
  fi
}

_cw_port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# EXIT trap body: stop the throwaway server, delete its directory.
_cw_pg_cleanup() {
  local dir=${_CW_PG_DIR:-}
  [[ -n $dir && -d $dir ]] || return 0
  if [[ -f $dir/data/postmaster.pid ]]; then
    # Data is discarded anyway, so no need for a clean shutdown.
    (cd / && _cw_as_pg "$_CW_PG_BINDIR/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop) >/dev/null 2>&1 || true
  fi
  rm -rf -- "$dir" || true
  _CW_PG_DIR=
}

# Print the last lines of a log file, indented, to stderr.
_cw_show_log() {
  [[ -f $1 ]] || return 0
  tail -n 15 "$1" | sed 's/^/    /' >&2
}

# 3. A private cluster that lives as long as the calling shell.
_cw_start_throwaway() {
  local bindir dir base port url started=
  # Already started by an earlier call in this shell: reuse it.
  if [[ -n ${_CW_PG_DIR:-} && -n ${_CW_PG_URL:-} ]] && candlewick_psql "$_CW_PG_URL" -c 'select 1' >/dev/null 2>&1; then
    export DATABASE_URL=$_CW_PG_URL
    CANDLEWICK_PG_SOURCE=throwaway
    return 0
  fi

  if ! bindir=$(_cw_find_pg_bindir); then
    _cw_log "PostgreSQL server binaries not found"
    _cw_apt_install postgresql || return 1
    if ! bindir=$(_cw_find_pg_bindir); then
      _cw_err "installed postgresql but still cannot find initdb (looked in /usr/lib/postgresql/*/bin, pg_config --bindir, PATH)"
      return 1
    fi
  fi

  _CW_PG_RUN_AS=self
  if [[ $(id -u) -eq 0 ]]; then
    _cw_ensure_postgres_user || return 1
    _CW_PG_RUN_AS=postgres
  fi

  # The directory must be reachable by "postgres"; a private TMPDIR (e.g. under
  # /root) is not, so fall back to /tmp.
  for base in "${TMPDIR:-/tmp}" /tmp; do
    dir=$(mktemp -d "${base%/}/candlewick-pg.XXXXXX") || return 1
    if [[ $_CW_PG_RUN_AS == postgres ]]; then
      chown postgres: "$dir" || { rm -rf -- "$dir"; return 1; }
      if ! (cd / && _cw_as_pg test -w "$dir" -a -x "$dir"); then
        rm -rf -- "$dir"
        dir=
        continue
      fi
    fi
    break
  done
  if [[ -z $dir ]]; then
    _cw_err "cannot create a temporary directory that user 'postgres' can write"
    return 1
  fi
  _CW_PG_DIR=$dir
  _CW_PG_BINDIR=$bindir
  candlewick_on_exit _cw_pg_cleanup

  # Trust auth and no fsync: the cluster is disposable and only we can reach it.
  if ! (cd "$dir" && _cw_as_pg "$bindir/initdb" -D "$dir/data" -U postgres \
    --auth=trust --encoding=UTF8 --locale=C --no-sync) >"$dir/initdb.log" 2>&1; then
    _cw_err "initdb failed ($bindir/initdb):"
    _cw_show_log "$dir/initdb.log"
    return 1
  fi
  cat >>"$dir/data/postgresql.conf" <<EOF

# Added by candlewick's scripts/lib/postgres.sh: disposable test cluster.
listen_addresses = '127.0.0.1'
unix_socket_directories = '${dir//\'/\'\'}'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

  # Skip ports something already listens on; if we lose a race for the port,
  # the server fails to bind and we move on to the next one.
  for ((port = 55432; port < 55532; port++)); do
    _cw_port_in_use "$port" && continue
    rm -f -- "$dir/server.log"
    if (cd "$dir" && _cw_as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" \
      -o "-p $port" -w -t 60 start) >"$dir/pg_ctl.log" 2>&1; then
      started=1
      break
    fi
    grep -qE 'could not bind|could not create listen socket|[Aa]ddress already in use' \
      "$dir/server.log" 2>/dev/null && continue
    _cw_err "throwaway PostgreSQL failed to start (port $port):"
    _cw_show_log "$dir/pg_ctl.log"
    _cw_show_log "$dir/server.log"
    return 1
  done
  if [[ -z $started ]]; then
    _cw_err "no free port for a throwaway PostgreSQL in 55432-55531"
    return 1
  fi

  url=postgresql://postgres@127.0.0.1:$port
  if ! candlewick_psql "$url/postgres" -c 'create database candlewick_test' >/dev/null; then
    _cw_err "throwaway PostgreSQL on port $port started but 'create database' failed"
    return 1
  fi
  _CW_PG_URL=$url/candlewick_test
  export DATABASE_URL=$_CW_PG_URL
  CANDLEWICK_PG_SOURCE=throwaway
  _cw_log "started throwaway PostgreSQL $("$bindir/postgres" --version 2>/dev/null | awk '{print $3}') server: $DATABASE_URL (in $dir, removed on exit)"
}

candlewick_ensure_postgres() {
  _cw_ensure_client || return 1
  case ${CANDLEWICK_PG:-auto} in
    auto) ;;
    throwaway)
      if [[ -n ${DATABASE_URL:-} && $DATABASE_URL != "${_CW_PG_URL:-}" ]]; then
        _cw_log "CANDLEWICK_PG=throwaway: ignoring DATABASE_URL"
      fi
      _cw_start_throwaway
      return
      ;;
    *)
      _cw_err "CANDLEWICK_PG must be 'auto' or 'throwaway', not '$CANDLEWICK_PG'"
      return 1
      ;;
  esac

  if [[ -n ${DATABASE_URL:-} ]]; then
    _cw_use_given_url
    return
  fi
  _cw_try_local && return 0
  _cw_start_throwaway
}
