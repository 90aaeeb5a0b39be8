#!/usr/bin/env bash
# Set up and run the whole test suite. SQLite by default; set
# GOVBRIDGE_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run
# it against PostgreSQL. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/ruff check govbridge tests
exec .venv/bin/pytest -n 2 --dist loadfile "$@"
