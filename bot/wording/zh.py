# ruff: noqa: RUF001 (the letters and punctuation of the language, not look-alikes)
"""The bot's own words in Chinese (simplified; Taiwan's locale reads them too)."""

from __future__ import annotations

from bot.wording.catalog import Catalog

CATALOG = Catalog(
    language="zh",
    not_found="我在文章中没有找到相关内容。",
    rephrase="请换个方式提问，或者问问文章涉及的内容。",
    tentative="文章可能没有回答这个问题。最接近的段落：",
    about="文章的开头一段：",
    example_named="文章关于{name}说了什么？",
    example_general="这篇文章讲了什么？",
    blank="请就这篇文章提一个问题，例如：*{example}*",
    cooldown="你提问太快了！请 {seconds} 秒后再试。",
    apology="抱歉，回答时出了点问题。请稍后再试。",
    vote_noted="谢谢，已记下。",
    vote_unknown="我已不再记得这条回答：未记录任何内容。",
    help="""\
**向我询问这篇文章**，我会引用回答问题的段落，并附上原文链接。
\u2022 `/ask question:` \u2014 加上 `count:` 可引用更多段落，加上 `private:` 则只有你能看到回答
\u2022 给我发送**私信**提问
\u2022 在频道中**提及**我：`@{name} {example}`
\u2022 右键点击一条消息 \u2192 应用 \u2192 **Ask the article**
\u2022 `/article` 显示我依据哪篇文章回答
我只引用文章原文；如果文章没有提到，我会直接告诉你。""",
    question_label="问题：",
    paragraph="第 {number} 段",
    read_article="阅读原文",
    paragraphs="段落数",
    published="发布日期",
    published_on="发布于 {date}",
    updated_on="更新于 {date}",
    source="来源",
    articles_title="我在这里依据 {count} 篇文章回答",
    articles_more="\u2026 还有 {count} 篇",
    usage="输入问题后按回车；按 Ctrl-D 或输入 'quit' 退出。",
    greetings=("你好", "您好", "帮助", "机器人"),
    descriptions={
        "/ask": "提一个问题，我会引用文章原文来回答。",
        "/ask question:": "你想了解文章的什么内容？",
        "/ask count:": "引用几个段落（1-5）",
        "/ask private:": "只有你能看到回答",
        "/ask show_scores:": "显示每个段落的相关度分数",
        "/ask article:": "只向资料库中的一篇文章提问",
        "/article": "显示我在这里依据哪些文章回答：标题、日期、链接和开头。",
        "/help": "如何向我询问这篇文章。",
        "/library": "本服务器的文章",
        "/library add": "从网页或文件向本服务器的资料库添加一篇文章。",
        "/library add url:": "包含文章的网页",
        "/library add file:": "文章文件：.html、.md、.txt、.json 或 .pdf",
        "/library list": "列出本服务器的文章。",
        "/library list page:": "列表的第几页（每页 10 篇文章）",
        "/library remove": "从本服务器的资料库中移除一篇文章。",
        "/library remove article:": "要移除的文章",
        "/library use": "让此频道（或子区）依据一篇文章或整个资料库回答。",
        "/library use article:": "此频道依据的文章，或 all",
        "/library settings": "查看或更改本服务器的设置（管理服务器）。",
        "/library settings keep_questions:": "保留问题文本 30 天，用于统计",
        "/library insights": "本服务器最近 30 天的提问，仅你可见（管理服务器）。",
        "/library refresh": "立即在网页上检查本服务器文章库中的一篇文章。",
        "/library refresh article:": "要检查的文章",
    },
)
