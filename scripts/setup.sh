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
# The in-browser process modeler (bpmn-js, pinned in govbridge/web/vendor/package-lock.json)
# from the npm registry, served by govbridge itself (air-gapped: no CDN). Installed once per
# lock file; without npm the service page keeps the BPMN upload form only.
vendor=govbridge/web/vendor
vstamp="$vendor/node_modules/.installed-$(sha256sum "$vendor/package-lock.json" | cut -c1-16)"
if [ ! -f "$vstamp" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "installing the process modeler (bpmn-js) from the npm registry ..." >&2
    npm ci --prefix "$vendor" --no-audit --no-fund --silent >&2
    touch "$vstamp"
  else
    echo "npm not found: the in-browser process modeler is not installed (upload still works)" >&2
  fi
fi
