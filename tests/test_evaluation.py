"""Evaluation: parallel translations matched by id, a file's articles joined into one, the
figures broken down by language, and the `eval` and `results` commands that print them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.settings import Settings
from bot.tools.results import languages_table
from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.evaluation import (
    Case,
    EvalSet,
    as_one_article,
    evaluate,
    parallel_questions,
    read_question_file,
    read_squad,
)
from embeddings.index import build_index
from embeddings.retriever import Retriever
from tests.fakes import FakeEmbedder

DATA = Path(__file__).parent / "data"

# Two articles of two paragraphs: (title, [(context, [(id, question, answer)])]).
ENGLISH = [
    (
        "Music_hall",
        [
            (
                "The orchestra played Beethoven symphonies in the concert hall on Friday.",
                [("m1", "Which composer did the orchestra play in the concert hall?", "Beethoven")],
            ),
            (
                "Tickets for the opera sold out within an hour of going on sale.",
                [("m2", "How fast did the opera tickets sell out?", "within an hour")],
            ),
        ],
    ),
    (
        "Mars",
        [
            (
                "The spacecraft landed on Mars after a journey of seven months.",
                [("s1", "How long was the spacecraft's journey to Mars?", "seven months")],
            ),
            (
                "Engineers received the first photographs from the rover on Tuesday.",
                [("s2", "When did engineers receive the rover's photographs?", "on Tuesday")],
            ),
        ],
    ),
]
GERMAN = {
    "m1": "Welchen Komponisten spielte das Orchester im Konzertsaal?",
    "m2": "Wie schnell waren die Opernkarten ausverkauft?",
    "s1": "Wie lange dauerte die Reise der Raumsonde zum Mars?",
    "s2": "Wann erhielten die Ingenieure die Fotos des Rovers?",
}


def _write_squad(path: Path, articles: list[Any], questions: dict[str, str] | None = None) -> Path:
    """A SQuAD-format file (gzipped for a .gz name), its questions replaced by `questions`."""
    data = {
        "version": "1.1",
        "data": [
            {
                "title": title,
                "paragraphs": [
                    {
                        "context": context,
                        "qas": [
                            {
                                "id": key,
                                "question": (questions or {}).get(key, question),
                                "answers": [{"answer_start": context.find(answer), "text": answer}],
                            }
                            for key, question, answer in qas
                        ],
                    }
                    for context, qas in paragraphs
                ],
            }
            for title, paragraphs in articles
        ],
    }
    text = json.dumps(data, ensure_ascii=False)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as f:
            f.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_parallel_questions_match_by_id_before_position() -> None:
    original = [("a", "A?"), ("b", "B?"), (None, "C?")]
    translated = [("b", "B (de)?"), ("a", "A (de)?"), ("z", "C (de)?")]
    # a and b by id although their order differs; the third, without an id, by position.
    assert parallel_questions(original, translated) == ["A (de)?", "B (de)?", "C (de)?"]
    # With one question fewer, position means nothing: only ids match.
    assert parallel_questions(original, translated[:2]) == ["A (de)?", "B (de)?", None]


def test_read_squad_asks_the_translations_questions_of_the_files_paragraphs(
    tmp_path: Path,
) -> None:
    english = _write_squad(tmp_path / "tiny.en.json.gz", ENGLISH)
    # The translation lists its articles in the other order: matching must go by id.
    german = _write_squad(tmp_path / "tiny.de.json", ENGLISH[::-1], GERMAN)
    sets = read_squad(english, questions=german)
    assert [s.article.title for s in sets] == ["Music hall", "Mars"]
    assert sets[1].article.paragraphs[0].startswith("The spacecraft landed")
    assert [(c.question, c.paragraph, c.answers) for c in sets[1].cases] == [
        (GERMAN["s1"], 0, ("seven months",)),
        (GERMAN["s2"], 1, ("on Tuesday",)),
    ]
    assert [c.question for c in read_squad(english)[0].cases] == [
        "Which composer did the orchestra play in the concert hall?",
        "How fast did the opera tickets sell out?",
    ]
    assert [c.question for c in read_squad(english, limit=1, questions=german)[0].cases] == [
        GERMAN["m1"],
        GERMAN["m2"],
    ]


def test_read_squad_refuses_a_translation_it_cannot_match(tmp_path: Path) -> None:
    english = _write_squad(tmp_path / "tiny.en.json", ENGLISH)
    other = [("Mars", [("Text.", [("x1", "Q?", "Text"), ("x2", "R?", "Text")])])]
    with pytest.raises(
        ArticleError, match=r"4 of 4 questions of tiny\.en\.json have no translation"
    ):
        read_squad(english, questions=_write_squad(tmp_path / "other.json", other))


def test_one_article_joins_the_paragraphs_in_order_and_moves_each_answer(tmp_path: Path) -> None:
    sets = read_squad(_write_squad(tmp_path / "tiny.json", ENGLISH))
    joined = as_one_article(
        [*sets, EvalSet(Article("Off", ("Nothing here.",)), (Case("?", None),))], "all"
    )
    assert joined.article.title == "all"
    assert joined.article.paragraphs == (
        *sets[0].article.paragraphs,
        *sets[1].article.paragraphs,
        "Nothing here.",
    )
    assert [c.paragraph for c in joined.cases] == [0, 1, 2, 3, None]
    for case in joined.cases[:4]:
        assert case.answers[0] in joined.article.paragraphs[case.paragraph or 0]


def test_read_question_file_reads_each_questions_language(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"question": "Wer ist Ned Price?", "paragraph": 6, "language": "de"}\n'
        '{"question": "Who is Ned Price?", "paragraph": 6}\n',
        encoding="utf-8",
    )
    assert [c.language for c in read_question_file(path, 11)] == ["de", None]
    path.write_text('{"question": "Q?", "paragraph": 1, "language": 7}\n', encoding="utf-8")
    with pytest.raises(ArticleError, match=r"q\.jsonl:1: bad question line"):
        read_question_file(path, 11)


def _retriever(paragraphs: tuple[str, ...]) -> Retriever:
    embedder = FakeEmbedder()
    return Retriever(build_index(Article("Test", paragraphs), embedder), embedder)


def test_evaluate_breaks_the_figures_down_by_language() -> None:
    music = _retriever(tuple(p for p, _ in ENGLISH[0][1]))
    space = _retriever(tuple(p for p, _ in ENGLISH[1][1]))
    cases = [
        Case("Which composer did the orchestra play in the concert hall?", 0, (), "en"),
        # Labelled with the other paragraph on purpose: a miss, counted against "de" alone.
        Case("How fast did the opera tickets sell out?", 0, (), "de"),
        Case("How do I bake sourdough bread at home?", None, (), "de"),
        Case("Which orchestra played Beethoven symphonies?", 0),  # no language: overall only
    ]
    report = evaluate([(music, cases), (space, [])], cross_article=True)
    english, german = report.by_language["en"], report.by_language["de"]
    assert set(report.by_language) == {"en", "de"}
    assert english.methods["hybrid"].recall_at_1 == 1.0
    assert german.methods["hybrid"].recall_at_1 == 0.0
    assert report.methods["hybrid"].recall_at_1 == 2 / 3
    assert (english.on_topic, german.on_topic, report.on_topic) == (1, 1, 3)
    # Off-topic: "de"'s one question, and each question again, asked of the other article.
    assert (english.off_topic, german.off_topic, report.off_topic) == (1, 3, 5)
    assert english.questions + german.questions == report.questions - 1


def test_eval_one_article_asks_every_question_of_the_files_paragraphs_joined(
    fake_model: FakeEmbedder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    english = _write_squad(tmp_path / "tiny.en.json.gz", ENGLISH)
    german = _write_squad(tmp_path / "tiny.de.json.gz", ENGLISH, GERMAN)
    assert main(["eval", str(english), "--one-article"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "tiny.en.json.gz: 2 articles as one article of 4 paragraphs, 4 questions" in lines[0]
    assert lines[3].split() == ["hybrid", "1.000", "1.000", "1.000"]
    assert any(line.startswith("answered, on-topic questions:") for line in lines)
    assert not any(line.startswith("declined") for line in lines)  # no other article to ask
    assert main(["eval", str(english), "--one-article", "--questions", str(german)]) == 0
    assert (
        capsys.readouterr()
        .out.splitlines()[0]
        .endswith("4 questions in the words of tiny.de.json.gz")
    )
    assert main(["eval", str(english), "--one-article", "--every", "2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith(", every 2nd question") and "(2 questions in" in out


def test_eval_refuses_one_article_where_it_means_nothing(
    fake_model: FakeEmbedder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "Who is Ned Price?", "paragraph": 6}\n')
    assert main(["eval", str(questions), "--one-article"]) == 2
    assert "take a SQuAD file" in capsys.readouterr().err
    squad = _write_squad(tmp_path / "tiny.json", ENGLISH)
    assert main(["eval", str(squad), "--library", "--one-article"]) == 2
    assert "do not go together" in capsys.readouterr().err


def test_eval_prints_a_line_for_each_language_of_the_questions(
    fake_model: FakeEmbedder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "What did Ned Price say at the press briefing?", "paragraph": 7, '
        '"language": "en"}\n'
        '{"question": "How do I bake bread?", "paragraph": null, "language": "en"}\n'
        '{"question": "Wie backe ich Brot?", "paragraph": null, "language": "de"}\n',
        encoding="utf-8",
    )
    assert main(["eval", str(questions)]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("language"))
    rows = {line.split()[0]: line.split() for line in lines[header + 1 :]}
    assert rows["de"] == ["de", "-", "-", "-", "-", "1.000", "0", "+", "1", "off-topic"]
    assert rows["en"] == [
        "en",
        "1.000",
        "1.000",
        "1.000",
        "1.000",
        "1.000",
        "1",
        "+",
        "1",
        "off-topic",
    ]


def test_multilingual_question_file_has_every_language_on_and_off_topic() -> None:
    cases = read_question_file(DATA / "bundled_languages.jsonl", 11)
    languages = {"en", "ru", "de", "es", "fr", "pt", "zh", "ar"}
    assert {c.language for c in cases} == languages
    for language in languages:
        mine = [c for c in cases if c.language == language]
        assert sum(c.paragraph is not None for c in mine) == 10, language
        assert sum(c.paragraph is None for c in mine) == 20, language
        assert len({c.question for c in mine}) == 30, language
    # The same questions in each language: each on-topic one has the English one's answer.
    english = [c.paragraph for c in cases if c.language == "en"]
    for language in languages:
        assert [c.paragraph for c in cases if c.language == language] == english, language
    assert len({c.question for c in cases}) == len(cases)


def test_results_languages_table_has_a_row_for_each_language(
    fake_model: FakeEmbedder, settings: Settings, tmp_path: Path
) -> None:
    xquad = tmp_path / "xquad"
    xquad.mkdir()
    _write_squad(xquad / "xquad.en.json.gz", ENGLISH)
    _write_squad(xquad / "xquad.de.json.gz", ENGLISH, GERMAN)
    bundled = tmp_path / "multi.jsonl"
    bundled.write_text(
        '{"question": "Who is Ned Price?", "paragraph": 6, "language": "ru"}\n'
        '{"question": "How do I bake bread?", "paragraph": null, "language": "ru"}\n'
        '{"question": "Wer ist Ned Price?", "paragraph": 6, "language": "de"}\n',
        encoding="utf-8",
    )
    table = languages_table(settings, xquad, bundled)
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    names = [row.split("|")[1].strip() for row in rows[1:]]
    assert names == ["English", "German", "Russian"]
    cells = {row.split("|")[1].strip(): [c.strip() for c in row.split("|")[2:5]] for row in rows}
    assert cells["English"][0].startswith("1.000 / ") and cells["English"][1] == "1.000"
    assert cells["English"][2] == "-" and cells["Russian"][:2] == ["-", "-"]
    assert cells["Russian"][2].endswith(" / 1.000")  # the off-topic question declined
    assert "its 4 questions in each language" in table
    # Without XQuAD, only the bundled article's languages.
    alone = languages_table(settings, tmp_path / "none", bundled).splitlines()
    assert "XQuAD" not in "\n".join(alone)
    assert alone[-2].startswith("| German | 1.000 / ") and alone[-2].count("|") == 3
