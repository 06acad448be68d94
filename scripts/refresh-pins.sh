#!/usr/bin/env bash
# Re-resolve the pinned test environment (constraints.txt) from pyproject.toml's ranges.
# Run from anywhere: bash scripts/refresh-pins.sh. Then run the test suite and commit the
# new pins with the suite's result in the message.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
# hatchling is the build backend: pinned too, since the test command builds the package.
"$venv/bin/pip" install -q ".[test]" hatchling
{
  echo "# The pinned test environment: the exact versions '.[test]' resolved to, plus the build"
  echo "# backend. The README's test command installs with it (PIP_CONSTRAINT), so CI on a fresh"
  echo "# machine gets these versions. Refresh: bash scripts/refresh-pins.sh (then run the tests)."
  echo "# Resolved with $("$venv/bin/python" --version) on $(date -u +%Y-%m-%d)."
  "$venv/bin/pip" freeze --exclude ketadecide | LC_ALL=C sort -f
} > constraints.txt.new
mv constraints.txt.new constraints.txt
echo "wrote constraints.txt ($(grep -vc '^#' constraints.txt) pins)"
