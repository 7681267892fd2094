#!/usr/bin/env bash
# Runs every test of CommsConsole on a new Debian machine: installs what the tests need, builds once,
# runs the unit, integration and browser tests, and ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi

rm -rf TestResults
dotnet build CommsConsole.sln -c Release -nologo -clp:ErrorsOnly
status=0
dotnet test CommsConsole.sln -c Release --no-build -nologo --logger trx --results-directory TestResults || status=$?

# One line that counts every test of every project, from the TRX reports.
read -r passed failed < <(/usr/bin/python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
passed = failed = 0
for path in glob.glob("TestResults/*.trx"):
    counters = ET.parse(path).getroot().find(".//{*}Counters")
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
print(passed, failed)
PY
)
echo "${passed} passed, ${failed} failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
