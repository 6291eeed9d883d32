# shellcheck shell=bash
# Helpers sourced by scripts/*: find or install the toolchain and the local services, so every
# script works on a fresh Debian machine that has only Node.js and npm.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS_DIR="$REPO_ROOT/.tools"
# Majors pinned so a new major cannot change the toolchain under us.
TOOLS_PACKAGES=(deno@^2.9.6 bun@^1.4.5)
# What Stalk needs from Deno's sandbox, and no more: the network (broker, backend, HTTP), the
# environment (FLOWER_*, CELERY_*, and variables its npm dependencies read, such as node-redis'
# REDIS_*), reads (TLS certificate files, the --db snapshot), writes (the --persistent snapshot)
# and the host name (Celery's gen<pid>@<host> origin). No subprocesses, no FFI, no other system
# information. Used by `start` and by `build` when it compiles with Deno.
STALK_PERMISSIONS=(--allow-net --allow-env --allow-read --allow-write --allow-sys=hostname)
export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# npm install deno and bun into .tools/ (never beside deno.json: a root package.json would switch
# Deno into manual node_modules mode).
install_tools() {
  command -v npm >/dev/null || die "Cannot install deno and bun: npm is not on PATH"
  log "Installing ${TOOLS_PACKAGES[*]} into .tools/"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error "${TOOLS_PACKAGES[@]}"
}

# ensure_deno: export DENO, a Deno 2: `deno` on PATH, else .tools/, installed when missing.
ensure_deno() {
  local found
  found=$(command -v deno || true)
  if [[ -n $found ]] && "$found" --version 2>/dev/null | grep '^deno 2\.' >/dev/null; then
    DENO=$found
  else
    [[ -x $TOOLS_DIR/node_modules/.bin/deno ]] || install_tools
    DENO=$TOOLS_DIR/node_modules/.bin/deno
  fi
  export DENO
}

# ensure_bun: export BUN: `bun` on PATH, else .tools/, installed when missing.
ensure_bun() {
  BUN=$(command -v bun || true)
  if [[ -z $BUN ]]; then
    [[ -x $TOOLS_DIR/node_modules/.bin/bun ]] || install_tools
    BUN=$TOOLS_DIR/node_modules/.bin/bun
  fi
  export BUN
}

# ensure_deps: fill node_modules/ from deno.json and deno.lock when it is missing.
ensure_deps() {
  [[ -d $REPO_ROOT/node_modules ]] || (cd "$REPO_ROOT" && "$DENO" install)
}

_APT_UPDATED=
# ensure_apt_packages pkg...: install the Debian packages that are not installed yet.
ensure_apt_packages() {
  local pkg missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
      missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  local sudo=
  [[ $(id -u) == 0 ]] || sudo=sudo
  log "Installing Debian packages: ${missing[*]}"
  if [[ -z $_APT_UPDATED ]]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    _APT_UPDATED=1
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
}

# port_open PORT: whether something accepts TCP connections on 127.0.0.1:PORT.
# detached CMD...: runs a daemon's start command with every descriptor above 2 closed. A daemon
# started under `flock -x /work/wt/broker.lock` (a broker restart in an e2e test) would otherwise
# inherit the lock's descriptor and hold the lock for as long as it runs.
detached() {
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec "$@"
  )
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# ensure_rabbitmq: RabbitMQ answering on 127.0.0.1:5672, installed and started when needed, with
# its management plugin on :15672 (the --broker_api tests read it; Debian's package ships it).
ensure_rabbitmq() {
  ensure_apt_packages rabbitmq-server
  if ! port_open 5672; then
    # A node that is up with its application stopped (rabbitmqctl stop_app: an e2e broker restart
    # that ended half-way) needs start_app; otherwise the node itself is started.
    if rabbitmqctl -q ping >/dev/null 2>&1; then
      log "Starting RabbitMQ's application (rabbitmqctl start_app)"
      rabbitmqctl -q start_app || true
    else
      log "Starting RabbitMQ (rabbitmq-server -detached)"
      detached rabbitmq-server -detached || true
    fi
    local deadline=$((SECONDS + 120))
    until rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1 && port_open 5672; do
      ((SECONDS < deadline)) || die "RabbitMQ did not start within 120 s"
      sleep 1
    done
  fi
  port_open 15672 && return 0
  log "Enabling the RabbitMQ management plugin"
  rabbitmq-plugins -q enable rabbitmq_management >/dev/null ||
    die "Cannot enable rabbitmq_management"
  local until_up=$((SECONDS + 60))
  until port_open 15672; do
    ((SECONDS < until_up)) || die "The RabbitMQ management API did not open :15672 within 60 s"
    sleep 0.5
  done
}

# ensure_redis: Redis answering on 127.0.0.1:6379, installed and started when needed.
ensure_redis() {
  ensure_apt_packages redis-server
  port_open 6379 && return 0
  log "Starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  detached redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  local deadline=$((SECONDS + 30))
  until [[ $(redis-cli -p 6379 ping 2>/dev/null) == PONG ]]; do
    ((SECONDS < deadline)) || die "Redis did not start within 30 s"
    sleep 0.5
  done
}

# ensure_memcached: memcached answering on 127.0.0.1:11211, installed and started when needed.
ensure_memcached() {
  ensure_apt_packages memcached
  port_open 11211 && return 0
  log "Starting memcached"
  detached memcached -d -u memcache -l 127.0.0.1 -p 11211 -m 64
  local deadline=$((SECONDS + 30))
  until port_open 11211; do
    ((SECONDS < deadline)) || die "memcached did not start within 30 s"
    sleep 0.2
  done
}

# ensure_postgresql: PostgreSQL answering on 127.0.0.1:5432 with trust auth for local TCP and a
# database `test`; installed, started (without systemd) and configured when needed.
ensure_postgresql() {
  ensure_apt_packages postgresql
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  [[ -n $version ]] || die "PostgreSQL is installed but has no cluster in /etc/postgresql"
  if ! port_open 5432; then
    log "Starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    local deadline=$((SECONDS + 60))
    until port_open 5432; do
      ((SECONDS < deadline)) || die "PostgreSQL did not start within 60 s"
      sleep 0.5
    done
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; then
    # A fresh cluster asks for passwords over TCP; the tests connect as postgres without one.
    log "PostgreSQL: trusting local TCP connections (tests only)"
    local hba=/etc/postgresql/$version/main/pg_hba.conf
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    sleep 1
  fi
  psql -h 127.0.0.1 -U postgres -d postgres -Atqc \
    "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 ||
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test' ||
    die "Cannot reach PostgreSQL on 127.0.0.1:5432 as postgres"
}

# ensure_mariadb: MariaDB answering on 127.0.0.1:3306 to root without a password, with a
# database `test`; installed and started when needed.
ensure_mariadb() {
  ensure_apt_packages mariadb-server
  if ! port_open 3306; then
    log "Starting MariaDB"
    mkdir -p /run/mysqld
    chown mysql:mysql /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
    local deadline=$((SECONDS + 60))
    until port_open 3306; do
      ((SECONDS < deadline)) || die "MariaDB did not start within 60 s"
      sleep 0.5
    done
  fi
  if ! mariadb -h 127.0.0.1 -u root -e 'SELECT 1' >/dev/null 2>&1; then
    # A fresh install lets root in over the Unix socket only; the tests connect over TCP.
    log "MariaDB: letting root in over local TCP without a password (tests only)"
    mariadb -u root -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
      GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;" ||
      die "Cannot let root into MariaDB over 127.0.0.1"
  fi
  mariadb -h 127.0.0.1 -u root -e 'CREATE DATABASE IF NOT EXISTS test' ||
    die "Cannot reach MariaDB on 127.0.0.1:3306 as root"
}
