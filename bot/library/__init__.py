"""The article library: articles each server keeps, and which channel asks which article.

`schema` holds the tables, `migrations` the Alembic revisions that create and change
them, `store` the few operations the bot and the command line need, and `scope` which
articles a question in a given place is asked of. The database is the source of truth;
indexes are derived data in the cache, rebuilt from it whenever missing.
"""
