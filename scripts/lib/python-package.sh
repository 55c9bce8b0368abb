# The `candlewick` Python package (crates/candlewick-python): built into a wheel with maturin and
# tested with pytest against the installed wheel. Sourced by scripts/test:
#
#   candlewick_python_package      # build the wheel, install it into a venv, run its tests
#   scripts/lib/python-package.sh  # the same, run directly
#
# The venv is <cargo target dir>/toolchains/python-package, with maturin, pytest, pyarrow, pandas
# and polars pinned in crates/candlewick-python/requirements-dev.txt (reinstalled when it
# changes). The wheel is built in cargo's dev profile, so it reuses the build the other tests made
# (a release wheel is `pip install crates/candlewick-python`); it lands in <target>/wheels/. The
# tests need the plugins (scripts/build-plugins, scripts/build-hostile) and the `candlewick`
# binary (cargo build), which scripts/test has built by then. pytest's summary is printed again as
# a `test result:` line, which scripts/test counts.

# shellcheck source=scripts/lib/rust.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/rust.sh"

candlewick_python_package() {
  [[ -n ${repo_root:-} ]] || { printf 'python-package: repo_root is not set\n' >&2; return 1; }
  local target venv pins stamp wheel out status=0 passed failed
  target=$(candlewick_target_dir)
  venv=$target/toolchains/python-package
  pins=$repo_root/crates/candlewick-python/requirements-dev.txt
  stamp=$venv/candlewick-requirements.txt
  if ! [[ -x $venv/bin/python && -f $stamp ]] || ! cmp -s "$pins" "$stamp"; then
    command -v python3 >/dev/null 2>&1 || {
      printf 'python-package: python3 not found: the package needs Python 3.9 or later with venv and pip\n' >&2
      return 1
    }
    printf 'installing %s into %s\n' "$(grep -v '^#' "$pins" | tr '\n' ' ')" "${venv#"$repo_root"/}" >&2
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv" >&2 || return 1
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$pins" >&2 || {
      printf 'python-package: pip install -r %s failed (is PyPI reachable?)\n' "${pins#"$repo_root"/}" >&2
      return 1
    }
    cp "$pins" "$stamp"
  fi
  rm -rf "$target/wheels/candlewick-"*.whl
  "$venv/bin/maturin" build --quiet --profile dev --locked --interpreter "$venv/bin/python" \
    --manifest-path "$repo_root/crates/candlewick-python/Cargo.toml" --out "$target/wheels" >&2 || {
    printf 'python-package: maturin build failed\n' >&2
    return 1
  }
  wheel=$(ls "$target/wheels/candlewick-"*.whl)
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel" >&2 || return 1
  out=$(cd "$repo_root/crates/candlewick-python" &&
    CANDLEWICK_REPO=$repo_root CARGO_TARGET_DIR=$target "$venv/bin/python" -m pytest -q -p no:cacheprovider tests 2>&1) || status=$?
  printf '%s\n' "$out"
  passed=$({ grep -oE '[0-9]+ passed' <<<"$out" || true; } | awk '{ n += $1 } END { print n + 0 }')
  failed=$({ grep -oE '[0-9]+ (failed|error)' <<<"$out" || true; } | awk '{ n += $1 } END { print n + 0 }')
  if ((status != 0 && failed == 0)); then failed=1; fi
  printf 'test result: %s. %d passed; %d failed (crates/candlewick-python)\n' \
    "$( ((status == 0)) && echo ok || echo FAILED)" "$passed" "$failed"
  return "$status"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$repo_root"
  candlewick_python_package
fi
