"""What a server learns from its questions: each answer posted, the 👍 / 👎 votes on it,
and, where its manager turned it on, the question's text; kept for `KEEP_DAYS` days.

Every method is a short transaction; call them off the Discord event loop. Every read
and every vote names its server: nothing of one server is counted for another. A direct
message is counted under `DM_GUILD`, never with its question's text.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.library.schema import (
    BOT_WIDE,
    DM_GUILD,
    AnswerRow,
    ArticleRow,
    GuildSettingsRow,
    VoteRow,
)
from bot.library.store import UNREACHABLE, Library, LibraryError
from embeddings.language import UNDETERMINED
from embeddings.language.detect import question_language
from embeddings.lexical import tokenize

log = logging.getLogger(__name__)

KEEP_DAYS = 30
"""Days an answer, its votes and its question's text are kept."""

MAX_ANSWER_ID = 2**53 - 1
"""Answer ids are drawn at random below this (a button's `custom_id` carries one)."""

MAX_QUESTION = 500
"""The most characters of a question kept (a cleaned question is no longer)."""

SAME_QUESTION = 0.5
"""The share of their stemmed words (Jaccard) two questions need in common to count as
asking the same thing."""

DEFAULT_ARTICLE = 0
"""The article id kept for the bot's default article, which the library does not hold."""


@dataclass(frozen=True)
class Asked:
    """An answer about to be posted: where, to what, and from which articles (by
    content hash, best first). `guild_id` None: a direct message."""

    guild_id: int | None
    channel_id: int | None
    question: str
    declined: bool
    content_hashes: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionGroup:
    """Questions asking the same thing: the latest wording, how many were asked, and how
    many of them were declined or voted down."""

    question: str
    count: int
    declined: int
    voted_down: int


@dataclass(frozen=True)
class ArticleCount:
    """An article and the answers that quoted it."""

    article_id: int
    title: str | None
    """None: the bot's default article, or one removed since."""
    answers: int


@dataclass(frozen=True)
class Insights:
    """One server's last `days` days: answers, declines, votes, the questions that went
    wrong (grouped, where their text was kept) and the articles answers quoted most."""

    guild_id: int
    days: int
    keep_questions: bool
    answers: int
    declined: int
    votes_up: int
    votes_down: int
    voted_down: int
    """Answers with more 👎 than 👍."""
    groups: tuple[QuestionGroup, ...] = ()
    """Declined or voted-down questions whose text was kept, most asked first."""
    unkept: int = 0
    """Declined or voted-down questions whose text was not kept."""
    articles: tuple[ArticleCount, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `library insights --json`."""
        return asdict(self)


def question_words(text: str) -> frozenset[str]:
    """The stems of a question's content words, read in its language where that is clear
    (else English): what grouping compares."""
    language = question_language(text)
    stems = frozenset(tokenize(text, "en" if language == UNDETERMINED else language))
    return stems or frozenset(re.sub(r"[^\w\s]", "", text.casefold()).split())


def group_questions(
    questions: Iterable[tuple[str, bool, bool]],
) -> tuple[QuestionGroup, ...]:
    """Group questions (text, declined, voted down), latest first, that ask the same
    thing: lower-cased, function words and punctuation out, words stemmed, a question
    joins the first group whose first question shares at least `SAME_QUESTION` of their
    words (Jaccard). Most asked first."""
    groups: list[tuple[frozenset[str], list[tuple[str, bool, bool]]]] = []
    for asked in questions:
        words = question_words(asked[0])
        for key, members in groups:
            if words == key or (words and len(words & key) / len(words | key) >= SAME_QUESTION):
                members.append(asked)
                break
        else:
            groups.append((words, [asked]))
    found = [
        QuestionGroup(
            question=members[0][0],
            count=len(members),
            declined=sum(declined for _, declined, _ in members),
            voted_down=sum(down for _, _, down in members),
        )
        for _, members in groups
    ]
    return tuple(sorted(found, key=lambda g: -g.count))  # stable: latest first among equals


class Feedback:
    """Answers, votes and server settings, in the library's database."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._sessions = sessionmaker(library.engine, expire_on_commit=False)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A session whose lost or refused connection becomes a `LibraryError`."""
        try:
            with self._sessions() as session:
                yield session
        except (OperationalError, InterfaceError) as exc:
            log.warning("library database unreachable (%s)", type(exc).__name__)
            raise LibraryError(UNREACHABLE) from None

    def keep_questions(self, guild_id: int) -> bool:
        """Whether a server keeps its questions' text (off unless its manager turned it on)."""
        with self._session() as session:
            row = session.get(GuildSettingsRow, guild_id)
            return bool(row and row.keep_questions)

    def set_keep_questions(self, guild_id: int, keep: bool) -> None:
        """Turn keeping a server's questions' text on or off; off also forgets the text
        kept so far."""
        with self._session() as session:
            for _ in range(2):
                row = session.get(GuildSettingsRow, guild_id)
                if row is None:
                    session.add(GuildSettingsRow(guild_id=guild_id, keep_questions=keep))
                else:
                    row.keep_questions = keep
                if not keep:
                    session.execute(
                        update(AnswerRow)
                        .where(AnswerRow.guild_id == guild_id, AnswerRow.question.is_not(None))
                        .values(question=None)
                    )
                try:
                    session.commit()
                    return
                except IntegrityError:  # another process added the row meanwhile
                    session.rollback()
            raise LibraryError("the setting could not be saved: try again")

    def record(self, asked: Asked, now: datetime | None = None) -> int:
        """Keep an answer about to be posted; its id, for its vote buttons. The question's
        text is kept only where its server keeps questions, never for a direct message."""
        guild_id = DM_GUILD if asked.guild_id is None else asked.guild_id
        with self._session() as session:
            keep = asked.guild_id is not None and asked.guild_id != DM_GUILD
            if keep:
                row = session.get(GuildSettingsRow, guild_id)
                keep = bool(row and row.keep_questions)
            ids = _article_ids(session, guild_id, asked.content_hashes)
            for _ in range(3):
                answer_id = secrets.randbelow(MAX_ANSWER_ID) + 1
                session.add(
                    AnswerRow(
                        id=answer_id,
                        guild_id=guild_id,
                        channel_id=asked.channel_id,
                        asked_at=now or datetime.now(UTC),
                        declined=asked.declined,
                        article_ids=ids,
                        question=asked.question[:MAX_QUESTION] if keep else None,
                    )
                )
                try:
                    session.commit()
                    return answer_id
                except IntegrityError:  # the id was drawn before: draw another
                    session.rollback()
        raise LibraryError("the answer could not be kept")

    def vote(
        self,
        answer_id: int,
        guild_id: int | None,
        user_id: int,
        up: bool,
        now: datetime | None = None,
    ) -> bool:
        """Keep a user's vote on an answer of a server (None: a direct message), replacing
        their earlier one; False, and nothing kept, when that server has no such answer."""
        guild = DM_GUILD if guild_id is None else guild_id
        if not 0 < answer_id <= MAX_ANSWER_ID:
            return False
        with self._session() as session:
            for _ in range(2):
                answer = session.get(AnswerRow, answer_id)
                if answer is None or answer.guild_id != guild:
                    return False
                row = session.get(VoteRow, (answer_id, user_id))
                when = now or datetime.now(UTC)
                if row is None:
                    session.add(VoteRow(answer_id=answer_id, user_id=user_id, up=up, voted_at=when))
                else:
                    row.up, row.voted_at = up, when
                try:
                    session.commit()
                    return True
                except IntegrityError:  # the same user's other click landed meanwhile
                    session.rollback()
        return False

    def votes(self, answer_id: int) -> dict[int, bool]:
        """Each user's vote on an answer: True for 👍."""
        with self._session() as session:
            rows = session.execute(
                select(VoteRow.user_id, VoteRow.up).where(VoteRow.answer_id == answer_id)
            )
            return {user_id: up for user_id, up in rows}

    def purge(self, now: datetime | None = None) -> int:
        """Forget every answer (its question's text and its votes) older than `KEEP_DAYS`
        days; how many."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=KEEP_DAYS)
        with self._session() as session:
            old = select(AnswerRow.id).where(AnswerRow.asked_at < cutoff)
            session.execute(delete(VoteRow).where(VoteRow.answer_id.in_(old)))
            removed = session.execute(delete(AnswerRow).where(AnswerRow.asked_at < cutoff))
            session.commit()
            return int(getattr(removed, "rowcount", 0) or 0)

    def insights(self, guild_id: int, now: datetime | None = None) -> Insights:
        """What one server's last `KEEP_DAYS` days tell (only that server's answers)."""
        since = (now or datetime.now(UTC)) - timedelta(days=KEEP_DAYS)
        with self._session() as session:
            settings = session.get(GuildSettingsRow, guild_id)
            ups = func.sum(case((VoteRow.up, 1), else_=0))
            downs = func.sum(case((VoteRow.up, 0), else_=1))
            tally = (
                select(VoteRow.answer_id, ups.label("up"), downs.label("down"))
                .join(AnswerRow, AnswerRow.id == VoteRow.answer_id)
                .where(AnswerRow.guild_id == guild_id, AnswerRow.asked_at >= since)
                .group_by(VoteRow.answer_id)
                .subquery()
            )
            rows = session.execute(
                select(
                    AnswerRow.declined,
                    AnswerRow.question,
                    AnswerRow.article_ids,
                    func.coalesce(tally.c.up, 0),
                    func.coalesce(tally.c.down, 0),
                )
                .outerjoin(tally, tally.c.answer_id == AnswerRow.id)
                .where(AnswerRow.guild_id == guild_id, AnswerRow.asked_at >= since)
                .order_by(AnswerRow.asked_at.desc())
            ).all()
            quoted: Counter[int] = Counter()
            for declined, _, article_ids, _, _ in rows:
                if not declined:
                    quoted.update({int(i) for i in article_ids or ()})
            top = quoted.most_common(10)
            titles = _titles(session, guild_id, [article_id for article_id, _ in top])
        wrong = [
            (question, bool(declined), int(down) > int(up))
            for declined, question, _, up, down in rows
            if declined or int(down) > int(up)
        ]
        return Insights(
            guild_id=guild_id,
            days=KEEP_DAYS,
            keep_questions=bool(settings and settings.keep_questions),
            answers=len(rows),
            declined=sum(bool(r[0]) for r in rows),
            votes_up=sum(int(r[3]) for r in rows),
            votes_down=sum(int(r[4]) for r in rows),
            voted_down=sum(int(r[4]) > int(r[3]) for r in rows),
            groups=group_questions((q, d, v) for q, d, v in wrong if q),
            unkept=sum(1 for q, _, _ in wrong if not q),
            articles=tuple(
                ArticleCount(article_id, titles.get(article_id), count) for article_id, count in top
            ),
        )


def _article_ids(session: Session, guild_id: int, hashes: Sequence[str]) -> list[int]:
    """The library ids of the articles an answer quoted (its server's, else the
    bot-wide library's; `DEFAULT_ARTICLE` for one neither holds)."""
    if not hashes:
        return []
    found: dict[str, int] = {}
    rows = session.execute(
        select(ArticleRow.content_hash, ArticleRow.id, ArticleRow.guild_id).where(
            ArticleRow.content_hash.in_(set(hashes)),
            ArticleRow.guild_id.in_({guild_id, BOT_WIDE}),
        )
    )
    for content_hash, article_id, _owner in sorted(rows, key=lambda r: r[2] == BOT_WIDE):
        found.setdefault(content_hash, article_id)
    return list(dict.fromkeys(found.get(h, DEFAULT_ARTICLE) for h in hashes))


def _titles(session: Session, guild_id: int, article_ids: Sequence[int]) -> dict[int, str]:
    """The titles of those of `article_ids` in a server's library or the bot-wide one."""
    if not article_ids:
        return {}
    rows = session.execute(
        select(ArticleRow.id, ArticleRow.title).where(
            ArticleRow.id.in_(set(article_ids)), ArticleRow.guild_id.in_({guild_id, BOT_WIDE})
        )
    )
    return {article_id: title for article_id, title in rows}
