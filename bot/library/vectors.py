"""Each article's vectors in the database, per model, and each server's word vectors.

An article is embedded once, when it is added (or by `python -m bot library reindex` for
another model); every process and machine after that reads its vectors here instead of
embedding it: `CACHE_DIR` only spares the reading. Vectors are int8 with a scale per
row (`embeddings.packing`). A word's vector is the same in every article, so a server's
library keeps each word once (`WordRow`); an article's row names its words.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.library.schema import MODEL_LENGTH, ArticleRow, Base, VectorsRow, WordRow
from embeddings.article import Article
from embeddings.index import ArticleIndex, index_from_vectors
from embeddings.index_cache import lexicon
from embeddings.packing import SCALE_BYTES, pack, split, unpack
from embeddings.shelf import Part, stem_hashes
from embeddings.types import Vectors
from embeddings.vocabulary import MAX_WORD

log = logging.getLogger(__name__)

CHUNK = 500
"""Ids or words a query names at most (SQLite takes up to 32,766 parameters)."""

MAX_SERVER_WORDS = 200_000
"""Words one server's library keeps with vectors at most (some 80 MB); an article's words
beyond it are not kept, and it is read back without them (they only stand in for a
question's absent words). `library reindex --prune` frees those no article uses."""

MAX_WORDS = 10_000
"""Words of one article kept with vectors at most (the vocabulary read back is theirs):
a page of random tokens cannot hold the database's write lock for long."""


Key = tuple[str, str]
"""What an article's vectors are kept under, with the model: its text's hash, its language."""


def key(article: Article) -> Key:
    return article.content_hash, article.language


def insert(
    session: Session,
    article: Article,
    guild_id: int,
    model_id: str,
    index: ArticleIndex,
    replace: bool = False,
) -> None:
    """Keep an article's vectors, and the words it brings to a server's library, in the
    session's transaction; vectors kept already (for the same text) stay as they are,
    unless `replace` (they were unusable)."""
    if not model_id or len(model_id) > MODEL_LENGTH:
        raise ValueError(f"a model id of 1 to {MODEL_LENGTH} characters is needed")
    vocabulary = index.vocabulary
    chosen = [i for i, w in enumerate(vocabulary.words) if len(w) <= MAX_WORD][:MAX_WORDS]
    words = [vocabulary.words[i] for i in chosen]
    if replace:  # the words too: one of them may be what made the vectors unusable
        for chunk in _chunks(words):
            session.execute(
                delete(WordRow).where(
                    WordRow.guild_id == guild_id,
                    WordRow.model_id == model_id,
                    WordRow.word.in_(chunk),
                )
            )
    known = set(_known_words(session, guild_id, model_id, words))
    held = session.scalar(
        select(func.count())
        .select_from(WordRow)
        .where(WordRow.guild_id == guild_id, WordRow.model_id == model_id)
    )
    room = max(0, MAX_SERVER_WORDS - int(held or 0))
    fresh = [i for i, w in zip(chosen, words, strict=True) if w not in known][:room]
    kept_words = known | {vocabulary.words[i] for i in fresh}
    words = [w for w in words if w in kept_words]
    packed = pack(vocabulary.vectors[fresh]) if fresh else b""
    row_bytes = SCALE_BYTES + vocabulary.vectors.shape[1]
    new = [
        {
            "guild_id": guild_id,
            "model_id": model_id,
            "word": vocabulary.words[i],
            "vector": _row(packed, n, len(fresh), row_bytes),
        }
        for n, i in enumerate(fresh)
    ]
    for start in range(0, len(new), CHUNK):
        session.execute(insert_new(session, WordRow).values(new[start : start + CHUNK]))
    kept = VectorsRow.content_hash == article.content_hash, VectorsRow.language == article.language
    if replace:
        session.execute(delete(VectorsRow).where(*kept, VectorsRow.model_id == model_id))
    elif session.get(VectorsRow, (*key(article), model_id)) is not None:
        return
    row = {
        "content_hash": article.content_hash,
        "language": article.language,
        "model_id": model_id,
        "dim": int(index.paragraph_vectors.shape[1]),
        "paragraphs": pack(index.paragraph_vectors),
        "sentences": pack(index.sentence_vectors),
        "spans": np.asarray(index.sentence_spans, dtype="<i4").tobytes(),
        "words": words,
        "stems": stem_hashes(words, article.language).astype("<i8").tobytes(),
        "lexicon": lexicon(),
        "stored_at": datetime.now(UTC),
    }
    session.execute(insert_new(session, VectorsRow).values([row]))


def _row(packed: bytes, n: int, rows: int, row_bytes: int) -> bytes:
    """Row `n` of `rows` packed together, packed alone (its scale, then its values)."""
    dim = row_bytes - SCALE_BYTES
    scale = packed[n * SCALE_BYTES : (n + 1) * SCALE_BYTES]
    at = rows * SCALE_BYTES + n * dim
    return scale + packed[at : at + dim]


def read_index(
    session: Session, guild_id: int, article: Article, model_id: str, dim: int
) -> ArticleIndex | None:
    """An article's index from its kept vectors (of `dim` values) and its server's words,
    or None when none are kept for this model, or they are unusable (said in the log)."""
    row = session.get(VectorsRow, (*key(article), model_id))
    if row is None:
        return None
    try:
        if row.dim != dim:
            raise ValueError(f"{row.dim} values a vector, expected {dim}")
        if row.lexicon != lexicon():
            raise ValueError("its words were split and stemmed by other versions")
        words = row.words
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise TypeError("its words are not a list of words")
        vectors = dict(_word_vectors(session, guild_id, model_id, words))
        if any(len(v) != row.dim for v in vectors.values()):
            raise ValueError("its words' vectors are of another size")
        # A word this server keeps no vector of (another server kept the text, or its
        # words ran out) is left out: words only stand in for a question's absent ones.
        words = [w for w in words if w in vectors]
        spans = np.frombuffer(row.spans, dtype="<i4").astype(np.int64).reshape(-1, 3)
        return index_from_vectors(
            article,
            unpack(row.paragraphs, row.dim),
            unpack(row.sentences, row.dim),
            spans,
            words,
            np.asarray([vectors[w] for w in words], dtype=np.float32).reshape(-1, row.dim),
        )
    except (ValueError, TypeError) as exc:
        log.warning("the vectors kept for %r are unusable (%s)", article.title[:80], exc)
        return None


def read_overviews(
    session: Session, articles: Sequence[Article], model_id: str, dim: int
) -> dict[Key, Part]:
    """What a library's shelf holds of each of `articles` whose vectors (of `dim` values)
    are kept and usable; the others are left out, to be read whole or built."""
    wanted = {key(a): a for a in articles}
    found: dict[Key, Part] = {}
    columns = (
        VectorsRow.content_hash,
        VectorsRow.language,
        VectorsRow.dim,
        VectorsRow.paragraphs,
        VectorsRow.sentences,
        VectorsRow.stems,
        VectorsRow.lexicon,
    )
    current = lexicon()
    for chunk in _chunks(sorted({h for h, _ in wanted})):
        kept = VectorsRow.model_id == model_id, VectorsRow.content_hash.in_(chunk)
        for row in session.execute(select(*columns).where(*kept)):
            content_hash, language, row_dim, paragraphs, sentences, stems, version = row
            article = wanted.get((content_hash, language))
            if article is None:
                continue
            try:
                if row_dim != dim or version != current or len(stems) % 8:
                    raise ValueError("another model's size, lexicon or stems")
                part = Part(
                    split(paragraphs, dim)[1],
                    split(sentences, dim)[1],
                    np.frombuffer(stems, dtype="<i8").astype(np.int64),
                )
                if len(part.paragraphs) != len(article.paragraphs) or len(part.sentences) < len(
                    part.paragraphs
                ):
                    raise ValueError("its vectors do not fit the article")
                found[content_hash, language] = part
            except (ValueError, TypeError) as exc:  # read whole, or built, instead
                log.warning("the vectors kept of a text are unusable (%s)", exc)
    return found


def kept_keys(session: Session, articles: Sequence[Article], model_id: str) -> set[Key]:
    """The keys of those of `articles` whose vectors from `model_id` are kept."""
    found: set[Key] = set()
    for chunk in _chunks(sorted({a.content_hash for a in articles})):
        rows = session.execute(
            select(VectorsRow.content_hash, VectorsRow.language).where(
                VectorsRow.model_id == model_id,
                VectorsRow.content_hash.in_(chunk),
                VectorsRow.lexicon == lexicon(),  # another's are made again
            )
        )
        found.update((h, language) for h, language in rows)
    return found


def forget_unused(session: Session, content_hash: str) -> None:
    """Remove the vectors of a text no article holds any more."""
    held = select(ArticleRow.id).where(ArticleRow.content_hash == content_hash).exists()
    session.execute(delete(VectorsRow).where(VectorsRow.content_hash == content_hash, ~held))


def forget_unused_words(session: Session, guild_id: int) -> None:
    """Remove the words of a server's library that none of its articles uses any more."""
    used: set[str] = set()
    texts = select(VectorsRow.words).join(
        ArticleRow,
        (ArticleRow.content_hash == VectorsRow.content_hash)
        & (ArticleRow.language == VectorsRow.language),
    )
    for words in session.scalars(texts.where(ArticleRow.guild_id == guild_id)):
        if isinstance(words, list):
            used.update(w for w in words if isinstance(w, str))
    kept = session.scalars(select(WordRow.word).where(WordRow.guild_id == guild_id).distinct())
    unused = sorted(set(kept) - used)
    for chunk in _chunks(unused):
        session.execute(
            delete(WordRow).where(WordRow.guild_id == guild_id, WordRow.word.in_(chunk))
        )


def drop_others(session: Session, model_id: str) -> int:
    """Remove every vector kept from a model other than `model_id`; how many texts'."""
    removed = session.execute(delete(VectorsRow).where(VectorsRow.model_id != model_id))
    session.execute(delete(WordRow).where(WordRow.model_id != model_id))
    return int(removed.rowcount or 0)  # type: ignore[attr-defined]


def copy_rows(source: Session, target: Session) -> None:
    """Copy every kept vector (of texts and of words) into another database, a batch at a
    time; rows it holds already stay as they are."""
    for table in (VectorsRow, WordRow):
        columns = [c.name for c in table.__table__.columns]
        rows = source.execute(select(*table.__table__.columns).execution_options(yield_per=CHUNK))
        for batch in rows.partitions():
            target.execute(
                insert_new(target, table).values(
                    [dict(zip(columns, r, strict=True)) for r in batch]
                )
            )
            target.commit()


def known_words(
    session: Session, guild_id: int, model_id: str, words: Iterable[str]
) -> dict[str, Vectors]:
    """The vectors a server's library keeps of `words` (from `model_id`), by word."""
    return dict(_word_vectors(session, guild_id, model_id, list(words)))


def _word_vectors(
    session: Session, guild_id: int, model_id: str, words: Sequence[str]
) -> Iterator[tuple[str, Vectors]]:
    for chunk in _chunks([w for w in words if len(w) <= MAX_WORD]):
        rows = session.execute(
            _words_query(guild_id, model_id, chunk).with_only_columns(WordRow.word, WordRow.vector)
        )
        for word, vector in rows:  # one row: its scale, then its values
            try:
                yield word, unpack(vector, len(vector) - SCALE_BYTES)[0]
            except ValueError:  # unusable: as if not kept (encoded, and kept, again)
                continue


def _known_words(
    session: Session, guild_id: int, model_id: str, words: Sequence[str]
) -> Iterator[str]:
    for chunk in _chunks(words):
        yield from session.scalars(
            _words_query(guild_id, model_id, chunk).with_only_columns(WordRow.word)
        )


def _words_query(guild_id: int, model_id: str, words: Sequence[str]) -> Select[Any]:
    return select(WordRow).where(
        WordRow.guild_id == guild_id, WordRow.model_id == model_id, WordRow.word.in_(words)
    )


def insert_new(session: Session, table: type[Base]) -> Any:
    """An INSERT into `table` that passes over rows already there (another process may
    have inserted them meanwhile)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def _chunks(values: Sequence[object]) -> Iterator[list]:  # type: ignore[type-arg]
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])
