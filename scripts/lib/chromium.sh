# shellcheck shell=bash
#
# A real browser for the report test (host/tests/report.rs): Debian's chromium, run headless.
# Sourced by scripts/test; safe under `set -euo pipefail`. Runnable on its own too:
#
#   scripts/lib/chromium.sh       # installs chromium with apt-get when /usr/bin/chromium is missing
#
# CANDLEWICK_CHROMIUM, when set, names another Chromium binary and nothing is installed.

candlewick_chromium() {
  if [[ -n ${CANDLEWICK_CHROMIUM:-} ]]; then
    [[ -x $CANDLEWICK_CHROMIUM ]] || {
      printf 'chromium: CANDLEWICK_CHROMIUM=%s is not an executable\n' "$CANDLEWICK_CHROMIUM" >&2
      return 1
    }
    return 0
  fi
  if [[ -x /usr/bin/chromium ]]; then
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || {
    printf 'chromium: /usr/bin/chromium is missing and there is no apt-get here: install Chromium, or set CANDLEWICK_CHROMIUM\n' >&2
    return 1
  }
  local as_root=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || {
      printf 'chromium: installing it needs root (no sudo here): apt-get install -y chromium\n' >&2
      return 1
    }
    as_root=(sudo)
  fi
  printf 'installing chromium with apt-get (for the report test) ...\n' >&2
  "${as_root[@]}" apt-get update -qq >&2 || return 1
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2 || {
    printf 'chromium: apt-get install -y chromium failed\n' >&2
    return 1
  }
  [[ -x /usr/bin/chromium ]] || {
    printf 'chromium: installed, but /usr/bin/chromium is still missing\n' >&2
    return 1
  }
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  candlewick_chromium
fi
