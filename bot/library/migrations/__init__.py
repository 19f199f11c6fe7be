"""Alembic revisions of the library's schema; `store.open_library` applies them at start."""
