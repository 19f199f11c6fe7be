"""What a server learns from its questions: each answer posted, the 👍 / 👎 votes on it,
and, where its manager turned it on, the question's text; kept for `KEEP_DAYS` days.

Every method is a short transaction; call them off the Discord event loop. Every read
and every vote names its server: nothing of one server is counted for another. A direct
message is counted under `DM_GUILD`, never with its question's text.
"""

from __future__ import annotations

import math
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, delete, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.library.schema import (
    BOT_WIDE,
    DM_GUILD,
    AnswerRow,
    ArticleRow,
    GuildSettingsRow,
    VoteRow,
)
from bot.library.store import Library, LibraryError
from embeddings.language import UNDETERMINED
from embeddings.language.detect import question_language
from embeddings.lexical import tokenize

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

MAX_ANSWERS_PER_SERVER = 50_000
"""The most answers kept of one server (all direct messages together count as one): past
it, keeping an answer deletes that server's oldest, with their votes."""

MAX_GROUPED = 1_000
"""Insights group only the latest this many declined or voted-down questions with kept
text; earlier ones are counted, not grouped."""

ARTICLES_COUNTED = 10
"""The most quoted articles insights name."""


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

    @property
    def why(self) -> str:
        """What went wrong with them: "2 declined, 1 voted down"."""
        said = [f"{self.declined} declined"] if self.declined else []
        said += [f"{self.voted_down} voted down"] if self.voted_down else []
        return ", ".join(said)


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
    """Declined or voted-down questions whose text was kept (the latest `MAX_GROUPED`),
    most asked first."""
    ungrouped: int = 0
    """Declined or voted-down questions whose text was kept, earlier than the latest
    `MAX_GROUPED`: counted, not grouped."""
    unkept: int = 0
    """Declined or voted-down questions whose text was not kept."""
    articles: tuple[ArticleCount, ...] = field(default=())

    def left_out(self, shown: int, more: str) -> list[str]:
        """What a list of the first `shown` groups leaves out, one remark a line (`more`
        opens the count of groups not shown)."""
        said = []
        if len(self.groups) > shown:
            said.append(f"{more} and {len(self.groups) - shown} more questions")
        if self.ungrouped:
            said.append(
                f"only the latest {MAX_GROUPED:,} were grouped: "
                f"{self.ungrouped} earlier questions are counted, not shown"
            )
        if self.unkept:
            said.append(f"{self.unkept} questions whose text is not kept")
        if not self.groups and not self.unkept:
            said.append("none")
        return said

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
    questions: Iterable[tuple[str, bool, bool]], work: Counter[str] | None = None
) -> tuple[QuestionGroup, ...]:
    """Group questions (text, declined, voted down), latest first, that ask the same
    thing: lower-cased, function words and punctuation out, words stemmed, a question
    joins the first group whose first question shares at least `SAME_QUESTION` of their
    words (Jaccard). Most asked first.

    Each question is compared only with the groups it could join: the same words are
    looked up at once, and otherwise only groups whose first question shares one of the
    question's rarest words (a prefix long enough that two word sets this similar always
    share one of it) are compared. `work`, if given, counts the words read ("words") and
    the comparisons and index steps made ("compared")."""
    work = Counter() if work is None else work
    asked = list(questions)
    words = [question_words(text) for text, _, _ in asked]
    work["words"] += len(words)
    seen_in = Counter(word for distinct in set(words) for word in distinct)

    def prefix(key: frozenset[str]) -> list[str]:
        rarest = sorted(key, key=lambda word: (seen_in[word], word))
        return rarest[: len(key) - math.ceil(SAME_QUESTION * len(key)) + 1]

    firsts: list[frozenset[str]] = []
    members: list[list[tuple[str, bool, bool]]] = []
    joined: dict[frozenset[str], int] = {}  # the group each word set joined
    index: dict[str, list[int]] = {}  # a word -> the groups with it in their first's prefix
    for question, key in zip(asked, words, strict=True):
        group = joined.get(key)
        if group is None:
            candidates: set[int] = set()
            for word in prefix(key):
                found = index.get(word, ())
                work["compared"] += len(found)
                candidates.update(found)
            for candidate in sorted(candidates):
                work["compared"] += 1
                first = firsts[candidate]
                if len(key & first) / len(key | first) >= SAME_QUESTION:
                    group = candidate
                    break
        if group is None:
            group = len(firsts)
            firsts.append(key)
            members.append([])
            for word in prefix(key):
                index.setdefault(word, []).append(group)
        joined[key] = group
        members[group].append(question)
    found_groups = [
        QuestionGroup(
            question=grouped[0][0],
            count=len(grouped),
            declined=sum(declined for _, declined, _ in grouped),
            voted_down=sum(down for _, _, down in grouped),
        )
        for grouped in members
    ]
    return tuple(sorted(found_groups, key=lambda g: -g.count))  # stable: latest first among equals


class Feedback:
    """Answers, votes and server settings, in the library's database."""

    def __init__(self, library: Library, max_answers: int = MAX_ANSWERS_PER_SERVER) -> None:
        self.library = library
        self.max_answers = max_answers
        self._session = library.session  # its connection errors become `LibraryError`

    def keep_questions(self, guild_id: int) -> bool:
        """Whether a server keeps its questions' text (off unless its manager turned it on)."""
        with self._session() as session:
            return _keeps(session, guild_id)

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
        text is kept only where its server keeps questions, never for a direct message.
        Past `max_answers` of its server, that server's oldest answers are deleted."""
        guild_id = DM_GUILD if asked.guild_id is None else asked.guild_id
        with self._session() as session:
            keep = asked.guild_id is not None and asked.guild_id != DM_GUILD
            keep = keep and _keeps(session, guild_id)
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
                    session.flush()
                except IntegrityError:  # the id was drawn before: draw another
                    session.rollback()
                    continue
                self._keep_at_most(session, guild_id)
                try:
                    session.commit()
                    return answer_id
                except IntegrityError:  # the id was drawn meanwhile: draw another
                    session.rollback()
        raise LibraryError("the answer could not be kept")

    def _keep_at_most(self, session: Session, guild_id: int) -> None:
        """Delete a server's oldest answers (and their votes) beyond `max_answers`."""
        kept = session.scalar(
            select(func.count()).select_from(AnswerRow).where(AnswerRow.guild_id == guild_id)
        )
        excess = int(kept or 0) - self.max_answers
        if excess <= 0:
            return
        oldest = list(
            session.scalars(
                select(AnswerRow.id)
                .where(AnswerRow.guild_id == guild_id)
                .order_by(AnswerRow.asked_at, AnswerRow.id)
                .limit(excess)
            )
        )
        session.execute(delete(VoteRow).where(VoteRow.answer_id.in_(oldest)))
        session.execute(delete(AnswerRow).where(AnswerRow.id.in_(oldest)))

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
        """What one server's last `KEEP_DAYS` days tell (only that server's answers): the
        counts in the database, and the latest `MAX_GROUPED` questions that went wrong,
        with kept text, grouped."""
        since = (now or datetime.now(UTC)) - timedelta(days=KEEP_DAYS)
        recent = and_(AnswerRow.guild_id == guild_id, AnswerRow.asked_at >= since)
        with self._session() as session:
            keeps = _keeps(session, guild_id)
            ups = func.sum(case((VoteRow.up, 1), else_=0))
            downs = func.sum(case((VoteRow.up, 0), else_=1))
            tally = (
                select(VoteRow.answer_id, ups.label("up"), downs.label("down"))
                .join(AnswerRow, AnswerRow.id == VoteRow.answer_id)
                .where(recent)
                .group_by(VoteRow.answer_id)
                .subquery()
            )
            up, down = func.coalesce(tally.c.up, 0), func.coalesce(tally.c.down, 0)
            went_down = down > up
            wrong = or_(AnswerRow.declined, went_down)
            kept = AnswerRow.question.is_not(None)

            def count(condition: Any) -> Any:
                return func.sum(case((condition, 1), else_=0))

            counts = session.execute(
                select(
                    func.count(),
                    count(AnswerRow.declined),
                    func.sum(up),
                    func.sum(down),
                    count(went_down),
                    count(and_(wrong, AnswerRow.question.is_(None))),
                    count(and_(wrong, kept)),
                )
                .select_from(AnswerRow)
                .outerjoin(tally, tally.c.answer_id == AnswerRow.id)
                .where(recent)
            ).one()
            answers, declined, votes_up, votes_down, voted_down, unkept, wrong_kept = (
                int(n or 0) for n in counts
            )
            latest = session.execute(
                select(AnswerRow.question, AnswerRow.declined, went_down)
                .outerjoin(tally, tally.c.answer_id == AnswerRow.id)
                .where(recent, wrong, kept)
                .order_by(AnswerRow.asked_at.desc(), AnswerRow.id.desc())
                .limit(MAX_GROUPED)
            ).all()
            top = _quoted(session, recent)
            titles = _titles(session, guild_id, [article_id for article_id, _ in top])
        return Insights(
            guild_id=guild_id,
            days=KEEP_DAYS,
            keep_questions=keeps,
            answers=answers,
            declined=declined,
            votes_up=votes_up,
            votes_down=votes_down,
            voted_down=voted_down,
            groups=group_questions((str(q), bool(d), bool(v)) for q, d, v in latest),
            ungrouped=max(wrong_kept - len(latest), 0),
            unkept=unkept,
            articles=tuple(
                ArticleCount(article_id, titles.get(article_id), count) for article_id, count in top
            ),
        )


def _keeps(session: Session, guild_id: int) -> bool:
    """Whether a server keeps its questions' text."""
    row = session.get(GuildSettingsRow, guild_id)
    return bool(row and row.keep_questions)


def _quoted(session: Session, recent: Any) -> list[tuple[int, int]]:
    """The `ARTICLES_COUNTED` articles the `recent` answers (those not declined) quoted
    most, with how many quoted each; counted in the database."""
    if session.get_bind().dialect.name == "postgresql":
        each = func.json_array_elements_text(AnswerRow.article_ids).table_valued("value")
    else:
        each = func.json_each(AnswerRow.article_ids).table_valued("value")
    article_id = cast(each.c.value, BigInteger)
    answers = func.count(func.distinct(AnswerRow.id))
    rows = session.execute(
        select(article_id, answers)
        .select_from(AnswerRow)
        .join(each, true())
        .where(recent, ~AnswerRow.declined)
        .group_by(article_id)
        .order_by(answers.desc(), func.max(AnswerRow.asked_at).desc(), article_id)
        .limit(ARTICLES_COUNTED)
    )
    return [(int(found), int(count)) for found, count in rows]


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
