"""Reading a stranger's file or page in a process of its own, within a budget.

Parsing HTML, Markdown or a PDF can take minutes and gigabytes on a crafted input, and holds the
interpreter lock while it runs. Here it runs in a child process (started fresh, sharing
nothing) with a memory ceiling and a deadline: past either, the child is ended and the
input refused with one line. What comes back is the article as JSON, never a pickle. Its
language is detected here, not in the child: the detector's model takes a second and
60 MB to load, once in this process, but at every read in a fresh child.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import resource
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.sources.json import article_to_json, parse_json_article
from embeddings.sources.language import with_language


@dataclass(frozen=True)
class ReadingBudget:
    """How long reading may take, the address space it may use (0: no limit, as address
    space is a poor measure of a Python process's memory), and how much text an article may
    hold: its characters, sentences and distinct words decide the cost of its index."""

    seconds: float = 30.0
    memory_bytes: int = 0
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
    with tempfile.NamedTemporaryFile(prefix="article-") as given:
        given.write(raw)  # a file, not the start-up pipe: a child that fails early blocks no one
        given.flush()
        child = context.Process(
            target=_read,
            args=(send, given.name, suffix, source, url, budget.memory_bytes),
            name="article-reader",
            daemon=True,
        )
        child.start()
        send.close()
        return _answer(child, receive, source, budget)


def _answer(child: BaseProcess, receive: Connection, source: str, budget: ReadingBudget) -> Article:
    """The reading process's article, or `ArticleError`; the process ended either way."""
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
    article = with_language(parse_json_article(text, source=source))
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
    if len(article_words(article.paragraphs, article.language)) > budget.words:
        raise ArticleError(f"{source}: too many different words (at most {budget.words:,})")


def _read(
    send: Connection, path: str, suffix: str, source: str, url: str | None, memory: int
) -> None:
    """In the child: parse the file at `path`, and send ("article", JSON) or ("error",
    line)."""
    if memory:
        with contextlib.suppress(ValueError, OSError):  # not every system limits memory so
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    from embeddings.sources import parse_article

    with open(path, "rb") as given:
        raw = given.read()
    try:
        article = parse_article(raw, suffix, source, url, detect=False)
        answer = ["article", article_to_json(article)]
    except ArticleError as exc:
        answer = ["error", str(exc)]
    except (MemoryError, RecursionError):
        answer = ["error", f"{source}: too large or too complex to read"]
    send.send_bytes(json.dumps(answer).encode("utf-8"))
    send.close()
