#!/usr/bin/env bash
# End-to-end test of verification that follows the call (issue 13): one real `pindesk serve`, two
# app instances on it in detached tmux sessions (100 columns), one agent each, driven as their
# keyboards would be and read with capture-pane.
#
#   bash e2e/tmux_sessions_e2e.sh     (from anywhere; installs tmux with apt-get when it is missing)
#
# Flow: agent 1 (alice) types the call's ticket (ctrl+r) and verifies the caller; agent 2 (bob), on
# his own app, opens the same account (a transfer) and sees "✓ verified by e2e-alice at … via
# phone, ticket INC-4711, until …", and enter on the caller asks for no PIN. An admin changes the
# caller's PIN (pindesk admin pin set): bob's screen loses the verification by itself (the app
# reloads the open account every second). Alice verifies again with the new PIN; bob sees it; an
# admin reset ends it and bob sees it gone. `pindesk admin audit --ticket INC-4711` lists the call.
# Every wait polls, with a deadline.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pindesk-e2e-sessions.XXXXXX")"
SOCKET="pindesk-e2e-sessions-$$"
DEADLINE_S="${PINDESK_E2E_DEADLINE:-20}"
SERVER_PID=""

tm() { tmux -L "$SOCKET" "$@"; }

cleanup() {
  tm kill-server >/dev/null 2>&1 || true
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf 'e2e-sessions: %s\n' "$*"; }

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
  for s in alice bob; do
    echo "----- $s's screen -----"
    screen "$s"
  done
  echo "------------------"
  if [ -f "$WORK/serve.log" ]; then echo "----- serve log (tail) -----"; tail -5 "$WORK/serve.log"; fi
  exit 1
}

now_ms() { date +%s%3N; }

# wait_for SESSION TEXT...: polls the session's screen until every TEXT is on it, or fails.
wait_for() {
  local who="$1" end=$(($(now_ms) + DEADLINE_S * 1000)) s t ok
  shift
  while :; do
    s="$(screen "$who")"
    ok=1
    for t in "$@"; do
      if ! grep -qF -- "$t" <<<"$s"; then ok=0; break; fi
    done
    [ "$ok" = 1 ] && return 0
    [ "$(now_ms)" -ge "$end" ] && fail "$who waited ${DEADLINE_S}s for: $*"
    sleep 0.02
  done
}

# wait_gone SESSION TEXT: polls until TEXT has left the session's screen, or fails.
wait_gone() {
  local end=$(($(now_ms) + DEADLINE_S * 1000))
  while grep -qF -- "$2" <<<"$(screen "$1")"; do
    [ "$(now_ms)" -ge "$end" ] && fail "$1 still shows after ${DEADLINE_S}s: $2"
    sleep 0.02
  done
}

gone() {
  if grep -qF -- "$2" <<<"$(screen "$1")"; then fail "$1's screen shows $2"; fi
}

typ() { tm send-keys -t "$1" -l -- "$2"; }
key() { local s="$1"; shift; tm send-keys -t "$s" "$@"; }

export HOME="$WORK/home" TZ=UTC
mkdir -p "$HOME"
DATA=(--data-dir "$WORK/data")
PIN="482915"
PIN2="739154"

log "database: one account, a master PIN, two agents' tokens"
cat >"$WORK/accounts.csv" <<'EOF'
account_id,account_number,account_name,product,uses_pins,contact_id,contact_name,email,phone,role,federated
A-1,10000001,Bluebird Bakery Ltd,Business Hosting,true,c1,Olivia Smith,olivia@bluebird.example,+44 7700 900001,holder,false
EOF
"$BIN" admin import "${DATA[@]}" --operator "e2e admin" "$WORK/accounts.csv" >/dev/null
printf '%s\n' "$PIN" | "$BIN" admin pin set "${DATA[@]}" --operator "e2e admin" --account 10000001 --holder c1 --kind master >/dev/null
for agent in alice bob; do
  "$BIN" admin token create "${DATA[@]}" --operator "e2e admin" --name "e2e-$agent" --role agent --out "$WORK/$agent.tok" >/dev/null
done

: >"$WORK/serve.log"
"$BIN" serve "${DATA[@]}" --listen "127.0.0.1:0" >>"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
PORT=0
end=$(($(now_ms) + DEADLINE_S * 1000))
while :; do
  kill -0 "$SERVER_PID" 2>/dev/null || fail "pindesk serve exited"
  PORT="$(sed -n 's#^pindesk serve: listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$WORK/serve.log" | head -1)"
  if [ -n "$PORT" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  [ "$(now_ms)" -ge "$end" ] && fail "pindesk serve did not listen"
  sleep 0.05
done
URL="http://127.0.0.1:$PORT"
log "serve on $URL"

for agent in alice bob; do
  tm new-session -d -s "$agent" -x 100 -y 26 -- env TZ=UTC "$BIN" --server "$URL" --token-file "$WORK/$agent.tok" --data-dir "$WORK/app-$agent"
  wait_for "$agent" "Who is calling? Find their account" "● online"
done

# verify_as_alice PIN: alice opens the account and verifies Olivia.
verify_as_alice() {
  typ alice "10000001"
  wait_for alice "Bluebird Bakery Ltd"
  key alice Enter
  wait_for alice "Olivia Smith · holder"
  key alice Enter
  wait_for alice "0 of 6 digits"
  typ alice "$1"
  key alice Enter
  wait_for alice "VERIFIED" "Matched their own master PIN"
  gone alice "$1"
}

log "alice types the call's ticket and verifies the caller"
key alice C-r
wait_for alice "Ticket or call reference"
typ alice "INC-4711"
key alice Enter
wait_for alice "Ticket INC-4711 is kept for this call." "· ticket INC-4711"
verify_as_alice "$PIN"

log "the call is transferred: bob opens the account and sees the caller verified"
typ bob "10000001"
wait_for bob "Bluebird Bakery Ltd"
key bob Enter
wait_for bob "Olivia Smith ✓ verified by e2e-alice at " "via phone, ticket INC-4711, until " "✓ VERIFIED" "no PIN needed until"
key bob Enter
wait_for bob "is verified by e2e-alice" "carry on,"
gone bob "0 of 6 digits"

log "an admin changes the caller's PIN: the verification ends on bob's screen"
printf '%s\n' "$PIN2" | "$BIN" admin pin set "${DATA[@]}" --operator "e2e admin" --account 10000001 --holder c1 --kind master >/dev/null
wait_gone bob "Olivia Smith ✓ verified by"
wait_gone bob "✓ VERIFIED"
wait_for bob "Olivia Smith · holder" "ACTIVE"

log "alice verifies again with the new PIN; bob sees it; an admin reset ends it"
key alice C-e
wait_for alice "Call ended."
key alice C-r
wait_for alice "Ticket or call reference"
typ alice "INC-4712"
key alice Enter
verify_as_alice "$PIN2"
wait_for bob "Olivia Smith ✓ verified by e2e-alice at " "ticket INC-4712"
"$BIN" admin reset "${DATA[@]}" --operator "e2e admin" --account 10000001 --reason "fraud report" --ticket INC-4712 --yes >/dev/null
wait_gone bob "Olivia Smith ✓ verified by"
gone bob "✓ VERIFIED"

log "the audit is searched by the ticket"
"$BIN" admin audit "${DATA[@]}" --operator "e2e admin" --ticket INC-4711 >"$WORK/audit.txt"
grep -qF "ticket INC-4711; session vs_" "$WORK/audit.txt" || { cat "$WORK/audit.txt"; fail "admin audit --ticket INC-4711 lacks the verification's session"; }
if grep -qF "INC-4712" "$WORK/audit.txt"; then cat "$WORK/audit.txt"; fail "admin audit --ticket INC-4711 lists another ticket's events"; fi
"$BIN" admin audit "${DATA[@]}" --operator "e2e admin" --ticket INC-4712 >"$WORK/audit2.txt"
grep -qF "session_end" "$WORK/audit2.txt" || { cat "$WORK/audit2.txt"; fail "the reset's ending of the session is not under its ticket"; }
if grep -qF "$PIN" "$WORK/audit.txt" "$WORK/audit2.txt" || grep -qF "$PIN2" "$WORK/audit.txt" "$WORK/audit2.txt"; then fail "the audit shows a PIN"; fi

for agent in alice bob; do
  key "$agent" C-c # no PIN half typed: the app quits at once
done
end=$(($(now_ms) + DEADLINE_S * 1000))
while tm has-session -t alice 2>/dev/null || tm has-session -t bob 2>/dev/null; do
  [ "$(now_ms)" -ge "$end" ] && fail "the apps did not quit"
  sleep 0.02
done
log "PASS"
