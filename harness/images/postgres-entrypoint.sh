#!/bin/sh
# Entrypoint of authquake's Postgres image. Follows the upstream image's
# conventions (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA) so that
# an upstream image can stand in where a registry is reachable.
set -eu
bin=$(echo /usr/lib/postgresql/*/bin)
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_PASSWORD:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	mkdir -p "$PGDATA"
	chmod 700 "$PGDATA"
	pw=$(mktemp)
	printf '%s' "$POSTGRES_PASSWORD" >"$pw"
	"$bin/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pw" -E UTF8 --locale=C.UTF-8 \
		--auth-local=trust --auth-host=scram-sha-256 >/dev/null
	rm -f "$pw"
	echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
	cat >>"$PGDATA/postgresql.conf" <<CONF
listen_addresses = '*'
unix_socket_directories = '/tmp'
jit = off
max_connections = 200
CONF
	if [ "$POSTGRES_DB" != postgres ]; then
		echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\";" |
			"$bin/postgres" --single -D "$PGDATA" postgres >/dev/null
	fi
fi
exec "$bin/postgres" -D "$PGDATA" "$@"
