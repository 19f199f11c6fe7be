#!/usr/bin/env bash
# Install the CPU build of torch 2.13.0 into the Python given (default: python3).
# On Linux, PyPI's torch wheels carry several GB of CUDA libraries: the CPU build ("+cpu")
# comes from PyTorch's own index, or from a local wheel directory pip is told of. macOS
# wheels on PyPI are CPU builds already.
set -euo pipefail
python=${1:-python3}
if "$python" -c 'import sys, torch; sys.exit(torch.__version__ != "2.13.0+cpu")' 2>/dev/null; then
  exit 0
fi
if [ "$(uname -s)" = Linux ]; then
  "$python" -m pip install --quiet --retries 1 --no-deps \
    --extra-index-url https://download.pytorch.org/whl/cpu "torch==2.13.0+cpu"
  "$python" -m pip install --quiet "torch==2.13.0+cpu"  # its dependencies, from PyPI
else
  "$python" -m pip install --quiet "torch==2.13.0"
fi
