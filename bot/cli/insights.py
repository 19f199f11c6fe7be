"""`python -m bot library insights --guild ID`: what a server asked in the last 30 days,
as `/library insights` shows its managers (plain text, or `--json`)."""

from __future__ import annotations

import argparse
import json

from bot.library.answering import open_library
from bot.library.feedback import DEFAULT_ARTICLE, Feedback, Insights
from bot.settings import Settings

GROUPS_SHOWN = 50


def cmd_library_insights(args: argparse.Namespace, settings: Settings) -> int:
    """Forget what is older than 30 days, then print one server's insights."""
    library = open_library(settings)
    if library is None:
        print("No answers are kept yet.")
        return 0
    try:
        feedback = Feedback(library)
        feedback.purge()
        insights = feedback.insights(args.guild)
    finally:
        library.close()
    if args.json:
        print(json.dumps(insights.to_dict(), ensure_ascii=False))
    else:
        print(insights_text(insights))
    return 0


def insights_text(seen: Insights) -> str:
    """One server's insights for a terminal."""
    lines = [
        f"Server {seen.guild_id}, the last {seen.days} days:",
        f"{seen.answers} answers, {seen.declined} declined, {seen.votes_up} votes up, "
        f"{seen.votes_down} votes down ({seen.voted_down} answers voted down)",
        "",
        "Declined or voted down:",
    ]
    for group in seen.groups[:GROUPS_SHOWN]:
        lines.append(f"  {group.count}x {' '.join(group.question.split())} ({group.why})")
    lines += [f"  {remark}" for remark in seen.left_out(GROUPS_SHOWN, "...")]
    if not seen.keep_questions:
        lines.append("  (this server does not keep question text)")
    lines += ["", "Most asked articles:"]
    for counted in seen.articles:
        title = counted.title or (
            "the default article"
            if counted.article_id == DEFAULT_ARTICLE
            else f"article {counted.article_id}, removed since"
        )
        lines.append(f"  {counted.answers}x {title}")
    if not seen.articles:
        lines.append("  none")
    return "\n".join(lines)
