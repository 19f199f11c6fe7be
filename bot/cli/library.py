"""`python -m bot library add | list | remove | refresh | copy`, and the library ids in
`ask --json`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from bot.library.answering import index_for, open_library
from bot.library.refresh import Outcome, Refresher, State, web_reader
from bot.library.schema import BOT_WIDE
from bot.library.scope import Scope
from bot.library.store import Added, Library, LibraryError, StoredArticle, redacted
from bot.settings import Settings
from embeddings.answer import Answer, article_info
from embeddings.article import Article
from embeddings.errors import ArticleBotError, ArticleError
from embeddings.sources import is_url, open_source

T = TypeVar("T")


BATCH = 8
"""Articles embedded together by a bulk add or a reindex."""

READERS = 4
"""Sources read (fetched) at once by a bulk add."""


def cmd_library_add(args: argparse.Namespace, settings: Settings) -> int:
    """Read articles from web addresses or files, keep them, and index them: one line a
    source, a failure said for its source without stopping the others."""
    from bot.startup import load_model

    sources = list(args.sources) + (_source_lines(args.from_file) if args.from_file else [])
    if not sources:
        raise ArticleError("name at least one SOURCE, or --from FILE")
    library = _library(settings)
    failed = 0
    try:
        embedder = load_model(settings)
        guild, cache_dir = args.guild or BOT_WIDE, settings.cache_dir
        bar = tqdm(total=len(sources), desc="adding", unit="article", disable=None, leave=False)
        with bar, ThreadPoolExecutor(READERS) as readers:
            for named in _batches(sources, BATCH):  # read a batch at a time: memory stays small
                read = readers.map(lambda source: _read(source, settings), named)
                batch = list(zip(named, read, strict=True))
                articles = [a for _, a in batch if isinstance(a, Article)]
                try:
                    built = (  # none when every source of the batch failed to read
                        index_for(library, articles, guild, embedder, cache_dir) if articles else []
                    )
                    indexes = iter(built)
                except LibraryError as exc:  # each source of the batch says so
                    indexes, batch = iter(()), [(source, exc) for source, _ in batch]
                for source, article in batch:
                    try:
                        if not isinstance(article, Article):
                            raise article
                        added = library.add(
                            article,
                            guild,
                            "command line",
                            index=next(indexes),
                            model_id=embedder.model_id,
                            source_url=source if is_url(source) else None,
                        )
                    except ArticleBotError as exc:
                        failed += 1
                        bar.clear()
                        _report_failure(source, exc, args.json)
                    else:
                        bar.clear()
                        _report_added(source, added, args.json)
                    bar.update()
    finally:
        library.close()
    return 1 if failed else 0


def cmd_library_reindex(args: argparse.Namespace, settings: Settings) -> int:
    """Embed, with the configured model, every article whose vectors from it are not kept
    (a server's, or all, and the default article); `--prune` then removes the vectors of
    every other model."""
    from bot.startup import load_model, prepare

    library = _library(settings)
    try:
        embedder = load_model(settings)
        prepare(settings, embedder=embedder, library=library)  # the default article's too
        missing = library.without_vectors(embedder.model_id, args.guild)
        bar = tqdm(total=len(missing), desc="embedding", unit="article", disable=None, leave=False)
        with bar:
            for guild in sorted({s.guild_id for s in missing}):
                own = [s for s in missing if s.guild_id == guild]
                for batch in _batches(own, BATCH):
                    articles = [s.article for s in batch]
                    indexes = index_for(library, articles, guild, embedder, settings.cache_dir)
                    for stored, index in zip(batch, indexes, strict=True):
                        library.keep_vectors(stored.article, guild, embedder.model_id, index)
                    bar.update(len(batch))
        print(f"Embedded {len(missing)} articles with {embedder.model_id}")
        if args.prune:
            removed = library.drop_vectors(embedder.model_id)
            print(f"Removed the vectors of {removed} texts kept from other models")
    finally:
        library.close()
    return 0


def _read(source: str, settings: Settings) -> Article | ArticleBotError:
    """The article at `source`, or why it cannot be added."""
    try:
        article = open_source(source, settings.cache_dir, refresh=True)
    except ArticleBotError as exc:
        return exc
    if len(article.paragraphs) > settings.library_max_paragraphs:
        return ArticleError(
            f"{source}: too large ({len(article.paragraphs)} paragraphs, "
            f"at most {settings.library_max_paragraphs})"
        )
    return article


def _source_lines(path: Path) -> list[str]:
    """The sources a file names, one a line (blank lines and `#` comments passed over)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ArticleError(f"--from {path}: cannot read it ({exc.__class__.__name__})") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _report_added(source: str, added: Added, as_json: bool) -> None:
    stored = added.stored
    if as_json:
        info = {**stored_info(stored), "added": added.added, "source": source}
        print(json.dumps(info, ensure_ascii=False), flush=True)
    else:
        verb = "Added" if added.added else "Already in the library:"
        print(f"{verb} [{stored.id}] {_line(stored)}", flush=True)


def _report_failure(source: str, error: Exception, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"source": source, "error": str(error)}, ensure_ascii=False), flush=True)
    print(
        f"error: {source}: {error}" if source not in str(error) else f"error: {error}",
        file=sys.stderr,
        flush=True,
    )


def cmd_library_refresh(args: argparse.Namespace, settings: Settings) -> int:
    """Check web articles at their pages now: those named (of `--guild`'s library, else
    the bot-wide one), else those due (`--all`: every one), of `--guild`'s library or of
    all. One line each; every page is fetched under the strangers' rules (public
    addresses only, unless `ALLOW_PRIVATE_URLS`)."""
    from datetime import UTC, datetime

    from bot.startup import load_model

    library = open_library(settings)
    if library is None:
        print("The library is empty: nothing to check.")
        return 0
    failed = 0
    try:
        if args.article_ids:
            named = [(args.guild or BOT_WIDE, article_id) for article_id in args.article_ids]
        elif args.all:
            named = library.web_articles(args.guild)
        else:
            named = library.due(datetime.now(UTC), 1_000_000, args.guild)
        if not named:
            print("No web article to check.")
            return 0
        embedder = load_model(settings)
        refresher = Refresher(library, embedder, settings.cache_dir, web_reader(settings))
        for guild, article_id in named:
            try:
                outcome = refresher.refresh(guild, article_id)
            except LibraryError as exc:
                failed += 1
                if args.json:
                    said = {"id": article_id, "guild": guild, "state": "error", "error": str(exc)}
                    print(json.dumps(said, ensure_ascii=False), flush=True)
                else:
                    print(f"error: [{article_id}] {exc}", file=sys.stderr, flush=True)
                continue
            failed += outcome.state in (State.FAILED, State.BUSY)
            print(_refresh_line(outcome, args.json), flush=True)
    finally:
        library.close()
    return 1 if failed else 0


def _refresh_line(outcome: Outcome, as_json: bool) -> str:
    """One checked article, for people or as JSON."""
    gone = outcome.gone_since
    if as_json:
        return json.dumps(
            {
                "id": outcome.article_id,
                "guild": outcome.guild_id,
                "state": str(outcome.state),
                "title": outcome.title,
                "paragraphs": outcome.paragraphs,
                "embedded": outcome.encoded,
                "gone_since": gone.isoformat() if gone else None,
                "detail": outcome.detail,
            },
            ensure_ascii=False,
        )
    head = f"[{outcome.article_id}] {outcome.title}".rstrip()
    state = str(outcome.state)
    if outcome.paragraphs and outcome.state in (State.UNCHANGED, State.UPDATED):
        embedded = f"{outcome.encoded} texts embedded" if outcome.encoded else "nothing embedded"
        state += f" ({outcome.paragraphs} paragraphs; {embedded})"
    elif gone:
        state += f" since {gone:%Y-%m-%d}"
    elif outcome.detail:
        state += f" ({outcome.detail})"
    return f"{head}: {state}"


def cmd_library_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print a library's articles, oldest first."""
    library = open_library(settings)
    stored = library.articles(args.guild or BOT_WIDE) if library is not None else []
    for item in stored:
        gone = item.gone_since
        if args.json:
            info = {**stored_info(item), "added_by": item.added_by}
            info["gone_since"] = gone.isoformat() if gone else None
            print(json.dumps({**info, "added_at": item.added_at.isoformat()}, ensure_ascii=False))
        else:
            said = f", page gone since {gone:%Y-%m-%d}" if gone else ""
            print(
                f"[{item.id}] {_line(item)}, added {item.added_at:%Y-%m-%d} by {item.added_by}"
                + said
            )
    if not stored and not args.json:
        print("The library is empty: python -m bot library add URL|FILE adds an article.")
    return 0


def cmd_library_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Remove an article from a library."""
    library = open_library(settings)
    if library is None:
        raise LibraryError(f"no article {args.article_id} in this library")
    try:
        removed = library.remove(args.guild or BOT_WIDE, args.article_id)
    finally:
        library.close()
    print(f"Removed [{removed.id}] {_line(removed)}")
    return 0


def cmd_library_copy(args: argparse.Namespace, settings: Settings) -> int:
    """Copy every library of `DATABASE_URL` into the database at TARGET_URL."""
    source = open_library(settings)
    if source is None:
        raise LibraryError("the library is empty: nothing to copy")
    target: Library | None = None
    try:
        target = Library.open(args.target, settings.library_max_articles)
        added, pins = source.copy_to(target)
    finally:
        source.close()
        if target is not None:
            target.close()
    print(f"Copied {added} articles and {pins} channel pins to {redacted(args.target)}")
    return 0


def stored_info(stored: StoredArticle) -> dict[str, Any]:
    """The JSON shape of a library article."""
    article = stored.article
    return {"id": stored.id, **article_info(article), "paragraphs": len(article.paragraphs)}


def answer_json(answer: Answer, scope: Scope) -> dict[str, Any]:
    """`Answer.to_dict`, each article with its library id (null for the default article)."""
    data = answer.to_dict()
    for passage, shown in zip(answer.passages, data["passages"], strict=True):
        shown["article"] = {"id": scope.id_of(answer.article_of(passage)), **shown["article"]}
    data["article"] = {"id": scope.id_of(answer.article), **data["article"]}
    return data


def _library(settings: Settings) -> Library:
    library = open_library(settings, create=True)
    assert library is not None
    return library


def _line(stored: StoredArticle) -> str:
    article = stored.article
    dates = [article.published.isoformat()] if article.published else []
    dates += [f"updated {article.updated.isoformat()}"] if article.updated else []
    date = f" ({', '.join(dates)})" if dates else ""
    link = f" {article.url}" if article.url else ""
    return f"{article.title}{date}, {len(article.paragraphs)} paragraphs{link}"
