# shellcheck shell=bash
#
# The Python reference toolchain: pandas and numpy, pinned in tests/reference/requirements.txt,
# for the independent value checks of the example plugins (plugins/*/reference.py, run by
# host/tests/examples_0_2.rs) and for tests/fixtures/examples/make_fixtures.py. Sourced by
# scripts/test with `repo_root` set; safe under `set -euo pipefail`. Only PyPI is needed.
#
#   candlewick_reference_toolchain   # <cargo target dir>/toolchains/python-reference: a venv with the pins
#
# The venv is a build cache like cargo's, in cargo's target directory; the tests find its python
# there (or at $CANDLEWICK_REFERENCE_PYTHON) and fail, saying how to install it, when it is missing.

# For candlewick_target_dir.
# shellcheck source=scripts/lib/rust.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/rust.sh"

# Creates or reuses the venv; installs only when it is missing or the requirements differ from the
# copy taken at the last install (the stamp).
candlewick_reference_toolchain() {
  [[ -n ${repo_root:-} ]] || {
    printf 'reference toolchain: repo_root is not set (source this file from scripts/test)\n' >&2
    return 1
  }
  local venv pins stamp
  venv=$(candlewick_target_dir)/toolchains/python-reference
  pins=$repo_root/tests/reference/requirements.txt
  stamp=$venv/candlewick-requirements.txt
  if [[ -x $venv/bin/python && -f $stamp ]] && cmp -s "$pins" "$stamp"; then
    return 0
  fi
  command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' 2>/dev/null || {
    printf 'reference toolchain: python3 with venv and pip not found (Debian/Ubuntu: apt-get install python3 python3-venv python3-pip)\n' >&2
    return 1
  }
  printf 'installing %s into %s\n' "$(grep -v '^#' "$pins" | tr '\n' ' ')" "${venv#"$repo_root"/}" >&2
  if [[ ! -x $venv/bin/python ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2 || {
      printf 'reference toolchain: creating the venv %s failed\n' "$venv" >&2
      return 1
    }
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$pins" >&2 || {
    printf 'reference toolchain: pip install -r tests/reference/requirements.txt failed (is PyPI reachable?)\n' >&2
    return 1
  }
  cp "$pins" "$stamp"
}
