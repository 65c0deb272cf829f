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
#
# Dual control and desk alerts on the board: a second supervisor (sam) has the board open too.
# 20000001, locked again, is a repeat unlock: sarah's unlock from her board waits for a second
# supervisor; the request shows on sam's board within 2 s (timed), marked as sarah's own on hers;
# sam approves it there and the agent's app shows the holder ACTIVE. After the latency loop the
# server is restarted with anomaly alerts on and a small threshold (3 wrong PINs over 2 accounts;
# the loop ran with alerts off, since one desk locking 21 accounts is what an alert slows): the
# agent's token fails 3 PINs over 2 spare accounts, the alert shows on sam's board within 2 s
# (timed, once the apps are back online) and sam clears it there with a reason.
# The tmux server, the build and the screen helpers are e2e/lib.sh's (`on sup ...`, `on sam ...`).
E2E_NAME=board
. "$(dirname "$0")/lib.sh"

LOCKS="${PINDESK_E2E_BOARD_LOCKS:-20}"
DATA=(--data-dir "$WORK/data")
PIN="482915"
WRONG="000000"
N=$((LOCKS + 1))

log "database: $N accounts and 2 spare ones with a master PIN each, an agent's and two supervisors' tokens"
{
  echo "account_id,account_number,account_name,product,uses_pins,contact_id,contact_name,email,phone,role,federated"
  for i in $(seq 1 "$N"); do
    printf 'A-%02d,200000%02d,Board Test %02d Ltd,Business Hosting,true,c1,Holder %02d,h%02d@board.example,,holder,false\n' "$i" "$i" "$i" "$i" "$i"
  done
  # Two accounts for the alert phase: its wrong PINs must not lock anything the board lists.
  for i in 1 2; do
    printf 'S-%d,3000000%d,Spare %d Ltd,Business Hosting,true,c1,Spare Holder %d,s%d@board.example,,holder,false\n' "$i" "$i" "$i" "$i" "$i"
  done
} >"$WORK/accounts.csv"
"$BIN" admin import "${DATA[@]}" --operator "e2e admin" "$WORK/accounts.csv" >/dev/null
for num in $(seq -f '200000%02g' 1 "$N") 30000001 30000002; do
  printf '%s\n' "$PIN" | "$BIN" admin pin set "${DATA[@]}" --operator "e2e admin" --account "$num" --holder c1 --kind master >/dev/null
done
"$BIN" admin token create "${DATA[@]}" --operator "e2e admin" --name "desk-4" --role agent --out "$WORK/agent.tok" >/dev/null
"$BIN" admin token create "${DATA[@]}" --operator "e2e admin" --name "sarah" --role supervisor --out "$WORK/sup.tok" >/dev/null
"$BIN" admin token create "${DATA[@]}" --operator "e2e admin" --name "sam" --role supervisor --out "$WORK/sam.tok" >/dev/null
AGENT_TOKEN="$(cat "$WORK/agent.tok")"

# The desk's verification limit (2 a second per token) would spread the 126 wrong PINs of this
# test over a minute, and one desk failing across 21 accounts is what an anomaly alert slows to one
# verification per 30 s; the test measures the board, not the limit nor the alert (its own phase
# at the end restarts the server with alerts on).
SERVE_ARGS=("${DATA[@]}" --token-verify-per-second 1000 --token-verify-burst 1000)
export PINDESK_ANOMALY_FAILURES=0
serve_start "${SERVE_ARGS[@]}"
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

# within_2s SESSION WHAT TEXT...: polls SESSION's screen until every TEXT is on it, timed from now;
# fails if it takes 2 s or more.
within_2s() {
  local sess="$1" what="$2" t0 end s t ok
  shift 2
  t0=$(now_ms)
  end=$((t0 + DEADLINE_S * 1000))
  while :; do
    s="$(on "$sess" screen)"
    ok=1
    for t in "$@"; do
      if ! grep -qF -- "$t" <<<"$s"; then ok=0; break; fi
    done
    [ "$ok" = 1 ] && break
    [ "$(now_ms)" -ge "$end" ] && SESSION="$sess" fail "waited ${DEADLINE_S}s for: $*"
    sleep 0.01
  done
  local took=$(($(now_ms) - t0))
  log "$what: on $sess's board after $took ms"
  [ "$took" -lt 2000 ] || SESSION="$sess" fail "$what took $took ms to show on $sess's board (want < 2000 ms)"
}

log "two supervisors' apps on the board (ctrl+o), the agent's app on account 20000001"
tm new-session -d -s sup -x 100 -y 50 -- "$BIN" --server "$URL" --token-file "$WORK/sup.tok" --data-dir "$WORK/app-sup"
tm new-session -d -s sam -x 100 -y 30 -- "$BIN" --server "$URL" --token-file "$WORK/sam.tok" --data-dir "$WORK/app-sam"
tm new-session -d -s agent -x 80 -y 24 -- "$BIN" --server "$URL" --token-file "$WORK/agent.tok" --data-dir "$WORK/app-agent"
for s in sup sam; do
  on "$s" wait_for "Who is calling? Find their account" "● online"
  on "$s" key C-o
  on "$s" wait_for "LOCK BOARD" "No holder is locked." "No holder has failed attempts."
done
# Nothing waits and no desk is slowed: neither section is there.
on sup gone "WAITING FOR A SECOND SUPERVISOR"
on sup gone "DESK ALERTS"
on agent wait_for "Who is calling? Find their account" "● online"
on agent typ "20000001"
on agent wait_for "Board Test 01 Ltd"
on agent key Enter
on agent wait_for "Holder 01 · holder" "ACTIVE"

log "six wrong PINs through the API lock 20000001: the board shows it, the agent sees LOCKED"
lock A-01
t0=$(now_ms)
on sup wait_for "20000001 Board Test 01 Ltd · Holder 01 · 6 failures" "6 wrong PINs" "by desk-4  on phone"
log "on the board after $(($(now_ms) - t0)) ms"
on agent wait_for "LOCKED"

log "the supervisor filters to it and unlocks it from the board, with a reason"
on sup typ "board test 01"
on sup wait_for "Filter: board test 01"
on sup key Enter
on sup wait_for "UNLOCK Holder 01 · 20000001" "Reason:"
on sup typ "called back on the number on file"
on sup key Enter
on sup wait_for "Unlock Holder 01 now?"
on sup typ "y"
on sup wait_for "Unlocked Holder 01" "LOCK BOARD"
on sup gone "20000001 Board Test 01"
log "the agent's app shows the holder ACTIVE again, no key pressed"
on agent wait_for "ACTIVE"
on agent gone "LOCKED"

log "locked again, 20000001 is a repeat unlock: sarah's unlock from the board waits for a second supervisor"
lock A-01
on sup wait_for "20000001 Board Test 01 Ltd · Holder 01 · 6 failures"
on agent wait_for "LOCKED"
on sup key Enter
on sup wait_for "UNLOCK Holder 01 · 20000001" "Reason:"
on sup typ "called back again"
on sup key Enter
on sup wait_for "Unlock Holder 01 now?"
on sup typ "y"
on sup wait_for "NEEDS A SECOND SUPERVISOR · request #1" "Press any key to go back to the board."
within_2s sam "the request" "WAITING FOR A SECOND SUPERVISOR (1)" "◇ UNLOCK  20000001 · Holder 01 · asked by sarah"
on sup key Enter
on sup wait_for "◇ UNLOCK  20000001 · Holder 01 · yours — another supervisor must decide"

log "sam approves it from his board; the agent's app shows the holder ACTIVE"
on sam typ "20000001"
on sam wait_for "Filter: 20000001"
on sam key Up Up # to the request, above the lock
on sam key Enter
on sam wait_for "a approves (the action is done at once), x refuses with a reason."
on sam typ "a"
on sam wait_for "Unlock c1 on 20000001 now, as sarah asked?"
on sam typ "y"
on sam wait_for "Approved request #1: unlock of 20000001/c1, asked by sarah, is done."
on agent wait_for "ACTIVE"
on agent gone "LOCKED"
on sup wait_gone "yours — another supervisor must decide"
on sam wait_gone "WAITING FOR A SECOND SUPERVISOR"
on sam key Escape # clears the filter
on sup key Escape
on sup wait_for "Filter: account, name or desk" "No holder is locked."

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
  while ! on sup screen | grep -qF -- "$num Board Test"; do
    [ "$(now_ms)" -ge "$end" ] && SESSION=sup fail "$num did not show on the board"
    sleep 0.01
  done
  echo $(($(now_ms) - t0)) >>"$WORK/latency"
done
on sup wait_for "LOCKED NOW ($LOCKS)"
sort -n "$WORK/latency" >"$WORK/latency.sorted"
count=$(wc -l <"$WORK/latency.sorted")
pct() { sed -n "$(( ($1 * count + 99) / 100 ))p" "$WORK/latency.sorted"; }
p50=$(pct 50)
p95=$(pct 95)
worst=$(tail -1 "$WORK/latency.sorted")
log "board update latency over $count locks: p50 ${p50} ms, p95 ${p95} ms, worst ${worst} ms (target: p95 < 2000 ms)"
[ "$worst" -lt 2000 ] || fail "a lock took ${worst} ms to show on the board (want < 2000 ms)"

log "alerts on: the server restarted with a threshold of 3 wrong PINs over 2 accounts"
serve_kill
export PINDESK_ANOMALY_FAILURES=3 PINDESK_ANOMALY_ACCOUNTS=2
serve_start "${SERVE_ARGS[@]}"
on sam wait_for "● online"
on sam gone "DESK ALERTS"
wrong_pin S-1
wrong_pin S-2
wrong_pin S-1
within_2s sam "the desk alert" "DESK ALERTS (1)" "(desk-4) · 3 wrong PINs on 2 accounts"

log "sam clears the alert from his board, with a reason"
on sam typ "token:"
on sam wait_for "Filter: token:"
on sam key Enter
on sam wait_for "Clear it only once you know why the desk failed" "Reason:"
on sam typ "desk-4 retrained; token checked"
on sam key Enter
on sam wait_for "Clear this alert now?"
on sam typ "y"
on sam wait_for "cleared; the reason is in the audit"
on sam wait_gone "DESK ALERTS"
"$BIN" admin alerts list "${DATA[@]}" >"$WORK/alerts.txt" 2>&1 || true
if grep -q "desk-4" "$WORK/alerts.txt"; then fail "the alert is still open: $(cat "$WORK/alerts.txt")"; fi

for s in sup sam agent; do on "$s" key C-c; done
end=$(($(now_ms) + DEADLINE_S * 1000))
while tm has-session -t sup 2>/dev/null || tm has-session -t sam 2>/dev/null || tm has-session -t agent 2>/dev/null; do
  [ "$(now_ms)" -ge "$end" ] && fail "the apps did not quit"
  sleep 0.02
done
log "PASS"
