"""Every command is declared once here: its name, aliases, arguments, help keys (translated in both
catalogs), where it works and who may run it. ``/help``, Telegram's menus and Discord's app commands
are all derived from these declarations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.core.model import ChatKind, Reply

if TYPE_CHECKING:
    from bot.core.context import Context

Handler = Callable[["Context", str], Awaitable[list[Reply]]]


class Scope(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    BOTH = "both"

    def allows(self, kind: ChatKind) -> bool:
        return self is Scope.BOTH or self.value == kind.value


class ArgKind(StrEnum):
    """What an argument holds, so platforms with typed options (Discord) can offer the right input.
    The core still reads every argument from the command's text."""

    TEXT = "text"
    INTEGER = "integer"
    CHANNEL = "channel"
    """A channel of the same server, chosen with the platform's own picker and handed to the core
    as ``Incoming.target`` (never typed in the text). Platforms without channels leave it out."""


@dataclass(frozen=True, slots=True)
class Argument:
    name: str
    help: str
    """Catalog key describing the argument."""
    required: bool = False
    choices: tuple[str, ...] = ()
    kind: ArgKind = ArgKind.TEXT
    minimum: int | None = None
    maximum: int | None = None
    """Bounds of an INTEGER argument, inclusive."""
    suggest: str | None = None
    """A :mod:`bot.core.suggest` source offering values as the user types (``"event"``, ...)."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    summary: str
    """Catalog key of a one-line description (menus allow about 100 characters)."""
    handler: Handler
    details: str | None = None
    """Catalog key of the longer help with examples, shown by ``/help <command>``."""
    args: tuple[Argument, ...] = ()
    aliases: tuple[str, ...] = ()
    scope: Scope = Scope.BOTH
    admin_only: bool = False
    """In groups, only chat administrators may run it. Private chats have no such limit."""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass
class CommandSet:
    """The commands of one feature module, collected by decorator and handed to the registry."""

    commands: list[Command] = field(default_factory=list)

    def command(
        self,
        name: str,
        *,
        summary: str,
        details: str | None = None,
        args: Iterable[Argument] = (),
        aliases: Iterable[str] = (),
        scope: Scope = Scope.BOTH,
        admin_only: bool = False,
    ) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            self.commands.append(
                Command(
                    name=name,
                    summary=summary,
                    handler=handler,
                    details=details,
                    args=tuple(args),
                    aliases=tuple(aliases),
                    scope=scope,
                    admin_only=admin_only,
                )
            )
            return handler

        return decorate


class Registry:
    def __init__(self, *sets: CommandSet) -> None:
        self._ordered: list[Command] = []
        self._by_name: dict[str, Command] = {}
        for command_set in sets:
            for command in command_set.commands:
                self.add(command)

    def add(self, command: Command) -> None:
        for name in command.names:
            if not name.isascii() or not name.replace("_", "").isalnum() or name != name.lower():
                raise ValueError(f"command name {name!r} must be lowercase ASCII letters, digits or _")
            if name in self._by_name:
                raise ValueError(f"command name {name!r} is declared twice")
            self._by_name[name] = command
        self._ordered.append(command)

    def find(self, name: str) -> Command | None:
        return self._by_name.get(name.lower())

    def __iter__(self) -> Iterator[Command]:
        return iter(self._ordered)

    def for_chat(self, kind: ChatKind) -> list[Command]:
        return [c for c in self._ordered if c.scope.allows(kind)]

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)
