#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: `pg_cluster.sh start DIR` creates a
# cluster in DIR (owned by an unprivileged user; initdb refuses root), starts it on
# 127.0.0.1 at a free port, creates the database `cuttings_test` and prints its URL;
# `pg_cluster.sh stop DIR` stops it. Installs Debian's postgresql when missing.
set -euo pipefail

action=${1:?start|stop}
dir=${2:?cluster folder}

pg_bin() {
  local b
  for b in /usr/lib/postgresql/*/bin; do
    [ -x "$b/initdb" ] && { echo "$b"; return 0; }
  done
  return 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PGOWNER" -- "$@"; else "$@"; fi
}

PGOWNER=$(id -un)
if [ "$(id -u)" = 0 ]; then
  PGOWNER=cuttings-pg
  id "$PGOWNER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PGOWNER"
fi

case "$action" in
start)
  if ! bin=$(pg_bin); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    fi
    bin=$(pg_bin) || { echo "PostgreSQL is not installed" >&2; exit 1; }
  fi
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown "$PGOWNER" "$dir"
  chmod 700 "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U "$PGOWNER" -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=100" \
    start >/dev/null
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$PGOWNER" cuttings_test
  echo "$bin" > "$dir/bin"
  echo "postgresql://$PGOWNER@127.0.0.1:$port/cuttings_test"
  ;;
stop)
  [ -f "$dir/bin" ] || exit 0
  as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  ;;
esac
