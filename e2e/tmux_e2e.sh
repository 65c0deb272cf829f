#!/usr/bin/env bash
# End-to-end test of the terminal app: builds the real pindesk binary and drives `pindesk demo` in a
# detached tmux session, as an agent's keyboard would, reading the screen with capture-pane.
# Every wait polls the screen for a text until a deadline; nothing waits a fixed time.
#
#   bash e2e/tmux_e2e.sh          (from anywhere; installs tmux with apt-get when it is missing)
#
# Flows:
#   1. search → open account → two wrong PINs (attempts left shown) → right PIN (verified) → end call
#   1c. a new call finds the caller's verification session: no PIN asked again
#   2. a wrong PIN locks the holder → supervisor unlock with a reason → right PIN verified → audit
# Throughout, the PIN typed must never appear on the screen.
# It also measures process start to first full frame of `pindesk demo` and of `pindesk`.
E2E_NAME=demo
. "$(dirname "$0")/lib.sh"

# start CMD...: runs the binary in a new session and prints the milliseconds until its first
# full frame (the search screen with its key help) is on the screen.
start() {
  local t0 t1
  t0=$(now_ms)
  tm new-session -d -s "$SESSION" -x 100 -y 30 -- "$@"
  wait_for "Who is calling? Find their account" "? keys"
  t1=$(now_ms)
  echo $((t1 - t0))
}

# stop: quits the app with ctrl+c and waits for the session to end.
stop() {
  key C-c
  local end=$(($(now_ms) + DEADLINE_S * 1000))
  while tm has-session -t "$SESSION" 2>/dev/null; do
    [ "$(now_ms)" -ge "$end" ] && fail "the app did not quit"
    sleep 0.02
  done
}

COMMON=(--data-dir "$WORK/data" --operator "e2e trainer")

# The demo's first scenario: a healthy master PIN (demo/scenarios.go).
ACCOUNT="DEMO-001"
NAME="Harbour Bakery"
HOLDER="Maria Lopez"
PIN="482915"

log "flow 1: wrong, wrong, right, end call"
ms=$(start "$BIN" demo "${COMMON[@]}")
log "pindesk demo: first frame after ${ms} ms (process start, demo database created and seeded)"
wait_for "DEMO"
typ "$ACCOUNT"
wait_for "$NAME"
key Enter
wait_for "$HOLDER · holder" "ACTIVE"
key Enter
wait_for "0 of 6 digits"
typ "111111"
wait_for "6 of 6 digits"
gone "111111"
key Enter
wait_for "WRONG PIN" "5 of 6 attempts left"
key Enter
wait_for "0 of 6 digits"
typ "121212"
key Enter
wait_for "WRONG PIN" "4 of 6 attempts left"
key Enter
wait_for "0 of 6 digits"
typ "$PIN"
wait_for "6 of 6 digits"
gone "$PIN"
key Enter
wait_for "VERIFIED" "Matched their own master PIN"
gone "$PIN"
key C-e
wait_for "Call ended. Ready for the next caller."
gone "$NAME"

# DEMO-009 (issue 9): Mia, a sub-contact, reads the family's account-wide PIN. The agent picks
# who is calling — Mia — never which PIN she holds, and she is verified with it.
log "flow 1b: the account-wide PIN given by a sub-contact"
typ "DEMO-009"
wait_for "Vega Family"
key Enter
wait_for "Mia Vega · sub-contact" "ACCOUNT-WIDE"
key Down Down Down
wait_for "› Mia Vega · sub-contact"
key Enter
wait_for "Verify Mia Vega (sub-contact)" "0 of 6 digits"
typ "305728"
key Enter
wait_for "VERIFIED" "Mia Vega (sub-contact)" "Matched the account-wide master PIN"
gone "305728"
key C-e
wait_for "Call ended. Ready for the next caller."
gone "Vega Family"

# Flow 1 verified Maria: on a new call her verification session (issue 13) is still open, so the
# app says so and asks for no PIN.
log "flow 1c: a new call finds Maria's verification session"
typ "$ACCOUNT"
wait_for "$NAME"
key Enter
wait_for "$HOLDER ✓ verified by e2e trainer at" "✓ VERIFIED" "no PIN needed until"
key C-e
wait_for "Call ended. Ready for the next caller."

# DEMO-005: Rosa is one wrong PIN from the lock.
log "flow 2: lock, supervisor unlock, verified"
LOCK_ACCOUNT="DEMO-005"
LOCK_HOLDER="Rosa Diaz"
LOCK_PIN="264830"
typ "$LOCK_ACCOUNT"
wait_for "Redwood Dental"
key Enter
wait_for "$LOCK_HOLDER · holder" "1 TRY LEFT"
key Enter
wait_for "0 of 6 digits"
typ "135790"
key Enter
wait_for "WRONG PIN · NOW LOCKED" "0 of 6 attempts left"
key Escape
wait_for "pick caller" "LOCKED"   # the account screen (esc and enter sent together read as alt+enter)
key Enter
wait_for "0 of 6 digits"
typ "$LOCK_PIN"
key Enter
wait_for "The PIN was not checked." "unlock (u)"
gone "$LOCK_PIN"
key u
wait_for "UNLOCK $LOCK_HOLDER" "Reason:"
typ "identity confirmed by call-back"
key Enter
wait_for "Unlock $LOCK_HOLDER now?"
key y
wait_for "Unlocked $LOCK_HOLDER"
key Enter
wait_for "0 of 6 digits"
typ "$LOCK_PIN"
key Enter
wait_for "VERIFIED"
gone "$LOCK_PIN"
key Escape
wait_for "$LOCK_HOLDER · holder"
key a
wait_for "Audit trail of $LOCK_ACCOUNT" "reason: identity confirmed by call-back"
gone "$LOCK_PIN"
stop

log "start-up of the embedded app"
# The app refuses a folder without a database (it names the folder and pindesk admin init).
if "$BIN" "${COMMON[@]}" >"$WORK/nodb.out" 2>&1; then fail "the app started on a folder without a database"; fi
grep -qF "pindesk admin init" "$WORK/nodb.out" || fail "the refusal does not say how to make a database: $(cat "$WORK/nodb.out")"
"$BIN" "${COMMON[@]}" admin init >/dev/null
ms=$(start "$BIN" "${COMMON[@]}") # the first start opens the database admin init made
stop
ms=$(start "$BIN" "${COMMON[@]}")
log "pindesk: first frame after ${ms} ms (process start, database opened, second start)"
stop

log "PASS"
