# shellcheck shell=bash
#
# The Python and JavaScript guest toolchains, and the builds of the plugins that use them.
# Sourced by scripts/build-plugins after the Rust plugins are built, and by scripts/test and
# scripts/check-templates, with `repo_root` set and the working directory at the repository root;
# safe under `set -euo pipefail`. Every function returns non-zero with a message on stderr when it
# fails, and prints nothing when there is nothing to do. Those taking NAMEs act on the plugins of
# those names only, or on all when none is given.
#
#   candlewick_python_toolchain              # <cargo target dir>/toolchains/python: a venv with componentize-py
#   candlewick_build_python_plugins [NAME…]  # plugins/python/<name>/ → target/plugins/<name>.wasm
#   candlewick_build_bench_plugins           # tests/bench-plugins/<name>/ (Python) → target/bench-plugins/<name>.wasm
#   candlewick_build_js_plugins [NAME…]      # plugins/js/<name>/     → target/plugins/<name>.wasm
#   candlewick_test_guest_plugins [NAME…]    # their own unit tests (unittest, npm test), counted like cargo's
#
# A plugin folder, in either language, holds a one-line file `world` naming the WIT world it
# implements (`feature-builder`, `sampler`, `cross-section`, `columnar-feature-builder` or
# `columnar-sampler` of contract 0.2, see wit/plugin.wit)
# and its entry module:
#
#   - Python: `<module>.py`, module = the folder's name with `-` as `_`; it defines the class
#     `WitWorld`. The folder, then plugins/python/lib/ (the `series` module over the host's
#     kernels), are the component's Python path (their modules are bundled); componentize-py is
#     pinned in plugins/python/requirements.txt.
#   - JavaScript: the `main` file of the folder's package.json, an ES module importing the WIT
#     interfaces and, by relative paths, other modules of the folder (`./series.js`), which
#     componentize-js bundles (scripts/lib/componentize-js.mjs gives it the entry's path);
#     package.json pins @bytecodealliance/jco and @bytecodealliance/componentize-js exactly, and
#     the committed package-lock.json everything beneath them.
#
# A component is rebuilt only when a file of its folder, the WIT package (wit/*.wit), its
# toolchain's pins or this file is newer than it. Only the package registries are needed (PyPI,
# npm): no other download happens here.

# For candlewick_target_dir.
# shellcheck source=scripts/lib/rust.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/rust.sh"

# Prints the plugin folders under plugins/<lang>/, one per line: those named by the other
# arguments, or all when there are none.
candlewick__plugin_dirs() {
  local lang=$1 dir name
  shift
  for dir in "$repo_root/plugins/$lang"/*/; do
    [[ -d $dir ]] || continue
    dir=${dir%/}
    # Not plugins: plugins/<lang>/wit-stub/ is the reader and kernels stub that language's native
    # tests share, plugins/<lang>/lib/ the modules every plugin of it may import (series).
    [[ ${dir##*/} != wit-stub && ${dir##*/} != lib ]] || continue
    if (($# == 0)); then
      printf '%s\n' "$dir"
      continue
    fi
    for name in "$@"; do
      if [[ ${dir##*/} == "$name" ]]; then printf '%s\n' "$dir"; fi
    done
  done
  return 0
}

# The Python toolchain's venv. It is a build cache like cargo's, so it lives in cargo's target
# directory: a temporary copy of the checkout that builds into this checkout's target directory
# (scripts/check-templates) shares it instead of installing it again.
candlewick__python_venv() {
  printf '%s\n' "$(candlewick_target_dir)/toolchains/python"
}

# Prints an error for scripts/build-plugins and fails.
candlewick__fail() {
  printf 'scripts/build-plugins: %s\n' "$*" >&2
  return 1
}

# Succeeds when `$1` exists and nothing in the other arguments (files or folders, searched
# recursively, skipping node_modules and __pycache__) is newer than it.
candlewick__up_to_date() {
  local out=$1
  shift
  [[ -f $out ]] || return 1
  local newer
  newer=$(find "$@" \( -name node_modules -o -name __pycache__ \) -prune -o -type f -newer "$out" -print -quit)
  [[ -z $newer ]]
}

# The WIT package the plugins build against: the files of wit/ (contract 0.2), not the older
# contracts kept beside it in wit/<version>/, which no build here reads.
candlewick__wit_files() {
  local file
  for file in "$repo_root"/wit/*.wit; do
    [[ -f $file ]] && printf '%s\n' "$file"
  done
  return 0
}

# The world named by `$1/world`, checked against the worlds of wit/plugin.wit.
candlewick__world() {
  local dir=$1 world
  [[ -f $dir/world ]] ||
    candlewick__fail "$dir: no world file (expected one line: feature-builder, sampler, cross-section, columnar-feature-builder or columnar-sampler)" || return 1
  world=$(tr -d '[:space:]' <"$dir/world")
  case $world in
    feature-builder | sampler | cross-section | columnar-feature-builder | columnar-sampler) printf '%s\n' "$world" ;;
    *) candlewick__fail "$dir/world: unknown world \"$world\" (expected feature-builder, sampler, cross-section, columnar-feature-builder or columnar-sampler)" ;;
  esac
}

# Creates or reuses the venv (candlewick__python_venv) with the pinned componentize-py; installs
# only when the venv is missing or plugins/python/requirements.txt differs from the copy taken
# at the last install (the stamp).
candlewick_python_toolchain() {
  [[ -n ${repo_root:-} ]] || candlewick__fail "repo_root is not set (source this file from scripts/build-plugins)" || return 1
  local venv
  venv=$(candlewick__python_venv)
  local pins=$repo_root/plugins/python/requirements.txt
  local stamp=$venv/candlewick-requirements.txt
  if [[ -x $venv/bin/componentize-py && -f $stamp ]] && cmp -s "$pins" "$stamp"; then
    return 0
  fi
  command -v python3 >/dev/null 2>&1 ||
    candlewick__fail "python3 not found: the Python plugins need Python 3.9 or later with venv and pip (Debian/Ubuntu: apt-get install python3 python3-venv python3-pip)" ||
    return 1
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
    candlewick__fail "$(python3 --version 2>&1) is too old: the Python plugins need Python 3.9 or later" ||
    return 1
  python3 -c 'import venv, ensurepip' 2>/dev/null ||
    candlewick__fail "python3 has no venv or pip (ensurepip): install them (Debian/Ubuntu: apt-get install python3-venv python3-pip)" ||
    return 1
  printf 'installing %s into %s\n' "$(grep -v '^#' "$pins" | tr '\n' ' ')" "${venv#"$repo_root"/}" >&2
  if [[ ! -x $venv/bin/python ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2 || candlewick__fail "creating the venv $venv failed" || return 1
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$pins" >&2 ||
    candlewick__fail "pip install -r plugins/python/requirements.txt failed (is PyPI reachable?)" || return 1
  cp "$pins" "$stamp"
}

# Builds each plugins/python/<name>/ (of the NAMEs given, or all) with componentize-py into
# target/plugins/<name>.wasm.
candlewick_build_python_plugins() {
  [[ -n ${repo_root:-} ]] || candlewick__fail "repo_root is not set (source this file from scripts/build-plugins)" || return 1
  local dirs
  mapfile -t dirs < <(candlewick__plugin_dirs python "$@")
  candlewick__build_python_dirs "$repo_root/target/plugins" "${dirs[@]}"
}

# Builds each Python plugin folder given after OUT_DIR into OUT_DIR/<name>.wasm, as
# candlewick_build_python_plugins describes (with plugins/python/lib on the Python path).
candlewick__build_python_dirs() {
  local out_dir=$1 dir
  shift
  local dirs=("$@")
  ((${#dirs[@]} > 0)) || return 0
  candlewick_python_toolchain || return 1
  local venv
  venv=$(candlewick__python_venv)
  mkdir -p "$out_dir"
  local name module world out wit_files
  mapfile -t wit_files < <(candlewick__wit_files)
  for dir in "${dirs[@]}"; do
    name=$(basename "$dir")
    module=${name//-/_}
    world=$(candlewick__world "$dir") || return 1
    [[ -f $dir/$module.py ]] || candlewick__fail "$dir: no $module.py (the entry module, defining class WitWorld)" || return 1
    out=$out_dir/$name.wasm
    if candlewick__up_to_date "$out" "$dir" "$repo_root/plugins/python/lib" "${wit_files[@]}" \
      "$repo_root/plugins/python/requirements.txt" "${BASH_SOURCE[0]}"; then
      continue
    fi
    printf 'building %s (Python, world %s)\n' "${out#"$repo_root"/}" "$world" >&2
    # VIRTUAL_ENV: componentize-py adds that venv's site-packages to the component's Python path;
    # without it, it would take the site-packages of whatever python3 is first on PATH. Ours holds
    # only the toolchain, which the plugin does not import, so nothing of it is bundled.
    # The output is written beside and moved, so that a failed build never looks up to date.
    (cd "$repo_root" && VIRTUAL_ENV=$venv "$venv/bin/componentize-py" -d wit -w "$world" \
      componentize -p "$dir" -p plugins/python/lib "$module" -o "$out.partial" >/dev/null) ||
      candlewick__fail "componentize-py failed for ${dir#"$repo_root"/}" || return 1
    mv -f "$out.partial" "$out"
  done
}

# Builds the benchmark's baseline plugins, tests/bench-plugins/<name>/ (Python, laid out as a
# plugin of plugins/python/), into target/bench-plugins/<name>.wasm: the job benchmark's
# `guest-kernels` part measures the plugins against them.
candlewick_build_bench_plugins() {
  [[ -n ${repo_root:-} ]] || candlewick__fail "repo_root is not set (source this file from scripts/build-bench-plugins)" || return 1
  local dirs=() dir
  for dir in "$repo_root"/tests/bench-plugins/*/; do
    [[ -d $dir ]] && dirs+=("${dir%/}")
  done
  candlewick__build_python_dirs "$repo_root/target/bench-plugins" "${dirs[@]}"
}

# Builds each plugins/js/<name>/ (of the NAMEs given, or all) with its pinned jco into
# target/plugins/<name>.wasm, after an `npm ci` whenever its node_modules is missing or older than
# its package-lock.json.
candlewick_build_js_plugins() {
  [[ -n ${repo_root:-} ]] || candlewick__fail "repo_root is not set (source this file from scripts/build-plugins)" || return 1
  local dirs dir
  mapfile -t dirs < <(candlewick__plugin_dirs js "$@")
  ((${#dirs[@]} > 0)) || return 0
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    candlewick__fail "node or npm not found: the JavaScript plugins need Node.js 20 or later with npm (Debian/Ubuntu: apt-get install nodejs npm, where that nodejs is 20 or later)"
    return 1
  fi
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
    candlewick__fail "node $(node --version) is too old: the JavaScript plugins need Node.js 20 or later" ||
    return 1
  local out_dir=$repo_root/target/plugins
  mkdir -p "$out_dir"
  local name world main out stamp wit_files
  mapfile -t wit_files < <(candlewick__wit_files)
  for dir in "${dirs[@]}"; do
    name=$(basename "$dir")
    world=$(candlewick__world "$dir") || return 1
    [[ -f $dir/package-lock.json ]] ||
      candlewick__fail "$dir: no package-lock.json (run npm install there and commit it: the toolchain is pinned by it)" ||
      return 1
    # The stamp is the lock file as last installed: `npm ci` reinstalls everything, ~10 s.
    stamp=$dir/node_modules/.candlewick-package-lock.json
    if ! { [[ -f $stamp ]] && cmp -s "$dir/package-lock.json" "$stamp"; }; then
      printf 'installing the JavaScript toolchain of plugins/js/%s (npm ci)\n' "$name" >&2
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
        candlewick__fail "npm ci failed in plugins/js/$name (is the npm registry reachable?)" || return 1
      cp "$dir/package-lock.json" "$stamp"
    fi
    main=$(cd "$dir" && node -p 'require("./package.json").main || ""')
    [[ -n $main && -f $dir/$main ]] ||
      candlewick__fail "$dir/package.json: \"main\" must name the entry module (got \"$main\")" || return 1
    out=$out_dir/$name.wasm
    if candlewick__up_to_date "$out" "$dir" "${wit_files[@]}" "${BASH_SOURCE[0]}" \
      "$repo_root/scripts/lib/componentize-js.mjs"; then
      continue
    fi
    printf 'building %s (JavaScript, world %s)\n' "${out#"$repo_root"/}" "$world" >&2
    # Every WASI feature but stdio disabled (random, clocks, http, fetch-event), as `jco componentize
    # --disable clocks http random fetch-event` would. Stdio is kept because the host quotes the end
    # of stderr when a unit crashes: an uncaught error prints its message there. componentize-js is
    # called with the entry's path rather than through `jco componentize`, which passes its text
    # and so loses the module's relative imports.
    node "$repo_root/scripts/lib/componentize-js.mjs" "$dir" "$repo_root/wit" "$world" "$out.partial" >/dev/null ||
      candlewick__fail "componentize-js failed for plugins/js/$name" || return 1
    mv -f "$out.partial" "$out"
  done
}

# Runs the Python and JavaScript plugins' own unit tests (`python3 -m unittest`, `npm test`) and
# closes each with a line in cargo's form, `test result: ok. N passed; M failed`, so that
# scripts/test counts them in its total. Fails when any of them fails.
candlewick_test_guest_plugins() {
  [[ -n ${repo_root:-} ]] || candlewick__fail "repo_root is not set (source this file from scripts/test or scripts/check-templates)" || return 1
  local dirs dir name out status ran failed outcome=0
  mapfile -t dirs < <(candlewick__plugin_dirs python "$@" && candlewick__plugin_dirs js "$@")
  for dir in "${dirs[@]}"; do
    name=${dir#"$repo_root"/}
    status=0
    if [[ $name == plugins/python/* ]]; then
      out=$(cd "$dir" && python3 -m unittest 2>&1) || status=$?
      ran=$(sed -nE 's/^Ran ([0-9]+) tests?.*/\1/p' <<<"$out")
      # grep finds nothing when all pass: `|| true` keeps pipefail from ending the script there.
      failed=$({ grep -oE '(failures|errors)=[0-9]+' <<<"$out" || true; } | awk -F= '{ n += $2 } END { print n + 0 }')
    else
      out=$(cd "$dir" && npm test --silent 2>&1) || status=$?
      ran=$(sed -nE 's/^# tests ([0-9]+)$/\1/p' <<<"$out")
      failed=$(sed -nE 's/^# fail ([0-9]+)$/\1/p' <<<"$out")
    fi
    printf '%s\n' "$out"
    ran=${ran:-0} failed=${failed:-0}
    if ((status != 0 || ran == 0)); then
      ((failed > 0)) || failed=1
      outcome=1
    fi
    printf 'test result: %s. %d passed; %d failed (%s)\n' \
      "$( ((status == 0)) && echo ok || echo FAILED)" "$((ran - failed < 0 ? 0 : ran - failed))" "$failed" "$name"
  done
  return "$outcome"
}
