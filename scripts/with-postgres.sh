#!/usr/bin/env bash
# Run a command beside a throw-away PostgreSQL cluster: initdb in a temporary directory,
# listening on 127.0.0.1 only, stopped and deleted when the command ends, whatever its result.
# The command sees TEST_DATABASE_URL (postgresql://articlebot:…@127.0.0.1:PORT/articlebot).
# PostgreSQL refuses to run as root: as root, the cluster runs as the user "postgres".
set -euo pipefail
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with-postgres: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
dir=$(mktemp -d /tmp/article-bot-pg.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
stop() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
printf '%s\n' "$password" > "$dir/password"
[ "$(id -u)" = 0 ] && chown postgres: "$dir/password"
as_owner "$bin/initdb" -D "$dir/data" -U articlebot --pwfile="$dir/password" \
  --auth-host=scram-sha-256 --auth-local=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start \
  >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
as_owner "$bin/createdb" -h "$dir" -p "$port" -U articlebot articlebot
export TEST_DATABASE_URL="postgresql://articlebot:$password@127.0.0.1:$port/articlebot"
export TEST_POSTGRES_BIN="$bin"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
