# shellcheck shell=bash
#
# Validates the Kubernetes manifests in deploy/k8s/ against the Kubernetes API's schema with
# kubernetes-validate (PyPI), pinned in deploy/k8s/requirements.txt: strictly (an unknown field
# is an error), for the oldest version the Job needs (1.29: backoffLimitPerIndex) and the newest
# the validator knows. Sourced by scripts/test with `repo_root` set; runnable on its own too:
#
#   scripts/lib/kubernetes.sh     # installs into <cargo target dir>/toolchains/kubernetes-validate, then validates
#
# Installs only when the venv is missing or the pins differ from the copy taken at the last
# install (the stamp). Only PyPI is needed; the schemas ship inside the package.

# For candlewick_target_dir.
# shellcheck source=scripts/lib/rust.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/rust.sh"

# The Kubernetes versions the manifests must validate against.
CANDLEWICK_K8S_VERSIONS=(1.29 1.37)

candlewick_kubernetes_validate_venv() {
  local venv pins stamp
  venv="$(candlewick_target_dir)/toolchains/kubernetes-validate"
  pins=$repo_root/deploy/k8s/requirements.txt
  stamp=$venv/candlewick-requirements.txt
  if [[ -x $venv/bin/kubernetes-validate && -f $stamp ]] && cmp -s "$pins" "$stamp"; then
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || {
    printf 'kubernetes-validate: python3 not found: validating deploy/k8s needs Python 3.9+ with venv and pip\n' >&2
    return 1
  }
  printf 'installing kubernetes-validate into %s\n' "${venv#"$repo_root"/}" >&2
  if [[ ! -x $venv/bin/python ]]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2 || { printf 'kubernetes-validate: creating the venv %s failed\n' "$venv" >&2; return 1; }
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$pins" >&2 || {
    printf 'kubernetes-validate: pip install -r deploy/k8s/requirements.txt failed (is PyPI reachable?)\n' >&2
    return 1
  }
  cp "$pins" "$stamp"
}

# Validates every manifest of deploy/k8s/ against each version; says which failed.
candlewick_validate_k8s() {
  candlewick_kubernetes_validate_venv || return 1
  local venv version failed=0
  venv="$(candlewick_target_dir)/toolchains/kubernetes-validate"
  local manifests=("$repo_root"/deploy/k8s/*.yaml)
  for version in "${CANDLEWICK_K8S_VERSIONS[@]}"; do
    "$venv/bin/kubernetes-validate" --strict -k "$version" "${manifests[@]}" || failed=1
  done
  return "$failed"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -euo pipefail
  repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
  cd "$repo_root"
  candlewick_validate_k8s
fi
