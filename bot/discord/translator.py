"""Slash command and option descriptions in the user's language: discord.py's
`Translator`, reading the catalogs of `bot.wording`.

discord.py wraps every plain name and description in a `locale_str` itself
(`auto_locale_strings`), so docstrings and `describe` texts stay the English descriptions
and reach `translate` once per Discord locale when the tree is synced. Names are never
translated: commands are typed the same everywhere.
"""

from __future__ import annotations

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.wording import catalog

_DESCRIPTIONS = (Where.command_description, Where.group_description, Where.parameter_description)


def description_key(context: app_commands.TranslationContextTypes) -> str | None:
    """Where a description belongs, as a catalog keys it ("/ask", "/library add",
    "/ask question:"); None for anything else (names, choices)."""
    if context.location not in _DESCRIPTIONS:
        return None
    data = context.data
    if isinstance(data, app_commands.Parameter):
        return f"/{data.command.qualified_name} {data.name}:"
    if isinstance(data, app_commands.Command | app_commands.Group):
        return f"/{data.qualified_name}"
    return None


class CatalogTranslator(app_commands.Translator):
    """Descriptions from the catalog of each locale's language; None (Discord shows the
    English) for English, a language without a catalog or a description it lacks."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = description_key(context)
        words = catalog(locale)
        if key is None or words.language == "en":
            return None
        return words.descriptions.get(key)
