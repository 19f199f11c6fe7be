#!/usr/bin/env bash
# Set up (first time only), then run the bot: Discord when DISCORD_TOKEN is set,
# otherwise the question prompt on the bundled article. Arguments go to `python -m bot`.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m bot "$@"
