"""The test databases: PostgreSQL is skipped only where it was not meant to run."""

from __future__ import annotations

import pytest

from tests.databases import postgres_server


def test_without_postgresql_its_tests_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        postgres_server()


def test_in_ci_without_postgresql_its_tests_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("CI", "true")
    with pytest.raises((pytest.fail.Exception, pytest.skip.Exception)) as outcome:
        postgres_server()
    assert outcome.type is pytest.fail.Exception, outcome.value
