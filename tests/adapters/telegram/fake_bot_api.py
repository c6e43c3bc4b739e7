"""A fake Telegram Bot API server for tests.

The real python-telegram-bot ``Bot``/``Application`` talks to it over HTTP on 127.0.0.1
(``ApplicationBuilder().token(FakeBotAPI.token).base_url(fake.base_url)``).  Every request is
checked against the real API contract in ``shared/specs/telegram-bot-api.json``: the method
must exist, required fields must be present, no undeclared field may be sent, and every value
must match one of its declared types (recursively for objects, arrays and abstract types with
subtypes).  Problems are collected in :attr:`FakeBotAPI.violations`; the ``fake_bot_api``
fixture fails the test when any were recorded.

Answers are shaped like the real API so PTB can de-serialize them, and the fake's own answers
and the updates pushed into it are checked against the same contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import os
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal

from aiohttp import web

JSONDict = dict[str, Any]
Params = dict[str, Any]
ParamsPredicate = Callable[[Params], bool]
ChatId = int | str
ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]

SPEC_ENV_VAR: Final = "TELEGRAM_BOT_API_SPEC"
_SPEC_RELATIVE: Final = Path("shared") / "specs" / "telegram-bot-api.json"
SPEC_CANDIDATES: Final[tuple[Path, ...]] = (
    # /work/tg/tests/adapters/telegram/fake_bot_api.py -> /work/shared/specs/...
    Path(__file__).resolve().parents[3].parent / _SPEC_RELATIVE,
    Path("/work") / _SPEC_RELATIVE,
)

#: Update kinds the real API leaves out when ``allowed_updates`` was never set (or set to []).
_NOT_DELIVERED_BY_DEFAULT: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_DISCRIMINATOR_FIELDS: Final = ("type", "status", "source")
_DISCRIMINATOR_RE: Final = re.compile(r'(?:must be|always)\s+"?([A-Za-z0-9_]+)"?')
_BOT_COMMAND_RE: Final = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?")
_PRIMITIVES: Final = frozenset({"Integer", "Float", "Boolean", "True", "String", "InputFile"})
_ARRAY_PREFIX: Final = "Array of "


# --------------------------------------------------------------------------------------------
# The API contract
# --------------------------------------------------------------------------------------------


class SpecNotFoundError(FileNotFoundError):
    """The Bot API spec JSON file is not available."""


def find_spec_path() -> Path | None:
    """Where the Bot API spec lives: ``$TELEGRAM_BOT_API_SPEC`` or one of :data:`SPEC_CANDIDATES`."""
    override = os.environ.get(SPEC_ENV_VAR)
    candidates = (Path(override),) if override else SPEC_CANDIDATES
    return next((path for path in candidates if path.is_file()), None)


def spec_missing_reason() -> str:
    override = os.environ.get(SPEC_ENV_VAR)
    if override:
        return f"Telegram Bot API spec not found: ${SPEC_ENV_VAR}={override} is not a file"
    looked = ", ".join(dict.fromkeys(str(path) for path in SPEC_CANDIDATES))
    return f"Telegram Bot API spec not found at {looked} (set ${SPEC_ENV_VAR} to its path)"


@functools.cache
def _load_spec_file(path: Path) -> ApiSpec:
    with path.open(encoding="utf-8") as fh:
        return ApiSpec(json.load(fh))


def load_spec(path: Path | None = None) -> ApiSpec:
    """Load (once per path, cached for the process) the Bot API contract."""
    path = path or find_spec_path()
    if path is None:
        raise SpecNotFoundError(spec_missing_reason())
    return _load_spec_file(path.resolve())


def _describe(value: object) -> str:
    if isinstance(value, UploadedFile):
        return f"an uploaded file ({value.filename!r})"
    kind = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "object"}
    name = "null" if value is None else kind.get(type(value), type(value).__name__)
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{name} {shown}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class ApiSpec:
    """The Bot API contract (methods and types) with a validator for values sent or returned."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = str(raw.get("version", "unknown"))
        self.methods: dict[str, JSONDict] = dict(raw["methods"])
        self.types: dict[str, JSONDict] = dict(raw["types"])
        self._methods_by_lower = {name.lower(): name for name in self.methods}
        self._discriminators: dict[str, tuple[str, str] | None] = {}

    # -- look-ups ----------------------------------------------------------------------------

    def method_name(self, name: str) -> str | None:
        """The canonical method name (the real API matches method names case-insensitively)."""
        return self._methods_by_lower.get(name.lower())

    def method_fields(self, method: str) -> dict[str, JSONDict]:
        return {f["name"]: f for f in self.methods[method].get("fields", [])}

    def returns(self, method: str) -> list[str]:
        return list(self.methods[method].get("returns", []))

    def update_kinds(self) -> list[str]:
        return [f["name"] for f in self.types["Update"]["fields"] if f["name"] != "update_id"]

    def discriminator(self, type_name: str) -> tuple[str, str] | None:
        """``("type", "article")`` for InlineQueryResultArticle, ``("status", "creator")`` ..."""
        if type_name not in self._discriminators:
            found: tuple[str, str] | None = None
            fields = {f["name"]: f for f in self.types.get(type_name, {}).get("fields", [])}
            for name in _DISCRIMINATOR_FIELDS:
                if name in fields and fields[name]["types"] == ["String"]:
                    match = _DISCRIMINATOR_RE.search(fields[name].get("description", ""))
                    if match:
                        found = (name, match.group(1))
                        break
            self._discriminators[type_name] = found
        return self._discriminators[type_name]

    # -- validation --------------------------------------------------------------------------

    def validate_params(self, method: str, params: Mapping[str, Any]) -> list[str]:
        """Problems with a request to ``method`` (which must be a canonical method name)."""
        return self._check_fields(params, self.methods[method].get("fields", []), "", f"method {method}")

    def check(self, value: object, type_expr: str, path: str = "") -> list[str]:
        """Problems with ``value`` as an instance of ``type_expr`` (e.g. "Array of BotCommand")."""
        where = path or "value"
        if type_expr.startswith(_ARRAY_PREFIX):
            if not isinstance(value, list):
                return [f"{where}: expected {type_expr}, got {_describe(value)}"]
            item_type = type_expr[len(_ARRAY_PREFIX) :]
            errors: list[str] = []
            for index, item in enumerate(value):
                errors += self.check(item, item_type, f"{path}[{index}]")
            return errors
        if type_expr in _PRIMITIVES:
            return (
                []
                if _primitive_ok(value, type_expr)
                else [f"{where}: expected {type_expr}, got {_describe(value)}"]
            )
        spec_type = self.types.get(type_expr)
        if spec_type is None:
            return [f"{where}: the spec has no type {type_expr!r}"]
        if "subtypes" in spec_type:
            return self._check_subtypes(value, type_expr, spec_type["subtypes"], path)
        if not isinstance(value, dict):
            return [f"{where}: expected a {type_expr} object, got {_describe(value)}"]
        return self._check_fields(value, spec_type.get("fields", []), path, type_expr)

    def check_any(self, value: object, type_exprs: list[str], path: str = "") -> list[str]:
        """Problems with ``value`` as an instance of one of ``type_exprs``; [] if any matches."""
        if len(type_exprs) == 1:
            return self.check(value, type_exprs[0], path)
        return self._check_alternatives(value, type_exprs, path, " or ".join(type_exprs))

    def _check_alternatives(self, value: object, alternatives: list[str], path: str, label: str) -> list[str]:
        plausible = [t for t in alternatives if self._same_shape(value, t)]
        if not plausible:
            return [f"{path or 'value'}: expected {label}, got {_describe(value)}"]
        results = []
        for type_expr in plausible:
            errors = self.check(value, type_expr, path)
            if not errors:
                return []
            results.append((type_expr, errors))
        if len(results) == 1:
            return results[0][1]
        closest, errors = min(results, key=lambda r: len(r[1]))
        return [f"{path or 'value'}: matches none of {label}; closest is {closest}: " + "; ".join(errors)]

    def _check_subtypes(self, value: object, type_name: str, subtypes: list[str], path: str) -> list[str]:
        candidates = subtypes
        if isinstance(value, dict):
            keyed = [(t, self.discriminator(t)) for t in subtypes]
            for key in _DISCRIMINATOR_FIELDS:
                expected = {d[1]: None for t, d in keyed if d and d[0] == key}
                if expected and key in value:
                    candidates = [t for t, d in keyed if d is None or d[0] != key or d[1] == value[key]]
                    if not candidates:
                        return [
                            f"{_join(path, key)}: {_describe(value[key])} is not a {type_name} {key} "
                            f"(expected one of {', '.join(expected)})"
                        ]
                    break
        return self._check_alternatives(value, candidates, path, f"{type_name} ({' | '.join(candidates)})")

    def _check_fields(
        self, value: Mapping[str, Any], fields: Iterable[JSONDict], path: str, owner: str
    ) -> list[str]:
        declared = {f["name"]: f for f in fields}
        errors = [
            f"{_join(path, name)}: missing required field of {owner}"
            for name, spec_field in declared.items()
            if spec_field.get("required") and name not in value
        ]
        for key, item in value.items():
            spec_field = declared.get(key)
            if spec_field is None:
                errors.append(f"{_join(path, key)}: unknown field (not declared by {owner})")
                continue
            errors += self.check_any(item, spec_field["types"], _join(path, key))
        discriminator = self.discriminator(owner)
        if discriminator and discriminator[0] in value and value[discriminator[0]] != discriminator[1]:
            key, expected = discriminator
            errors.append(
                f"{_join(path, key)}: must be {expected!r} for {owner}, got {_describe(value[key])}"
            )
        return errors

    def _same_shape(self, value: object, type_expr: str) -> bool:
        if type_expr.startswith(_ARRAY_PREFIX):
            return isinstance(value, list)
        if type_expr in _PRIMITIVES:
            return _primitive_ok(value, type_expr)
        spec_type = self.types.get(type_expr, {})
        if "subtypes" in spec_type:
            return any(self._same_shape(value, t) for t in spec_type["subtypes"])
        return isinstance(value, dict)


def _primitive_ok(value: object, type_name: str) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "True":
        return value is True
    if type_name == "String":
        return isinstance(value, str)
    return type_name == "InputFile"  # an upload, a file_id, a URL or "attach://name": anything goes


# --------------------------------------------------------------------------------------------
# Recorded traffic and injected errors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part (an InputFile upload)."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class Call:
    """One request the fake received.

    ``params`` are decoded: JSON-encoded form values are parsed according to the spec's field
    types (``chat_id="42"`` -> 42, ``reply_markup`` -> dict); ``String`` fields stay raw.
    ``response`` is the JSON body the fake answered (filled in when answered; for a long-polling
    getUpdates that is after it returns).  ``files`` holds multipart parts referenced as
    ``attach://name``.  ``at`` is ``time.monotonic()`` when the request arrived.
    """

    method: str
    params: dict[str, object]
    at: float
    response: JSONDict = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


@dataclass
class Failure:
    """An injected error: the next ``times`` calls to ``method`` matching ``when`` fail."""

    method: str
    error_code: int
    description: str
    parameters: JSONDict | None
    times: int | None  # None: every matching call, forever
    when: ParamsPredicate | None
    hits: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, params: Params) -> bool:
        return not self.exhausted and method == self.method and _safe_predicate(self.when, params)

    def response(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


class _ApiError(Exception):
    def __init__(self, error_code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def response(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _safe_predicate(predicate: ParamsPredicate | None, params: Params) -> bool:
    if predicate is None:
        return True
    try:
        return bool(predicate(params))
    except (KeyError, IndexError, TypeError, AttributeError):
        return False


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[JSONDict]:
    """``bot_command`` MessageEntity dicts for every /command in ``text`` (UTF-16 offsets)."""
    return [
        {
            "type": "bot_command",
            "offset": _utf16_len(text[: match.start()]),
            "length": _utf16_len(match.group()),
        }
        for match in _BOT_COMMAND_RE.finditer(text)
    ]


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeBotAPI:
    """A Telegram Bot API server on 127.0.0.1 that validates every request against the spec.

    Use ``async with FakeBotAPI() as fake:`` or ``await fake.start()`` / ``await fake.stop()``
    (the ``fake_bot_api`` fixture does this), then point PTB at it::

        Bot(fake.token, base_url=fake.base_url)
        ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    """

    token: str = "123456:TEST-TOKEN"

    def __init__(
        self,
        spec: ApiSpec | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_long_poll: float = 2.0,
        strict_edits: bool = False,
    ) -> None:
        self.spec: ApiSpec = spec or load_spec()
        self.host = host
        self.port = port
        #: Upper bound (seconds) for a long-polling getUpdates, whatever ``timeout`` asked for.
        self.max_long_poll = max_long_poll
        #: When True, editing a message the fake does not know, or an edit that changes nothing,
        #: fails like the real API ("message to edit not found" / "message is not modified").
        self.strict_edits = strict_edits

        self.bot_user: JSONDict = {
            "id": 999,
            "is_bot": True,
            "first_name": "Cold War Study Bot",
            "username": "ColdWarStudyBot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
        }
        self.requests: list[Call] = []
        self.violations: list[str] = []
        #: poll id -> (chat id, message id, decoded sendPoll params)
        self.sent_polls: dict[str, tuple[ChatId, int, Params]] = {}
        #: poll id -> the Poll object as last returned (sendPoll / stopPoll)
        self.polls: dict[str, JSONDict] = {}
        #: (chat id, user id) -> status for getChatMember; default "member"
        self.chat_members: dict[tuple[ChatId, int], str] = {}
        #: (chat id, message id) -> Message object, for messages sent by the bot or pushed to it
        self.messages: dict[tuple[int, int], JSONDict] = {}
        #: chat id -> Chat object (registered by the update helpers, synthesized otherwise)
        self.chats: dict[ChatId, JSONDict] = {}
        #: user id -> User object (registered by the update helpers)
        self.users: dict[int, JSONDict] = {}
        #: (canonical scope JSON, language_code) -> commands set via setMyCommands
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.webhook_url: str = ""
        #: As last sent in getUpdates(allowed_updates=...); None means the API default.
        self.allowed_updates: list[str] | None = None

        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._failures: list[Failure] = []
        self._last_message_id: dict[int, int] = {}
        self._ids = itertools.count(1)
        self._updates_changed = asyncio.Event()
        self._calls_changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/bot``: PTB appends the token, then ``/methodName``."""
        if self._bound_port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return f"http://{self.host}:{self._bound_port}/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._handle_unexpected_path)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        address = self._runner.addresses[0]
        self._bound_port = int(address[1])
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- test-facing API ---------------------------------------------------------------------

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an Update for getUpdates; assigns ``update_id`` if missing and returns it.

        Raises ValueError if the update does not match the spec's Update type.
        """
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        update_id = update["update_id"]
        errors = self.spec.check(update, "Update", "update")
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            errors.append(f"update: must carry exactly one kind of update, got {kinds}")
        if errors:
            raise ValueError("push_update: not a valid Update:\n  " + "\n  ".join(errors))
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._absorb(update)
        self._updates.append(update)
        self._wake_pollers()
        return int(update_id)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Queued updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    def fail(
        self,
        method: str,
        *,
        error_code: int = 429,
        description: str = "Too Many Requests: retry after 3",
        parameters: Mapping[str, Any] | None = None,
        times: int | None = 1,
        when: ParamsPredicate | None = None,
    ) -> Failure:
        """Make the next ``times`` calls to ``method`` (whose decoded params satisfy ``when``)
        fail with HTTP status ``error_code`` and ``{"ok": false, "error_code", "description",
        "parameters"}``.  ``times=None`` fails every matching call.  For 429 without explicit
        ``parameters``, ``{"retry_after": N}`` is taken from the description (default 3).
        """
        canonical = self.spec.method_name(method)
        if canonical is None:
            raise ValueError(f"fail(): {method!r} is not a Bot API method")
        params = dict(parameters) if parameters is not None else None
        if params is None and error_code == 429:
            match = re.search(r"retry after (\d+)", description)
            params = {"retry_after": int(match.group(1)) if match else 3}
        failure = Failure(canonical, error_code, description, params, times, when)
        self._failures.append(failure)
        return failure

    def calls(self, method: str | None = None, where: ParamsPredicate | None = None) -> list[Call]:
        """Recorded calls, optionally only those to ``method`` whose params satisfy ``where``."""
        return [
            call
            for call in self.requests
            if (method is None or call.method == method) and _safe_predicate(where, call.params)
        ]

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, where: ParamsPredicate | None = None
    ) -> list[Call]:
        """Wait until at least ``count`` calls to ``method`` (matching ``where``) were received;
        return all matching calls so far, oldest first.  AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self._calls_changed
            matching = self.calls(method, where)
            if len(matching) >= count:
                return matching
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._wait_failure(method, count, timeout, where, matching))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    # -- update builders (they build; pass the result to push_update) ------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test User",
        language_code: str | None = "en",
        *,
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSONDict:
        """A User object (registered in :attr:`users`)."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self.users[user_id] = user
        return user

    def chat(self, chat_id: int, chat_type: ChatType = "private", *, title: str | None = None) -> JSONDict:
        """A Chat object (registered in :attr:`chats`)."""
        chat: JSONDict = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            known = self.users.get(chat_id)
            chat["first_name"] = known["first_name"] if known else "Test User"
            if known and "username" in known:
                chat["username"] = known["username"]
        else:
            chat["title"] = title or self.chats.get(chat_id, {}).get("title") or f"Test {chat_type.title()}"
        self.chats[chat_id] = chat
        return chat

    def message_update(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        chat_type: ChatType = "private",
        first_name: str = "Test User",
        language_code: str | None = "en",
        *,
        username: str | None = None,
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
        message_id: int | None = None,
    ) -> JSONDict:
        """A ``message`` Update from a user; /commands get ``bot_command`` entities."""
        user = self.user(user_id, first_name, language_code, username=username)
        chat = self.chat(chat_id, chat_type, title=chat_title)
        message: JSONDict = {
            "message_id": message_id if message_id is not None else self._new_message_id(chat_id),
            "from": user,
            "date": self._now(),
            "chat": chat,
            "text": text,
        }
        entities = command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to_message_id is not None:
            replied = self.messages.get((chat_id, reply_to_message_id))
            if replied is not None:
                message["reply_to_message"] = _without_reply(replied)
        return {"message": message}

    def callback_update(
        self,
        chat_id: int,
        user_id: int,
        data: str,
        message_id: int,
        *,
        chat_type: ChatType | None = None,
        first_name: str = "Test User",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> JSONDict:
        """A ``callback_query`` Update: ``user_id`` pressed a button with ``data`` on message
        ``message_id`` in ``chat_id`` (the stored message, if the fake knows it)."""
        user = self.user(user_id, first_name, language_code, username=username)
        message = self.messages.get((chat_id, message_id))
        if message is None:
            chat = self.chat(chat_id, chat_type) if chat_type else self._chat_for(chat_id)
            message = {"message_id": message_id, "from": self.bot_user, "date": self._now(), "chat": chat}
        query: JSONDict = {
            "id": str(next(self._ids) + 4_000_000_000_000_000_000),
            "from": user,
            "message": message,
            "chat_instance": str(zlib.crc32(f"chat-instance:{chat_id}".encode())),
            "data": data,
        }
        return {"callback_query": query}

    def poll_answer_update(
        self,
        poll_id: str,
        user_id: int,
        option_ids: list[int],
        *,
        first_name: str = "Test User",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> JSONDict:
        """A ``poll_answer`` Update (``option_ids=[]`` retracts the vote)."""
        user = self.user(user_id, first_name, language_code, username=username)
        options = self.polls.get(poll_id, {}).get("options", [])
        persistent = [
            options[i]["persistent_id"] if 0 <= i < len(options) else f"opt-{i}" for i in option_ids
        ]
        answer = {
            "poll_id": poll_id,
            "user": user,
            "option_ids": list(option_ids),
            "option_persistent_ids": persistent,
        }
        return {"poll_answer": answer}

    def inline_query_update(
        self,
        user_id: int,
        query: str,
        *,
        offset: str = "",
        chat_type: str | None = None,
        first_name: str = "Test User",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> JSONDict:
        """An ``inline_query`` Update."""
        inline: JSONDict = {
            "id": str(next(self._ids) + 5_000_000_000_000_000_000),
            "from": self.user(user_id, first_name, language_code, username=username),
            "query": query,
            "offset": offset,
        }
        if chat_type is not None:
            inline["chat_type"] = chat_type
        return {"inline_query": inline}

    def my_chat_member_update(
        self,
        chat_id: int,
        chat_type: ChatType,
        old_status: MemberStatus,
        new_status: MemberStatus,
        *,
        from_user_id: int | None = None,
        first_name: str = "Test User",
        chat_title: str | None = None,
    ) -> JSONDict:
        """A ``my_chat_member`` Update: the bot's status in ``chat_id`` changed (e.g. "member" ->
        "kicked" when a user blocks the bot).  Once pushed, getChatMember for the bot reflects
        ``new_status``.  The actor defaults to the private chat's user, else user 1."""
        actor_id = from_user_id if from_user_id is not None else (chat_id if chat_type == "private" else 1)
        actor = self.users.get(actor_id) or self.user(actor_id, first_name)
        chat = self.chat(chat_id, chat_type, title=chat_title)
        change = {
            "chat": chat,
            "from": actor,
            "date": self._now(),
            "old_chat_member": chat_member_object(old_status, self.bot_user),
            "new_chat_member": chat_member_object(new_status, self.bot_user),
        }
        return {"my_chat_member": change}

    # -- HTTP handling -----------------------------------------------------------------------

    async def _handle_unexpected_path(self, request: web.Request) -> web.Response:
        self.violations.append(f"request to an unexpected path: {request.method} {request.path}")
        return _json_response({"ok": False, "error_code": 404, "description": "Not Found"})

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        requested = request.match_info["method"]
        method = self.spec.method_name(requested)
        try:
            params, files = await self._read_params(request, method)
        except ValueError as exc:
            self.violations.append(f"{requested}: unreadable request body: {exc}")
            return _json_response({"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})

        if request.match_info["token"] != self.token:
            self.violations.append(f"{requested}: request with a wrong bot token")
            body: JSONDict = {"ok": False, "error_code": 401, "description": "Unauthorized"}
            self._record(Call(requested, params, arrived, body, files))
            return _json_response(body)
        if method is None:
            self.violations.append(f"{requested}: unknown method (not in Bot API {self.spec.version})")
            body = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            self._record(Call(requested, params, arrived, body, files))
            return _json_response(body)

        problems = self.spec.validate_params(method, params)
        self.violations += [f"{method}: {problem}" for problem in problems]
        call = Call(method, params, arrived, files=files)

        failure = next((f for f in self._failures if f.matches(method, params)), None)
        if failure is not None:
            failure.hits += 1
            call.response = failure.response()
            self._record(call)
            return _json_response(call.response)

        if method == "getUpdates":
            self._record(call)  # visible to wait_for while it long-polls
            call.response = await self._answer_get_updates(params)
            self._notify_calls()
            return _json_response(call.response)

        call.response = self._answer(method, params, problems)
        self._record(call)
        return _json_response(call.response)

    async def _read_params(
        self, request: web.Request, method: str | None
    ) -> tuple[Params, dict[str, UploadedFile]]:
        fields = self.spec.method_fields(method) if method else {}
        raw: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise ValueError(f"invalid JSON body ({exc})") from exc
                if not isinstance(body, dict):
                    raise ValueError("a JSON body must be an object")
                raw.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        raw[key] = UploadedFile(value.filename, value.content_type, value.file.read())
                    else:
                        raw[key] = value
            else:
                raise ValueError(f"unsupported Content-Type {content_type!r}")

        params: Params = {}
        for key, value in raw.items():
            types = fields[key]["types"] if key in fields else None
            params[key] = _decode(value, types)
        attached = set(_attach_names(params.values()))
        files = {name: params.pop(name) for name in list(params) if name in attached and name not in fields}
        return params, files

    def _record(self, call: Call) -> None:
        self.requests.append(call)
        self._notify_calls()

    def _notify_calls(self) -> None:
        changed, self._calls_changed = self._calls_changed, asyncio.Event()
        changed.set()

    def _wake_pollers(self) -> None:
        changed, self._updates_changed = self._updates_changed, asyncio.Event()
        changed.set()

    def _answer(self, method: str, params: Params, problems: list[str]) -> JSONDict:
        try:
            result = self._result(method, params)
        except _ApiError as exc:
            return exc.response()
        except Exception as exc:
            if problems:  # the request broke the contract badly enough that no answer can be made
                return {"ok": False, "error_code": 400, "description": f"Bad Request: {problems[0]}"}
            self.violations.append(f"{method}: FakeBotAPI crashed answering {params!r}: {exc!r}")
            return {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if not problems:
            errors = self.spec.check_any(result, self.spec.returns(method), "result")
            if errors:
                self.violations.append(
                    f"{method}: FakeBotAPI's own answer breaks the contract (extend the fake): "
                    + "; ".join(errors)
                )
        return {"ok": True, "result": result}

    # -- method implementations --------------------------------------------------------------

    def _result(self, method: str, p: Params) -> Any:
        handler = getattr(self, f"_api_{method}", None)
        if handler is not None:
            return handler(p)
        return self._generic_result(method, p)

    def _api_getMe(self, p: Params) -> Any:
        return dict(self.bot_user)

    def _api_sendMessage(self, p: Params) -> Any:
        message = self._new_bot_message(p)
        message["text"] = p.get("text", "")
        if isinstance(p.get("entities"), list):
            message["entities"] = p["entities"]
        return self._store(message)

    def _api_editMessageText(self, p: Params) -> Any:
        return self._edit(p, text=True)

    def _api_editMessageReplyMarkup(self, p: Params) -> Any:
        return self._edit(p, text=False)

    def _api_sendPoll(self, p: Params) -> Any:
        poll_id = str(5_300_000_000_000_000_000 + next(self._ids))
        options = []
        for index, option in enumerate(p.get("options", [])):
            item = option if isinstance(option, dict) else {"text": str(option)}
            built: JSONDict = {
                "persistent_id": f"opt-{index}",
                "text": item.get("text", ""),
                "voter_count": 0,
            }
            if "text_entities" in item:
                built["text_entities"] = item["text_entities"]
            options.append(built)
        poll_type = p.get("type", "regular")
        poll: JSONDict = {
            "id": poll_id,
            "question": p.get("question", ""),
            "options": options,
            "total_voter_count": 0,
            "is_closed": bool(p.get("is_closed", False)),
            "is_anonymous": p.get("is_anonymous", True),
            "type": poll_type,
            "allows_multiple_answers": p.get("allows_multiple_answers", False),
            "allows_revoting": p.get("allows_revoting", poll_type != "quiz"),
            "members_only": p.get("members_only", False),
        }
        for key in ("question_entities", "correct_option_ids", "explanation", "explanation_entities"):
            if key in p:
                poll[key] = p[key]
        if "open_period" in p:
            poll["open_period"] = p["open_period"]
            poll["close_date"] = self._now() + int(p["open_period"])
        elif "close_date" in p:
            poll["close_date"] = p["close_date"]
        for key in ("description", "description_entities"):
            if key in p:
                poll[key] = p[key]
        message = self._new_bot_message(p)
        message["poll"] = poll
        self._store(message)
        self.sent_polls[poll_id] = (message["chat"]["id"], message["message_id"], dict(p))
        self.polls[poll_id] = poll
        return message

    def _api_stopPoll(self, p: Params) -> Any:
        chat_id = self._chat_for(p.get("chat_id"))["id"]
        for poll_id, (poll_chat, message_id, _params) in self.sent_polls.items():
            if poll_chat == chat_id and message_id == p.get("message_id"):
                poll = {**self.polls[poll_id], "is_closed": True}
                self.polls[poll_id] = poll
                stored = self.messages.get((chat_id, message_id))
                if stored is not None:
                    stored["poll"] = poll
                    if "reply_markup" in p:
                        stored["reply_markup"] = p["reply_markup"]
                return poll
        raise _ApiError(400, "Bad Request: message with poll to stop not found")

    def _api_getChatMember(self, p: Params) -> Any:
        chat_id: ChatId = self._chat_for(p.get("chat_id"))["id"]
        user_id = p["user_id"] if isinstance(p.get("user_id"), int) else 0
        raw_chat_id = p.get("chat_id")
        status = self.chat_members.get((chat_id, user_id))
        if status is None and isinstance(raw_chat_id, int | str):
            status = self.chat_members.get((raw_chat_id, user_id))
        if user_id == self.bot_user["id"]:
            user = self.bot_user
        else:
            user = self.users.get(user_id) or {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User {user_id}",
            }
        return chat_member_object(status or "member", user)

    def _api_getChat(self, p: Params) -> Any:
        return {
            **self._chat_for(p.get("chat_id")),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _api_setMyCommands(self, p: Params) -> Any:
        self.commands[_commands_key(p)] = list(p.get("commands", []))
        return True

    def _api_deleteMyCommands(self, p: Params) -> Any:
        self.commands.pop(_commands_key(p), None)
        return True

    def _api_getMyCommands(self, p: Params) -> Any:
        return list(self.commands.get(_commands_key(p), []))

    def _api_setWebhook(self, p: Params) -> Any:
        self.webhook_url = str(p.get("url", ""))
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_deleteWebhook(self, p: Params) -> Any:
        self.webhook_url = ""
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, p: Params) -> Any:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _generic_result(self, method: str, p: Params) -> Any:
        returns = self.spec.returns(method)
        if "Boolean" in returns or "True" in returns:
            return True
        if "Message" in returns:
            message = self._new_bot_message(p)
            for key in ("text", "caption"):
                if isinstance(p.get(key), str):
                    message[key] = p[key]
            return self._store(message)
        if "Array of Message" in returns:  # sendMediaGroup: one message per item
            media = p.get("media")
            count = len(media) if isinstance(media, list) and media else 1
            return [self._store(self._new_bot_message(p)) for _ in range(count)]
        if "Array of MessageId" in returns:  # copyMessages / forwardMessages
            ids = p.get("message_ids")
            count = len(ids) if isinstance(ids, list) and ids else 1
            chat_id = self._chat_for(p.get("chat_id"))["id"]
            return [{"message_id": self._new_message_id(chat_id)} for _ in range(count)]
        if "MessageId" in returns:
            return {"message_id": self._new_message_id(self._chat_for(p.get("chat_id"))["id"])}
        if "Integer" in returns:
            return 1
        if "String" in returns:
            return "https://t.me/+FakeInviteLink"
        return True  # no canned answer: the response check will report it

    async def _answer_get_updates(self, p: Params) -> JSONDict:
        if self.webhook_url:
            return _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                "the webhook first",
            ).response()
        offset, limit, timeout = p.get("offset"), p.get("limit", 100), p.get("timeout", 0)
        if isinstance(p.get("allowed_updates"), list):
            self.allowed_updates = list(p["allowed_updates"]) or None
        if isinstance(offset, int) and not isinstance(offset, bool):
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = min(max(limit, 1), 100) if isinstance(limit, int) else 100
        wait = min(max(timeout, 0), self.max_long_poll) if isinstance(timeout, int | float) else 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            changed = self._updates_changed
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
        body: JSONDict = {"ok": True, "result": batch}
        errors = self.spec.check(batch, "Array of Update", "result")
        if errors:
            self.violations.append(
                "getUpdates: FakeBotAPI's own answer breaks the contract: " + "; ".join(errors)
            )
        return body

    def _deliverable(self, limit: int) -> list[JSONDict]:
        if self.allowed_updates is None:
            allowed = set(self.spec.update_kinds()) - _NOT_DELIVERED_BY_DEFAULT
        else:
            allowed = set(self.allowed_updates)
        return [u for u in self._updates if _update_kind(u) in allowed][:limit]

    # -- helpers -----------------------------------------------------------------------------

    def _now(self) -> int:
        return int(time.time())

    def _new_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _chat_for(self, chat_id: object) -> JSONDict:
        """The Chat object for a chat_id as sent by the bot (an int id or "@username")."""
        key: ChatId
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            key = int(chat_id)
        elif isinstance(chat_id, int | str) and not isinstance(chat_id, bool):
            key = chat_id
        else:
            key = 0  # the request already broke the contract; answer about a dummy chat
        if key in self.chats:
            return self.chats[key]
        chat: JSONDict
        if isinstance(key, str):
            username = key.lstrip("@")
            chat = {
                "id": -1_000_000_000_000 - zlib.crc32(username.lower().encode()) % 1_000_000_000,
                "type": "channel",
                "title": username,
                "username": username,
            }
        elif key > 0:
            first_name = self.users.get(key, {}).get("first_name", f"User {key}")
            chat = {"id": key, "type": "private", "first_name": first_name}
        elif str(key).startswith("-100"):
            chat = {"id": key, "type": "supergroup", "title": "Test Supergroup"}
        else:
            chat = {"id": key, "type": "group", "title": "Test Group"}
        self.chats[key] = chat
        return chat

    def _new_bot_message(self, p: Params) -> JSONDict:
        chat = self._chat_for(p.get("chat_id"))
        message: JSONDict = {
            "message_id": self._new_message_id(chat["id"]),
            "from": self.bot_user,
            "date": self._now(),
            "chat": chat,
        }
        if isinstance(p.get("message_thread_id"), int):
            message["message_thread_id"] = p["message_thread_id"]
        reply = p.get("reply_parameters")
        if isinstance(reply, dict) and "chat_id" not in reply:
            replied = self.messages.get((chat["id"], reply.get("message_id", 0)))
            if replied is not None:
                message["reply_to_message"] = _without_reply(replied)
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _store(self, message: JSONDict) -> JSONDict:
        self.messages[(message["chat"]["id"], message["message_id"])] = message
        return message

    def _edit(self, p: Params, *, text: bool) -> Any:
        if "inline_message_id" in p:
            return True
        chat = self._chat_for(p.get("chat_id"))
        message_id = p.get("message_id")
        stored = self.messages.get((chat["id"], message_id)) if isinstance(message_id, int) else None
        if stored is None:
            if self.strict_edits:
                raise _ApiError(400, "Bad Request: message to edit not found")
            stored = {"message_id": message_id, "from": self.bot_user, "date": self._now(), "chat": chat}
        edited = {key: value for key, value in stored.items() if key != "reply_markup"}
        if text:
            edited["text"] = p.get("text", "")
            edited.pop("entities", None)
            if isinstance(p.get("entities"), list):
                edited["entities"] = p["entities"]
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            edited["reply_markup"] = markup
        if self.strict_edits and _same_content(stored, edited):
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message",
            )
        edited["edit_date"] = self._now()
        return self._store(edited)

    def _absorb(self, update: JSONDict) -> None:
        """Learn chats, users, messages and member statuses from a pushed update."""
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            message = update.get(key)
            if isinstance(message, dict):
                self.chats.setdefault(message["chat"]["id"], message["chat"])
                if "from" in message:
                    self.users.setdefault(message["from"]["id"], message["from"])
                chat_id, message_id = message["chat"]["id"], message["message_id"]
                self.messages[(chat_id, message_id)] = message
                self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)
        for key in ("my_chat_member", "chat_member"):
            change = update.get(key)
            if isinstance(change, dict):
                member = change["new_chat_member"]
                self.chat_members[(change["chat"]["id"], member["user"]["id"])] = member["status"]

    def _wait_failure(
        self, method: str, count: int, timeout: float, where: ParamsPredicate | None, matching: list[Call]
    ) -> str:
        seen = Counter(call.method for call in self.requests)
        received = ", ".join(f"{name} x{n}" for name, n in seen.items()) or "nothing"
        lines = [
            f"timed out after {timeout:g}s waiting for {count} call(s) to {method}"
            + (" matching `where`" if where else "")
            + f"; got {len(matching)}.",
            f"Requests received: {received}.",
        ]
        others = [call for call in self.requests if call.method == method and call not in matching]
        lines += [f"  non-matching {method}: {call.params!r}" for call in others[-5:]]
        if self.violations:
            lines.append("Violations so far:\n  " + "\n  ".join(self.violations))
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Module helpers
# --------------------------------------------------------------------------------------------


def chat_member_object(status: str, user: JSONDict) -> JSONDict:
    """A ChatMember (ChatMemberOwner/Administrator/Member/Restricted/Left/Banned) for ``status``."""
    if status == "creator":
        return {"status": "creator", "user": user, "is_anonymous": False}
    if status == "administrator":
        rights = [
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "can_pin_messages",
        ]
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            **dict.fromkeys(rights, True),
        }
    if status == "restricted":
        denied = [
            "can_send_messages",
            "can_send_audios",
            "can_send_documents",
            "can_send_photos",
            "can_send_videos",
            "can_send_video_notes",
            "can_send_voice_notes",
            "can_send_polls",
            "can_send_other_messages",
            "can_add_web_page_previews",
            "can_react_to_messages",
            "can_edit_tag",
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
            "can_manage_topics",
        ]
        return {
            "status": "restricted",
            "user": user,
            "is_member": True,
            **dict.fromkeys(denied, False),
            "until_date": 0,
        }
    if status == "left":
        return {"status": "left", "user": user}
    if status == "kicked":
        return {"status": "kicked", "user": user, "until_date": 0}
    if status == "member":
        return {"status": "member", "user": user}
    raise ValueError(f"unknown chat member status {status!r}")


def _decode(value: Any, types: list[str] | None) -> Any:
    """Form values are raw for strings and JSON for everything else (PTB's json_parameters)."""
    if not isinstance(value, str) or types == ["String"]:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _attach_names(values: Iterable[Any]) -> Iterable[str]:
    for value in values:
        if isinstance(value, str) and value.startswith("attach://"):
            yield value.removeprefix("attach://")
        elif isinstance(value, dict):
            yield from _attach_names(value.values())
        elif isinstance(value, list):
            yield from _attach_names(value)


def _update_kind(update: Mapping[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")


def _without_reply(message: JSONDict) -> JSONDict:
    return {key: value for key, value in message.items() if key != "reply_to_message"}


def _same_content(old: JSONDict, new: JSONDict) -> bool:
    keys = ("text", "entities", "reply_markup")
    return all(old.get(key) == new.get(key) for key in keys)


def _json_response(body: JSONDict) -> web.Response:
    status = 200 if body.get("ok") else int(body.get("error_code", 400))
    return web.json_response(body, status=status)
