# Installs (Debian packages, where missing) chromium and the servers the test suite runs against:
# PostgreSQL (the distribution's cluster, with a callintel role and test database) and redis-server (the tests
# start their own instances of it on free ports). Sourced by .ci/run and run by `make services` (as root);
# exports CALLINTEL_TEST_POSTGRES_URL and writes it to .services.env for `make test`.
set -euo pipefail

missing=()
command -v pg_lsclusters >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# Debian's chromium: the dashboard's browser tests drive it with Playwright (tests/api/test_dashboard_browser.py).
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

cluster=$(pg_lsclusters --no-header | head -n 1)
if [ -z "$cluster" ]; then
  pg_createcluster "$(ls /usr/lib/postgresql | sort -n | tail -n 1)" main
  cluster=$(pg_lsclusters --no-header | head -n 1)
fi
read -r version name port status _ <<<"$cluster"
if [ "$status" != "online" ]; then
  pg_ctlcluster "$version" "$name" start
fi
as_postgres() { runuser -u postgres -- "$@"; }
as_postgres psql -p "$port" -qtAc "SELECT 1 FROM pg_roles WHERE rolname='callintel'" | grep -q 1 \
  || as_postgres psql -p "$port" -qc "CREATE ROLE callintel LOGIN CREATEDB PASSWORD 'callintel'"
# Dropping a test database WITH (FORCE) ends its other connections; an autovacuum worker's among them needs
# pg_signal_backend (without it the drop fails when autovacuum happens to be in that database).
as_postgres psql -p "$port" -qc "GRANT pg_signal_backend TO callintel"
export CALLINTEL_TEST_POSTGRES_URL="postgresql+psycopg://callintel:callintel@127.0.0.1:${port}/postgres"
# `make test` reads this file (git-ignored), so that after `make services` the PostgreSQL tests run too
echo "CALLINTEL_TEST_POSTGRES_URL=$CALLINTEL_TEST_POSTGRES_URL" > .services.env
echo "PostgreSQL $version/$name on port $port; redis-server $(redis-server --version | awk '{print $3}')"
