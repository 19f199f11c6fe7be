"""Answers as Discord messages: pure functions of the answer, within every Discord limit.

Quoted text is escaped (markdown and mentions) and shortened at word boundaries
before any markup is added, so bold markers always stay balanced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import discord

from bot.library.store import StoredArticle
from bot.wording import ENGLISH, Catalog
from embeddings.answer import Answer, Passage
from embeddings.article import Article

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
FOOTER_LIMIT = 2048
MESSAGE_LIMIT = 6000
URL_LIMIT = 512
ELLIPSIS = "\u2026"
COLOR = 0x2B6CB0

TENTATIVE = f"*{ENGLISH.tentative}*"
ABOUT = f"*{ENGLISH.about}*"
NO_MENTIONS = discord.AllowedMentions.none()
TITLE_SHOWN = 200
_URL_SAFE = "%:/?#[]@!$&'*+,;=-._~"  # RFC 3986 less "(" and ")", which end a masked link
_LINE_START = re.compile(r"^(#|>|-|\+|\d+\.)", re.MULTILINE)


def safe_url(url: str | None) -> str | None:
    """A web link fit for a button, a masked link or `<…>`: http(s) only, any character
    that could end or restyle it percent-encoded; None if there is none or it is too long."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    url = quote(url, safe=_URL_SAFE)
    return url if len(url) <= URL_LIMIT else None


def title_text(title: str, limit: int = TITLE_SHOWN) -> str:
    """An article's title as a reply line shows it: shortened, markdown and mentions inert."""
    return escape(shorten(title, limit))


@dataclass(frozen=True)
class Reply:
    """What the bot sends: an embed and, when the article has a link, a link button."""

    embed: discord.Embed
    link: str | None = None
    link_label: str = "Read the article"

    def view(self) -> discord.ui.View:
        """A view holding the link button (empty without a link a button can hold)."""
        view = discord.ui.View(timeout=None)
        if self.link and len(self.link) <= URL_LIMIT:
            view.add_item(discord.ui.Button(label=self.link_label, url=self.link))
        return view


def escape(text: str) -> str:
    """Make user or article text inert: no markdown (inline or line-start), no mentions."""
    text = discord.utils.escape_markdown(text, ignore_links=False)
    text = _LINE_START.sub(r"\\\1", text)
    return discord.utils.escape_mentions(text)


def shorten(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters at a word boundary, ending with an ellipsis.

    A cut never separates a backslash from the character it escapes.
    """
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    end = limit - len(ELLIPSIS)
    space = text.rfind(" ", 0, end + 1)
    end = space if space > 0 else end - _odd_backslashes_before(text, end)
    return text[:end].rstrip() + ELLIPSIS


def _shorten_start(text: str, limit: int) -> str:
    """Like `shorten`, but keeps the end of the text."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    start = len(text) - (limit - len(ELLIPSIS))
    space = text.find(" ", start - 1)
    if 0 <= space < len(text) - 1:
        start = space + 1
    else:
        start += _odd_backslashes_before(text, start)
    return ELLIPSIS + text[start:].lstrip()


def _odd_backslashes_before(text: str, index: int) -> int:
    """1 when `text[index]` is escaped by the backslashes just before it, else 0."""
    run = len(text[:index]) - len(text[:index].rstrip("\\"))
    return run % 2


def quote_passage(
    passage: Passage,
    budget: int,
    show_score: bool = False,
    source: str = "",
    words: Catalog = ENGLISH,
) -> str:
    """A passage as a block quote with its best sentence in bold, at most `budget` characters;
    `source` names its article (when an answer quotes several). Only the heading is in the
    language of `words`: the quote is the article's text.

    What is cut goes first from after the best sentence, then from before it.
    """
    score = f" \u00b7 score {passage.score:.2f}" if show_score else ""
    cited = f" \u00b7 {source}" if source else ""
    heading = words.paragraph.format(number=passage.paragraph)
    header = f"**{heading}**{cited}{score}\n> "
    room = budget - len(header) - 4  # 4: the bold markers
    if room < 8:
        return shorten(heading, budget)
    text, sentence = _fold(passage.text), _fold(passage.highlight)
    start = text.find(sentence) if sentence else -1
    if start < 0:
        return header + shorten(escape(text), room + 4)
    before, after = escape(text[:start]), escape(text[start + len(sentence) :])
    highlight = escape(sentence)
    after = _fit(after, room - len(before) - len(highlight), shorten)
    before = _fit(before, room - len(highlight) - len(after), _shorten_start)
    highlight = shorten(highlight, room - len(before) - len(after))
    return f"{header}{before}**{highlight}**{after}"


def _fold(text: str) -> str:
    """One line: a quote must not break out of its `>` block."""
    return " ".join(text.split())


def _fit(text: str, limit: int, cutter: Callable[[str, int], str]) -> str:
    return text if len(text) <= limit else cutter(text, max(0, limit))


def text_fragment_url(url: str, sentence: str) -> str:
    """`url` with a `#:~:text=` fragment that scrolls a browser to `sentence`."""
    words = sentence.split()
    if not words:
        return url

    def encode(part: list[str]) -> str:
        return quote(" ".join(part), safe="").replace("-", "%2D")

    base = url.split("#", 1)[0]
    fragment = encode(words) if len(words) <= 8 else f"{encode(words[:4])},{encode(words[-4:])}"
    link = f"{base}#:~:text={fragment}"
    return link if len(link) <= URL_LIMIT else base


def _embed(article: Article, description: str, words: Catalog) -> discord.Embed:
    embed = discord.Embed(
        title=shorten(article.title, TITLE_LIMIT),
        url=article.url or None,
        description=description,
        color=COLOR,
    )
    if dates := dated(article, words):
        embed.set_footer(text=dates)
    return embed


def dated(article: Article, words: Catalog = ENGLISH) -> str:
    """When an article was published and, if its text changed since it was added, updated:
    "Published 2024-03-05 \u00b7 updated 2024-03-07"; "" without either."""
    parts = []
    if article.published:
        parts.append(words.published_on.format(date=article.published.isoformat()))
    if article.updated:
        parts.append(words.updated_on.format(date=article.updated.isoformat()))
    text = " \u00b7 ".join(parts)
    return text[:1].upper() + text[1:]


def answer_reply(answer: Answer, show_scores: bool = False, words: Catalog = ENGLISH) -> Reply:
    """The reply to a question: quoted passages and the source link, or a short decline; the
    bot's own words in the language of `words`, the quotes verbatim."""
    label = words.question_label
    question = f"**{label}** {shorten(escape(answer.question), 300)}\n\n" if answer.question else ""
    if not answer.answered or not answer.passages:
        text = f"{question}{words.not_found}\n{words.rephrase}"
        description = shorten(text, DESCRIPTION_LIMIT)
        embed = _embed(answer.article, description, words)
        return Reply(embed, safe_url(answer.article.url), words.read_article)
    separator = "\n\n"
    note = [shorten(f"(Note: {escape(answer.note)})", 200)] if answer.note else []
    lead = words.tentative if answer.tentative else words.about if answer.about else ""
    head = question + (f"*{lead}*{separator}" if lead else "")
    used = len(head) + sum(len(n) for n in note) + len(separator) * len(answer.passages)
    budget = (DESCRIPTION_LIMIT - used) // len(answer.passages)
    several = len(answer.articles) > 1
    blocks = [
        quote_passage(
            p, budget, show_scores, _cite(answer.article_of(p), p) if several else "", words
        )
        for p in answer.passages
    ] + note
    description = head + separator.join(blocks)
    link = None
    if answer.article.url:
        link = safe_url(text_fragment_url(answer.article.url, answer.passages[0].highlight))
    return Reply(_embed(answer.article, description, words), link, words.read_article)


def _cite(article: Article, passage: Passage) -> str:
    """A passage's article: its title, linked to the passage where the link fits."""
    title = escape(shorten(article.title, 80))
    link = safe_url(text_fragment_url(article.url, passage.highlight)) if article.url else None
    return f"[{title}]({link})" if link else title


def articles_reply(articles: tuple[Article, ...], words: Catalog = ENGLISH) -> Reply:
    """The `/article` card of a channel that answers from several articles."""
    lines = []
    for article in articles[:20]:
        date = f" ({article.published.isoformat()})" if article.published else ""
        title = escape(shorten(article.title, 150))
        link = safe_url(article.url)
        lines.append(f"\u2022 [{title}]({link}){date}" if link else f"\u2022 {title}{date}")
    more = [words.articles_more.format(count=len(articles) - 20)] if len(articles) > 20 else []
    embed = discord.Embed(
        title=words.articles_title.format(count=len(articles)),
        description=shorten("\n".join(lines + more), DESCRIPTION_LIMIT),
        color=COLOR,
    )
    return Reply(embed)


def library_page(stored: Sequence[StoredArticle], page: int, per_page: int) -> discord.Embed:
    """One page of a server's library: each article's id, title, date, size, who added it
    and when."""
    pages = max(1, -(-len(stored) // per_page))
    page = min(page, pages)
    lines = []
    for item in stored[(page - 1) * per_page : page * per_page]:
        article = item.article
        title = escape(shorten(article.title, 120))
        link = safe_url(article.url)
        date = f", {article.published.isoformat()}" if article.published else ""
        date += f", updated {article.updated.isoformat()}" if article.updated else ""
        gone = f" \u00b7 page gone since {item.gone_since:%Y-%m-%d}" if item.gone_since else ""
        lines.append(
            f"`{item.id}` "
            + (f"[{title}]({link})" if link else title)
            + f" ({len(article.paragraphs)} paragraphs{date}) \u00b7 added by "
            + f"{escape(shorten(item.added_by, 60))} on {item.added_at:%Y-%m-%d}{gone}"
        )
    empty = "The library is empty: `/library add` adds an article."
    embed = discord.Embed(
        title=f"This server's library: {len(stored)} articles",
        description=shorten("\n".join(lines) or empty, DESCRIPTION_LIMIT),
        color=COLOR,
    )
    if pages > 1:
        embed.set_footer(text=f"Page {page} of {pages} \u00b7 /library list page: for more")
    return embed


def article_reply(article: Article, words: Catalog = ENGLISH) -> Reply:
    """The `/article` card: title, date, link, paragraph count and the opening as a teaser."""
    teaser = shorten(escape(article.paragraphs[0]), FIELD_LIMIT - 2) if article.paragraphs else ""
    embed = _embed(article, f"> {teaser}" if teaser else "", words)
    embed.add_field(name=words.paragraphs, value=str(len(article.paragraphs)))
    if article.published:
        embed.add_field(name=words.published, value=article.published.isoformat())
    if article.url:
        embed.add_field(name=words.source, value=shorten(article.url, FIELD_LIMIT), inline=False)
    return Reply(embed, safe_url(article.url), words.read_article)


def help_text(bot_name: str, example: str, words: Catalog = ENGLISH) -> str:
    """The `/help` text in the language of `words`, with the bot's name and an example
    question."""
    text = words.help.format(name=escape(bot_name), example=escape(example))
    return shorten(text, CONTENT_LIMIT)


_MENTION = re.compile(r"<@!?(\d+)>")


def strip_mentions(content: str, user_id: int) -> str:
    """Remove mentions of the bot (`<@id>` / `<@!id>`) from a message's text."""
    return _MENTION.sub(lambda m: "" if int(m.group(1)) == user_id else m.group(0), content)
