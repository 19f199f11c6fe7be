"""Web articles checked again at their source, and a changed text swapped in.

A check is a conditional request (`If-None-Match`, `If-Modified-Since`, with the
validators of the fetch that added the article or last checked it), under a stranger's
`FetchPolicy` whatever the library (`policy_for`), and read by the isolated reader as an
add is (`read_web`). An unchanged page (304, or the same text) embeds nothing. A changed
one is read, embedded and swapped in as one change (`Library.replace_text`). A page that
is gone (404, 410, or failing `GONE_AFTER` times in a row) keeps its last text, and says
so in the library's list; one that answers with what is not taken (too large, not a web
page, unreadable) is there, and keeps its text too.

Checks follow `schedule.next_check`. Each takes a lease on its article in the database,
so that no two processes (shards, machines) check the same one at once; a process runs
one check at a time (`Refresher`), and its worker (`RefreshWorker`) at most `PER_PASS`
a pass, in a thread of its own.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from bot.library.answering import index_for
from bot.library.store import Library, LibraryError, NotWeb, Source
from bot.settings import Settings
from embeddings.article import Article
from embeddings.errors import ArticleBotError, ArticleError
from embeddings.models.protocol import Embedder
from embeddings.sources.fetch import FetchPolicy, NotTaken, Page, PageGone, download
from embeddings.sources.isolated import ReadingBudget, parse_isolated
from embeddings.types import Vectors

log = logging.getLogger(__name__)

PASS_SECONDS = 300.0
"""Between two passes of the worker over the articles due."""

PER_PASS = 10
"""Articles a process checks at most in one pass (the others stay due for the next)."""


class State(StrEnum):
    """What a check found."""

    UNCHANGED = "unchanged"
    UPDATED = "updated"
    GONE = "page gone"
    NOT_WEB = "not a web article"
    FAILED = "failed"
    BUSY = "being checked elsewhere"


Reader = Callable[[str, int, Page | None], tuple[Page, Article | None]]
"""Fetch the page at an address for a server's library (conditionally, after the fetch
given) and read its article: None when it is not modified."""

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Outcome:
    """What checking one article found. `encoded`: texts the model embedded for it (none
    unless its text changed); `replaced`: the text it had before an update, whose index a
    process lets go of."""

    guild_id: int
    article_id: int
    state: State
    title: str = ""
    paragraphs: int = 0
    encoded: int = 0
    detail: str = ""
    gone_since: datetime | None = None
    replaced: Article | None = None


def policy_for(settings: Settings) -> FetchPolicy:
    """The policy a page is fetched under when it comes back unattended (a server's add,
    every check): public addresses only, unless `ALLOW_PRIVATE_URLS`. The bot-wide
    library's too: a page the operator once added may later redirect inward."""
    return FetchPolicy(allow_private=settings.allow_private_urls, timeout=settings.fetch_timeout)


def read_web(
    url: str, policy: FetchPolicy, budget: ReadingBudget, since: Page | None = None
) -> tuple[Page, Article | None]:
    """A web page fetched under `policy` (conditionally, after `since`) and its article,
    read in a process of its own within `budget`; None for a page not modified. A page
    that answers with what is not read raises `NotTaken`."""
    page = download(url, policy, since=since)
    if page.not_modified:
        return page, None
    try:
        return page, parse_isolated(page.body, ".html", url, page.url, budget)
    except NotTaken:
        raise
    except ArticleError as exc:  # the page answered: what it holds is not read
        raise NotTaken(str(exc)) from None


def web_reader(settings: Settings, budget: ReadingBudget | None = None) -> Reader:
    """The `Reader` of the add path and of checks: `policy_for`, `budget`, and the settings'
    cap on paragraphs."""
    reading = budget or ReadingBudget()

    def read(url: str, guild_id: int, since: Page | None) -> tuple[Page, Article | None]:
        page, article = read_web(url, policy_for(settings), reading, since)
        if article is not None and len(article.paragraphs) > settings.library_max_paragraphs:
            raise LibraryError(
                f"the article is now too large ({len(article.paragraphs)} paragraphs, "
                f"at most {settings.library_max_paragraphs})"
            )
        return page, article

    return read


class Refresher:
    """Checks web articles of any library, one at a time in this process, each under a
    database lease named for this process (`owner`)."""

    def __init__(
        self,
        library: Library,
        embedder: Embedder,
        cache_dir: Path | None,
        read: Reader,
        *,
        clock: Clock | None = None,
        owner: str | None = None,
    ) -> None:
        self.library = library
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.read = read
        self.clock = clock or (lambda: datetime.now(UTC))
        self.owner = owner or f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._one = threading.Lock()

    def refresh(self, guild_id: int, article_id: int) -> Outcome:
        """Check one article of a server's library now (`LibraryError` for no such one)."""
        with self._one:
            return self._refresh(guild_id, article_id)

    def run_due(self, limit: int = PER_PASS, guild_id: int | None = None) -> list[Outcome]:
        """Check up to `limit` articles that are due (of one server's library, or of all);
        one failing unexpectedly is logged and the others checked."""
        outcomes = []
        for guild, article_id in self.library.due(self.clock(), limit, guild_id):
            try:
                outcomes.append(self.refresh(guild, article_id))
            except LibraryError as exc:
                log.warning("cannot check article %s: %s", article_id, exc)
            except Exception:
                log.exception("checking article %s failed", article_id)
        return outcomes

    def _refresh(self, guild_id: int, article_id: int) -> Outcome:
        library, owner = self.library, self.owner
        try:
            source = library.lease(guild_id, article_id, owner, self.clock())
        except NotWeb:
            return Outcome(guild_id, article_id, State.NOT_WEB)
        if source is None:
            return Outcome(guild_id, article_id, State.BUSY)
        try:
            return self._check(source)
        except BaseException:  # let go of it at once, rather than when the lease runs out
            with suppress(Exception):
                library.record_check(article_id, owner, self.clock(), unsure=True)
            raise

    def _check(self, source: Source) -> Outcome:
        library, owner, stored = self.library, self.owner, source.stored
        guild_id, article_id, current = stored.guild_id, stored.id, stored.article
        said = Outcome(
            guild_id, article_id, State.UNCHANGED, current.title, len(current.paragraphs)
        )
        since = Page(b"", source.url, "", source.etag, source.last_modified)
        try:
            page, article = self.read(source.url, guild_id, since)
        except PageGone as exc:
            log.info("article %s: its page is gone (%s)", article_id, exc)
            gone = library.record_check(article_id, owner, self.clock(), gone=True)
            return replace(said, state=State.GONE, detail=str(exc), gone_since=gone)
        except (LibraryError, NotTaken) as exc:  # the page answered; its text is not taken
            log.info("article %s: its page's text is not taken (%s)", article_id, exc)
            library.record_check(article_id, owner, self.clock(), refused=True)
            return replace(said, state=State.FAILED, detail=str(exc))
        except ArticleBotError as exc:
            log.info("article %s: cannot check its page (%s)", article_id, exc)
            gone = library.record_check(article_id, owner, self.clock(), failed=True)
            return replace(
                said, state=State.GONE if gone else State.FAILED, detail=str(exc), gone_since=gone
            )
        if article is None or article.content_hash == current.content_hash:
            etag, modified = page.etag, page.last_modified
            if page.not_modified:  # a 304 need not repeat them
                etag, modified = etag or source.etag, modified or source.last_modified
            library.record_check(article_id, owner, self.clock(), etag=etag, last_modified=modified)
            return said
        counted = Counting(self.embedder)
        try:
            index = index_for(library, [article], guild_id, counted, self.cache_dir)[0]
            before, after = library.replace_text(
                guild_id,
                article_id,
                owner,
                article,
                self.clock(),
                index=index,
                model_id=self.embedder.model_id,
                etag=page.etag,
                last_modified=page.last_modified,
            )
        except LibraryError as exc:
            log.warning("article %s: its new text is not kept (%s)", article_id, exc)
            library.record_check(article_id, owner, self.clock(), refused=True)
            return replace(said, state=State.FAILED, detail=str(exc), encoded=counted.texts)
        log.info("article %s updated: %d paragraphs", article_id, len(after.article.paragraphs))
        return Outcome(
            guild_id,
            article_id,
            State.UPDATED,
            after.article.title,
            len(after.article.paragraphs),
            counted.texts,
            replaced=before.article,
        )


class Counting:
    """An embedder that counts the texts it is given to encode."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.model_id = embedder.model_id
        self.texts = 0

    def encode_documents(self, texts: Sequence[str], show_progress: bool = False) -> Vectors:
        self.texts += len(texts)
        return self._embedder.encode_documents(texts, show_progress)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        self.texts += len(texts)
        return self._embedder.encode_queries(texts)

    def knows_word(self, word: str) -> bool:
        return self._embedder.knows_word(word)


class RefreshWorker:
    """Checks the articles due, `per_pass` at most every `interval` seconds, in a thread
    of its own: never on the event loop, nor in the threads that answer. `after` is told
    of each outcome (in that thread)."""

    def __init__(
        self,
        refresher: Refresher,
        after: Callable[[Outcome], None] | None = None,
        interval: float = PASS_SECONDS,
        per_pass: int = PER_PASS,
    ) -> None:
        self.refresher = refresher
        self.after = after
        self.interval = interval
        self.per_pass = per_pass
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="library-refresh", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def run_pass(self) -> list[Outcome]:
        """One pass: the articles due, checked; a database away is said once a pass."""
        try:
            outcomes = self.refresher.run_due(self.per_pass)
        except LibraryError as exc:
            log.warning("web articles not checked this time: %s", exc)
            return []
        for outcome in outcomes:
            if self.after is not None:
                try:
                    self.after(outcome)
                except Exception:
                    log.exception("handling a checked article failed")
        return outcomes

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_pass()
            except Exception:
                log.exception("checking web articles failed; trying again next pass")
