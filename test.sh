#!/usr/bin/env bash
# Runs every test of CommsConsole on a new Debian machine: installs the system packages the tests need
# (Chromium and a Chinese font for the browser tests, aiosmtpd as an SMTP peer, curl for the documents' examples, PostgreSQL for
# the second pass), builds once, runs every test project on SQLite, runs the integration tests again on a
# throw-away PostgreSQL, and ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Playwright must never fetch browsers of its own; the tests use Debian's /usr/bin/chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

needed=(chromium fonts-wqy-microhei python3-aiosmtpd curl postgresql)
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "Installing missing packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

dotnet build CommsConsole.sln -c Release -clp:ErrorsOnly

results=TestResults
rm -rf "$results" CommsConsole.E2E/bin/Release/net10.0/screenshots
test_rc=0
# Tests marked PostgresOnly (several nodes on one database) belong to the PostgreSQL pass below.
dotnet test CommsConsole.sln -c Release --no-build --filter "Database!=PostgresOnly" --logger trx --results-directory "$results" || test_rc=$?

# A throw-away PostgreSQL cluster (a temporary folder, a free port on 127.0.0.1), stopped and deleted on exit.
# Each test app makes its own database on it. SqliteOnly tests read the SQLite file itself.
pgdir=$(mktemp -d -t commsconsole-pg.XXXXXX)
trap 'scripts/throwaway-postgres.sh stop "$pgdir"' EXIT
postgres=$(scripts/throwaway-postgres.sh start "$pgdir" --fast)
echo "Integration tests again on PostgreSQL ($postgres)"
COMMSCONSOLE_TEST_POSTGRES="$postgres" dotnet test CommsConsole.Tests -c Release --no-build --filter "Database!=SqliteOnly" \
  --logger "trx;LogFileName=CommsConsole.Tests.postgres.trx" --results-directory "$results" || test_rc=$?

# The benchmark program in its CI size (it reports targets, and fails only when a step errors); the full run
# writes BENCHMARKS.md and is started by hand.
bench_rc=0
COMMSCONSOLE_BENCH_POSTGRES="$postgres" dotnet run --project CommsConsole.Benchmarks -c Release --no-build -- --quick || bench_rc=$?

# One line for the whole run, summed over every project's TRX report.
passed=0
failed=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" || true)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

shots=(CommsConsole.E2E/bin/Release/net10.0/screenshots/*.png)
if ((${#shots[@]})); then
  echo "Screenshots of failed browser tests:"
  printf '  %s\n' "${shots[@]}"
fi

if ((failed > 0)); then
  echo "Failed tests:"
  python3 scripts/failed-tests.py "$results"/*.trx || true
fi
echo "$passed passed, $failed failed"
if ((bench_rc != 0)); then
  echo "The benchmark program (--quick) failed with exit code $bench_rc"
fi
if ((test_rc != 0 || bench_rc != 0 || failed > 0 || passed == 0)); then
  exit 1
fi
