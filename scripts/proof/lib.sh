# Sourced by the proof scripts: the binary, a scratch directory, free ports, the Python venv, and
# starting/stopping the fault provider and Parley. Everything listens on 127.0.0.1 only.
set -euo pipefail
PROOF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$PROOF_DIR/../.." && pwd)

# What scripts/test just built, unless PARLEY_BINARY says otherwise.
PARLEY_BINARY=${PARLEY_BINARY:-"$(cd "$REPO_DIR" && swift build --show-bin-path)/parley"}
[[ -x "$PARLEY_BINARY" ]] || { echo "PARLEY_BINARY is not an executable: $PARLEY_BINARY" >&2; exit 1; }

PROOF_WORK=$(mktemp -d /tmp/parley-proof.XXXXXX)
PROOF_PIDS=()
proof_cleanup() {
  local pid
  for pid in "${PROOF_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PROOF_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if declare -F pg_remove >/dev/null; then pg_remove; fi
  if [[ -n "${PROOF_KEEP:-}" ]]; then echo "kept logs in $PROOF_WORK" >&2; else rm -rf "$PROOF_WORK"; fi
}
trap proof_cleanup EXIT

log() { printf '\n==> %s\n' "$*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A venv under data/ (git-ignored) with the pinned tools; PROOF_PYTHON runs in it.
PROOF_VENV=${PROOF_VENV:-"$REPO_DIR/data/.venv-proof"}
PROOF_PYTHON="$PROOF_VENV/bin/python"
proof_venv() {
  local wanted="schemathesis==4.32.5"
  if ! "$PROOF_PYTHON" -c 'import schemathesis' 2>/dev/null; then
    log "Installing $wanted into $PROOF_VENV"
    if ! python3 -m venv "$PROOF_VENV" 2>/dev/null; then
      # Debian's python3 keeps venv in a package of its own.
      [[ $(id -u) -eq 0 ]] || { echo "python3 cannot make a venv: apt-get install python3-venv" >&2; return 1; }
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      rm -rf "$PROOF_VENV"
      python3 -m venv "$PROOF_VENV"
    fi
    "$PROOF_VENV/bin/pip" install -q --disable-pip-version-check "$wanted"
  fi
}

# Starts scripts/fake_provider.py in its fault mode; sets FAULT_PORT.
start_fault_provider() {
  FAULT_PORT=$(free_port)
  python3 "$REPO_DIR/scripts/fake_provider.py" "$FAULT_PORT" --faults >"$PROOF_WORK/fault-provider.log" 2>&1 &
  PROOF_PIDS+=($!)
  wait_http "http://127.0.0.1:$FAULT_PORT/control/stats"
}

# start_parley NAME PORT DATABASE_URL [VAR=value ...]: serves from its own working directory,
# logs to $PROOF_WORK/NAME.log; sets PARLEY_PID. The environment is the load test's: no rate
# limits, a short provider silence timeout so hangs end fast, the fault provider as the model.
start_parley() {
  local name=$1 port=$2 database=$3; shift 3
  mkdir -p "$PROOF_WORK/$name"
  (cd "$PROOF_WORK/$name" && exec env DATABASE_URL="$database" SECRET_KEY="proof-secret-key-of-at-least-32-bytes!" \
    LLM_BASE_URL="http://127.0.0.1:${FAULT_PORT:-9}/v1" LLM_MODEL=fault-model LLM_TIMEOUT_SECONDS=3 \
    CHAT_RATE_LIMIT=0 LOGIN_RATE_LIMIT=0 LOG_LEVEL="${PROOF_LOG_LEVEL:-notice}" PASSWORD_HASH_THREADS=2 "$@" \
    "$PARLEY_BINARY" serve --port "$port" >>"$PROOF_WORK/$name.log" 2>&1) &
  PARLEY_PID=$!
  PROOF_PIDS+=($PARLEY_PID)
  wait_http "http://127.0.0.1:$port/health" || { tail -n 30 "$PROOF_WORK/$name.log" >&2; return 1; }
}

# Waits up to 60 s for a URL to answer 200.
wait_http() {
  local _
  for _ in $(seq 1 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}

# parley_migrate: `parley migrate` once on $PG_URL, before any replica starts (pg_start first).
parley_migrate() {
  log "parley migrate, once, before any replica starts"
  (cd "$PROOF_WORK" && DATABASE_URL="$PG_URL" SECRET_KEY="proof-secret-key-of-at-least-32-bytes!" LOG_LEVEL=warning \
    "$PARLEY_BINARY" migrate --yes >"$PROOF_WORK/migrate.log" 2>&1) || { cat "$PROOF_WORK/migrate.log" >&2; return 1; }
}

# start_nginx PORT UPSTREAM_PORT...: nginx on 127.0.0.1:PORT balancing the replicas, SSE unbuffered
# (Debian's nginx-light, installed when missing and we are root); logs under $PROOF_WORK/nginx.
start_nginx() {
  local port=$1; shift
  if ! command -v nginx >/dev/null; then
    [[ $(id -u) -eq 0 ]] || { echo "nginx is missing: apt-get install nginx-light" >&2; return 1; }
    log "Installing nginx from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
  fi
  mkdir -p "$PROOF_WORK/nginx"
  local upstream="" p
  for p in "$@"; do upstream+="    server 127.0.0.1:$p max_fails=1 fail_timeout=10s;"$'\n'; done
  cat >"$PROOF_WORK/nginx/nginx.conf" <<NGINX
# The workers need the scratch directory, which only root may enter.
$([[ $(id -u) -eq 0 ]] && echo "user root;")
worker_processes 1;
pid $PROOF_WORK/nginx/nginx.pid;
error_log $PROOF_WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $PROOF_WORK/nginx/body;
  proxy_temp_path $PROOF_WORK/nginx/proxy;
  fastcgi_temp_path $PROOF_WORK/nginx/fastcgi;
  uwsgi_temp_path $PROOF_WORK/nginx/uwsgi;
  scgi_temp_path $PROOF_WORK/nginx/scgi;
  upstream parley {
$upstream    keepalive 64;
  }
  server {
    listen 127.0.0.1:$port;
    client_max_body_size 2m;
    location / {
      proxy_pass http://parley;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # Streamed chat replies (SSE): pass each event on at once, and let a slow model stay quiet.
      proxy_buffering off;
      proxy_cache off;
      proxy_read_timeout 300s;
    }
  }
}
NGINX
  nginx -c "$PROOF_WORK/nginx/nginx.conf" -g 'daemon off;' &
  PROOF_PIDS+=($!)
  wait_http "http://127.0.0.1:$port/health"
}
