"""The interactive question prompt, with line editing and a history file."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from types import ModuleType

from bot.cli.text import format_answer, format_source
from bot.library.answering import Answerer
from bot.library.scope import resolve
from bot.settings import Settings
from bot.wording import ENGLISH, Catalog, is_greeting
from embeddings.followup import Context, following
from embeddings.retriever import Retriever

EXIT_WORDS = frozenset({"quit", "exit", ":q"})
USAGE = ENGLISH.usage


def run_repl(retriever: Retriever, settings: Settings, words: Catalog = ENGLISH) -> int:
    """Ask questions until end of input or `quit`; history is kept in the cache directory.
    A question that needs the one before it is asked as its follow-up. The prompt's own
    lines are in the language of `words`."""
    history = settings.cache_dir / "history"
    readline = _enable_line_editing(history)
    article = retriever.index.article
    print(format_source(article, label="Ask about"))
    print(words.usage + "\n")
    bold = sys.stdout.isatty()
    answerer = Answerer(retriever, settings.cache_dir)
    scope = resolve(None, article)
    context: Context | None = None
    try:
        while True:
            try:
                line = input("question> ")
            except EOFError:
                print()
                break
            if line.strip().lower() in EXIT_WORDS:
                break
            if not line.strip():
                continue
            if is_greeting(line):  # "help", "?", "hi"
                print(words.usage + "\n")
                continue
            answer = answerer.answer(line, scope, settings.top_k, context=context)
            context = following(line, answer, context)  # the next line may follow this one
            print(format_answer(answer, bold, words) + "\n")
    except KeyboardInterrupt:
        print()
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):
                history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(str(history))
    return 0


def _enable_line_editing(history: Path) -> ModuleType | None:
    """Import readline (it gives `input` editing and history) where the platform has it."""
    try:
        import readline
    except ImportError:
        return None
    with contextlib.suppress(OSError):
        readline.read_history_file(str(history))
    readline.set_history_length(1000)
    return readline
