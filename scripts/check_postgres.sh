#!/usr/bin/env bash
# The database tests against a throwaway PostgreSQL server (Debian's postgresql package):
# every test gets a fresh database on it (tests/databases.py). Nothing outside a temporary
# folder is touched; the server stops when the script ends.
#   bash scripts/check_postgres.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ ! -x "${PGBIN:-}/initdb" ]; then
  echo "PostgreSQL server programs not found: apt-get install postgresql" >&2
  exit 2
fi
.venv/bin/pip install -q -r requirements-postgres.txt
DIR=$(mktemp -d)
PORT=${PORT:-54329}
as_server_user() {  # initdb refuses to run as root
  if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else bash -c "$*"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
as_server_user "$PGBIN/initdb -D $DIR/data -A trust -U postgres" >/dev/null
as_server_user "$PGBIN/pg_ctl -D $DIR/data -o '-k $DIR -p $PORT -c listen_addresses=localhost' -l $DIR/log -w start" >/dev/null
trap 'as_server_user "$PGBIN/pg_ctl -D $DIR/data -m fast stop" >/dev/null; rm -rf "$DIR"' EXIT
HEADLINE_LAB_TEST_POSTGRES="postgresql+psycopg://postgres@localhost:$PORT/postgres" \
  .venv/bin/python -m pytest -q -p no:cacheprovider \
  tests/test_db_schema.py tests/test_db_queries.py tests/test_outcome.py tests/test_history.py \
  tests/test_importer.py tests/test_registry.py tests/test_retrain.py tests/test_champion.py \
  tests/test_learning.py "$@"
