"""Errors whose messages are safe to show a user as they are."""


class ArticleBotError(Exception):
    """A problem the user can fix; its message is one short line."""


class ArticleError(ArticleBotError):
    """The article is missing, unreadable or malformed."""


class ModelError(ArticleBotError):
    """The embedding model cannot be loaded."""
