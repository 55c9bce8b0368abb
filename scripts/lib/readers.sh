# shellcheck shell=bash
#
# The Python readers the dataset tests read outputs back with (host/tests/datasets.rs): pandas,
# polars, pyarrow and DuckDB, pinned in host/tests/readers/requirements.txt. Sourced by
# scripts/test with `repo_root` set; safe under `set -euo pipefail`. Runnable on its own too:
#
#   scripts/lib/readers.sh        # <cargo target dir>/toolchains/readers: a venv with the readers
#
# Installs only when the venv is missing or the requirements differ from the copy taken at the
# last install (the stamp). Only PyPI is needed.

# For candlewick_target_dir.
# shellcheck source=scripts/lib/rust.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/rust.sh"

candlewick_readers_venv() {
  local venv pins stamp
  venv="$(candlewick_target_dir)/toolchains/readers"
  pins=$repo_root/host/tests/readers/requirements.txt
  stamp=$venv/candlewick-requirements.txt
  if [[ -x $venv/bin/python && -f $stamp ]] && cmp -s "$pins" "$stamp"; then
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || {
    printf 'readers: python3 not found: the dataset tests need Python 3.10 or later with venv and pip\n' >&2
    return 1
  }
  printf 'installing %s into %s\n' "$(grep -v '^#' "$pins" | tr '\n' ' ')" "${venv#"$repo_root"/}" >&2
  if [[ ! -x $venv/bin/python ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2 || { printf 'readers: creating the venv %s failed\n' "$venv" >&2; return 1; }
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$pins" >&2 || {
    printf 'readers: pip install -r host/tests/readers/requirements.txt failed (is PyPI reachable?)\n' >&2
    return 1
  }
  cp "$pins" "$stamp"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$repo_root"
  candlewick_readers_venv
fi
