"""Settings: environment, `.env`, validation messages and the secret token."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def test_env_example_lists_every_setting_and_parses(settings: Settings, tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text()
    names = {
        line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")
    }
    assert names == {name.upper() for name in Settings.model_fields}
    env = tmp_path / "example.env"
    env.write_text(example)
    parsed = Settings(_env_file=env)  # type: ignore[call-arg]
    assert parsed.discord_token is None and parsed.article is None
    assert parsed.top_k == 3


def test_values_come_from_the_environment(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOP_K", "5")
    monkeypatch.setenv("EMBEDDING_MODEL", "sentence-transformers/all-mpnet-base-v2")
    loaded = load_settings()
    assert loaded.top_k == 5
    assert loaded.embedding_model == "sentence-transformers/all-mpnet-base-v2"


def test_dotenv_file_in_the_working_directory_is_read(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TOP_K=7\nDISCORD_TOKEN=abc.def\n")
    loaded = load_settings()
    assert loaded.top_k == 7
    assert loaded.discord_token is not None
    assert loaded.discord_token.get_secret_value() == "abc.def"


def test_flags_override_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOP_K", "5")
    assert load_settings(top_k=2).top_k == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TOP_K", "0"),
        ("TOP_K", "many"),
        ("MIN_RELEVANCE", "high"),
        ("DEV_GUILD_ID", "-4"),
        ("COOLDOWN_SECONDS", "0"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_value_names_the_setting(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{name}:")
    assert "\n" not in str(caught.value)


def test_token_never_shows_in_repr_or_logs(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "MTIzNDU2Nzg5.secret-token-value"
    monkeypatch.setenv("DISCORD_TOKEN", secret)
    loaded = load_settings()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("settings: %s %r", loaded, loaded)
    assert secret not in repr(loaded) and secret not in str(loaded)
    assert secret not in caplog.text


@pytest.mark.parametrize(
    ("values", "shards"),
    [
        ({}, None),
        ({"SHARD_COUNT": "4"}, None),
        ({"SHARD_COUNT": "4", "SHARD_IDS": " 2, 0"}, [0, 2]),
    ],
)
def test_shards_a_process_serves(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    values: dict[str, str],
    shards: list[int] | None,
) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    assert load_settings(_env_file=None).shards == shards


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "SHARD_IDS must be below SHARD_COUNT (2)"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "first"}, "SHARD_IDS: shard numbers separated by"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: "),
    ],
)
def test_shard_settings_that_cannot_work_are_one_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, values: dict[str, str], message: str
) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None)
    assert str(refused.value).startswith(message)
