"""Empty databases for tests: an SQLite file, or a new database in the PostgreSQL cluster
that `scripts/with-postgres.sh` started (its address in `TEST_DATABASE_URL`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.library.store import sqlite_url

KINDS = ["sqlite", "postgresql"]


def postgres_server() -> str:
    """The test cluster's address, or skip: without it PostgreSQL is not tested (in CI,
    where it is meant to be, that fails)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url and os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail("CI without PostgreSQL: TEST_DATABASE_URL is not set")
    if not url:
        pytest.skip("no PostgreSQL: run the tests with scripts/test.sh, which starts one")
    return url


@contextmanager
def new_database(kind: str, directory: Path) -> Iterator[str]:
    """The `DATABASE_URL` of a new, empty database of `kind`, dropped afterwards."""
    if kind == "sqlite":
        yield sqlite_url(directory / "db" / "library.db")
        return
    server = make_url(postgres_server())
    name = f"test_{secrets.token_hex(6)}"
    admin = server.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
