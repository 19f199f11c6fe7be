#!/usr/bin/env bash
# Set up (first time only), then lint, type-check and run the whole test suite offline.
# The library tests run on SQLite and, where PostgreSQL is installed, on a throw-away
# PostgreSQL cluster too (see scripts/with-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TEST_DATABASE_URL:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exec ./scripts/with-postgres.sh "$0" "$@"
fi
./scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/ruff check bot embeddings tests
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
