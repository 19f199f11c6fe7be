"""The bot's own words in English, the language of every locale without a catalog."""

from __future__ import annotations

from bot.wording.catalog import Catalog

CATALOG = Catalog(
    language="en",
    not_found="I couldn't find that in the article.",
    rephrase="Try rephrasing your question, or ask about something the article covers.",
    tentative="The article may not answer this. The closest passage:",
    about="The article, from its opening paragraph:",
    example_named="What does the article say about {name}?",
    example_general="What is the article about?",
    blank="Please ask a question about the article, for example: *{example}*",
    cooldown="You're asking quickly! Please try again in {seconds} s.",
    apology="Sorry, something went wrong while answering. Please try again in a moment.",
    vote_noted="Thanks, noted.",
    vote_unknown="I no longer know that answer: nothing was noted.",
    help="""\
**Ask me about the article** and I quote the passages that answer, with a link to the source.
\u2022 `/ask question:` \u2014 add `count:` for more passages, `private:` to see the answer alone
\u2022 Send me a **direct message** with your question
\u2022 **Mention** me in a channel: `@{name} {example}`
\u2022 Right-click a message \u2192 Apps \u2192 **Ask the article**
\u2022 `/article` shows which article I answer from
I only quote the article; if it doesn't say, I tell you so.""",
    question_label="Q:",
    paragraph="Paragraph {number}",
    read_article="Read the article",
    paragraphs="Paragraphs",
    published="Published",
    published_on="Published {date}",
    updated_on="updated {date}",
    source="Source",
    articles_title="I answer here from {count} articles",
    articles_more="\u2026 and {count} more",
    usage="Type a question and press Enter; Ctrl-D or 'quit' leaves.",
    greetings=("hi", "hello", "hey", "help", "there", "me", "bot"),
    descriptions={
        "/ask": "Ask a question; I answer with quotes from the article.",
        "/ask question:": "What do you want to know about the article?",
        "/ask count:": "How many passages to quote (1-5)",
        "/ask private:": "Only you see the answer",
        "/ask show_scores:": "Show each passage's relevance score",
        "/ask article:": "Ask one article of the library only",
        "/article": "Show which articles I answer from here: title, date, link and opening.",
        "/help": "How to ask me about the article.",
        "/library": "This server's articles",
        "/library add": "Add an article to this server's library, from a web page or a file.",
        "/library add url:": "A web page with the article",
        "/library add file:": "An article file: .html, .md, .txt, .json or .pdf",
        "/library list": "List this server's articles.",
        "/library list page:": "Which page of the list (10 articles a page)",
        "/library remove": "Remove an article from this server's library.",
        "/library remove article:": "The article to remove",
        "/library use": "Answer in this channel (or thread) from one article, or from the whole "
        "library.",
        "/library use article:": "The article this channel answers from, or all",
        "/library settings": "Show or change this server's settings (Manage Server).",
        "/library settings keep_questions:": "Keep the text of questions for 30 days, for insights",
        "/library insights": "What this server asked in the last 30 days, only for you (Manage "
        "Server).",
        "/library refresh": "Check an article of this server's library at its web page now.",
        "/library refresh article:": "The article to check",
    },
)
