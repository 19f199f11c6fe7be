"""The command line: `python -m bot` (or `article-bot`) to ask, index, evaluate and run the bot.

Libraries are imported where they are needed: the model libraries inside the commands
that use them, settings (pydantic, numpy) after the arguments parse. `--help` answers at once.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from embeddings.errors import ArticleBotError

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.startup import Ready

log = logging.getLogger("bot")

EXAMPLES = """\
examples:
  python -m bot ask "When will Putin respond to the U.S. letter?"
  python -m bot ask --json "Who is Ned Price?" "What did the embassy say about sanctions?"
  printf 'Who is Ned Price?\\nWhat did Peskov say?\\n' | python -m bot ask --json -
  python -m bot repl
  python -m bot show https://example.org/news/story   # the article as the bot reads it
  python -m bot index --refresh
  python -m bot eval tests/data/bundled_questions.jsonl --compare
  python -m bot eval xquad.en.json.gz --one-article --questions xquad.de.json.gz
  python -m bot run            # the Discord bot (needs DISCORD_TOKEN)

With no command: the Discord bot when DISCORD_TOKEN is set, else the question prompt.
"""

Handler = Callable[[argparse.Namespace, "Settings"], int]

LANG_CODES = "en, ru, de, es, fr, pt, zh"
"""What `--lang` offers: `bot.wording.LANGUAGES`, named here so `--help` imports nothing."""


def _top_k(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 10:
        raise argparse.ArgumentTypeError("must be from 1 to 10")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    # SUPPRESS: an option given before the command is not reset by the subcommand's parser.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument("--article", metavar="PATH|URL", help="article file or web page")
    common.add_argument("--model", metavar="NAME", help="sentence-transformers model or path")
    common.add_argument("--top-k", type=_top_k, metavar="N", help="passages to quote (1-10)")
    common.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")

    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answer questions about a news article by quoting the article.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", parents=[common], help="answer questions and exit")
    ask.add_argument(
        "questions",
        nargs="+",
        metavar="QUESTION",
        help="one question per argument (quote it), or - to read lines from stdin",
    )
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--guild", type=int, metavar="ID", help="ask this server's library")
    ask.add_argument(
        "--after",
        metavar="QUESTION",
        help="ask each question as a follow-up of this one (as a chat would)",
    )
    ask.set_defaults(handler=cmd_ask)

    library = sub.add_parser("library", help="the article library (see the README)")
    shelf = library.add_subparsers(dest="library_command", metavar="COMMAND", required=True)
    add = shelf.add_parser("add", parents=[common], help="add articles (URLs or files)")
    add.add_argument("sources", nargs="*", metavar="SOURCE", help="web address or file")
    add.add_argument(
        "--from", dest="from_file", type=Path, metavar="FILE", help="more sources, one a line"
    )
    add.set_defaults(handler=_library_handler("cmd_library_add"))
    reindex = shelf.add_parser(
        "reindex", parents=[common], help="embed the articles that lack this model's vectors"
    )
    reindex.add_argument(
        "--prune", action="store_true", help="then remove the vectors of every other model"
    )
    reindex.set_defaults(handler=_library_handler("cmd_library_reindex"))
    listing = shelf.add_parser("list", parents=[common], help="list the articles")
    listing.set_defaults(handler=_library_handler("cmd_library_list"))
    remove = shelf.add_parser("remove", parents=[common], help="remove an article")
    remove.add_argument("article_id", type=int, metavar="ARTICLE_ID")
    remove.set_defaults(handler=_library_handler("cmd_library_remove"))
    refresh = shelf.add_parser(
        "refresh", parents=[common], help="check web articles at their pages now"
    )
    refresh.add_argument(
        "article_ids", type=int, nargs="*", metavar="ARTICLE_ID", help="default: those due"
    )
    refresh.add_argument("--all", action="store_true", help="every web article, due or not")
    refresh.add_argument("--json", action="store_true", help="one JSON object a line")
    refresh.set_defaults(handler=_library_handler("cmd_library_refresh"))
    copy = shelf.add_parser(
        "copy", parents=[common], help="copy every library into another database"
    )
    copy.add_argument("target", metavar="TARGET_URL", help="sqlite:///path or postgresql://…")
    copy.set_defaults(handler=_library_handler("cmd_library_copy"))
    insights = shelf.add_parser(
        "insights", parents=[common], help="what a server asked in the last 30 days"
    )
    insights.add_argument("--guild", type=int, required=True, metavar="ID", help="the server")
    insights.add_argument("--json", action="store_true", help="one JSON object")
    insights.set_defaults(handler=_insights)
    for command in (add, listing, remove, reindex, refresh):
        command.add_argument("--guild", type=int, metavar="ID", help="a server's library")
    for command in (add, listing):
        command.add_argument("--json", action="store_true", help="JSON, one article a line")

    repl = sub.add_parser("repl", parents=[common], help="an interactive question prompt")
    repl.set_defaults(handler=cmd_repl)
    for command in (ask, repl):
        command.add_argument(
            "--lang",
            default="en",
            metavar="CODE",
            help=f"the language of the bot's own lines: {LANG_CODES} (others: English); "
            "quotes stay in the article's words",
        )

    index = sub.add_parser("index", parents=[common], help="build or refresh the cached index")
    index.add_argument("--refresh", action="store_true", help="fetch and rebuild even if cached")
    index.set_defaults(handler=cmd_index)

    show = sub.add_parser("show", parents=[common], help="the article as the bot reads it")
    show.add_argument(
        "source", nargs="?", metavar="SOURCE", help="file or web address (default: ARTICLE)"
    )
    show.add_argument("--json", action="store_true", help="the JSON article format")
    show.set_defaults(handler=cmd_show)

    evaluate = sub.add_parser("eval", parents=[common], help="measure retrieval quality")
    evaluate.add_argument("file", type=Path, help="questions (.jsonl) or SQuAD (.json/.json.gz)")
    evaluate.add_argument("--compare", action="store_true", help="add the plain baselines")
    evaluate.add_argument(
        "--library", action="store_true", help="SQuAD: ask each question of all its articles"
    )
    evaluate.add_argument(
        "--questions",
        type=Path,
        metavar="FILE",
        help="SQuAD: ask the questions of this parallel translation of FILE (matched by id)",
    )
    evaluate.add_argument(
        "--one-article",
        action="store_true",
        help="SQuAD: join all the paragraphs into one article and ask every question of it",
    )
    evaluate.add_argument("--every", type=int, default=1, metavar="N", help="every Nth question")
    evaluate.add_argument(
        "--shortlist",
        type=int,
        metavar="N",
        help="--library: articles ranked in full per question (0: all; default: the bot's)",
    )
    evaluate.add_argument("--limit", type=int, metavar="N", help="only the first N SQuAD articles")
    evaluate.add_argument(
        "--lowercase", action="store_true", help="ask every question in lower case, as many type"
    )
    evaluate.set_defaults(handler=cmd_eval)

    run = sub.add_parser("run", parents=[common], help="run the Discord bot")
    run.set_defaults(handler=cmd_run)

    sync = sub.add_parser("sync", parents=[common], help="register the slash commands")
    sync.add_argument("--guild", type=int, metavar="ID", help="one server (instant) instead of all")
    sync.set_defaults(handler=cmd_sync)

    bench = sub.add_parser("bench", parents=[common], help="measure speed, memory and scale")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    bench.add_argument(
        "--library", type=int, metavar="N", help="only a server library of N synthetic articles"
    )
    bench.add_argument(
        "--servers", type=int, default=0, metavar="S", help="--library: S such libraries in turn"
    )
    bench.set_defaults(handler=cmd_bench)

    pages = sub.add_parser("pages", parents=[common], help="measure reading saved web pages")
    pages.add_argument("directory", type=Path, help="saved pages and their expectations.json")
    pages.add_argument("--details", action="store_true", help="list each page's misses")
    pages.set_defaults(handler=cmd_pages)

    results = sub.add_parser("results", parents=[common], help="measure the README's results")
    results.add_argument("--squad", type=Path, metavar="PATH", help="SQuAD v1.1 dev file")
    results.add_argument(
        "--xquad", type=Path, metavar="DIR", help="XQuAD directory (default ../shared/data/xquad)"
    )
    results.add_argument("--write", type=Path, metavar="FILE", help="update FILE's table")
    results.set_defaults(handler=cmd_results)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build settings, run a command; return the exit code."""
    args = build_parser().parse_args(argv)
    overrides: dict[str, Any] = {
        key: value
        for key, value in (
            ("article", getattr(args, "article", None)),
            ("embedding_model", getattr(args, "model", None)),
            ("top_k", getattr(args, "top_k", None)),
        )
        if value is not None
    }
    handler: Handler | None = getattr(args, "handler", None)
    try:
        from bot.settings import load_settings  # pydantic and numpy: not needed for --help

        settings = load_settings(**overrides)
        if handler is None:
            handler = _default_handler(settings)
        verbose = getattr(args, "verbose", False) or handler in (cmd_run, cmd_sync, cmd_index)
        _setup_logging(settings.log_level if verbose else "WARNING")
        return handler(args, settings)
    except ArticleBotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:
        log.exception("unexpected error")
        print("error: something went wrong (details logged above)", file=sys.stderr)
        return 1


def _insights(args: argparse.Namespace, settings: Settings) -> int:
    """`library insights`, imported when it runs."""
    from bot.cli.insights import cmd_library_insights

    return cmd_library_insights(args, settings)


def _library_handler(name: str) -> Handler:
    """A `library` command's handler, imported when it runs (SQLAlchemy is not needed
    for `--help`)."""

    def handler(args: argparse.Namespace, settings: Settings) -> int:
        from bot.cli import library

        handle: Handler = getattr(library, name)
        return handle(args, settings)

    return handler


def _default_handler(settings: Settings) -> Handler:
    if settings.discord_token is not None:
        return cmd_run
    print(
        "No DISCORD_TOKEN set, so here is the local question prompt on the article.\n"
        "To connect Discord, put DISCORD_TOKEN in .env (see .env.example and the README).",
        file=sys.stderr,
    )
    return cmd_repl


QUIET_LIBRARIES = (
    "sentence_transformers",
    "transformers",
    "huggingface_hub",
    "httpx",
    "bm25s",
    "alembic.runtime.plugins",
)
"""Loggers whose records below WARNING are left out: routine noise here (bm25s logs an
empty query at INFO, and sets its own logger to DEBUG when it is imported; alembic lists
its plugins)."""


def _is_noise(record: logging.LogRecord) -> bool:
    return record.levelno < logging.WARNING and any(
        record.name == name or record.name.startswith(f"{name}.") for name in QUIET_LIBRARIES
    )


def _setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level.upper())
    handler.addFilter(lambda record: not _is_noise(record))
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[handler],
    )


def _quiet_model_loading() -> None:
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _prepare(settings: Settings, **kwargs: Any) -> Ready:
    _quiet_model_loading()
    from bot.startup import prepare

    return prepare(settings, **kwargs)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """Answer each question given, or each line of stdin for `-`."""
    from bot.cli.text import format_answer, printable
    from bot.wording import catalog
    from embeddings.question import QuestionError, clean_question

    from_stdin = args.questions == ["-"]
    asked = [] if from_stdin else list(args.questions)
    if getattr(args, "after", None) is not None:
        asked.append(args.after)
    for question in asked:
        try:
            clean_question(question)
        except QuestionError:
            print("error: the question is blank; ask something about the article", file=sys.stderr)
            return 2
    from bot.cli.library import answer_json
    from bot.library.answering import Answerer, open_library
    from bot.library.scope import resolve
    from embeddings.followup import following

    # An article named with --article is asked alone, as it is: not from the library.
    library = None if hasattr(args, "article") else open_library(settings)
    ready = _prepare(settings, library=library)
    scope = resolve(library, ready.retriever.index.article, args.guild)
    answerer = Answerer(ready.retriever, settings.cache_dir, library)
    questions = _stdin_questions() if from_stdin else iter(args.questions)
    out, bold = sys.stdout, _is_tty(sys.stdout)
    words = catalog(args.lang)
    context = None
    if getattr(args, "after", None) is not None:  # asked first, its answer unprinted: as in a chat
        context = following(args.after, answerer.answer(args.after, scope, settings.top_k))
    for question in questions:
        answer = answerer.answer(question, scope, settings.top_k, context=context)
        if args.json:
            out.write(json.dumps(answer_json(answer, scope), ensure_ascii=False) + "\n")
        else:
            text = format_answer(answer, bold, words)
            out.write(f"Q: {printable(answer.question)}\n{text}\n\n")
        out.flush()
    return 0


def _stdin_questions() -> Iterator[str]:
    """Each non-empty line of stdin; undecodable bytes become U+FFFD, never an exception."""
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if line.strip():
            yield line


def _is_tty(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def cmd_repl(args: argparse.Namespace, settings: Settings) -> int:
    """An interactive prompt with line editing and history."""
    from bot.cli.repl import run_repl
    from bot.wording import catalog

    print("Loading the model and the article ...", file=sys.stderr)
    ready = _prepare(settings)
    return run_repl(ready.retriever, settings, catalog(getattr(args, "lang", "en")))


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    """Print the article as the bot reads it: title, date, link and numbered paragraphs,
    or the JSON article format. Loads no model."""
    from bot.cli.text import format_article
    from embeddings.sources import open_source
    from embeddings.sources.json import article_to_json

    article = open_source(args.source or settings.article, settings.cache_dir)
    print(article_to_json(article) if args.json else format_article(article))
    return 0


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    """Build or refresh the cached index, with a progress bar, and say what was done."""
    ready = _prepare(settings, refresh=args.refresh, show_progress=True)
    article, load = ready.retriever.index.article, ready.load
    index = ready.retriever.index
    sentences, words = len(index.sentence_spans), len(index.vocabulary.words)
    what = {
        "cache": "loaded from the cache (up to date)",
        "database": "read from the library's database",
        "built": "built",
    }[load.source]
    where = f" at {load.path}" if load.path else " (in memory only: the cache is not writable)"
    print(
        f"Index {what}{where}: {len(article.paragraphs)} paragraphs, {sentences} sentences, "
        f"{words} words of {article.title!r}, model {ready.retriever.embedder.model_id}, "
        f"in {ready.seconds:.1f} s."
    )
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Measure recall@1, recall@3, MRR and declines on a question file or SQuAD (in
    another language's questions with --questions, as one article with --one-article)."""
    _quiet_model_loading()
    from bot.tools.evaluate import run_eval, run_library_eval

    every = max(1, args.every)
    if args.library:
        from embeddings.scoring import SHORTLIST

        if args.one_article:
            print("error: --library and --one-article do not go together", file=sys.stderr)
            return 2
        shortlist = SHORTLIST if args.shortlist is None else max(0, args.shortlist)
        return run_library_eval(args.file, settings, args.limit, every, shortlist, args.questions)
    return run_eval(
        args.file,
        settings,
        compare=args.compare,
        limit=args.limit,
        lowercase=args.lowercase,
        questions=args.questions,
        one_article=args.one_article,
        every=every,
    )


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Discord bot until interrupted."""
    _quiet_model_loading()
    from bot.discord.runner import run_bot

    return run_bot(settings)


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    """Register the slash commands globally, or in one server with --guild."""
    from bot.discord.runner import sync_commands

    return sync_commands(settings, args.guild)


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Measure latency, memory and scale side by side with plain baselines."""
    _quiet_model_loading()
    if args.library is not None:
        from bot.tools.bench_library import run_library_bench

        return run_library_bench(
            settings, max(1, args.library), as_json=args.json, servers=args.servers
        )
    from bot.tools.bench import run_bench

    return run_bench(settings, as_json=args.json, quick=args.quick)


def cmd_results(args: argparse.Namespace, settings: Settings) -> int:
    """Measure quality and speed, print the README's results table, and write it."""
    _quiet_model_loading()
    from bot.tools.results import run_results

    return run_results(settings, args.squad, args.write, args.xquad)


def cmd_pages(args: argparse.Namespace, settings: Settings) -> int:
    """Read each saved page of a directory and report what was kept, leaked and refused."""
    from bot.tools.pages import format_pages, measure_pages

    print(format_pages(measure_pages(args.directory), details=args.details))
    return 0
