"""PDF articles: paragraphs rebuilt from a page's lines, running headers, footers and page
numbers dropped, hyphenated words joined, and scans, encrypted and damaged files refused
in one line. The PDFs are made here (`tests/pdf_files.py`)."""

from __future__ import annotations

import io
import json
import re
import zlib
from pathlib import Path

import pytest

from bot.cli import main
from embeddings.errors import ArticleError
from embeddings.sources import bundled_article_path, load_article, parse_article
from embeddings.sources.isolated import ReadingBudget, parse_isolated
from embeddings.sources.pdf import MAX_CONTENT_BYTES, MAX_PAGES, NO_TEXT, _clean
from tests.fakes import FakeEmbedder
from tests.pdf_files import LEADING, LEFT, TOP, Line, pdf_file, typeset

ORCHARD = [
    "Orchard Harvest Breaks Records in the Valley",
    "Growers in the valley picked more apples this autumn than in any year since records "
    "began, the regional agricultural cooperative announced on Thursday afternoon.",
    "The cooperative credited an unusually warm spring and a comprehensive irrigation "
    "programme, which brought reservoir water to smallholdings that had depended entirely "
    "on rainfall for generations.",
    "Prices nevertheless fell sharply at the wholesale market, where buyers from neighbouring "
    "provinces negotiated aggressively, and several independent growers complained that "
    "transportation costs had consumed most of their earnings.",
    "The cooperative said it would open a second cold store before next season.",
]


BUNDLED = load_article(bundled_article_path())


def read(raw: bytes) -> tuple[str, ...]:
    return parse_article(raw, ".pdf", "orchard.pdf", detect=False).paragraphs


def refusal(raw: bytes) -> str:
    with pytest.raises(ArticleError) as caught:
        parse_article(raw, ".pdf", "scan.pdf", detect=False)
    return str(caught.value)


@pytest.mark.parametrize("style", ["indent", "gap"])
def test_wrapped_lines_become_their_paragraphs_again(style: str) -> None:
    pages = typeset(ORCHARD, style=style, width=60)
    lines = [line.text for page in pages for line in page]
    assert len(lines) > 2 * len(ORCHARD) and any(t.endswith("-") for t in lines)  # hyphenated
    article = parse_article(pdf_file(pages), ".pdf", "orchard.pdf", detect=False)
    assert article.title == ORCHARD[0]
    assert article.paragraphs == tuple(ORCHARD[1:])


def test_a_short_line_that_ends_a_sentence_ends_its_paragraph() -> None:
    """Without a gap or an indent, only a paragraph's short last line tells where it ends; a
    short line whose sentence goes on below does not end one."""
    lines = [
        "Growers in the valley picked more apples this autumn than in",
        "any year since records began.",
        "The cooperative credited a warm spring and an irrigation",
        "programme for the harvest.",
        "Prices fell at the market, where buyers from other provinces",
        "negotiated hard.",
        "Several independent growers complained that transport costs",
        "took most of their earnings, and said that",
        "next year they would sell their apples at the farm gate.",
    ]
    page = [Line("Orchard Harvest", LEFT, TOP + 30, 16)]
    page += [Line(text, LEFT, TOP - n * LEADING) for n, text in enumerate(lines)]
    assert read(pdf_file([page])) == (
        " ".join(lines[:2]),
        " ".join(lines[2:4]),
        " ".join(lines[4:6]),
        " ".join(lines[6:]),
    )


@pytest.mark.parametrize("numbers", ["{page}", "Page {page}", "{page} of {pages}", "- {page} -"])
def test_running_header_footer_and_page_numbers_are_dropped(numbers: str) -> None:
    blocks = [ORCHARD[0], *BUNDLED.paragraphs]
    pages = typeset(blocks, per_page=12, header="Valley Gazette, Farming", page_numbers=numbers)
    assert len(pages) >= 4
    paragraphs = read(pdf_file(pages))
    assert paragraphs == BUNDLED.paragraphs
    assert not any("Gazette" in p or re.search(r"Page \d|\d of \d|- \d -", p) for p in paragraphs)


def test_a_line_only_on_some_pages_tops_is_kept() -> None:
    pages = typeset([ORCHARD[0], *BUNDLED.paragraphs], per_page=12)
    pages[1].insert(0, Line("Valley Gazette, Farming", LEFT, TOP + 40, 9))  # one page of 5
    assert any("Valley Gazette, Farming" in p for p in read(pdf_file(pages)))


def test_a_hyphen_at_a_line_end_is_dropped_only_inside_a_word() -> None:
    lines = [
        "The committee met on Tuesday and considered the impor-",
        "tant question of the sudden rise in anti-",
        "American feeling in the town, and the well-",
        "known dispute, a well-known and long-running quarrel",
        "between two families. Its members agreed on a self-con-",
        "tained answer at the meeting on Tuesday, for once.",
    ]
    page = [Line("Committee Notes", LEFT, TOP + 30, 16)]
    page += [Line(text, LEFT, TOP - n * LEADING) for n, text in enumerate(lines)]
    assert read(pdf_file([page])) == (
        "The committee met on Tuesday and considered the important question of the sudden "
        "rise in anti-American feeling in the town, and the well-known dispute, a well-known "
        "and long-running quarrel between two families. Its members agreed on a "
        "self-contained answer at the meeting on Tuesday, for once.",
    )


def test_two_columns_are_read_in_the_order_drawn_a_paragraph_going_on_in_the_second() -> None:
    left = [
        (18, "Growers in the valley picked more"),
        (0, "apples this autumn than in any year"),
        (0, "since records began, the chair of"),
        (0, "the regional growers' cooperative,"),
    ]
    right = [
        (0, "Maria Lopez, said on Thursday."),
        (18, "Prices nevertheless fell sharply at"),
        (0, "the wholesale market, where buyers"),
        (0, "from other provinces bargained hard."),
    ]
    page = [Line("Orchard Harvest", LEFT, TOP + 40, 16)]
    for x, column in ((LEFT, left), (LEFT + 250, right)):
        page += [
            Line(text, x + indent, TOP - n * LEADING) for n, (indent, text) in enumerate(column)
        ]
    assert read(pdf_file([page])) == (
        " ".join(text for _, text in [*left, right[0]]),
        " ".join(text for _, text in right[1:]),
    )


def test_the_title_is_the_first_paragraph_or_the_one_the_metadata_names() -> None:
    def read_titled(blocks: list[str], title: str) -> tuple[str, tuple[str, ...]]:
        article = parse_article(pdf_file(typeset(blocks), title=title), ".pdf", "a.pdf")
        return article.title, article.paragraphs

    body = tuple(ORCHARD[1:])
    assert read_titled(ORCHARD, "Document1") == (ORCHARD[0], body)  # not in the text
    assert read_titled(ORCHARD, f"{ORCHARD[0]} - Valley Gazette") == (ORCHARD[0], body)
    kicker = ["FARMING", *ORCHARD]  # a kicker above the headline, in the same type
    assert read_titled(kicker, ORCHARD[0]) == (ORCHARD[0], ("FARMING", *body))
    assert read_titled(kicker, "")[0] == "FARMING"


def test_the_bundled_article_printed_on_two_pages_reads_back_the_same() -> None:
    """The bundled article as a reader would print it: 2 pages, a running header, "Page N of
    2", hyphenated, its link broken over two lines. It reads back as the text file does."""
    text = bundled_article_path().read_text(encoding="utf-8")
    blocks = [re.sub(r"<[^>]+>", "", " ".join(b.split())) for b in re.split(r"\n\s*\n", text)]
    blocks = [b for b in blocks if b]
    blocks[-1] = blocks[-1].replace(" ", "")  # the link, whole
    expected = BUNDLED
    for style in ("indent", "gap"):
        pages = typeset(
            blocks, style=style, header="The Moscow Times", page_numbers="Page {page} of {pages}"
        )
        assert len(pages) == 2
        assert sum(line.text.endswith("-") for page in pages for line in page) >= 5
        article = parse_article(pdf_file(pages), ".pdf", "moscow-times.pdf")
        assert (article.title, article.published, article.url) == (
            expected.title,
            expected.published,
            expected.url,
        )
        assert article.paragraphs == expected.paragraphs, style


def test_a_pdf_without_text_is_refused_plainly() -> None:
    image_only = pdf_file([[], []], image=True)
    numbers_only = pdf_file([[Line("1", 300, 40)], [Line("2", 300, 40)]], image=True)
    for raw in (image_only, numbers_only):
        assert refusal(raw) == f"scan.pdf: {NO_TEXT}"
    assert "no text layer (a scan?)" in NO_TEXT


@pytest.mark.parametrize(
    "raw",
    [b"", b"%PDF-1.4\n" + bytes(range(256)) * 20, b"<html>not a pdf</html>"],
    ids=["empty", "garbage", "not-pdf"],
)
def test_a_damaged_pdf_is_one_line(raw: bytes) -> None:
    assert refusal(raw) == "scan.pdf: not a readable PDF (damaged?)"


def test_a_cut_off_pdf_is_refused_or_read_never_a_traceback() -> None:
    whole = pdf_file(typeset(ORCHARD, width=60))
    for end in range(200, len(whole), 150):
        try:
            parse_article(whole[:end], ".pdf", "cut.pdf", detect=False)
        except ArticleError as exc:
            assert str(exc).startswith("cut.pdf: ") and "\n" not in str(exc)


def test_an_encrypted_pdf_is_refused_but_one_without_a_password_is_read() -> None:
    from pypdf import PdfReader, PdfWriter

    plain = pdf_file(typeset(ORCHARD, width=60))

    def encrypted(user: str) -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
        writer.encrypt(user_password=user, owner_password="owner", algorithm="RC4-128")
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    assert refusal(encrypted("secret")) == "scan.pdf: that PDF is encrypted: I cannot open it"
    assert read(encrypted("")) == tuple(ORCHARD[1:])  # only an owner's password: it opens


def test_too_many_pages_are_refused_before_they_are_read() -> None:
    page = [Line("A page with little on it.", LEFT, TOP)]
    message = refusal(pdf_file([page] * (MAX_PAGES + 1)))
    assert message == f"scan.pdf: too many pages ({MAX_PAGES + 1}, at most {MAX_PAGES})"


def test_a_stream_that_inflates_past_the_limit_is_refused_at_the_limit() -> None:
    squeeze = zlib.compressobj(9)
    bomb = b"".join(squeeze.compress(b" " * 1_000_000) for _ in range(80)) + squeeze.flush()
    assert len(bomb) < 100_000  # 80 MB of spaces
    raw = pdf_file([[Line("A title", LEFT, TOP, 16)]], deflated=bomb)
    assert refusal(raw) == "scan.pdf: too large or too complex to read"


def test_pages_that_inflate_past_the_limit_together_are_refused_before_being_read() -> None:
    """Each page's stream is under every limit on one stream, but a page's content stays in
    memory once inflated: a small file of many such pages would fill gigabytes."""
    squeeze = zlib.compressobj(9)
    page = b"".join(squeeze.compress(b" " * 1_000_000) for _ in range(20)) + squeeze.flush()
    count = MAX_CONTENT_BYTES // 20_000_000 + 1
    pages = [[Line("A title", LEFT, TOP, 16)]] * count
    raw = pdf_file(pages, deflated=page, deflated_pages=count)
    assert len(raw) < 100_000  # 20 MB of spaces a page
    assert refusal(raw) == "scan.pdf: too large or too complex to read"


@pytest.mark.parametrize("in_form", [False, True])
def test_fonts_whose_maps_inflate_past_the_limit_together_are_refused_before_being_read(
    in_form: bool,
) -> None:
    """Text extraction inflates each font's /ToUnicode map and keeps it: a small file of many
    pages, each with a font of its own (on the page or in a form it draws), would fill
    gigabytes."""
    squeeze = zlib.compressobj(9)
    bomb = b"".join(squeeze.compress(b" " * 1_000_000) for _ in range(20)) + squeeze.flush()
    count = MAX_CONTENT_BYTES // 20_000_000 + 1
    pages = [[Line("Seals were counted in the harbour this winter by volunteers.", LEFT, TOP)] * 3]
    raw = pdf_file(pages * count, to_unicode=bomb, in_form=in_form)
    assert len(raw) < 100_000  # 20 MB of spaces a font
    assert refusal(raw) == "scan.pdf: too large or too complex to read"
    small = pdf_file(typeset(ORCHARD), to_unicode=zlib.compress(b" " * 1000), in_form=in_form)
    assert read(small) == tuple(ORCHARD[1:])  # each font's map counted, each page read


def test_a_word_of_200_000_letters_is_read_back_whole_within_the_deadline() -> None:
    """Joining a line looks at the last word so far, and a word's end is looked for from
    where the word starts: looked for from every letter of a long run, a word of 150,000
    letters took hours, and the reading process's deadline refused it. A word hyphenated
    over 3,000 lines is looked at again at each: all of it each time, it took seconds."""
    word = "x" * 200_000
    broken = ["y" * 69 + "-"] * 3000 + ["yend of it."]  # one word hyphenated over many lines
    page = [Line("A Long Word", LEFT, TOP + 30, 16), Line(word, LEFT, TOP)]
    page += [Line(t, LEFT, TOP - n * LEADING) for n, t in enumerate(["is long.", *broken], 1)]
    budget = ReadingBudget(seconds=60, characters=500_000)
    article = parse_isolated(pdf_file([page]), ".pdf", "word.pdf", None, budget)
    assert article.paragraphs == (f"{word} is long.", f"{'y' * 69 * 3000}yend of it.")


def test_a_running_header_that_repeats_the_title_leaves_the_title() -> None:
    blocks = [ORCHARD[0], *BUNDLED.paragraphs]
    article = parse_article(
        pdf_file(typeset(blocks, per_page=12, header=ORCHARD[0])), ".pdf", "a.pdf", detect=False
    )
    assert (article.title, article.paragraphs) == (ORCHARD[0], BUNDLED.paragraphs)


def test_a_soft_hyphen_ending_a_line_joins_its_word_and_ligatures_are_letters() -> None:
    texts = ["The final flight of the season left the office empty, and the staff", "re\u00ad"]
    page = [Line("Soft Hyphens", LEFT, TOP + 30, 16)]
    page += [Line(text, LEFT, TOP - n * LEADING) for n, text in enumerate([*texts, "turned."])]
    page.append(Line("Nobody was told why the season ended early, or by whom.", LEFT, TOP - 50))
    assert read(pdf_file([page]))[0].endswith("and the staff returned.")
    # Helvetica's WinAnsi encoding has no ligature to draw: the folding is checked on text.
    assert _clean("the o\ufb03ce \ufb01nal\u200b") == "the office final"


def test_a_pdf_in_the_reading_process_is_read_and_a_scan_refused() -> None:
    budget = ReadingBudget(seconds=60)
    raw = pdf_file(typeset(ORCHARD, width=60))
    article = parse_isolated(raw, ".pdf", "orchard.pdf", None, budget)
    assert article.paragraphs == tuple(ORCHARD[1:]) and article.language == "en"
    with pytest.raises(ArticleError, match=re.escape(f"scan.pdf: {NO_TEXT}")):
        parse_isolated(pdf_file([[]], image=True), ".PDF", "scan.pdf", None, budget)


def test_library_add_and_ask_read_a_pdf_from_the_command_line(
    fake_model: FakeEmbedder, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "orchard.pdf"
    path.write_bytes(pdf_file(typeset(ORCHARD, width=60, page_numbers="Page {page}")))
    assert main(["library", "add", "--json", str(path)]) == 0
    added = json.loads(capsys.readouterr().out)
    assert (added["title"], added["paragraphs"], added["added"]) == (ORCHARD[0], 4, True)
    question = "Where did prices nevertheless fall sharply?"
    assert main(["ask", "--json", "--article", str(path), question]) == 0
    passages = json.loads(capsys.readouterr().out.splitlines()[0])["passages"]
    assert passages[0]["text"] == ORCHARD[3]
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_file([[]], image=True))
    assert main(["library", "add", str(scan)]) != 0
    assert capsys.readouterr().err.strip() == f"error: {scan}: {NO_TEXT}"
