#!/usr/bin/env bash
# Makes sure the services the shared-store tests use answer on 127.0.0.1: PostgreSQL (5432, database `test`, trust
# auth) and Redis (6379). Starts either with the machine's own command when it does not answer; exits non-zero, naming
# what is missing, when one still does not. `npm run services` runs it; `.ci/run` runs it before the tests.
set -u

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  for _ in $(seq 1 50); do answers "$1" && return 0; sleep 0.2; done
  return 1
}

if ! answers 5432; then
  echo "services: PostgreSQL does not answer on 127.0.0.1:5432; starting it"
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  fi
  wait_for 5432 || { echo "services: PostgreSQL is missing (127.0.0.1:5432)" >&2; exit 1; }
fi

if ! answers 6379; then
  echo "services: Redis does not answer on 127.0.0.1:6379; starting it"
  if command -v redis-server >/dev/null; then
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
  fi
  wait_for 6379 || { echo "services: Redis is missing (127.0.0.1:6379)" >&2; exit 1; }
fi

# PostgreSQL answers on its port before it accepts queries; the tests' database must exist.
if command -v psql >/dev/null; then
  for _ in $(seq 1 50); do
    psql -h 127.0.0.1 -U postgres -d test -Atc "select 1" >/dev/null 2>&1 && break
    sleep 0.2
  done
  psql -h 127.0.0.1 -U postgres -d test -Atc "select 1" >/dev/null 2>&1 ||
    { echo "services: PostgreSQL answers but database \"test\" (user postgres) does not" >&2; exit 1; }
fi
echo "services: PostgreSQL 127.0.0.1:5432 and Redis 127.0.0.1:6379 answer"
