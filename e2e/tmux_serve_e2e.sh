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
E2E_NAME=serve
. "$(dirname "$0")/lib.sh"

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

serve_start "${DATA[@]}"
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
serve_start "${DATA[@]}"
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
