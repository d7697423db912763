#!/usr/bin/env bash
# Start a throwaway PostgreSQL + PostGIS server for the store tests (tests/test_store_postgis.py).
#
#   eval "$(bash .ci/postgis.sh)"          # start; exports GEOPLAN_TEST_PG_URL, PGPASSWORD, GEOPLAN_TEST_PG_DIR
#   bash .ci/postgis.sh --stop             # stop the cluster named by $GEOPLAN_TEST_PG_DIR and delete it
#
# - Installs the Debian packages postgresql + postgis with apt-get when they are missing (needs root).
# - Creates a fresh cluster in a temporary folder on every run, owned by an unprivileged user
#   (postgres, or a user it creates), listening on 127.0.0.1 only, on a free port.
# - Creates a login role "geoplan" (not a superuser) with a random password and a database
#   "geoplan_test" owned by it, with the postgis extension installed by the cluster's superuser.
# - stdout carries only `export …` lines (for eval); progress goes to stderr. The password travels
#   in PGPASSWORD, not in the URL, so the URL can be echoed in CI logs.
set -euo pipefail

log() { printf 'postgis.sh: %s\n' "$*" >&2; }

if [ "${1:-}" = "--stop" ]; then
  dir="${GEOPLAN_TEST_PG_DIR:-}"
  if [ -z "$dir" ] || [ ! -f "$dir/bindir" ]; then
    log "nothing to stop (GEOPLAN_TEST_PG_DIR is unset or not a cluster made by this script)"
    exit 0
  fi
  bindir=$(cat "$dir/bindir")
  owner=$(stat -c %U "$dir/data")
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$owner" -- "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  else
    "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
  exit 0
fi

find_bindir() {
  local d best=""
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      local v
      v=$(basename "$(dirname "$d")")
      if [ -f "/usr/share/postgresql/$v/extension/postgis.control" ]; then best="$d"; fi
    fi
  done
  printf '%s' "$best"
}

bindir=$(find_bindir)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" != 0 ]; then
    log "PostgreSQL/PostGIS are not installed and this is not root; run: apt-get install postgresql postgis postgresql-postgis"
    exit 1
  fi
  log "installing postgresql + postgis from Debian (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # The package scripts may try to start the default cluster; we never use it.
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql postgis postgresql-postgis >&2
  bindir=$(find_bindir)
  if [ -z "$bindir" ]; then
    log "installed, but found no /usr/lib/postgresql/*/bin/initdb with a postgis extension"
    exit 1
  fi
fi
log "using $bindir"

# The server refuses to run as root: use the unprivileged 'postgres' account (created by the
# Debian package) or create one.
run_as=""
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  run_as="postgres"
fi
as_owner() {
  if [ -n "$run_as" ]; then runuser -u "$run_as" -- "$@"; else "$@"; fi
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/geoplan-pg.XXXXXX")
chmod 700 "$dir"
mkdir -p "$dir/sock"
printf '%s\n' "$bindir" > "$dir/bindir"
[ -n "$run_as" ] && chown -R "$run_as" "$dir"

password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }

# A free port on loopback: ask the kernel when python3 is there, else pick one at random; retry
# if another server got it first.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    echo $(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
  fi
}
started=""
for _ in 1 2 3 4 5; do
  port=$(free_port)
  if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c max_connections=50" start >&2; then
    started=1
    break
  fi
done
if [ -z "$started" ]; then
  cat "$dir/server.log" >&2
  exit 1
fi

psql_admin() { as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$port" -U postgres "$@"; }
psql_admin -d postgres -c "CREATE ROLE geoplan LOGIN PASSWORD '$password'" >&2
psql_admin -d postgres -c "CREATE DATABASE geoplan_test OWNER geoplan" >&2
psql_admin -d geoplan_test -c "CREATE EXTENSION IF NOT EXISTS postgis" >&2
log "PostGIS $(psql_admin -d geoplan_test -At -c 'SELECT postgis_lib_version()') on 127.0.0.1:$port (cluster in $dir)"

printf "export GEOPLAN_TEST_PG_URL='postgresql://geoplan@127.0.0.1:%s/geoplan_test'\n" "$port"
printf "export PGPASSWORD='%s'\n" "$password"
printf "export GEOPLAN_TEST_PG_DIR='%s'\n" "$dir"
