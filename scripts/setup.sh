#!/usr/bin/env bash
# Create .venv (once) and install the project into it; cheap to re-run.
# The CPU build of torch 2.13.0 goes in first (scripts/install-torch.sh), so nothing pulls
# a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv ..." >&2
  "$python" -m venv .venv
fi
digest=$(.venv/bin/python -c 'import hashlib, sys
print(hashlib.sha256(b"".join(open(f, "rb").read() for f in sys.argv[1:])).hexdigest()[:16])' \
  pyproject.toml scripts/setup.sh)
stamp=".venv/.installed-$digest"
if [ ! -f "$stamp" ]; then
  echo "Installing article-bot and its dependencies into .venv ..." >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  ./scripts/install-torch.sh .venv/bin/python
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
