"""The bot's own words in French (with "tu", as Discord's French is)."""

from __future__ import annotations

from bot.wording.catalog import Catalog

CATALOG = Catalog(
    language="fr",
    not_found="Je n'ai pas trouvé cela dans l'article.",
    rephrase="Essaie de reformuler ta question, ou interroge-moi sur un sujet que l'article "
    "aborde.",
    tentative="L'article ne répond peut-être pas à cette question. "
    "Le passage le plus proche\u00a0:",
    about="L'article, d'après son premier paragraphe\u00a0:",
    example_named="Que dit l'article à propos de {name}\u00a0?",
    example_general="De quoi parle l'article\u00a0?",
    blank="Pose une question sur l'article, par exemple\u00a0: *{example}*",
    cooldown="Tu poses tes questions très vite\u00a0! Réessaie dans {seconds}\u00a0s.",
    apology="Désolé, une erreur s'est produite pendant la réponse. Réessaie dans un instant.",
    vote_noted="Merci, c'est noté.",
    vote_unknown="Je ne connais plus cette réponse\u00a0: rien n'a été noté.",
    help="""\
**Pose-moi une question sur l'article** et je cite les passages qui y répondent, avec un lien vers la source.
\u2022 `/ask question:` \u2014 ajoute `count:` pour plus de passages, `private:` pour que toi seul voies la réponse
\u2022 Envoie-moi ta question en **message privé**
\u2022 **Mentionne-moi** dans un salon\u00a0: `@{name} {example}`
\u2022 Clic droit sur un message \u2192 Applications \u2192 **Ask the article**
\u2022 `/article` indique de quel article je réponds
Je ne fais que citer l'article\u00a0; s'il n'en parle pas, je te le dis.""",  # noqa: E501
    question_label="Question\u00a0:",
    paragraph="Paragraphe {number}",
    read_article="Lire l'article",
    paragraphs="Paragraphes",
    published="Publié",
    published_on="Publié le {date}",
    updated_on="mis à jour le {date}",
    source="Source",
    articles_title="Je réponds ici à partir de {count} articles",
    articles_more="\u2026 et {count} de plus",
    usage="Tape une question et appuie sur Entrée\u00a0; Ctrl-D ou 'quit' pour quitter.",
    greetings=("bonjour", "salut", "coucou", "aide", "bot"),
    descriptions={
        "/ask": "Pose une question\u00a0; je réponds en citant l'article.",
        "/ask question:": "Que veux-tu savoir sur l'article\u00a0?",
        "/ask count:": "Nombre de passages à citer (1-5)",
        "/ask private:": "La réponse n'est visible que par toi",
        "/ask show_scores:": "Afficher le score de pertinence de chaque passage",
        "/ask article:": "Interroger un seul article de la bibliothèque",
        "/article": "Indique de quels articles je réponds ici\u00a0: titre, date, lien et début.",
        "/help": "Comment me poser des questions sur l'article.",
        "/library": "Les articles de ce serveur",
        "/library add": "Ajouter un article à la bibliothèque du serveur, depuis une page web ou "
        "un fichier.",
        "/library add url:": "Une page web contenant l'article",
        "/library add file:": "Un fichier d'article\u00a0: .html, .md, .txt, .json ou .pdf",
        "/library list": "Lister les articles de ce serveur.",
        "/library list page:": "Quelle page de la liste (10 articles par page)",
        "/library remove": "Retirer un article de la bibliothèque du serveur.",
        "/library remove article:": "L'article à retirer",
        "/library use": "Répondre dans ce salon (ou ce fil) à partir d'un article ou de toute la "
        "bibliothèque.",
        "/library use article:": "L'article à partir duquel ce salon répond, ou all",
        "/library settings": "Afficher ou modifier les réglages de ce serveur (Gérer le serveur).",
        "/library settings keep_questions:": "Garder le texte des questions 30 jours pour les "
        "statistiques",
        "/library insights": "Ce que ce serveur a demandé en 30 jours, pour vous seul (Gérer le "
        "serveur).",
        "/library refresh": "Vérifier maintenant un article de la bibliothèque du serveur sur "
        "sa page web.",
        "/library refresh article:": "L'article à vérifier",
    },
)
