"""One module per feature; each exposes a ``commands`` :class:`~bot.core.registry.CommandSet`."""

from bot.core.commands import digest, general, lessons, lookup, quiz, reports, study
from bot.core.registry import Registry


def build_registry() -> Registry:
    return Registry(
        general.commands,
        lookup.commands,
        quiz.commands,
        study.commands,
        lessons.commands,
        digest.commands,
        reports.commands,
    )
