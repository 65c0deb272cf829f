#!/usr/bin/env bash
# bench-inprocess.sh — the in-process verify rate as a share of fsync'd one-row SQLite
# transactions (store/sqlite's BenchmarkVerifyVsBaseline, target ≥ 60 %), for two git revisions
# side by side in one run.
#
#   scripts/bench-inprocess.sh [--benchtime T] [--count N] REV_A REV_B
#
#   --benchtime T   go test -benchtime of each run (default 3s)
#   --count N       runs per revision (default 3), alternated A, B, A, B, … so the disk's and the
#                   machine's moods fall on both alike
#
# Each revision is exported with `git archive` into a temporary directory (nothing is added to
# the repository: no worktree, no branch) and its store/sqlite test binary compiled once, before
# any run, so compiling never overlaps a measurement. It prints each run's verifies/s, tx/s and
# share, then the median share per revision. The temporary directories are removed on exit.
set -euo pipefail

BENCH=BenchmarkVerifyVsBaseline
PKG=store/sqlite
BENCHTIME=3s
COUNT=3

log() { printf 'bench-inprocess: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}
usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

while (($#)); do
	case $1 in
	--benchtime)
		(($# >= 2)) || die "--benchtime needs a value"
		[[ $2 =~ ^[0-9]+(\.[0-9]+)?(s|x|ms|m)$ ]] || die "--benchtime is a go test -benchtime such as 3s or 2000x, not '$2'"
		BENCHTIME=$2
		shift 2
		;;
	--count)
		(($# >= 2)) || die "--count needs a value"
		[[ $2 =~ ^[1-9][0-9]*$ ]] || die "--count must be a positive whole number, not '$2'"
		COUNT=$2
		shift 2
		;;
	-h | --help) usage ;;
	--) shift && break ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
done
(($# == 2)) || usage

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v go >/dev/null || die "go is needed"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pindesk-bench-inprocess.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

LABELS=(A B)
declare -A REV COMMIT
REV[A]=$1
REV[B]=$2
for label in "${LABELS[@]}"; do
	COMMIT[$label]=$(git -C "$ROOT" rev-parse --verify --quiet "${REV[$label]}^{commit}") ||
		die "${REV[$label]} is not a commit of this repository"
	dir=$WORK/$label
	mkdir -p "$dir"
	git -C "$ROOT" archive "${COMMIT[$label]}" | tar -x -C "$dir"
	grep -q "func $BENCH(" "$dir/$PKG/bench_test.go" 2>/dev/null ||
		die "${REV[$label]} has no $BENCH in $PKG/bench_test.go"
	log "$label: compiling $PKG tests of ${REV[$label]} (${COMMIT[$label]:0:12})"
	(cd "$dir" && timeout 600 go test -c -o "$WORK/$label.test" "./$PKG") ||
		die "$label: the tests of ${REV[$label]} do not compile"
done

RESULTS=$WORK/results
: >"$RESULTS"
for ((run = 1; run <= COUNT; run++)); do
	for label in "${LABELS[@]}"; do
		out=$WORK/$label-$run.out
		# Run in the package's directory, as go test would, with a bound on the run.
		(cd "$WORK/$label/$PKG" && timeout 600 "$WORK/$label.test" -test.run '^$' -test.bench "^$BENCH\$" \
			-test.benchtime "$BENCHTIME" -test.count 1) >"$out" 2>&1 ||
			die "$label run $run failed: $(tail -5 "$out")"
		line=$(grep "^$BENCH" "$out") || die "$label run $run printed no result: $(tail -5 "$out")"
		echo "$run $label $line" >>"$RESULTS"
		log "run $run $label done"
	done
done

# A result line: run, label, then the benchmark's own: name, iterations, value unit pairs.
awk -v count="$COUNT" -v benchtime="$BENCHTIME" '
{
	for (i = 5; i < NF; i += 2) v[$(i + 1)] = $i
	n++; R[n] = $1; L[n] = $2; VS[n] = v["verifies/s"]; TX[n] = v["tx/s"]; SH[n] = v["verify_%_of_baseline"]
	share[$2, ++c[$2]] = SH[n]
}
function median(label,   k, m, i, j, t, a) {
	m = c[label]
	for (i = 1; i <= m; i++) a[i] = share[label, i]
	for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
END {
	printf "\nin-process durable verifies vs fsync'\''d one-row transactions (%d runs each, benchtime %s)\n\n", count, benchtime
	fmt = "%-4s %-4s %12s %10s %12s\n"
	printf fmt, "run", "rev", "verifies/s", "tx/s", "verify/tx"
	for (i = 1; i <= n; i++)
		printf fmt, R[i], L[i], sprintf("%.0f", VS[i]), sprintf("%.0f", TX[i]), sprintf("%.1f%%", SH[i])
	printf "\nmedian verify/tx: A %.1f%%, B %.1f%% (target ≥ 60%%)\n", median("A"), median("B")
}' "$RESULTS"
for label in "${LABELS[@]}"; do
	printf '%s = %s (%s)\n' "$label" "${REV[$label]}" "${COMMIT[$label]:0:12}"
done
