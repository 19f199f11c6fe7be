"""The bot's own words in German (informal, as Discord's German is)."""

from __future__ import annotations

from bot.wording.catalog import Catalog

CATALOG = Catalog(
    language="de",
    not_found="Das habe ich im Artikel nicht gefunden.",
    rephrase="Formuliere deine Frage anders oder frag nach etwas, worum es im Artikel geht.",
    tentative="Der Artikel beantwortet das vielleicht nicht. Die passendste Stelle:",
    about="Worum es im Artikel geht, nach seinem ersten Absatz:",
    example_named="Was sagt der Artikel über {name}?",
    example_general="Worum geht es in dem Artikel?",
    blank="Stell eine Frage zum Artikel, zum Beispiel: *{example}*",
    cooldown="Du fragst gerade sehr schnell! Bitte versuch es in {seconds} s noch einmal.",
    apology="Entschuldigung, beim Antworten ist etwas schiefgelaufen. Bitte versuch es gleich "
    "noch einmal.",
    vote_noted="Danke, notiert.",
    vote_unknown="Diese Antwort kenne ich nicht mehr: nichts wurde notiert.",
    help="""\
**Frag mich zum Artikel**, und ich zitiere die Absätze, die darauf antworten, mit einem Link zur Quelle.
\u2022 `/ask question:` \u2014 mit `count:` für mehr Absätze, mit `private:` siehst nur du die Antwort
\u2022 Schick mir deine Frage als **Direktnachricht**
\u2022 **Erwähne** mich in einem Kanal: `@{name} {example}`
\u2022 Rechtsklick auf eine Nachricht \u2192 Apps \u2192 **Ask the article**
\u2022 `/article` zeigt, aus welchem Artikel ich antworte
Ich zitiere nur den Artikel; steht etwas nicht darin, sage ich es dir.""",  # noqa: E501
    question_label="Frage:",
    paragraph="Absatz {number}",
    read_article="Artikel lesen",
    paragraphs="Absätze",
    published="Veröffentlicht",
    published_on="Veröffentlicht am {date}",
    updated_on="aktualisiert am {date}",
    source="Quelle",
    articles_title="Ich antworte hier aus {count} Artikeln",
    articles_more="\u2026 und {count} weitere",
    usage="Gib eine Frage ein und drück Enter; Ctrl-D oder 'quit' beendet.",
    greetings=("hallo", "moin", "servus", "hilfe", "bot"),
    descriptions={
        "/ask": "Stell eine Frage; ich antworte mit Zitaten aus dem Artikel.",
        "/ask question:": "Was möchtest du über den Artikel wissen?",
        "/ask count:": "Wie viele Absätze zitiert werden (1\u20135)",
        "/ask private:": "Nur du siehst die Antwort",
        "/ask show_scores:": "Die Relevanzwertung jedes Absatzes zeigen",
        "/ask article:": "Nur einen Artikel der Bibliothek fragen",
        "/article": "Zeigt, aus welchen Artikeln ich hier antworte: Titel, Datum, Link und Anfang.",
        "/help": "Wie du mich zum Artikel fragst.",
        "/library": "Die Artikel dieses Servers",
        "/library add": "Einen Artikel zur Bibliothek des Servers hinzufügen, von einer Webseite "
        "oder als Datei.",
        "/library add url:": "Eine Webseite mit dem Artikel",
        "/library add file:": "Eine Artikeldatei: .html, .md, .txt, .json oder .pdf",
        "/library list": "Die Artikel dieses Servers auflisten.",
        "/library list page:": "Welche Seite der Liste (10 Artikel pro Seite)",
        "/library remove": "Einen Artikel aus der Bibliothek dieses Servers entfernen.",
        "/library remove article:": "Der Artikel, der entfernt werden soll",
        "/library use": "In diesem Kanal (oder Thread) aus einem Artikel oder der ganzen "
        "Bibliothek antworten.",
        "/library use article:": "Der Artikel, aus dem dieser Kanal antwortet, oder all",
        "/library settings": "Einstellungen dieses Servers zeigen oder ändern (Server verwalten).",
        "/library settings keep_questions:": "Den Text der Fragen 30 Tage lang für Einblicke "
        "behalten",
        "/library insights": "Was auf diesem Server in 30 Tagen gefragt wurde, nur für dich "
        "(Server verwalten).",
        "/library refresh": "Einen Artikel der Serverbibliothek jetzt auf seiner Webseite prüfen.",
        "/library refresh article:": "Der zu prüfende Artikel",
    },
)
