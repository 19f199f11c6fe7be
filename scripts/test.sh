#!/usr/bin/env bash
# Set up (first time only), then lint, type-check and run the whole test suite offline.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/ruff check bot embeddings tests
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
