"""`python -m bot library add | list | remove | copy`, and the library ids in `ask --json`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.library.answering import add_indexed, open_library
from bot.library.schema import BOT_WIDE
from bot.library.scope import Scope
from bot.library.store import Library, LibraryError, StoredArticle, redacted
from bot.settings import Settings
from embeddings.answer import Answer, article_info
from embeddings.errors import ArticleError
from embeddings.sources import open_source


def cmd_library_add(args: argparse.Namespace, settings: Settings) -> int:
    """Read an article from a web address or file, keep it, and index it."""
    from bot.startup import load_model

    article = open_source(args.source, settings.cache_dir, refresh=True)
    if len(article.paragraphs) > settings.library_max_paragraphs:
        raise ArticleError(
            f"{args.source}: too large ({len(article.paragraphs)} paragraphs, "
            f"at most {settings.library_max_paragraphs})"
        )
    library = _library(settings)
    try:
        embedder = load_model(settings)
        guild = args.guild or BOT_WIDE
        added = add_indexed(library, article, guild, "command line", embedder, settings.cache_dir)
    finally:
        library.close()
    stored = added.stored
    if args.json:
        print(json.dumps({**stored_info(stored), "added": added.added}, ensure_ascii=False))
    else:
        verb = "Added" if added.added else "Already in the library:"
        print(f"{verb} [{stored.id}] {_line(stored)}")
    return 0


def cmd_library_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print a library's articles, oldest first."""
    library = open_library(settings)
    stored = library.articles(args.guild or BOT_WIDE) if library is not None else []
    for item in stored:
        if args.json:
            info = {**stored_info(item), "added_by": item.added_by}
            print(json.dumps({**info, "added_at": item.added_at.isoformat()}, ensure_ascii=False))
        else:
            print(f"[{item.id}] {_line(item)}, added {item.added_at:%Y-%m-%d} by {item.added_by}")
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
    date = f" ({article.published.isoformat()})" if article.published else ""
    link = f" {article.url}" if article.url else ""
    return f"{article.title}{date}, {len(article.paragraphs)} paragraphs{link}"
