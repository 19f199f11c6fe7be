"""`python -m bot pages DIR`: how well saved web pages become the article a reader sees.

`DIR/expectations.json` maps each page's file name to strings its article text must
contain (`with`) and boilerplate it must not (`without`). A page is read exactly as
`ARTICLE=page.html` would read it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from embeddings.errors import ArticleError
from embeddings.sources import load_article

log = logging.getLogger(__name__)
_SPACE = re.compile(r"\s+")


@dataclass
class PagesReport:
    """What reading a directory of saved pages kept, leaked, refused and crashed on."""

    pages: int = 0
    expected: int = 0
    kept: int = 0
    boilerplate: int = 0
    leaked: int = 0
    refused: list[str] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)
    misses: dict[str, list[str]] = field(default_factory=dict)
    leaks: dict[str, list[str]] = field(default_factory=dict)

    @property
    def kept_share(self) -> float:
        return self.kept / self.expected if self.expected else 0.0

    @property
    def leaked_share(self) -> float:
        return self.leaked / self.boilerplate if self.boilerplate else 0.0


def measure_pages(directory: Path) -> PagesReport:
    """Read every page listed in `directory/expectations.json` and count what it yields."""
    try:
        expectations = json.loads((directory / "expectations.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ArticleError(f"{directory}: no readable expectations.json ({exc})") from None
    report = PagesReport()
    for name, expected in sorted(expectations.items()):
        report.pages += 1
        text = ""
        try:
            text = _folded(" \n ".join(load_article(directory / name).paragraphs))
        except ArticleError:
            report.refused.append(name)
        except Exception:
            log.exception("reading %s failed", name)
            report.crashed.append(name)
        wanted, unwanted = expected.get("with", []), expected.get("without", [])
        missing = [s for s in wanted if _folded(s) not in text]
        leaking = [s for s in unwanted if _folded(s) in text]
        report.expected += len(wanted)
        report.kept += len(wanted) - len(missing)
        report.boilerplate += len(unwanted)
        report.leaked += len(leaking)
        if missing:
            report.misses[name] = missing
        if leaking:
            report.leaks[name] = leaking
    return report


def format_pages(report: PagesReport, details: bool = False) -> str:
    """The figures, and with `details` each page's misses and leaks."""
    lines = [
        f"{report.pages} pages: expected text kept {report.kept}/{report.expected} "
        f"({report.kept_share:.1%}), boilerplate leaked {report.leaked}/{report.boilerplate} "
        f"({report.leaked_share:.1%}), refused {len(report.refused)}, "
        f"crashed {len(report.crashed)}"
    ]
    if details:
        lines += [f"  refused: {name}" for name in report.refused]
        lines += [f"  crashed: {name}" for name in report.crashed]
        lines += [f"  missing in {name}: {missing}" for name, missing in report.misses.items()]
        lines += [f"  leaked in {name}: {leaked}" for name, leaked in report.leaks.items()]
    return "\n".join(lines)


def _folded(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
