#!/usr/bin/env bash
# Set up and start govbridge on the embedded default (SQLite, in-process bus)
# with the demo city. Extra arguments go to `govbridge demo` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/govbridge demo "$@"
