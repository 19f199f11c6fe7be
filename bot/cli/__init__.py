"""The command line: `python -m bot` (or `article-bot`). See `main` for the commands."""

from bot.cli.main import main

__all__ = ["main"]
