#!/usr/bin/env bash
# bench-http.sh — durable verifications per second and their latency through `pindesk serve`, for
# one or more pindesk binaries (say one built before a change and one after), beside a minimal
# net/http handler on the same machine as the ceiling, all driven by wrk (Debian's package), an
# independent load generator.
#
#   scripts/bench-http.sh [options] BINARY [BINARY...]
#
#   --rounds N        interleaved rounds (default 2): A, B, …, minimal, A, B, …, minimal, so the
#                     machine's noise falls on every target alike
#   --duration SECS   length of each wrk run in seconds (default 10)
#   --connections N   wrk connections, i.e. clients verifying at once (default 64)
#   --threads N       wrk threads (default 2)
#   --accounts N      accounts the verifications are spread over (default 256)
#   --tokens N        agent tokens the verifications are spread over (default 16; see below)
#   --serve-env PINDESK_KEY=VALUE
#                     a setting for every server (repeatable), e.g. to raise a limit that only a
#                     newer binary has: a binary ignores PINDESK_* variables it does not know,
#                     where it would refuse an unknown flag
#
# For each binary it makes a fresh data directory (SQLite), imports the accounts and generates
# each holder a master PIN with that binary's local admin commands (`pindesk admin import`,
# `pindesk admin pin generate`, which prints the PIN on standard output; nothing goes over HTTP
# for the setup), creates agent tokens, and starts `pindesk serve` on a free loopback port with
# its verification rate limits at their highest. Then every run sends correct-PIN verifications
# only, each with its own Idempotency-Key (as pindesk's client does), so each one is a durable
# write that answers "verified".
#
# The limits top out at 1,000 verifications/s per token (burst 10,000), so the load is spread
# over --tokens agent tokens; a run at 7,000/s for 10 s would otherwise meet the cap and measure
# refusals.
#
# It prints one table: per run, requests/s, p50, p99, max, non-2xx answers, socket errors, and
# the rate as a share of the same round's minimal handler; then the mean per target. For pindesk
# it also reads the server's /metrics before and after each run: every answer must have been a
# "verified" and nothing rate limited. A run that breaks any of this is flagged in the table, a
# banner says so at the end, and the script exits 3: its figures are not of successful verifies.
#
# Everything listens on 127.0.0.1 only; every process it starts is stopped and every file it
# made removed on exit (also on Ctrl-C); every step is bounded in time. Needs go (to build the
# minimal handler), curl and wrk (installed with apt-get when missing).
#
# To measure a revision, build its binary first, e.g.
#   git archive OLD_REV | tar -x -C /tmp/old && (cd /tmp/old && go build -o /tmp/pindesk-old .)
set -euo pipefail

# The API under test, written here once: the targets file for bench/verify.lua is made from these.
# {account}, {holder} and {pin} are replaced per target.
VERIFY_PATH='/v1/accounts/{account}/holders/{holder}/verify'
VERIFY_BODY='{"pin":"{pin}","channel":"phone"}'
HOLDER=c-1
# The highest verification rate limits `pindesk serve` accepts (config/config.go), so a load
# test measures verifications, not refusals.
SERVE_LIMITS=(--token-verify-per-second 1000 --token-verify-burst 10000
	--account-verify-per-second 1000 --account-verify-burst 10000)

ROUNDS=2
DURATION=10
CONNECTIONS=64
THREADS=2
ACCOUNTS=256
TOKENS=16
SERVE_ENV=()

log() { printf 'bench-http: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

positive() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive whole number, not '$2'"; }

while (($#)); do
	case $1 in
	--rounds | --duration | --connections | --threads | --accounts | --tokens)
		(($# >= 2)) || die "$1 needs a value"
		positive "$1" "$2"
		case $1 in
		--rounds) ROUNDS=$2 ;;
		--duration) DURATION=$2 ;;
		--connections) CONNECTIONS=$2 ;;
		--threads) THREADS=$2 ;;
		--accounts) ACCOUNTS=$2 ;;
		--tokens) TOKENS=$2 ;;
		esac
		shift 2
		;;
	--serve-env)
		(($# >= 2)) || die "--serve-env needs PINDESK_KEY=VALUE"
		[[ $2 =~ ^PINDESK_[A-Z0-9_]+=.*$ ]] || die "--serve-env takes PINDESK_KEY=VALUE, not '$2'"
		SERVE_ENV+=("$2")
		shift 2
		;;
	-h | --help) usage ;;
	--) shift && break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
(($#)) || usage
((ACCOUNTS <= 9999)) || die "--accounts must be at most 9999"
((CONNECTIONS >= THREADS)) || die "--connections must be at least --threads"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LUA=$ROOT/scripts/bench/verify.lua
[[ -f $LUA ]] || die "$LUA is missing"

BINARIES=()
for b in "$@"; do
	[[ -f $b && -x $b ]] || die "$b is not an executable file"
	BINARIES+=("$(cd "$(dirname "$b")" && pwd)/$(basename "$b")")
done
((${#BINARIES[@]} <= 26)) || die "at most 26 binaries"

# Settings from this shell's PINDESK_* variables (a database URL, a config file) must not reach
# the servers under test: each runs on its own fresh data directory with only --serve-env's.
while read -r v; do
	[[ $v == PINDESK_* ]] && unset "$v"
done < <(compgen -e)

for tool in go curl; do
	command -v "$tool" >/dev/null || die "$tool is needed"
done
if ! command -v wrk >/dev/null; then
	log "installing wrk (Debian package)"
	sudo=()
	((EUID == 0)) || sudo=(sudo -n)
	export DEBIAN_FRONTEND=noninteractive
	if ! timeout 300 "${sudo[@]}" apt-get install -y -qq wrk >/dev/null; then
		timeout 300 "${sudo[@]}" apt-get update -qq >/dev/null
		timeout 300 "${sudo[@]}" apt-get install -y -qq wrk >/dev/null
	fi
	command -v wrk >/dev/null || die "could not install wrk"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pindesk-bench-http.XXXXXX")
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		# Bounded: a server that has not stopped 10 s after SIGTERM is killed.
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_and_wait DIR NAME CMD...: starts CMD in the background (its pid kept for cleanup) and
# sets STARTED_URL to the http:// URL it announces on standard output ("… listening on
# http://ADDR"), waiting at most 30 s. Not called in $(…): the process must be this shell's child.
start_and_wait() {
	local dir=$1 name=$2
	shift 2
	"$@" >"$dir/$name.out" 2>"$dir/$name.log" &
	local pid=$!
	PIDS+=("$pid")
	STARTED_URL=""
	for _ in $(seq 300); do
		STARTED_URL=$(grep -o 'listening on http://[^ ]*' "$dir/$name.out" 2>/dev/null | head -1 | cut -d' ' -f3) || true
		[[ -n $STARTED_URL ]] && break
		kill -0 "$pid" 2>/dev/null || {
			tail -5 "$dir/$name.log" >&2
			die "$name stopped before it listened"
		}
		sleep 0.1
	done
	[[ -n $STARTED_URL ]] || die "$name did not listen within 30 s"
	[[ $STARTED_URL == http://127.0.0.1:* ]] || die "$name listens on $STARTED_URL, not on loopback"
}

log "building the minimal handler"
(cd "$ROOT" && timeout 300 go build -o "$WORK/minimal" ./scripts/bench/minimal)

{
	echo "account_id,account_number,account_name,product,uses_pins,contact_id,contact_name,email,phone,role,federated"
	for ((i = 0; i < ACCOUNTS; i++)); do
		printf 'bench-%04d,B%06d,Bench Account %04d,broadband,true,%s,Bench Holder %04d,,,holder,false\n' "$i" "$i" "$i" "$HOLDER" "$i"
	done
} >"$WORK/accounts.csv"

# setup LABEL BINARY: a data directory with the accounts, their PINs and agent tokens, the targets
# file for verify.lua, and a running server; sets URL[LABEL].
declare -A URL TARGETS
setup() {
	local label=$1 bin=$2 dir=$WORK/$1
	mkdir -p "$dir/data"
	local -a pd=(timeout 60 "$bin" --data-dir "$dir/data" --operator bench)
	log "$label: importing $ACCOUNTS accounts, generating their PINs and $TOKENS agent tokens"
	"${pd[@]}" admin import "$WORK/accounts.csv" >/dev/null 2>>"$dir/setup.log" ||
		die "$label: import failed: $(tail -3 "$dir/setup.log")"
	local -a tokens=()
	local t tok
	for ((t = 0; t < TOKENS; t++)); do
		tok=$("${pd[@]}" admin token create --name "bench-agent-$t" --role agent 2>>"$dir/setup.log") ||
			die "$label: token create failed: $(tail -3 "$dir/setup.log")"
		[[ $tok =~ ^[[:graph:]]+$ ]] || die "$label: token create printed no single token"
		tokens+=("$tok")
	done
	local i acct pin path body
	: >"$dir/targets"
	for ((i = 0; i < ACCOUNTS; i++)); do
		printf -v acct 'bench-%04d' "$i"
		pin=$("${pd[@]}" admin pin generate --account "$acct" --holder "$HOLDER" --kind master 2>>"$dir/setup.log") ||
			die "$label: pin generate for $acct failed: $(tail -3 "$dir/setup.log")"
		[[ $pin =~ ^[0-9A-Za-z]+$ ]] || die "$label: pin generate for $acct printed no single PIN"
		path=${VERIFY_PATH//\{account\}/$acct}
		path=${path//\{holder\}/$HOLDER}
		body=${VERIFY_BODY//\{pin\}/$pin}
		printf '%s\t%s\t%s\n' "$path" "${tokens[i % TOKENS]}" "$body" >>"$dir/targets"
	done
	start_and_wait "$dir" serve env "${SERVE_ENV[@]}" "$bin" --data-dir "$dir/data" serve --listen 127.0.0.1:0 \
		--log-level warn "${SERVE_LIMITS[@]}"
	URL[$label]=$STARTED_URL
	TARGETS[$label]=$dir/targets
	# One verification before the load: a server that refuses them fails here, with its answer,
	# rather than producing a fast table of refusals.
	local first answer
	first=$(head -1 "$dir/targets")
	IFS=$'\t' read -r path tok body <<<"$first"
	answer=$(curl -sS --max-time 10 -o - -w ' HTTP %{http_code}' -X POST "${URL[$label]}$path" \
		-H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		-H "Idempotency-Key: bench-smoke-$RANDOM$RANDOM" --data-binary "$body") || die "$label: the smoke verification failed: $answer"
	[[ $answer == *'"verified"'*' HTTP 200' ]] || die "$label: the smoke verification was not answered 200 verified: $answer"
	log "$label: ${bin} serving on ${URL[$label]}"
}

LABELS=()
ALPHABET=ABCDEFGHIJKLMNOPQRSTUVWXYZ
for k in "${!BINARIES[@]}"; do
	label=${ALPHABET:k:1}
	LABELS+=("$label")
	setup "$label" "${BINARIES[k]}"
done
mkdir -p "$WORK/minimal.d"
start_and_wait "$WORK/minimal.d" minimal "$WORK/minimal" --listen 127.0.0.1:0
URL[minimal]=$STARTED_URL
TARGETS[minimal]=${TARGETS[A]} # the same request bytes; it ignores path and token
log "minimal: serving on ${URL[minimal]}"

# metrics URL: "VERIFIED OTHER_OUTCOMES RATE_LIMITED" from a pindesk server's /metrics, or "- - -"
# when it has none.
metrics() {
	local text
	text=$(curl -sS --max-time 10 "$1/metrics" 2>/dev/null) || text=""
	awk '
		/^pindesk_verifications_total\{/ { if ($1 ~ /outcome="verified"/) v += $2; else o += $2; seen = 1 }
		/^pindesk_rate_limited_total\{/ { r += $2 }
		END { if (seen) printf "%d %d %d\n", v, o, r; else print "- - -" }' <<<"$text"
}

RESULTS=$WORK/results
: >"$RESULTS"
run_id=$(date +%s)-$$
log "$ROUNDS round(s) of ${DURATION}s runs, $CONNECTIONS connections, $THREADS threads: ${LABELS[*]} minimal"
for ((round = 1; round <= ROUNDS; round++)); do
	for label in "${LABELS[@]}" minimal; do
		url=${URL[$label]}
		before="- - -"
		[[ $label == minimal ]] || before=$(metrics "$url")
		out=$WORK/wrk-$round-$label.out
		timeout $((DURATION + 60)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$LUA" "$url" \
			-- "${TARGETS[$label]}" "$run_id-$round-$label" "$THREADS" >"$out" 2>&1 ||
			die "wrk against $label failed: $(tail -5 "$out")"
		after="- - -"
		[[ $label == minimal ]] || after=$(metrics "$url")
		line=$(grep '^BENCH ' "$out") || die "wrk against $label printed no figures: $(tail -5 "$out")"
		echo "$round $label $before $after ${line#BENCH }" >>"$RESULTS"
		log "round $round $label done"
	done
done

# The table. Fields of a results line: round, label, 3 metrics before, 3 after, then key=value.
awk -v labels="${LABELS[*]} minimal" -v dur="$DURATION" -v conns="$CONNECTIONS" '
{
	round = $1; t = $2
	for (i = 9; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] }
	rps = f["requests"] / (f["duration_us"] / 1e6)
	sock = f["connect"] + f["read"] + f["write"] + f["timeout"]
	flag = ""
	if (f["status_errors"] > 0) flag = flag " non-2xx"
	if (sock > 0) flag = flag " socket-errors"
	if (t != "minimal") {
		if ($3 == "-" || $6 == "-") flag = flag " no-metrics"
		else {
			ver = $6 - $3; other = $7 - $4; limited = $8 - $5
			if (other > 0) flag = flag " " other "-not-verified"
			if (limited > 0) flag = flag " " limited "-rate-limited"
			if (ver < f["requests"] - f["status_errors"]) flag = flag " fewer-verified-than-answered"
		}
	}
	n++; R[n] = round; T[n] = t; RPS[n] = rps; P50[n] = f["p50_us"] / 1000; P99[n] = f["p99_us"] / 1000
	MAX[n] = f["max_us"] / 1000; NON[n] = f["status_errors"]; SOCK[n] = sock; FLAG[n] = flag
	if (t == "minimal") MIN[round] = rps
	if (flag != "") bad++
}
END {
	printf "\nHTTP verify, %d connections, %ss per run (wrk; latencies in ms)\n\n", conns, dur
	fmt = "%-5s %-8s %10s %8s %8s %8s %8s %8s %10s  %s\n"
	printf fmt, "round", "target", "req/s", "p50", "p99", "max", "non-2xx", "sockerr", "%minimal", "check"
	for (i = 1; i <= n; i++) {
		share = (MIN[R[i]] > 0 && T[i] != "minimal") ? sprintf("%.0f%%", 100 * RPS[i] / MIN[R[i]]) : ""
		printf fmt, R[i], T[i], sprintf("%.0f", RPS[i]), sprintf("%.2f", P50[i]), sprintf("%.2f", P99[i]),
			sprintf("%.1f", MAX[i]), NON[i], SOCK[i], share, FLAG[i] == "" ? "ok" : "FLAGGED:" FLAG[i]
		sr[T[i]] += RPS[i]; s50[T[i]] += P50[i]; s99[T[i]] += P99[i]; c[T[i]]++; if (FLAG[i] != "") fl[T[i]]++
		if (P99[i] > w99[T[i]]) w99[T[i]] = P99[i]
	}
	printf "\nmean over rounds\n"
	fmt2 = "%-8s %10s %8s %8s %10s %10s  %s\n"
	printf fmt2, "target", "req/s", "p50", "p99", "worst p99", "%minimal", "check"
	k = split(labels, L, " ")
	for (j = 1; j <= k; j++) {
		t = L[j]; if (!c[t]) continue
		share = (t != "minimal" && sr["minimal"] > 0) ? sprintf("%.0f%%", 100 * sr[t] / sr["minimal"]) : ""
		printf fmt2, t, sprintf("%.0f", sr[t] / c[t]), sprintf("%.2f", s50[t] / c[t]), sprintf("%.2f", s99[t] / c[t]),
			sprintf("%.2f", w99[t]), share, fl[t] ? sprintf("FLAGGED: %d of %d runs", fl[t], c[t]) : "ok"
	}
	if (bad > 0) exit 3
}' "$RESULTS" || status=$?
for k in "${!BINARIES[@]}"; do
	printf '%s = %s\n' "${LABELS[k]}" "${BINARIES[k]}"
done
echo "minimal = scripts/bench/minimal (net/http, decode + encode JSON, nothing else)"
if ((${status:-0} == 3)); then
	cat >&2 <<'EOF'

!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!! FLAGGED: some runs had refused, failed or non-"verified" answers (see the check column).  !!!
!!! Their figures are NOT rates of successful verifications; do not report them as such.     !!!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
EOF
	exit 3
elif ((${status:-0} != 0)); then
	die "could not print the table (awk exit ${status})"
fi
