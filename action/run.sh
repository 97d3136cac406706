#!/usr/bin/env bash
# The action's main step: turn the inputs into a git-fastrevert command line and run it. The
# binary itself writes the step outputs, the job summary and the annotations (Actions mode).
#
# Inputs are data, never flags: values travel as `--name=value`, revisions after `--`, and a
# target word that starts with `-` is refused. `args` is the one place for extra flags.
set -euo pipefail
set -f # targets and labels are words, never globs

# A workflow command's data: %, CR and LF escaped as the runner reads them, and every other
# control character shown as '?', so that no input can end the line and start a command of its
# own (a forged ::add-mask:: or ::warning::) or steer a terminal reading the log.
command_data() {
  local data=$1
  data=${data//'%'/'%25'}
  data=${data//$'\r'/'%0D'}
  data=${data//$'\n'/'%0A'}
  printf '%s' "$data" | LC_ALL=C tr '\000-\037\177' '?'
}

if [ -n "${INPUT_TOKEN:-}" ]; then
  echo "::add-mask::$(command_data "$INPUT_TOKEN")"
  export GITHUB_TOKEN="$INPUT_TOKEN"
  # Push with the token for this step only, as actions/checkout would, unless the checkout
  # kept its own credentials (persist-credentials: true): two headers would be refused.
  server="${GITHUB_SERVER_URL:-https://github.com}"
  if ! git config --get-all "http.$server/.extraheader" >/dev/null 2>&1; then
    basic=$(printf 'x-access-token:%s' "$INPUT_TOKEN" | base64 | tr -d '\n')
    echo "::add-mask::$basic"
    n="${GIT_CONFIG_COUNT:-0}"
    export "GIT_CONFIG_KEY_$n=http.$server/.extraheader"
    export "GIT_CONFIG_VALUE_$n=AUTHORIZATION: basic $basic"
    export GIT_CONFIG_COUNT=$((n + 1))
  fi
fi
export GIT_TERMINAL_PROMPT=0
export GITHUB_ACTIONS="${GITHUB_ACTIONS:-true}"

fail() {
  echo "::error title=git-fastrevert::$(command_data "$1")"
  exit 2
}

command="${INPUT_COMMAND:-revert}"
args=(--yes --json)
revs=()
[ -n "${INPUT_BASE:-}" ] && args+=("--base=$INPUT_BASE")

# Lists come comma or newline separated.
split() { tr ',\n' '  ' <<<"$1"; }
# The items of a list input (labels, reviewers): separated by commas or newlines, each
# trimmed; spaces inside an item stay ("good first issue" is one label).
items() {
  local item
  while IFS= read -r item; do
    item="${item#"${item%%[![:space:]]*}"}"
    item="${item%"${item##*[![:space:]]}"}"
    if [ -n "$item" ]; then printf '%s\n' "$item"; fi
  done < <(tr ',' '\n' <<<"$1")
}

# One target word: refused when it would read as an option.
target_word() {
  case "$1" in
    -*) fail "the target '$1' starts with '-': targets are revisions, pr:<N> or #<N>; put flags in the args input" ;;
  esac
}

case "$command" in
  revert)
    for t in $(split "${INPUT_TARGET:-}"); do
      target_word "$t"
      case "$t" in
        pr:* | \#*)
          number="${t#pr:}"
          number="${number#\#}"
          case "$number" in
            '' | *[!0-9]*) fail "'$t' is not a pull request number: use pr:<N> or #<N>" ;;
          esac
          args+=("--pr=$number")
          ;;
        *) revs+=("$t") ;;
      esac
    done
    ;;
  rollback)
    if [ -n "${INPUT_TARGET:-}" ]; then
      target_word "$INPUT_TARGET"
      args+=("--to=$INPUT_TARGET")
    fi
    mode="${INPUT_MODE:-commit}"
    case "$mode" in
      commit | reset) args+=("--mode=$mode") ;;
      *) fail "mode '$mode' is not commit or reset" ;;
    esac
    # Asking for a reset in a workflow is the confirmation.
    [ "$mode" = reset ] && args+=(--force)
    ;;
  prepare)
    if [ -n "${INPUT_TARGET:-}" ]; then
      target_word "$INPUT_TARGET"
      args+=("--rollout=$INPUT_TARGET")
    fi
    ;;
  check-migrations)
    if [ -n "${INPUT_TARGET:-}" ]; then
      target_word "$INPUT_TARGET"
      revs+=("$INPUT_TARGET")
    fi
    ;;
  switch)
    release="${INPUT_TARGET:-previous}"
    target_word "$release"
    revs+=("$release")
    [ -n "${INPUT_RELEASES:-}" ] && args+=("--releases=$INPUT_RELEASES")
    case "${INPUT_MARK_BAD:-false}" in
      true) args+=(--mark-bad) ;;
      false | '') ;;
      *) fail "mark-bad is '${INPUT_MARK_BAD}', not true or false" ;;
    esac
    case "${INPUT_REVERT:-false}" in
      true) args+=(--revert) ;;
      false | '') ;;
      *) fail "revert is '${INPUT_REVERT}', not true or false" ;;
    esac
    ;;
  *)
    fail "unknown command '$command': use revert, rollback, prepare, check-migrations or switch"
    ;;
esac

if [ "$command" = revert ] || [ "$command" = rollback ] || [ "$command" = switch ]; then
  case "${INPUT_DIRECT:-false}" in
    true) args+=(--direct) ;;
    false | '') ;;
    *) fail "direct is '${INPUT_DIRECT}', not true or false" ;;
  esac
  case "${INPUT_DRAFT:-false}" in
    true) args+=(--draft) ;;
    false | '') ;;
    *) fail "draft is '${INPUT_DRAFT}', not true or false" ;;
  esac
  case "${INPUT_SIGN_COMMITS:-false}" in
    true) args+=(--sign-with-github) ;;
    false | '') ;;
    *) fail "sign-commits is '${INPUT_SIGN_COMMITS}', not true or false" ;;
  esac
  [ -n "${INPUT_REASON:-}" ] && args+=("--reason=$INPUT_REASON")
  while IFS= read -r l; do args+=("--label=$l"); done < <(items "${INPUT_LABELS:-}")
  while IFS= read -r r; do args+=("--reviewer=$r"); done < <(items "${INPUT_REVIEWERS:-}")
fi

extra=()
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<<"$INPUT_ARGS"
fi

case "$command" in
  revert | check-migrations | switch) exec git-fastrevert "$command" "${args[@]}" "${extra[@]}" -- "${revs[@]}" ;;
  *) exec git-fastrevert "$command" "${args[@]}" "${extra[@]}" ;;
esac
