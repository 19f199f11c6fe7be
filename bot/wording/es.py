"""The bot's own words in Spanish (for Spain and Latin America alike)."""

from __future__ import annotations

from bot.wording.catalog import Catalog

CATALOG = Catalog(
    language="es",
    not_found="No encontré eso en el artículo.",
    rephrase="Intenta reformular tu pregunta o pregunta por algo de lo que hable el artículo.",
    tentative="Puede que el artículo no responda a esto. El pasaje más cercano:",
    about="El artículo, según su primer párrafo:",
    example_named="¿Qué dice el artículo sobre {name}?",
    example_general="¿De qué trata el artículo?",
    blank="Haz una pregunta sobre el artículo, por ejemplo: *{example}*",
    cooldown="¡Estás preguntando muy rápido! Vuelve a intentarlo en {seconds} s.",
    apology="Lo siento, algo salió mal al responder. Vuelve a intentarlo en un momento.",
    vote_noted="Gracias, anotado.",
    vote_unknown="Ya no conozco esa respuesta: no se anotó nada.",
    help="""\
**Pregúntame sobre el artículo** y citaré los pasajes que responden, con un enlace a la fuente.
\u2022 `/ask question:` \u2014 añade `count:` para más pasajes y `private:` para que solo tú veas la respuesta
\u2022 Envíame tu pregunta por **mensaje directo**
\u2022 **Mencióname** en un canal: `@{name} {example}`
\u2022 Clic derecho en un mensaje \u2192 Aplicaciones \u2192 **Ask the article**
\u2022 `/article` muestra de qué artículo respondo
Solo cito el artículo; si no lo dice, te lo digo.""",  # noqa: E501
    question_label="Pregunta:",
    paragraph="Párrafo {number}",
    read_article="Leer el artículo",
    paragraphs="Párrafos",
    published="Publicado",
    published_on="Publicado el {date}",
    updated_on="actualizado el {date}",
    source="Fuente",
    articles_title="Aquí respondo a partir de {count} artículos",
    articles_more="\u2026 y {count} más",
    usage="Escribe una pregunta y pulsa Enter; Ctrl-D o 'quit' para salir.",
    greetings=("hola", "buenas", "ayuda", "bot"),
    descriptions={
        "/ask": "Haz una pregunta; respondo con citas del artículo.",
        "/ask question:": "¿Qué quieres saber sobre el artículo?",
        "/ask count:": "Cuántos pasajes citar (1-5)",
        "/ask private:": "Solo tú ves la respuesta",
        "/ask show_scores:": "Mostrar la puntuación de relevancia de cada pasaje",
        "/ask article:": "Preguntar solo a un artículo de la biblioteca",
        "/article": "Muestra de qué artículos respondo aquí: título, fecha, enlace e inicio.",
        "/help": "Cómo preguntarme sobre el artículo.",
        "/library": "Los artículos de este servidor",
        "/library add": "Añade un artículo a la biblioteca del servidor, desde una web o un "
        "archivo.",
        "/library add url:": "Una página web con el artículo",
        "/library add file:": "Un archivo de artículo: .html, .md, .txt, .json o .pdf",
        "/library list": "Lista los artículos de este servidor.",
        "/library list page:": "Qué página de la lista (10 artículos por página)",
        "/library remove": "Quita un artículo de la biblioteca del servidor.",
        "/library remove article:": "El artículo que quieres quitar",
        "/library use": "Responder en este canal (o hilo) con un artículo o con toda la "
        "biblioteca.",
        "/library use article:": "El artículo con el que responde este canal, o all",
        "/library settings": "Ver o cambiar los ajustes de este servidor (Gestionar servidor).",
        "/library settings keep_questions:": "Guardar el texto de las preguntas 30 días para las "
        "estadísticas",
        "/library insights": "Qué se preguntó en este servidor en 30 días, solo para ti (Gestionar "
        "servidor).",
        "/library refresh": "Comprobar ahora un artículo de la biblioteca del servidor en su "
        "página web.",
        "/library refresh article:": "El artículo que comprobar",
    },
)
