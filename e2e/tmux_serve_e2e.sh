#!/usr/bin/env bash
# End-to-end test of the terminal app against a real `pindesk serve` that dies in the middle of a
# call and comes back: the real binary twice (server and app), the app in a detached tmux session
# of 80 columns, driven as an agent's keyboard would, read with capture-pane.
#
#   bash e2e/tmux_serve_e2e.sh     (from anywhere; installs tmux with apt-get when it is missing)
#
# Flow: a database with one account and a PIN (admin import, admin pin set), an agent's token
# with a long operator name, the server started; the agent opens the account and types the PIN;
# the server is killed; enter → the header says ✗ OFFLINE (at 80 columns, the long name
# shortened), the PIN is kept; the server is started again on the same database → the app finds
# it by itself (● online, the error line cleared), and enter sends the kept PIN → VERIFIED.
# The app is never restarted; the PIN typed never appears on the screen. Every wait polls.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pindesk-e2e-serve.XXXXXX")"
SOCKET="pindesk-e2e-serve-$$"
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

log() { printf 'e2e-serve: %s\n' "$*"; }

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

screen() { tm capture-pane -p -t "$SESSION" 2>/dev/null || true; }

fail() {
  log "FAIL: $*"
  echo "----- screen -----"
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

gone() {
  if grep -qF -- "$1" <<<"$(screen)"; then fail "the screen shows $1"; fi
}

typ() { tm send-keys -t "$SESSION" -l -- "$1"; }
key() { tm send-keys -t "$SESSION" "$@"; }

export HOME="$WORK/home"
mkdir -p "$HOME"
DATA=(--data-dir "$WORK/data")
PIN="482915"
NAME="Maximiliane Oberhausen-Trautwein" # long: at 80 columns the header must shorten it, not the state

log "database: one account, a master PIN, an agent's token"
cat >"$WORK/accounts.csv" <<'EOF'
account_id,account_number,account_name,product,uses_pins,contact_id,contact_name,email,phone,role,federated
A-1,10000001,Bluebird Bakery Ltd,Business Hosting,true,c1,Olivia Smith,olivia@bluebird.example,+44 7700 900001,holder,false
EOF
"$BIN" admin import "${DATA[@]}" --operator "e2e admin" "$WORK/accounts.csv" >/dev/null
printf '%s\n' "$PIN" | "$BIN" admin pin set "${DATA[@]}" --operator "e2e admin" --account 10000001 --holder c1 --kind master >/dev/null
"$BIN" admin token create "${DATA[@]}" --operator "e2e admin" --name "$NAME" --role agent --out "$WORK/token" >/dev/null

# The first start takes a free port (":0") and the log says which; the restart reuses it. Nothing
# but bash is needed to see the server listen (/dev/tcp), as CI has no curl.
PORT=0
serve_start() {
  : >"$WORK/serve.log"
  "$BIN" serve "${DATA[@]}" --listen "127.0.0.1:$PORT" >>"$WORK/serve.log" 2>&1 &
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

serve_start
log "serve on $URL"

log "the app, 80 columns, on the server"
tm new-session -d -s "$SESSION" -x 80 -y 24 -- "$BIN" --server "$URL" --token-file "$WORK/token" --data-dir "$WORK/app"
wait_for "Who is calling? Find their account" "● online"
typ "10000001"
wait_for "Bluebird Bakery Ltd"
key Enter
wait_for "Olivia Smith · holder" "ACTIVE"
key Enter
wait_for "0 of 6 digits"
typ "$PIN"
wait_for "6 of 6 digits"
gone "$PIN"

log "the server dies mid-call"
serve_kill
key Enter
wait_for "✗ OFFLINE" "cannot be reached" "● ● ● ● ● ●" "The server did not check this PIN"
header="$(screen | head -1)"
grep -qE '· ✗ OFFLINE$' <<<"$header" || fail "the header does not end with ✗ OFFLINE: $header"
grep -qF "Maximil" <<<"$header" || fail "the header lost the operator's name entirely: $header"
gone "$PIN"

log "the server comes back; the app finds it without a key"
serve_start
wait_for "● online" "The server answers again." "● ● ● ● ● ●"
gone "cannot be reached"
key Enter
wait_for "VERIFIED" "Matched their own master PIN"
gone "$PIN"

key C-c
end=$(($(now_ms) + DEADLINE_S * 1000))
while tm has-session -t "$SESSION" 2>/dev/null; do
  [ "$(now_ms)" -ge "$end" ] && fail "the app did not quit"
  sleep 0.02
done
log "PASS"
