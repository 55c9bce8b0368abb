#!/usr/bin/env bash
# shellcheck shell=bash
#
# A throwaway Azure Blob Storage for the `az://` output test (host/tests/object_store.rs): Azurite,
# Microsoft's Azure Storage emulator, from the npm registry (pinned by scripts/lib/azurite's
# package-lock.json), installed with `npm ci` into <cargo target dir>/toolchains/azurite on first
# use, started on a free loopback port with its data in a temporary folder, and stopped and removed
# when the calling shell exits (as scripts/lib/seaweedfs.sh does for S3).
#
#   source scripts/lib/azurite.sh
#   candlewick_ensure_azure      # exports the variables below, or returns 1
#
#   AZURITE_BLOB_STORAGE_URL           http://127.0.0.1:<port> (what object_store's emulator mode reads)
#   CANDLEWICK_TEST_AZURE_CONTAINER    a container made for the run
#
# With AZURITE_BLOB_STORAGE_URL already set, nothing is started: CANDLEWICK_TEST_AZURE_CONTAINER
# must be set too. Runnable on its own (`scripts/lib/azurite.sh`): starts the server, prints the
# variables and waits until Ctrl-C.

# For candlewick_target_dir.
# shellcheck source=scripts/lib/rust.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/rust.sh"
# shellcheck source=scripts/lib/on-exit.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/on-exit.sh"

_cw_az_log() { printf 'azurite: %s\n' "$*" >&2; }

# The folder Azurite and the Azure SDK are installed in, `npm ci`'d again when the lock changed.
_cw_az_toolchain() {
  local lib dir
  lib="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/azurite"
  dir="$(candlewick_target_dir)/toolchains/azurite"
  if [[ -x $dir/node_modules/.bin/azurite-blob ]] && cmp -s "$lib/package-lock.json" "$dir/package-lock.json"; then
    printf '%s\n' "$dir"
    return 0
  fi
  command -v npm >/dev/null 2>&1 || { _cw_az_log "npm not found: Azurite is installed from the npm registry"; return 1; }
  _cw_az_log "installing Azurite (npm ci) into ${dir#"${repo_root:-}"/}"
  rm -rf -- "$dir"
  mkdir -p -- "$dir" || return 1
  cp -- "$lib/package.json" "$lib/package-lock.json" "$lib/make-container.js" "$dir/" || return 1
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) || {
    _cw_az_log "npm ci failed in $dir (is the npm registry reachable?)"
    return 1
  }
  printf '%s\n' "$dir"
}

_cw_az_cleanup() {
  if [[ -n ${_CW_AZ_PID:-} ]]; then
    kill -TERM -- "-$_CW_AZ_PID" 2>/dev/null || kill -TERM "$_CW_AZ_PID" 2>/dev/null || true
    _CW_AZ_PID=
  fi
  if [[ -n ${_CW_AZ_DIR:-} && -d $_CW_AZ_DIR ]]; then
    rm -rf -- "$_CW_AZ_DIR" || true
  fi
  _CW_AZ_DIR=
}

candlewick_ensure_azure() {
  if [[ -n ${AZURITE_BLOB_STORAGE_URL:-} ]]; then
    [[ -n ${CANDLEWICK_TEST_AZURE_CONTAINER:-} ]] || {
      _cw_az_log "AZURITE_BLOB_STORAGE_URL is set but CANDLEWICK_TEST_AZURE_CONTAINER is not"
      return 1
    }
    _cw_az_log "using the Azurite at $AZURITE_BLOB_STORAGE_URL"
    return 0
  fi
  local toolchain dir port i container=candlewick-test
  toolchain=$(_cw_az_toolchain) || return 1
  dir=$(mktemp -d "${TMPDIR:-/tmp}/candlewick-azurite.XXXXXX") || return 1
  _CW_AZ_DIR=$dir
  candlewick_on_exit _cw_az_cleanup
  for ((port = 19100; port < 54000; port += 7)); do
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  done
  # Its own process group, so that stopping it stops node and anything it started.
  setsid "$toolchain/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$port" \
    --location "$dir/data" --disableTelemetry --skipApiVersionCheck >"$dir/azurite.log" 2>&1 </dev/null &
  _CW_AZ_PID=$!
  export AZURITE_BLOB_STORAGE_URL=http://127.0.0.1:$port
  for ((i = 0; i < 100; i++)); do
    kill -0 "$_CW_AZ_PID" 2>/dev/null || break
    node "$toolchain/make-container.js" "$container" 2>/dev/null && break
    sleep 0.2
  done
  if ! node "$toolchain/make-container.js" "$container"; then
    _cw_az_log "Azurite did not come up on 127.0.0.1:$port; its log:"
    tail -n 15 "$dir/azurite.log" | sed 's/^/    /' >&2
    unset AZURITE_BLOB_STORAGE_URL
    return 1
  fi
  export CANDLEWICK_TEST_AZURE_CONTAINER=$container
  _cw_az_log "started Azurite $(node -p "require('$toolchain/node_modules/azurite/package.json').version"): $AZURITE_BLOB_STORAGE_URL, container $container (in $dir, removed on exit)"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$repo_root"
  candlewick_ensure_azure
  printf 'export AZURE_STORAGE_USE_EMULATOR=true AZURITE_BLOB_STORAGE_URL=%s CANDLEWICK_TEST_AZURE_CONTAINER=%s\n' \
    "$AZURITE_BLOB_STORAGE_URL" "$CANDLEWICK_TEST_AZURE_CONTAINER"
  _cw_az_log "Ctrl-C stops it"
  trap 'kill "$!" 2>/dev/null; exit 0' INT TERM
  # A signal interrupts `wait` (not a foreground sleep), so the cleanup runs at once.
  while :; do
    sleep 3600 &
    wait $!
  done
fi
