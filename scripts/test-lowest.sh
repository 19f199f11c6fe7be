#!/usr/bin/env bash
# The test suite on the lowest versions pyproject.toml allows for its direct dependencies,
# installed by an old pip (23.2) into .venv-lowest: proves the floors are versions the code
# works with, and that the dependencies are declared so any pip installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=.venv-lowest
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet "pip==23.2"
./scripts/install-torch.sh "$venv/bin/python"
"$venv/bin/python" scripts/lowest_constraints.py > "$venv/constraints.txt"
"$venv/bin/python" -m pip install --quiet -c "$venv/constraints.txt" -e ".[dev]"
"$venv/bin/python" -m pip list --format=freeze > "$venv/installed.txt"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
