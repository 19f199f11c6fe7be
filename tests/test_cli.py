"""The command line: the JSON contract, stdin mode, and clear errors for bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from bot.cli.repl import USAGE
from bot.cli.text import WIDTH, format_answer
from bot.settings import Settings
from bot.wording import TENTATIVE
from embeddings.about import about_closeness
from embeddings.answer import Answer, Passage
from embeddings.article import Article
from tests.fakes import DIM, FakeEmbedder

ROOT = Path(__file__).resolve().parents[1]


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_ask_json_prints_one_object_per_question(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--json", "When will Putin respond?", "What did Ned Price say?"]) == 0
    rows = _json_lines(capsys.readouterr().out)
    assert [r["question"] for r in rows] == ["When will Putin respond?", "What did Ned Price say?"]
    for row in rows:
        assert set(row) >= {"question", "answered", "passages", "article"}
        article = row["article"]
        assert isinstance(article, dict) and article["published"] == "2022-02-01"
        assert str(article["url"]).startswith("https://www.themoscowtimes.com/2022/02/01/")


def test_ask_from_stdin_shares_one_model_and_survives_bad_lines(
    fake_model: FakeEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = b"Who is Ned Price?\n\n\xe2\x80\x8b\nbad \xff bytes\nWhat did Peskov say?\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    # The questions about an article as a whole are encoded once per model: do it first.
    about_closeness(fake_model, np.zeros(DIM, dtype=np.float32))
    fake_model.query_calls = 0
    assert main(["ask", "--json", "-"]) == 0
    rows = _json_lines(capsys.readouterr().out)
    assert len(rows) == 4
    assert rows[1]["answered"] is False and rows[1]["error"] == "the question is blank"
    assert rows[2]["question"] == "bad \ufffd bytes"
    assert fake_model.loads == 1
    assert fake_model.query_calls == 3  # one model call per question, its new words included


def test_text_mode_shows_a_blank_line_of_control_characters_escaped(
    fake_model: FakeEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = "\x1b\x07\u200b\nWho is Ned Price?\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["ask", "-"]) == 0
    out = capsys.readouterr().out
    assert "Q: \\x1b\\x07\\u200b\nerror: the question is blank" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "Q: Who is Ned Price?" in out


def test_ask_prints_passages_and_source_for_people(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--top-k", "1", "Peskov president decide respond letter"]) == 0
    out = capsys.readouterr().out
    assert "[paragraph 4]" in out
    assert "best match: Putin's spokesman Dmitry Peskov" in out
    assert "Source: Russia Says Still Working" in out
    assert "https://www.themoscowtimes.com/" in out


def test_not_in_the_article_is_said_plainly(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "zebra xylophone quokka"]) == 0
    out = capsys.readouterr().out
    assert "I couldn't find that in the article." in out
    assert "[paragraph" not in out


def test_blank_question_exits_2_with_a_message(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "   "]) == 2
    assert "blank" in capsys.readouterr().err
    assert fake_model.queries_encoded == 0


def test_missing_article_exits_2_naming_the_file(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "missing.json"
    assert main(["ask", "--article", str(missing), "q"]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and len(err.strip().splitlines()) == 1


def test_article_flag_selects_another_article(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "cats.json"
    path.write_text(
        json.dumps(
            {
                "title": "Cats",
                "url": "https://example.org/cats",
                "paragraphs": ["Cats purr.", "Dogs bark loudly."],
            }
        )
    )
    assert main(["ask", "--json", "--article", str(path), "Do dogs bark?"]) == 0
    row = _json_lines(capsys.readouterr().out)[0]
    assert row["article"] == {
        "id": None,  # not a library article
        "title": "Cats",
        "published": None,
        "url": "https://example.org/cats",
    }
    assert row["passages"][0]["text"] == "Dogs bark loudly."  # type: ignore[index]


def test_invalid_setting_is_named_without_traceback(
    fake_model: FakeEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TOP_K", "lots")
    assert main(["ask", "q"]) == 2
    err = capsys.readouterr().err
    assert "TOP_K" in err and "Traceback" not in err


def test_bad_top_k_flag_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["ask", "--top-k", "0", "q"])
    assert exited.value.code == 2
    assert "--top-k" in capsys.readouterr().err


def test_index_says_what_it_did(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index"]) == 0
    out = capsys.readouterr().out
    assert "Index built" in out
    assert "11 paragraphs, 14 sentences, " in out
    assert main(["index"]) == 0
    assert "loaded from the cache" in capsys.readouterr().out
    assert main(["index", "--refresh"]) == 0
    assert "Index built" in capsys.readouterr().out


def test_help_imports_neither_the_model_libraries_nor_settings() -> None:
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'discord', 'numpy', "
        "'pydantic') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "ask" in result.stdout
    assert result.stdout.strip().endswith("[]")


@pytest.mark.model
def test_real_model_end_to_end_through_python_m_bot(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "CACHE_DIR": str(tmp_path),
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "-"],
        input=(
            "Who will decide when to respond to the U.S. letter?\nHow do I bake bread?\n"
            "What's the weather in Moscow today?\nwhat did biden say\n"
        ),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    first, second, near, lower = _json_lines(result.stdout)
    assert first["answered"] is True and first["tentative"] is False
    assert first["passages"][0]["paragraph"] == 4  # type: ignore[index]
    assert second["answered"] is False and second["passages"] == []
    # About the article's city, not in the article: the closest passage, said to be a guess.
    assert near["answered"] is True and near["tentative"] is True
    assert len(near["passages"]) == 1  # type: ignore[arg-type]
    # A name the article never mentions, typed in lower case: measured, answered (the
    # unknown-name penalty applies, see tests/test_quality.py); only its form is checked.
    assert lower["question"] == "what did biden say"


def test_eval_prints_recall_per_method_and_the_decisions(
    fake_model: FakeEmbedder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "What did Ned Price say at the press briefing?", "paragraph": 7}\n'
        '{"question": "How do I bake bread?", "paragraph": null}\n'
    )
    assert main(["eval", str(questions), "--compare"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("q.jsonl on 'Russia Says")
    assert [line.split()[:2] for line in lines[3:7]] == [
        ["hybrid", "1.000"], ["bm25", "1.000"], ["dense", "1.000"], ["zsum", "1.000"]
    ]  # fmt: skip
    assert "answered, on-topic questions:   1.000 (1)" in lines
    assert "declined, off-topic questions: 1.000 (1)" in lines
    assert main(["eval", str(questions), "--lowercase"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(", questions in lower case")


def test_run_without_a_token_names_it_and_exits_2(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert "DISCORD_TOKEN" in err and ".env.example" in err
    assert len(err.splitlines()) == 1


def test_no_command_without_a_token_starts_the_prompt(
    fake_model: FakeEmbedder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(
        "builtins.input",
        _inputs(["What did Price say at the press briefing?", "help", "hi!", "quit"]),
    )
    assert main([]) == 0
    captured = capsys.readouterr()
    assert "DISCORD_TOKEN" in captured.err and "Loading the model" in captured.err
    assert "Ask about: Russia Says Still Working" in captured.out
    assert "[paragraph" in captured.out
    assert captured.out.count(USAGE) == 3  # at the start, and for "help" and "hi!"
    assert "I couldn't find that" not in captured.out


def _inputs(lines: list[str]) -> Callable[[str], str]:
    answers = iter(lines)

    def fake_input(prompt: str = "") -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    return fake_input


def test_a_tentative_answer_says_the_article_may_not_answer() -> None:
    article = Article("Title", ("Peskov spoke on Tuesday.",), "https://example.org/a")
    passage = Passage(1, article.paragraphs[0], article.paragraphs[0], 1.0)
    sure = format_answer(Answer("q", True, (passage,), article))
    tentative = format_answer(Answer("q", True, (passage,), article, tentative=True))
    assert TENTATIVE not in sure
    assert tentative.startswith(f"{TENTATIVE}\n[paragraph 1]")


def test_best_match_is_shown_only_where_it_narrows_the_passage() -> None:
    one_sentence = "Price said the reaction matters most."
    two_sentences = "Peskov spoke on Tuesday. " + "He said the president will decide. " * 5
    article = Article("Title", (one_sentence, two_sentences), "https://example.org/a")
    passages = (
        Passage(1, one_sentence, one_sentence, 2.0),
        Passage(2, two_sentences, "Peskov spoke on Tuesday.", 1.0),
    )
    out = format_answer(Answer("q", True, passages, article))
    assert out.count("best match:") == 1
    assert "  best match: Peskov spoke on Tuesday." in out
    assert all(len(line) <= WIDTH for line in out.splitlines())


def test_library_noise_is_left_out_of_the_log() -> None:
    code = (
        "import logging\nfrom bot.cli.main import _setup_logging\n_setup_logging('DEBUG')\n"
        "import bm25s  # sets its own logger to DEBUG when imported\n"
        "logging.getLogger('bm25s').info('noise')\n"
        "logging.getLogger('bm25s').warning('kept')\n"
        "logging.getLogger('bot').debug('ours')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "noise" not in result.stderr
    assert "kept" in result.stderr and "ours" in result.stderr


def test_show_prints_the_article_as_read_without_loading_a_model(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom bot.cli import main\ncode = main(['show'])\n"
        "heavy = [m for m in ('onnxruntime', 'sentence_transformers', 'torch') if m in sys.modules]"
        "\nprint('loaded:', heavy, file=sys.stderr)\nraise SystemExit(code)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "CACHE_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "loaded: []" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Title: Russia Says Still Working") and "(2022-02-01)" in lines[0]
    assert lines[1].startswith("https://www.themoscowtimes.com/")
    assert "[11] " in result.stdout and "[12] " not in result.stdout


def test_show_json_loads_back_to_the_same_article(
    tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from embeddings.sources import bundled_article_path, load_article

    page = tmp_path / "page.md"
    page.write_text("# A title\n\nFirst *paragraph* here.\n\n- an item\n", encoding="utf-8")
    for source in (str(bundled_article_path()), str(page)):
        assert main(["show", "--json", source]) == 0
        saved = tmp_path / "article.json"
        saved.write_text(capsys.readouterr().out, encoding="utf-8")
        assert load_article(saved) == load_article(source)


def test_show_of_a_missing_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "/no/such/article.txt"]) == 2
    assert capsys.readouterr().err == "error: /no/such/article.txt: no such article file\n"
