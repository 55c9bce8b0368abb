# shellcheck shell=bash
#
# `candlewick_on_exit COMMAND`: runs COMMAND when the shell exits, before (not instead of) the EXIT
# trap already set. The throwaway servers of the tests (postgres.sh, replicas.sh, seaweedfs.sh,
# azurite.sh) stop and delete themselves with it, whichever of them a script starts.

candlewick_on_exit() {
  local prev
  local -a parsed
  prev=$(trap -p EXIT)
  if [[ -n $prev ]]; then
    # `trap -p` prints: trap -- 'QUOTED BODY' EXIT
    eval "parsed=(${prev#trap -- })"
    # shellcheck disable=SC2064  # expand the previous body now, on purpose
    trap "$1; ${parsed[0]}" EXIT
  else
    # shellcheck disable=SC2064
    trap "$1" EXIT
  fi
}
