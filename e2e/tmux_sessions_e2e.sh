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
# admin's reset, under dual control (approval.reset, on by default), waits for a second admin and
# ends nothing; approved, it ends the session and bob sees it gone. `pindesk admin audit --ticket`
# lists each call, the reset's request, end and reset under the ticket that asked for it.
# Every wait polls, with a deadline. The tmux server, the build and the screen helpers are
# e2e/lib.sh's; each helper acts on one app's session (`on alice ...`, `on bob ...`).
E2E_NAME=sessions
. "$(dirname "$0")/lib.sh"

export TZ=UTC
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

serve_start "${DATA[@]}"
log "serve on $URL"

for agent in alice bob; do
  tm new-session -d -s "$agent" -x 100 -y 26 -- env TZ=UTC "$BIN" --server "$URL" --token-file "$WORK/$agent.tok" --data-dir "$WORK/app-$agent"
  on "$agent" wait_for "Who is calling? Find their account" "● online"
done

# verify_as_alice PIN: alice opens the account and verifies Olivia.
verify_as_alice() {
  on alice typ "10000001"
  on alice wait_for "Bluebird Bakery Ltd"
  on alice key Enter
  on alice wait_for "Olivia Smith · holder"
  on alice key Enter
  on alice wait_for "0 of 6 digits"
  on alice typ "$1"
  on alice key Enter
  on alice wait_for "VERIFIED" "Matched their own master PIN"
  on alice gone "$1"
}

log "alice types the call's ticket and verifies the caller"
on alice key C-r
on alice wait_for "Ticket or call reference"
on alice typ "INC-4711"
on alice key Enter
on alice wait_for "Ticket INC-4711 is kept for this call." "· ticket INC-4711"
verify_as_alice "$PIN"

log "the call is transferred: bob opens the account and sees the caller verified"
on bob typ "10000001"
on bob wait_for "Bluebird Bakery Ltd"
on bob key Enter
on bob wait_for "Olivia Smith ✓ verified by e2e-alice at " "via phone, ticket INC-4711, until " "✓ VERIFIED" "no PIN needed until"
on bob key Enter
on bob wait_for "is verified by e2e-alice" "carry on,"
on bob gone "0 of 6 digits"

log "an admin changes the caller's PIN: the verification ends on bob's screen"
printf '%s\n' "$PIN2" | "$BIN" admin pin set "${DATA[@]}" --operator "e2e admin" --account 10000001 --holder c1 --kind master >/dev/null
on bob wait_gone "Olivia Smith ✓ verified by"
on bob wait_gone "✓ VERIFIED"
on bob wait_for "Olivia Smith · holder" "ACTIVE"

log "alice verifies again with the new PIN; bob sees it; an admin's reset, approved by a second, ends it"
on alice key C-e
on alice wait_for "Call ended."
on alice key C-r
on alice wait_for "Ticket or call reference"
on alice typ "INC-4712"
on alice key Enter
verify_as_alice "$PIN2"
on bob wait_for "Olivia Smith ✓ verified by e2e-alice at " "ticket INC-4712"
# Dual control (approval.reset, on by default): the reset opens a request, changes nothing (exit 1).
if "$BIN" admin reset "${DATA[@]}" --operator "e2e admin" --account 10000001 --reason "fraud report" --ticket INC-4712 --yes >"$WORK/reset.txt" 2>&1; then
  cat "$WORK/reset.txt"; fail "the reset was done without a second admin's approval"
fi
REQUEST="$(sed -n 's/.*request #\([0-9][0-9]*\).*/\1/p' "$WORK/reset.txt" | head -1)"
[ -n "$REQUEST" ] || { cat "$WORK/reset.txt"; fail "the reset did not name its approval request"; }
on bob wait_for "Olivia Smith ✓ verified by e2e-alice at " "ticket INC-4712" # waiting ends nothing
"$BIN" admin approvals approve "$REQUEST" "${DATA[@]}" --operator "e2e second admin" >/dev/null
on bob wait_gone "Olivia Smith ✓ verified by"
on bob gone "✓ VERIFIED"

log "the audit is searched by the ticket"
"$BIN" admin audit "${DATA[@]}" --operator "e2e admin" --ticket INC-4711 >"$WORK/audit.txt"
grep -qF "ticket INC-4711; session vs_" "$WORK/audit.txt" || { cat "$WORK/audit.txt"; fail "admin audit --ticket INC-4711 lacks the verification's session"; }
if grep -qF "INC-4712" "$WORK/audit.txt"; then cat "$WORK/audit.txt"; fail "admin audit --ticket INC-4711 lists another ticket's events"; fi
"$BIN" admin audit "${DATA[@]}" --operator "e2e admin" --ticket INC-4712 >"$WORK/audit2.txt"
for action in approval_request session_end reset; do
  grep -qF "$action" "$WORK/audit2.txt" || { cat "$WORK/audit2.txt"; fail "the approved reset's $action is not under the ticket that asked for it"; }
done
if grep -qF "$PIN" "$WORK/audit.txt" "$WORK/audit2.txt" || grep -qF "$PIN2" "$WORK/audit.txt" "$WORK/audit2.txt"; then fail "the audit shows a PIN"; fi

for agent in alice bob; do
  on "$agent" key C-c # no PIN half typed: the app quits at once
done
end=$(($(now_ms) + DEADLINE_S * 1000))
while tm has-session -t alice 2>/dev/null || tm has-session -t bob 2>/dev/null; do
  [ "$(now_ms)" -ge "$end" ] && fail "the apps did not quit"
  sleep 0.02
done
log "PASS"
