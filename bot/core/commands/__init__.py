"""One module per feature; each exposes a ``commands`` :class:`~bot.core.registry.CommandSet`."""

from bot.core.commands import general, lookup, reports
from bot.core.registry import Registry


def build_registry() -> Registry:
    return Registry(general.commands, lookup.commands, reports.commands)
