"""The edges of article-bot: the command line, settings and the Discord client."""
