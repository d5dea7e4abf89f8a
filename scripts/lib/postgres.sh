# Sourced, not run: starts and stops a throwaway PostgreSQL cluster on 127.0.0.1 and a free port,
# the way scripts/test does (installed from Debian's packages when missing and we are root).
#   source scripts/lib/postgres.sh
#   pg_start            # sets PG_URL, PG_PORT, PG_CLUSTER; returns non-zero when impossible
#   pg_stop_server      # stops the server only (the cluster stays: pg_start_server brings it back)
#   pg_start_server
#   pg_remove           # stops it and deletes the cluster (call it from an EXIT trap)

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# initdb refuses to run as root, so the cluster belongs to the postgres user when we are root.
pg_as_owner() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_install() {
  [[ -n "$(pg_bin)" ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "PostgreSQL is not installed and this is not root: apt-get install postgresql" >&2
    return 1
  fi
  echo "Installing PostgreSQL from Debian's packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

pg_start() {
  pg_install || return 1
  PG_BIN=$(pg_bin)
  PG_CLUSTER=$(mktemp -d /tmp/parley-pg.XXXXXX)
  [[ $(id -u) -eq 0 ]] && chown postgres: "$PG_CLUSTER"
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
  pg_as_owner "$PG_BIN/initdb" -D "$PG_CLUSTER/data" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null || return 1
  pg_start_server
}

pg_start_server() {
  # fsync off: the cluster is thrown away, and durability across a power cut is not under test.
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_CLUSTER/data" -l "$PG_CLUSTER/server.log" -w start \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_CLUSTER -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" >/dev/null
}

# mode: fast (default; disconnects clients, as a clean shutdown does) or immediate (as a crash).
pg_stop_server() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_CLUSTER/data" -m "${1:-fast}" -w stop >/dev/null
}

pg_remove() {
  [[ -n "${PG_CLUSTER:-}" && -d "$PG_CLUSTER" ]] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_CLUSTER/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_CLUSTER"
}
