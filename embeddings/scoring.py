"""Every signal and weight of the ranking and of the decision to answer, in one place.

How a paragraph is ranked: four signals, each z-scored across the article, are summed:
the cosine of the paragraph and of its best sentence (meaning), and BM25 of the
paragraph and of its best sentence (words; see `lexical`). The two lexical ones are
weighted by the share of the question's words that occur in the article at all, so
word evidence counts fully when the question uses the article's words and fades when
it paraphrases them (`combine`).

Whether the article answers at all is decided on `relevance`, a score whose meaning
does not depend on the article: the best sentence's cosine plus a credit for the
question's words found in the article (`credit`). The constants were calibrated with
all-MiniLM-L6-v2; another model's cosines are first mapped onto that model's scale (its
`Calibration`), so the same bars serve every model. `docs/experiments.md` holds the
measurements behind each value.

Nothing here imports numpy: arrays pass through their own operators, so the settings
can read the defaults without loading the numeric stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from embeddings.models import E5_MODEL_ID

if TYPE_CHECKING:
    from embeddings.types import Scores

Cosines = TypeVar("Cosines", float, "Scores")

# --- the model's scale -------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """An affine map of one model's cosines onto all-MiniLM-L6-v2's, where the bars below
    were set: (cosine - floor) * stretch. Models differ most in where unrelated texts lie:
    near 0.1 for MiniLM, near 0.75 for multilingual-e5-small."""

    floor: float = 0.0
    stretch: float = 1.0

    def __call__(self, cosines: Cosines) -> Cosines:
        return (cosines - self.floor) * self.stretch


@dataclass(frozen=True)
class Calibration:
    """How a model's cosines map onto the bars' scale: of texts (questions, sentences,
    paragraphs) and of single words, which sit at another level."""

    texts: Scale = field(default_factory=Scale)
    words: Scale = field(default_factory=Scale)


E5_CALIBRATION = Calibration(texts=Scale(0.73, 4.5), words=Scale(0.79, 4.5))
CALIBRATIONS = {
    E5_MODEL_ID: E5_CALIBRATION,
    "intfloat/multilingual-e5-small": E5_CALIBRATION,  # the same model, unquantised
}
"""Models whose cosines are mapped; any other is taken as it is. Each map sends the median
cosine of unrelated and of related pairs to MiniLM's (best sentence of an article for
questions it does and does not answer, in the bundled article and SQuAD; synonyms and
unrelated words), see docs/experiments.md, "One scale for two models"."""


def calibration(model_id: str) -> Calibration:
    """The calibration of the model cached under `model_id` (none for unknown models)."""
    return CALIBRATIONS.get(model_id, Calibration())


# --- the decision ------------------------------------------------------------------

DEFAULT_MIN_RELEVANCE = 0.6
"""The bar `relevance` must reach for the bot to answer (the `MIN_RELEVANCE` setting).

Unit: cosine plus credit, usually 0.2-1.3. Raising it declines more questions that
another article would answer and more paraphrased questions about this one; lowering
it answers more of both. At 0.6, 99.8% of SQuAD v1.1 dev questions are answered in
their own article (see docs/experiments.md, "The bar")."""

TENTATIVE_MARGIN = 0.1
"""An answer whose `relevance` clears the bar by less than this is tentative: the
closest passage alone, under "The article may not answer this". Unit as the bar;
raising it makes more answers tentative, 0 makes none."""

COVERAGE_WEIGHT = 0.5
"""What the share of the question's words found in the article adds to `relevance`
(0-1 of that share). Raising it lets word overlap alone carry an answer; lowering it
leaves the decision to the model's cosine."""

EXPANSION_CREDIT = 0.5
"""The share of its cosine that a question word the article lacks, but matches through
its closest article word, counts toward `matched_share` (0 = nothing, 1 = a whole
word). Raising it answers more paraphrases and declines fewer other-article questions
(docs/experiments.md, "Credit for stand-in words")."""

UNKNOWN_NAME_PENALTY = 0.05
"""Taken off `relevance` when the question names something the article never mentions,
nor anything within `NAME_STAND_IN` of it ("What did Biden say?"). Unit as the bar;
raising it declines more such questions, including ones a paraphrased name would answer
(docs/experiments.md, "Names the article lacks")."""

CROSS_LANGUAGE_CREDIT = 0.4
"""What `relevance` adds for a question in another language than its article's, whose
words cannot be found in it: about the credit an on-topic question's words earn
(COVERAGE_WEIGHT times a share of 0.8). Raising it answers more such questions, and
declines fewer asked of the wrong article (docs/experiments.md, "Questions in another
language")."""

NAME_STAND_IN = 0.6
"""Cosine (word to word) from which an article word counts as naming the same thing as a
name in the question ("U.S." for "Americans"), so that no `UNKNOWN_NAME_PENALTY` applies.
Raising it penalises more paraphrased names."""

ABOUT_BAR = 0.6
"""Cosine (question to question) from which a question the article does not answer
outright counts as one about the article as a whole (see `about`), answered with its
opening paragraph. Raising it answers fewer such questions in other words ("What's this
piece about?"); lowering it takes more questions about a thing the article does not cover
for questions about the article (docs/experiments.md, "Questions about the article")."""

# --- the ranking -------------------------------------------------------------------

MIN_SIMILARITY = 0.5
"""Cosine (word to word) from which an article word stands in, for BM25, for a question
word the article lacks ("spokesman" for "spokesperson"). Raising it matches fewer, and
only closer, words; recall moves by under 0.1 point between 0.4 and 0.6."""

K1, B = 1.2, 0.75
"""BM25's term-frequency saturation and length normalisation (the usual Okapi values)."""

PAIR_WEIGHT = 0.5
"""Weight of the adjacent-word-pair BM25 score beside the single-word score: how much a
phrase found as written ("the Washington Post") counts over its words found apart.
0 ignores phrases (docs/experiments.md, "Word pairs")."""

SHORTLIST = 2
"""Articles ranked in full for a question asked of a larger library: those whose best
sentence and words are most relevant (see `shelf`). Each one more costs a few
milliseconds a question, more when its index must be loaded; on SQuAD as one library, 1,
2, 3 and 8 put the right article first equally often (docs/experiments.md, "Vectors in
the database")."""

REFINED = 16
"""Articles of a larger library judged by their best sentence: those whose best
paragraph and words promise most (see `shelf`)."""

SHORTLIST_MARGIN = 0.1
"""How far below the most relevant article (cosine plus coverage credit) another may be
and still be ranked in full. Lower ranks fewer articles, faster; higher ranks more where
none stands out (docs/experiments.md, "Large libraries", "Vectors in the database")."""

CANDIDATES = 200
"""Paragraphs whose sentences are scored, in articles longer than this: the best by the
paragraph-level signals. Raising it costs time in long articles and rarely changes a top
answer."""


def combine(dense: Scores, lexical: Scores, coverage: float) -> Scores:
    """A paragraph's score from its z-scored meaning and word signals (each the sum of the
    paragraph's and its best sentence's), the words weighted by `coverage`."""
    return dense + coverage * lexical


def stand_in_weights(expansion: Mapping[str, float]) -> dict[str, float]:
    """What each stand-in token of an expansion counts for in BM25: the share of the way
    its similarity goes from `MIN_SIMILARITY` (nothing) to 1 (the word itself)."""
    return {
        token: (similarity - MIN_SIMILARITY) / (1 - MIN_SIMILARITY)
        for token, similarity in expansion.items()
    }


def matched_share(
    tokens: Sequence[str], expansion: Mapping[str, float], found: Callable[[str], bool]
) -> float:
    """The share of a question's `tokens` that are `found`, where each `found` expansion
    token adds `EXPANSION_CREDIT` times its similarity."""
    if not tokens:
        return 0.0
    matched = sum(map(found, tokens)) + EXPANSION_CREDIT * sum(
        weight for token, weight in expansion.items() if found(token)
    )
    return matched / len(tokens)


def credit(share: float, names_unknown: bool, cross_language: bool = False) -> float:
    """What `relevance` adds to a best sentence's cosine, for a `matched_share`.

    A question in another language than the article's is judged on its meaning: its
    words and names cannot be found in the article as written, so it earns at least
    `CROSS_LANGUAGE_CREDIT` and no name counts against it."""
    words = COVERAGE_WEIGHT * share
    if cross_language:
        return max(words, CROSS_LANGUAGE_CREDIT)
    return words - (UNKNOWN_NAME_PENALTY if names_unknown else 0.0)


def is_tentative(relevance: float, bar: float) -> bool:
    """Whether a best passage of this `relevance` clears `bar`, but only just."""
    return 0 <= relevance - bar < TENTATIVE_MARGIN
