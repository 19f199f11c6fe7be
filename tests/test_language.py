"""Languages: detecting an article's, and reading text in it for the lexical side."""

# ruff: noqa: RUF001 (the letters of the languages, not look-alikes)

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from embeddings.article import Article
from embeddings.errors import ArticleError
from embeddings.index import build_index
from embeddings.index_cache import cache_key, load_index
from embeddings.language import UNDETERMINED, detect_language
from embeddings.language.detect import SAMPLE
from embeddings.lexical import Bm25, content_words, names, stem, tokenize
from embeddings.retriever import Retriever
from embeddings.shelf import Shelf
from embeddings.sources import load_article
from embeddings.sources.json import article_to_json, parse_json_article
from tests.fakes import FakeEmbedder

SAMPLES = {
    "en": "Russia is still working on its written responses to the United States' letter on "
    "Moscow's demands for security guarantees in eastern Europe, Moscow said Tuesday.",
    "de": "Die Bundesregierung hat am Dienstag neue Sanktionen gegen Russland beschlossen, "
    "teilte ein Sprecher in Berlin mit.",
    "ru": "Россия всё ещё работает над письменным ответом на письмо США, заявили во вторник "
    "в Москве.",
    "zh": "俄罗斯外交部长周二表示，莫斯科仍在准备对美国信函的书面答复。",
    "es": "El gobierno español anunció el martes nuevas medidas para reducir el precio de la "
    "energía.",
    "fr": "Le gouvernement français a annoncé mardi de nouvelles mesures contre la hausse des "
    "prix de l'énergie.",
    "ar": "قال وزير الخارجية الروسي يوم الثلاثاء إن موسكو لا تزال تعمل على ردها المكتوب.",
    "th": "รัฐบาลไทยประกาศมาตรการใหม่เพื่อช่วยเหลือเกษตรกรในวันอังคาร",
}


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_the_language_of_a_text_is_detected(language: str) -> None:
    assert detect_language(SAMPLES[language]) == language


@pytest.mark.parametrize("text", ["", "Hi", "12345 678", "… — !!", "NATO"])
def test_a_text_too_short_or_without_letters_has_no_language(text: str) -> None:
    assert detect_language(text) == UNDETERMINED


def test_only_the_opening_of_a_long_text_is_read() -> None:
    german = (SAMPLES["de"] + " ") * (SAMPLE // len(SAMPLES["de"]) + 1)
    assert detect_language(german + SAMPLES["en"] * 200) == "de"


def test_inflections_of_a_german_word_share_a_stem() -> None:
    assert tokenize("Regierungen", "de") == tokenize("Regierung", "de") == ["regier"]
    assert tokenize("Regierungen") != tokenize("Regierung")  # read as English, they differ


def test_inflections_of_a_russian_word_share_a_stem() -> None:
    assert stem("переговоров", "ru") == stem("переговоры", "ru") == "переговор"


def test_a_word_the_stemmer_leaves_nothing_of_is_kept_whole() -> None:
    assert stem("όταν", "el") == "όταν"
    bm25 = Bm25.build(["Όταν βρέχει, μένουμε σπίτι.", "Ο ήλιος λάμπει."], "el")
    assert int(np.argmax(bm25.scores(tokenize("Τι κάνουμε όταν βρέχει;", "el")))) == 0


@pytest.mark.parametrize(
    ("text", "language", "words"),
    [
        ("Die Regierung hat am Dienstag neue Sanktionen beschlossen.", "de",
         ["regierung", "dienstag", "neue", "sanktionen", "beschlossen"]),
        ("Что сказал Путин о переговорах с США?", "ru", ["сказал", "путин", "переговорах", "сша"]),
        ("Le ministre a parlé de la guerre.", "fr", ["ministre", "parlé", "guerre"]),
        # "war" is German for "was"
        ("The minister spoke of the war.", "de", ["the", "minister", "spoke", "of", "the"]),
        ("The minister spoke of the war.", "und", ["the", "minister", "spoke", "of", "the", "war"]),
    ],
)  # fmt: skip
def test_each_language_drops_its_own_function_words(
    text: str, language: str, words: list[str]
) -> None:
    assert content_words(text, language) == words


def test_combining_marks_stay_inside_their_word() -> None:
    assert content_words("हिन्दी भाषा में समाचार", "hi") == ["हिन्दी", "भाषा", "में", "समाचार"]


def test_turkish_dotted_and_dotless_i_are_lower_cased_apart() -> None:
    assert content_words("İSTANBUL ve Irak", "tr") == ["istanbul", "ırak"]


def test_german_capitals_mark_nouns_not_names() -> None:
    assert names("Was hat die Regierung zu Olaf Scholz gesagt?", "de") == []
    assert names("Qu'a dit Emmanuel Macron à M. Scholz ?", "fr") == ["emmanuel", "macron", "scholz"]


def test_a_script_without_case_has_no_names() -> None:
    assert names("普京对拜登说了什么？", "zh") == []
    assert names("ماذا قال بوتين لبايدن؟", "ar") == []


def test_a_script_without_spaces_is_read_in_overlapping_character_pairs() -> None:
    assert content_words("北京大学", "zh") == ["北京", "京大", "大学"]
    assert content_words("我 和 你", "zh") == ["我", "和", "你"]
    # Whatever language the text was taken for: the script decides.
    assert content_words("Peking 北京大学", "und") == ["peking", "北京", "京大", "大学"]


def test_a_chinese_question_finds_its_paragraph() -> None:
    paragraphs = [
        "北京大学是中国最早的国立综合性大学，创建于1898年。",
        "长江是中国最长的河流，全长约6300公里。",
        "熊猫主要生活在四川的山区，以竹子为食。",
    ]
    bm25 = Bm25.build(paragraphs, "zh")
    questions = {"长江有多长？": 1, "熊猫吃什么？": 2, "北京大学是什么时候创建的？": 0}
    for question, answer in questions.items():
        assert int(np.argmax(bm25.scores(tokenize(question, "zh")))) == answer


@pytest.mark.parametrize(
    ("text", "tokens", "found"),
    [
        (
            "Russia's Foreign Minister Sergei Lavrov told U.S. Secretary of State Antony "
            "Blinken on Tuesday that NATO's eastward expansion threatened Moscow.",
            ["russia", "foreign", "minist", "sergei", "lavrov", "told", "us", "secretari",
             "state", "antoni", "blinken", "tuesday", "nato", "eastward", "expans",
             "threaten", "moscow"],
            ["foreign", "minister", "sergei", "lavrov", "us", "secretary", "state", "antony",
             "blinken", "tuesday", "nato", "moscow"],
        ),
        ("What did Mr. Price say about the sanctions?", ["price", "say", "sanction"], ["price"]),
        (
            "The WHO said 1,200 people were evacuated in 2022; many of them were children.",
            ["who", "said", "200", "peopl", "evacu", "2022", "children"],
            ["who"],
        ),
        (
            "They're running, ran and runs: the runners' race.",
            ["re", "run", "ran", "run", "runner", "race"],
            [],
        ),
        (
            "Zelensky's office didn't reply to e-mails about the U.K.-led talks.",
            ["zelenski", "offic", "didn", "repli", "mail", "uk", "led", "talk"],
            ["uk"],
        ),
        ("Chinese: 成吉思汗; pinyin", ["chines", "成吉思汗", "pinyin"], []),
    ],
)  # fmt: skip
def test_english_is_read_as_it_was_before_languages(
    text: str, tokens: list[str], found: list[str]
) -> None:
    """The tokens the lexical side gave before it read other languages (its figures were
    measured with them): the default and "en" alike."""
    assert tokenize(text) == tokenize(text, "en") == tokens
    assert names(text) == names(text, "en") == found


GERMAN = Article(
    "Sanktionen",
    (
        "Die Regierungen der EU-Staaten verhandeln über neue Sanktionen gegen Russland.",
        "Das Wetter in Berlin bleibt am Wochenende sonnig und warm.",
    ),
    language="de",
)


def test_a_question_is_read_in_its_articles_language() -> None:
    embedder = FakeEmbedder()
    question = "Welche Regierung verhandelt über Sanktionen?"
    german = Retriever(build_index(GERMAN, embedder), embedder).rank(question)
    as_english = Retriever(build_index(replace(GERMAN, language="en"), embedder), embedder)
    assert german.tokens == ("regier", "verhandelt", "sanktion")
    assert german.coverage == pytest.approx(2 / 3)
    assert as_english.rank(question).coverage < german.coverage


def test_a_shelf_reads_the_question_in_each_articles_language() -> None:
    embedder = FakeEmbedder()
    english = Article("Governments", ("The Regierungen of the member states agreed.",))
    shelf = Shelf.of([build_index(a, embedder) for a in (GERMAN, english)])
    vector = embedder.encode_queries(["x"])[0]
    gain = shelf.promise(vector, "Regierung") - shelf.promise(vector, "")
    assert gain[0] > 0  # "Regierung" and "Regierungen" share a German stem
    assert gain[1] == 0  # but not an English one


def test_an_index_is_cached_apart_for_each_language(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    english = replace(GERMAN, language="en")
    assert english.content_hash == GERMAN.content_hash  # the same text
    assert cache_key(english, "m") != cache_key(GERMAN, "m")
    load_index(GERMAN, embedder, tmp_path)
    again = load_index(english, embedder, tmp_path)
    assert again.source == "built"
    assert again.index.vocabulary.closest(embedder.encode_queries(["Regierungen"]))[0][0] == (
        "regierungen"  # English leaves the German word whole
    )


def test_an_article_read_from_a_german_text_file_is_german(tmp_path: Path) -> None:
    path = tmp_path / "artikel.txt"
    path.write_text(
        f"Neue Sanktionen\n\n{SAMPLES['de']}\n\n{GERMAN.paragraphs[0]}\n", encoding="utf-8"
    )
    assert load_article(path).language == "de"


def test_the_json_format_keeps_a_given_language_and_detects_a_missing_one(
    tmp_path: Path,
) -> None:
    given = {"title": "T", "paragraphs": [SAMPLES["de"]], "language": "pt-BR"}
    (tmp_path / "given.json").write_text(json.dumps(given), encoding="utf-8")
    (tmp_path / "missing.json").write_text(json.dumps({**given, "language": None}), "utf-8")
    assert load_article(tmp_path / "given.json").language == "pt"
    assert load_article(tmp_path / "missing.json").language == "de"
    german = load_article(tmp_path / "missing.json")
    assert parse_json_article(article_to_json(german)) == german


def test_the_json_format_refuses_what_is_no_language_code() -> None:
    with pytest.raises(ArticleError, match="language"):
        parse_json_article(json.dumps({"title": "T", "paragraphs": ["p"], "language": "G3rman"}))
