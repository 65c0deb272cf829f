#!/usr/bin/env bash
# End-to-end test of the lock board (issue 13) against a real `pindesk serve`: the real binary three
# times (the server, a supervisor's app on the board, an agent's app on an account), each app in a
# detached tmux session, driven as a keyboard would, read with capture-pane.
#
#   bash e2e/tmux_board_e2e.sh     (from anywhere; installs tmux with apt-get when it is missing)
#
# Flow: 21 accounts with a master PIN each, an agent's and a supervisor's token, the server
# started. The supervisor opens the board (ctrl+o): nothing locked. The agent's app opens account
# 20000001. Six wrong PINs through the API (the agent's token) lock its holder: the board shows it
# within 2 s, with the desk; the supervisor filters to it, unlocks it with a reason, and the agent's
# app (another instance) shows the holder ACTIVE again without a key pressed. Then the latency: 20
# more holders locked through the API one after another, each timed from the API's answer to the
# sixth wrong PIN until its account number is on the supervisor's screen; every one must show
# within 2 s, and the script prints p50, p95 and the worst. Every wait polls; none sleeps blind.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pindesk-e2e-board.XXXXXX")"
SOCKET="pindesk-e2e-board-$$"
DEADLINE_S="${PINDESK_E2E_DEADLINE:-20}"
LOCKS="${PINDESK_E2E_BOARD_LOCKS:-20}"
SERVER_PID=""

tm() { tmux -L "$SOCKET" "$@"; }

cleanup() {
  tm kill-server >/dev/null 2>&1 || true
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf 'e2e-board: %s\n' "$*"; }

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

screen() { tm capture-pane -p -t "$1" 2>/dev/null || true; }

fail() {
  log "FAIL: $*"
  for s in sup agent; do echo "----- $s screen -----"; screen "$s"; done
  echo "------------------"
  if [ -f "$WORK/serve.log" ]; then echo "----- serve log (tail) -----"; tail -5 "$WORK/serve.log"; fi
  exit 1
}

now_ms() { date +%s%3N; }

# wait_for SESSION TEXT...: polls the session's screen until every TEXT is on it, or fails at the
# deadline.
wait_for() {
  local sess="$1" end=$(($(now_ms) + DEADLINE_S * 1000)) s t ok
  shift
  while :; do
    s="$(screen "$sess")"
    ok=1
    for t in "$@"; do
      if ! grep -qF -- "$t" <<<"$s"; then ok=0; break; fi
    done
    [ "$ok" = 1 ] && return 0
    [ "$(now_ms)" -ge "$end" ] && fail "waited ${DEADLINE_S}s on $sess for: $*"
    sleep 0.02
  done
}

gone() {
  if grep -qF -- "$2" <<<"$(screen "$1")"; then fail "the $1 screen shows $2"; fi
}

typ() { tm send-keys -t "$1" -l -- "$2"; }
key() { local s="$1"; shift; tm send-keys -t "$s" "$@"; }

export HOME="$WORK/home"
mkdir -p "$HOME"
DATA=(--data-dir "$WORK/data")
PIN="482915"
WRONG="000000"
N=$((LOCKS + 1))

log "database: $N accounts with a master PIN each, an agent's and a supervisor's token"
{
  echo "account_id,account_number,account_name,product,uses_pins,contact_id,contact_name,email,phone,role,federated"
  for i in $(seq 1 "$N"); do
    printf 'A-%02d,200000%02d,Board Test %02d Ltd,Business Hosting,true,c1,Holder %02d,h%02d@board.example,,holder,false\n' "$i" "$i" "$i" "$i" "$i"
  done
} >"$WORK/accounts.csv"
"$BIN" admin import "${DATA[@]}" --operator "e2e admin" "$WORK/accounts.csv" >/dev/null
for i in $(seq 1 "$N"); do
  printf '%s\n' "$PIN" | "$BIN" admin pin set "${DATA[@]}" --operator "e2e admin" --account "$(printf '200000%02d' "$i")" --holder c1 --kind master >/dev/null
done
"$BIN" admin token create "${DATA[@]}" --operator "e2e admin" --name "desk-4" --role agent --out "$WORK/agent.tok" >/dev/null
"$BIN" admin token create "${DATA[@]}" --operator "e2e admin" --name "sarah" --role supervisor --out "$WORK/sup.tok" >/dev/null
AGENT_TOKEN="$(cat "$WORK/agent.tok")"

# The desk's verification limit (2 a second per token) would spread the 126 wrong PINs of this
# test over a minute, and one desk failing across 21 accounts is what an anomaly alert slows to one
# verification per 30 s; the test measures the board, not the limit nor the alert.
: >"$WORK/serve.log"
PINDESK_ANOMALY_FAILURES=0 "$BIN" serve "${DATA[@]}" --listen "127.0.0.1:0" --token-verify-per-second 1000 --token-verify-burst 1000 >>"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
PORT=0
end=$(($(now_ms) + DEADLINE_S * 1000))
while :; do
  kill -0 "$SERVER_PID" 2>/dev/null || fail "pindesk serve exited"
  PORT="$(sed -n 's#^pindesk serve: listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$WORK/serve.log" | head -1)"
  PORT="${PORT:-0}"
  if [ "$PORT" != 0 ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  [ "$(now_ms)" -ge "$end" ] && fail "pindesk serve did not listen"
  sleep 0.05
done
URL="http://127.0.0.1:$PORT"
log "serve on $URL"

# wrong_pin ACCOUNT_ID: one wrong PIN through the API, as the agent's desk, on the phone. Bash
# alone speaks the HTTP (CI has no curl); the status line must be 200.
wrong_pin() {
  local body="{\"pin\":\"$WRONG\",\"channel\":\"phone\"}" status
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  printf 'POST /v1/accounts/%s/holders/c1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$1" "$AGENT_TOKEN" "${#body}" "$body" >&3
  status="$(head -1 <&3)"
  exec 3<&-
  grep -q ' 200 ' <<<"$status" || fail "verify $1 answered: $status"
}

# lock ACCOUNT_ID: six wrong PINs; the sixth locks.
lock() { for _ in 1 2 3 4 5 6; do wrong_pin "$1"; done; }

log "the supervisor's app on the board (ctrl+o), the agent's app on account 20000001"
tm new-session -d -s sup -x 100 -y 50 -- "$BIN" --server "$URL" --token-file "$WORK/sup.tok" --data-dir "$WORK/app-sup"
tm new-session -d -s agent -x 80 -y 24 -- "$BIN" --server "$URL" --token-file "$WORK/agent.tok" --data-dir "$WORK/app-agent"
wait_for sup "Who is calling? Find their account" "● online"
key sup C-o
wait_for sup "LOCK BOARD" "No holder is locked." "No holder has failed attempts."
wait_for agent "Who is calling? Find their account" "● online"
typ agent "20000001"
wait_for agent "Board Test 01 Ltd"
key agent Enter
wait_for agent "Holder 01 · holder" "ACTIVE"

log "six wrong PINs through the API lock 20000001: the board shows it, the agent sees LOCKED"
lock A-01
t0=$(now_ms)
wait_for sup "20000001 Board Test 01 Ltd · Holder 01 · 6 failures" "6 wrong PINs" "by desk-4  on phone"
log "on the board after $(($(now_ms) - t0)) ms"
wait_for agent "LOCKED"

log "the supervisor filters to it and unlocks it from the board, with a reason"
typ sup "board test 01"
wait_for sup "Filter: board test 01"
key sup Enter
wait_for sup "UNLOCK Holder 01 · 20000001" "Reason:"
typ sup "called back on the number on file"
key sup Enter
wait_for sup "Unlock Holder 01 now?"
typ sup "y"
wait_for sup "Unlocked Holder 01" "LOCK BOARD"
gone sup "20000001 Board Test 01"
log "the agent's app shows the holder ACTIVE again, no key pressed"
wait_for agent "ACTIVE"
gone agent "LOCKED"
key sup Escape # clears the filter
wait_for sup "Filter: account, name or desk" "No holder is locked."

log "latency: $LOCKS locks through the API, each timed until it is on the board"
: >"$WORK/latency"
for i in $(seq 2 "$N"); do
  num="$(printf '200000%02d' "$i")"
  # A random pause first, so each lock lands at a random point of the board's one-second cycle
  # (without it, every lock would follow a read just done: the worst case, twenty times).
  sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
  lock "$(printf 'A-%02d' "$i")"
  t0=$(now_ms)
  end=$((t0 + DEADLINE_S * 1000))
  while ! screen sup | grep -qF -- "$num Board Test"; do
    [ "$(now_ms)" -ge "$end" ] && fail "$num did not show on the board"
    sleep 0.01
  done
  echo $(($(now_ms) - t0)) >>"$WORK/latency"
done
wait_for sup "LOCKED NOW ($LOCKS)"
sort -n "$WORK/latency" >"$WORK/latency.sorted"
count=$(wc -l <"$WORK/latency.sorted")
pct() { sed -n "$(( ($1 * count + 99) / 100 ))p" "$WORK/latency.sorted"; }
p50=$(pct 50)
p95=$(pct 95)
worst=$(tail -1 "$WORK/latency.sorted")
log "board update latency over $count locks: p50 ${p50} ms, p95 ${p95} ms, worst ${worst} ms (target: p95 < 2000 ms)"
[ "$worst" -lt 2000 ] || fail "a lock took ${worst} ms to show on the board (want < 2000 ms)"

key sup C-c
key agent C-c
end=$(($(now_ms) + DEADLINE_S * 1000))
while tm has-session -t sup 2>/dev/null || tm has-session -t agent 2>/dev/null; do
  [ "$(now_ms)" -ge "$end" ] && fail "the apps did not quit"
  sleep 0.02
done
log "PASS"
