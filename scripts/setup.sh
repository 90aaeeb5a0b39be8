#!/usr/bin/env bash
# Create .venv and install govbridge with pinned dependencies (and test extras
# when called with "test"). Re-installs only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-}"
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "govbridge needs Python >= 3.11 (found $("$python" --version 2>&1))" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$python" -m venv .venv
target="."
[ "$extra" = "test" ] && target=".[test]"
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-${extra:-base}"
if [ ! -f "$stamp" ]; then
  echo "installing govbridge${extra:+ with $extra dependencies} into .venv ..." >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
  touch "$stamp"
fi
# The UI's translations: compile each catalog (.po) to the .mo gettext reads, when the
# .po is newer. Without this step the web compiles a stale or missing .mo in memory at
# start-up (govbridge/web/translations.py), so a plain `pip install` works too.
for po in govbridge/locale/*/LC_MESSAGES/messages.po; do
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
    .venv/bin/pybabel compile -i "$po" -o "$mo" >&2
  fi
done
