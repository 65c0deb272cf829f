#!/usr/bin/env bash
# pg-test-cluster.sh — a throwaway PostgreSQL cluster for pindesk's PostgreSQL store tests.
#
#   scripts/pg-test-cluster.sh start    # prints: export PINDESK_TEST_POSTGRES_URL='postgres://…'
#   scripts/pg-test-cluster.sh env      # prints the same line for a running cluster
#   scripts/pg-test-cluster.sh status   # exit 0 when running
#   scripts/pg-test-cluster.sh stop     # stops it and removes every file it made
#
# Typical use (CI, under set -e):
#   scripts/pg-test-cluster.sh start >/dev/null
#   . "${PINDESK_PG_TEST_DIR:-/tmp/pindesk-pg-test}/env"
#   PINDESK_TEST_POSTGRES_REQUIRED=1 go test -race ./store/postgres/...
#   scripts/pg-test-cluster.sh stop
# (eval "$(scripts/pg-test-cluster.sh start)" works too, but a failed start then goes unnoticed by
# set -e; PINDESK_TEST_POSTGRES_REQUIRED=1 makes the tests fail rather than skip without a URL.)
#
# Only the export line goes to stdout; progress goes to stderr.
#
# When no PostgreSQL server binaries are found it installs Debian's postgresql package
# (apt-get, non-interactive; needs root). The cluster runs as a non-root user (PostgreSQL refuses
# root): the current user, or when root the `postgres` system user (created when missing). It
# listens on 127.0.0.1 only, on a free port, plus a private unix socket directory, with trust
# authentication: it is for tests, never for data anyone needs.
#
# Environment:
#   PINDESK_PG_TEST_DIR   where the cluster lives (default /tmp/pindesk-pg-test); stop removes it
#   PINDESK_PG_TEST_FAST  1: fsync/synchronous_commit off — quicker tests, but a benchmark on
#                         such a cluster does not measure durable verifies (default 0)
#   PINDESK_PG_TEST_PORT  port to use (default: a free one from 54320 up)
set -euo pipefail

DIR=${PINDESK_PG_TEST_DIR:-${TMPDIR:-/tmp}/pindesk-pg-test}
DB=pindesk_test
SUPERUSER=postgres

log() { printf 'pg-test-cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# pg_bin finds the newest PostgreSQL server bin directory, or nothing.
pg_bin() {
	local d best=""
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] || continue
		if [ -z "$best" ] || [ "$(basename "$(dirname "$d")")" -gt "$(basename "$(dirname "$best")")" ] 2>/dev/null; then
			best=$d
		fi
	done
	if [ -z "$best" ] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		best=$(dirname "$(command -v initdb)")
	fi
	printf '%s' "$best"
}

install_postgres() {
	[ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and I am not root: install the postgresql package"
	command -v apt-get >/dev/null 2>&1 || die "PostgreSQL is not installed and apt-get is missing: install PostgreSQL"
	log "installing PostgreSQL from Debian packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2
	apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql >&2
}

# as_owner runs a command as the cluster's owner.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		if command -v runuser >/dev/null 2>&1; then
			runuser -u "$OWNER" -- "$@"
		else
			su -s /bin/sh "$OWNER" -c "$(printf '%q ' "$@")"
		fi
	else
		"$@"
	fi
}

owner() {
	if [ "$(id -u)" != 0 ]; then
		id -un
		return
	fi
	if ! id postgres >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin postgres >&2 ||
			die "could not create the postgres user"
	fi
	echo postgres
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

url() { printf "postgres://%s@127.0.0.1:%s/%s?sslmode=disable" "$SUPERUSER" "$(cat "$DIR/port")" "$DB"; }

print_env() { printf "export PINDESK_TEST_POSTGRES_URL='%s'\n" "$(url)"; }

running() {
	[ -f "$DIR/bin" ] && [ -d "$DIR/data" ] || return 1
	OWNER=$(cat "$DIR/owner")
	as_owner "$(cat "$DIR/bin")/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

start() {
	if running; then
		log "already running in $DIR"
		print_env
		return
	fi
	if [ -e "$DIR" ]; then
		log "removing a stale cluster directory $DIR"
		stop_quiet
	fi
	local bin
	bin=$(pg_bin)
	if [ -z "$bin" ]; then
		install_postgres
		bin=$(pg_bin)
		[ -n "$bin" ] || die "PostgreSQL was installed but initdb/pg_ctl are not under /usr/lib/postgresql/*/bin"
	fi
	OWNER=$(owner)
	mkdir -p "$DIR"
	echo "$OWNER" >"$DIR/owner"
	chmod 755 "$DIR" # the owner must reach it; the parent (/tmp) is world-traversable
	mkdir -p "$DIR/sock"
	echo "$bin" >"$DIR/bin"
	if [ "$(id -u)" = 0 ]; then chown -R "$OWNER" "$DIR"; fi
	as_owner test -w "$DIR" ||
		die "$OWNER cannot write $DIR (is a parent folder private?): set PINDESK_PG_TEST_DIR to a folder under /tmp"
	log "initdb with $bin as $OWNER in $DIR"
	as_owner "$bin/initdb" -D "$DIR/data" -U "$SUPERUSER" -A trust -E UTF8 --locale=C --no-sync >"$DIR/initdb.log" 2>&1 ||
		{ cat "$DIR/initdb.log" >&2; die "initdb failed"; }

	local fast=${PINDESK_PG_TEST_FAST:-0} port=${PINDESK_PG_TEST_PORT:-} try
	for try in $(seq 1 20); do
		if [ -z "${PINDESK_PG_TEST_PORT:-}" ]; then
			port=$((54320 + RANDOM % 1000))
			port_free "$port" || continue
		fi
		{
			echo "listen_addresses = '127.0.0.1'"
			echo "port = $port"
			echo "unix_socket_directories = '$DIR/sock'"
			echo "max_connections = 200"
			if [ "$fast" = 1 ]; then
				echo "fsync = off"
				echo "synchronous_commit = off"
				echo "full_page_writes = off"
			fi
		} >"$DIR/data/postgresql.auto.conf"
		echo "$port" >"$DIR/port"
		if [ "$(id -u)" = 0 ]; then chown "$OWNER" "$DIR/data/postgresql.auto.conf" "$DIR/port"; fi
		if as_owner "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start >/dev/null 2>&1; then
			break
		fi
		if [ -n "${PINDESK_PG_TEST_PORT:-}" ] || ! grep -q "could not bind\|could not create any TCP" "$DIR/server.log" 2>/dev/null; then
			cat "$DIR/server.log" >&2 2>/dev/null || true
			die "PostgreSQL did not start"
		fi
		log "port $port taken, trying another"
	done
	running || die "PostgreSQL did not start after 20 tries"
	as_owner "$bin/createdb" -h "$DIR/sock" -p "$port" -U "$SUPERUSER" "$DB" ||
		die "createdb $DB failed"
	print_env >"$DIR/env"
	chmod 644 "$DIR/env"
	log "running on 127.0.0.1:$port (data in $DIR; stop with: $0 stop)"
	print_env
}

stop_quiet() {
	[ -e "$DIR" ] || return 0
	# Remove only a folder this script made (it holds the owner file), never whatever DIR names.
	if [ ! -f "$DIR/owner" ]; then
		rmdir "$DIR" 2>/dev/null || die "$DIR was not made by $0 (no $DIR/owner): not removing it"
		return 0
	fi
	if [ -f "$DIR/bin" ] && [ -d "$DIR/data" ]; then
		OWNER=$(cat "$DIR/owner")
		as_owner "$(cat "$DIR/bin")/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$DIR"
}

case "${1:-}" in
start) start ;;
stop)
	stop_quiet
	log "stopped and removed $DIR"
	;;
env)
	running || die "no cluster running in $DIR"
	print_env
	;;
status)
	if running; then
		log "running: $(url)"
	else
		log "not running"
		exit 1
	fi
	;;
*)
	echo "usage: $0 start|stop|env|status" >&2
	exit 2
	;;
esac
