"""`python -m bot`: see `bot.cli`."""

import sys

from bot.cli import main

if __name__ == "__main__":  # not when a reading process imports it (multiprocessing)
    sys.exit(main())
