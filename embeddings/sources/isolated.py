"""Reading a stranger's file or page in a process of its own, within a budget.

Parsing HTML or Markdown can take minutes and gigabytes on a crafted input, and holds the
interpreter lock while it runs. Here it runs in a child process (started fresh, sharing
nothing) with a memory ceiling and a deadline: past either, the child is ended and the
input refused with one line. What comes back is the article as JSON, never a pickle.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import resource
from dataclasses import dataclass
from multiprocessing.connection import Connection

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.sources.json import article_to_json, parse_json_article


@dataclass(frozen=True)
class ReadingBudget:
    """How long reading may take, the memory it may use, and how much text an article
    may hold: its characters, sentences and distinct words decide the cost of its index."""

    seconds: float = 30.0
    memory_bytes: int = 2 * 1024**3
    characters: int = 200_000
    sentences: int = 4_000
    words: int = 15_000


def parse_isolated(
    raw: bytes, suffix: str, source: str, url: str | None, budget: ReadingBudget
) -> Article:
    """`sources.parse_article`, in a child process within `budget`; `ArticleError` with
    one line when it fails, runs out of time or memory, or yields too much text."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_read,
        args=(send, raw, suffix, source, url, budget.memory_bytes),
        name="article-reader",
        daemon=True,
    )
    child.start()
    send.close()
    try:
        if not receive.poll(budget.seconds):
            raise ArticleError(f"{source}: took too long to read (over {budget.seconds:g} s)")
        kind, text = json.loads(receive.recv_bytes())
    except EOFError:
        raise ArticleError(f"{source}: too large or too complex to read") from None
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind != "article":
        raise ArticleError(text)
    article = parse_json_article(text, source=source)
    check_budget(article, source, budget)
    return article


def check_budget(article: Article, source: str, budget: ReadingBudget) -> None:
    """Refuse an article whose text is over `budget` (its index would cost too much)."""
    from embeddings.index import split_sentences
    from embeddings.vocabulary import article_words

    characters = sum(len(p) for p in article.paragraphs)
    if characters > budget.characters:
        raise ArticleError(
            f"{source}: too long ({characters:,} characters, at most {budget.characters:,})"
        )
    if len(split_sentences(article)) > budget.sentences:
        raise ArticleError(f"{source}: too many sentences (at most {budget.sentences:,})")
    if len(article_words(article.paragraphs)) > budget.words:
        raise ArticleError(f"{source}: too many different words (at most {budget.words:,})")


def _read(
    send: Connection, raw: bytes, suffix: str, source: str, url: str | None, memory: int
) -> None:
    """In the child: parse, and send ("article", JSON) or ("error", line)."""
    with contextlib.suppress(ValueError, OSError):  # not every system limits memory so
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from embeddings.sources import parse_article

    try:
        answer = ["article", article_to_json(parse_article(raw, suffix, source, url))]
    except ArticleError as exc:
        answer = ["error", str(exc)]
    except (MemoryError, RecursionError):
        answer = ["error", f"{source}: too large or too complex to read"]
    send.send_bytes(json.dumps(answer).encode("utf-8"))
    send.close()
