# Shared by the tmux end-to-end scripts (source it after setting E2E_NAME): a private tmux server,
# the real binary built once, screens read with capture-pane, every wait a poll until a deadline.
#
#   E2E_NAME=serve; . "$(dirname "$0")/lib.sh"
#
# It sets ROOT, WORK (removed on exit), BIN, SESSION (the default session; every screen helper
# takes the session from $SESSION, so a script driving two apps sets SESSION=... around its calls
# or uses `on SESSION cmd ...`), and kills the tmux server and a started `pindesk serve` on exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pindesk-e2e-$E2E_NAME.XXXXXX")"
SOCKET="pindesk-e2e-$E2E_NAME-$$"
SESSION="e2e"
DEADLINE_S="${PINDESK_E2E_DEADLINE:-20}"
SERVER_PID=""

tm() { tmux -L "$SOCKET" "$@"; }

cleanup() {
  tm kill-server >/dev/null 2>&1 || true
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf 'e2e-%s: %s\n' "$E2E_NAME" "$*"; }

if ! command -v tmux >/dev/null 2>&1; then
  log "installing tmux"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends tmux >/dev/null
fi

log "building pindesk"
(cd "$ROOT" && go build -o "$WORK/pindesk" .)
BIN="$WORK/pindesk"

export HOME="$WORK/home"
mkdir -p "$HOME"

screen() { tm capture-pane -p -t "$SESSION" 2>/dev/null || true; }

fail() {
  log "FAIL: $*"
  echo "----- screen ($SESSION) -----"
  screen
  echo "------------------"
  if [ -f "$WORK/serve.log" ]; then echo "----- serve log (tail) -----"; tail -5 "$WORK/serve.log"; fi
  exit 1
}

now_ms() { date +%s%3N; }

# wait_for TEXT...: polls the screen until every TEXT is on it, or fails at the deadline.
wait_for() {
  local end=$(($(now_ms) + DEADLINE_S * 1000)) s t ok
  while :; do
    s="$(screen)"
    ok=1
    for t in "$@"; do
      if ! grep -qF -- "$t" <<<"$s"; then ok=0; break; fi
    done
    [ "$ok" = 1 ] && return 0
    [ "$(now_ms)" -ge "$end" ] && fail "waited ${DEADLINE_S}s for: $*"
    sleep 0.02
  done
}

# wait_gone TEXT: polls the screen until TEXT is no longer on it, or fails at the deadline.
wait_gone() {
  local end=$(($(now_ms) + DEADLINE_S * 1000))
  while grep -qF -- "$1" <<<"$(screen)"; do
    [ "$(now_ms)" -ge "$end" ] && fail "waited ${DEADLINE_S}s for $1 to go"
    sleep 0.02
  done
}

# gone TEXT: fails if TEXT is on the screen now.
gone() {
  if grep -qF -- "$1" <<<"$(screen)"; then fail "the screen shows $1"; fi
}

typ() { tm send-keys -t "$SESSION" -l -- "$1"; }
key() { tm send-keys -t "$SESSION" "$@"; }

# on S CMD...: runs one helper against session S.
on() {
  local saved="$SESSION"
  SESSION="$1"
  shift
  "$@"
  SESSION="$saved"
}

# serve_start ARGS...: starts `pindesk serve ARGS` on a free port (":0", read from its log; a
# restart reuses the port) and waits until it listens; sets URL. Nothing but bash is needed to
# see it listen (/dev/tcp), as CI has no curl.
PORT=0
serve_start() {
  : >"$WORK/serve.log"
  "$BIN" serve "$@" --listen "127.0.0.1:$PORT" >>"$WORK/serve.log" 2>&1 &
  SERVER_PID=$!
  local end=$(($(now_ms) + DEADLINE_S * 1000))
  while :; do
    kill -0 "$SERVER_PID" 2>/dev/null || fail "pindesk serve exited"
    if [ "$PORT" = 0 ]; then
      PORT="$(sed -n 's#^pindesk serve: listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$WORK/serve.log" | head -1)"
      PORT="${PORT:-0}"
    fi
    if [ "$PORT" != 0 ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
    [ "$(now_ms)" -ge "$end" ] && fail "pindesk serve did not listen"
    sleep 0.05
  done
  URL="http://127.0.0.1:$PORT"
}

serve_kill() {
  kill -KILL "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
