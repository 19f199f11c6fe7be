"""The bot's own words in Portuguese (as in Brazil, Discord's only Portuguese)."""

from __future__ import annotations

from bot.wording.catalog import Catalog

CATALOG = Catalog(
    language="pt",
    not_found="Não encontrei isso no artigo.",
    rephrase="Tente reformular sua pergunta ou pergunte sobre algo que o artigo aborde.",
    tentative="Talvez o artigo não responda a isso. O trecho mais próximo:",
    about="O artigo, pelo seu primeiro parágrafo:",
    example_named="O que o artigo diz sobre {name}?",
    example_general="Sobre o que é o artigo?",
    blank="Faça uma pergunta sobre o artigo, por exemplo: *{example}*",
    cooldown="Você está perguntando rápido demais! Tente de novo em {seconds} s.",
    apology="Desculpe, algo deu errado ao responder. Tente de novo daqui a pouco.",
    vote_noted="Obrigado, anotado.",
    vote_unknown="Já não conheço essa resposta: nada foi anotado.",
    help="""\
**Pergunte-me sobre o artigo** e eu cito os trechos que respondem, com um link para a fonte.
\u2022 `/ask question:` \u2014 adicione `count:` para mais trechos e `private:` para só você ver a resposta
\u2022 Mande sua pergunta por **mensagem direta**
\u2022 **Mencione-me** em um canal: `@{name} {example}`
\u2022 Clique com o botão direito em uma mensagem \u2192 Apps \u2192 **Ask the article**
\u2022 `/article` mostra de qual artigo eu respondo
Eu só cito o artigo; se ele não disser, eu aviso.""",  # noqa: E501
    question_label="Pergunta:",
    paragraph="Parágrafo {number}",
    read_article="Ler o artigo",
    paragraphs="Parágrafos",
    published="Publicado",
    published_on="Publicado em {date}",
    updated_on="atualizado em {date}",
    source="Fonte",
    articles_title="Aqui respondo com base em {count} artigos",
    articles_more="\u2026 e mais {count}",
    usage="Digite uma pergunta e tecle Enter; Ctrl-D ou 'quit' para sair.",
    greetings=("olá", "ola", "oi", "ajuda", "bot"),
    descriptions={
        "/ask": "Faça uma pergunta; respondo com citações do artigo.",
        "/ask question:": "O que você quer saber sobre o artigo?",
        "/ask count:": "Quantos trechos citar (1-5)",
        "/ask private:": "Só você vê a resposta",
        "/ask show_scores:": "Mostrar a pontuação de relevância de cada trecho",
        "/ask article:": "Perguntar a apenas um artigo da biblioteca",
        "/article": "Mostra de quais artigos eu respondo aqui: título, data, link e início.",
        "/help": "Como me perguntar sobre o artigo.",
        "/library": "Os artigos deste servidor",
        "/library add": "Adiciona um artigo à biblioteca do servidor, de uma página da web ou de "
        "um arquivo.",
        "/library add url:": "Uma página da web com o artigo",
        "/library add file:": "Um arquivo de artigo: .html, .md, .txt, .json ou .pdf",
        "/library list": "Lista os artigos deste servidor.",
        "/library list page:": "Qual página da lista (10 artigos por página)",
        "/library remove": "Remove um artigo da biblioteca do servidor.",
        "/library remove article:": "O artigo a remover",
        "/library use": "Responder neste canal (ou tópico) com um artigo ou com toda a biblioteca.",
        "/library use article:": "O artigo com que este canal responde, ou all",
        "/library settings": "Ver ou alterar as definições deste servidor (Gerenciar servidor).",
        "/library settings keep_questions:": "Guardar o texto das perguntas por 30 dias para as "
        "estatísticas",
        "/library insights": "O que este servidor perguntou em 30 dias, só para você (Gerenciar "
        "servidor).",
        "/library refresh": "Verificar agora um artigo da biblioteca do servidor na sua página "
        "web.",
        "/library refresh article:": "O artigo a verificar",
    },
)
