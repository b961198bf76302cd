#!/usr/bin/env bash
# Make sure a PostgreSQL server answers at PODIUM_TEST_POSTGRES_URL before the tests run.
# Order: one that already answers; else the machine's own cluster (pg_ctlcluster); else a
# throwaway cluster made with initdb in a temporary folder. Says loudly what it did; exits 1
# (so the test command fails, never skips) when none of these gives a server.
set -uo pipefail

URL=${PODIUM_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}

answers() { pg_isready -q -d "$URL" -t 3 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
    echo "!! PostgreSQL client tools (pg_isready) are not installed; the PostgreSQL suite needs a server at $URL" >&2
    exit 1
fi
answers && exit 0

echo "!! no PostgreSQL server answers at $URL; trying to start one" >&2
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    for version in $(ls /etc/postgresql); do
        pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1 | sed 's/^/   /' >&2
    done
    for _ in $(seq 1 20); do answers && { echo "!! started the machine's PostgreSQL cluster" >&2; exit 0; }; sleep 0.5; done
fi

initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1)
if [ -n "$initdb" ]; then
    dir=$(mktemp -d /tmp/podium-pg.XXXXXX)
    chown postgres "$dir" 2>/dev/null || true
    run() { if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sh -c "$*"; fi; }
    run "$initdb -D $dir/data -U postgres -A trust" >/dev/null &&
    run "$(dirname "$initdb")/pg_ctl -D $dir/data -o '-p 5432 -k $dir -c listen_addresses=127.0.0.1' -l $dir/log start" >/dev/null
    for _ in $(seq 1 20); do
        if answers; then
            psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" 2>/dev/null
            echo "!! started a throwaway PostgreSQL cluster in $dir" >&2
            exit 0
        fi
        sleep 0.5
    done
fi
echo "!! could not get a PostgreSQL server at $URL: the PostgreSQL suite will fail" >&2
exit 1
