"""Alembic revisions of the library's schema; `Library.open` applies them at start.

A revision only adds (tables, columns that are nullable or have a default), so the older
code still running during a rolling upgrade keeps working on the database it migrated.
"""
