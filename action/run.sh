#!/usr/bin/env bash
# The action's main step: turn the inputs into a git-fastrevert command line and run it. The
# binary itself writes the step outputs, the job summary and the annotations (Actions mode).
set -euo pipefail
set -f # targets and labels are words, never globs

if [ -n "${INPUT_TOKEN:-}" ]; then
  echo "::add-mask::$INPUT_TOKEN"
  export GITHUB_TOKEN="$INPUT_TOKEN"
fi
export GIT_TERMINAL_PROMPT=0
export GITHUB_ACTIONS="${GITHUB_ACTIONS:-true}"

command="${INPUT_COMMAND:-revert}"
args=(--yes --json)
[ -n "${INPUT_BASE:-}" ] && args+=(--base "$INPUT_BASE")

# Lists come comma or newline separated.
split() { tr ',\n' '  ' <<<"$1"; }

case "$command" in
  revert)
    for t in $(split "${INPUT_TARGET:-}"); do
      case "$t" in
        pr:*) args+=(--pr "${t#pr:}") ;;
        \#*) args+=(--pr "${t#\#}") ;;
        *) args+=("$t") ;;
      esac
    done
    ;;
  rollback)
    [ -n "${INPUT_TARGET:-}" ] && args+=(--to "$INPUT_TARGET")
    args+=(--mode "${INPUT_MODE:-commit}")
    # Asking for a reset in a workflow is the confirmation.
    [ "${INPUT_MODE:-commit}" = reset ] && args+=(--force)
    ;;
  prepare)
    [ -n "${INPUT_TARGET:-}" ] && args+=(--rollout "$INPUT_TARGET")
    ;;
  check-migrations)
    [ -n "${INPUT_TARGET:-}" ] && args+=("$INPUT_TARGET")
    ;;
  *)
    echo "::error title=git-fastrevert::unknown command '$command': use revert, rollback, prepare or check-migrations"
    exit 2
    ;;
esac

if [ "$command" = revert ] || [ "$command" = rollback ]; then
  [ "${INPUT_DIRECT:-false}" = true ] && args+=(--direct)
  [ "${INPUT_DRAFT:-false}" = true ] && args+=(--draft)
  [ -n "${INPUT_REASON:-}" ] && args+=(--reason "$INPUT_REASON")
  for l in $(split "${INPUT_LABELS:-}"); do args+=(--label "$l"); done
  for r in $(split "${INPUT_REVIEWERS:-}"); do args+=(--reviewer "$r"); done
fi

extra=()
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<<"$INPUT_ARGS"
fi

exec git-fastrevert "$command" "${args[@]}" "${extra[@]}"
