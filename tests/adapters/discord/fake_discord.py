"""A fake Discord (HTTP API v10 + gateway) for tests, run against the real discord.py client.

REST and the gateway websocket are served by one aiohttp app on 127.0.0.1. Every REST request
is recorded (:attr:`FakeDiscord.requests`) and checked against Discord's OpenAPI description
(path + method must exist, the JSON body must validate against the operation's request schema);
problems are collected in :attr:`FakeDiscord.violations`.

Validation is deliberately *stricter* than the spec in one respect: an object schema that lists
``properties`` but says nothing about ``additionalProperties`` is treated as closed, so an unknown
or misspelt body field is reported (Discord itself silently ignores such fields).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

_SPEC_RELATIVE = Path("shared") / "specs" / "discord-openapi.json"
_SPEC_CANDIDATES = (
    # <checkout>/tests/adapters/discord/fake_discord.py -> <checkout>/../shared/specs/...
    Path(__file__).resolve().parents[3].parent / _SPEC_RELATIVE,
    Path("/work") / _SPEC_RELATIVE,
)
SPEC_PATH = next((p for p in _SPEC_CANDIDATES if p.exists()), _SPEC_CANDIDATES[-1])
API_PREFIX = "/api/v10"

# VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS
DEFAULT_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)

_MISSING = object()

# Fields that discord.py 2.7 sends and Discord accepts, but that the OpenAPI description does not
# list. They are tolerated by the closed-object check (schema name -> property names).
SPEC_GAPS: dict[str, frozenset[str]] = {
    "ApplicationCommandUpdateRequest": frozenset({"nsfw"}),
    "ApplicationCommandCreateRequest": frozenset({"nsfw"}),
    "ApplicationCommandPatchRequestPartial": frozenset({"nsfw"}),
    "RichEmbed": frozenset({"flags"}),
    "MessageEditRequestPartial": frozenset({"tts"}),
    "IncomingWebhookUpdateRequestPartial": frozenset({"tts"}),
    "IncomingWebhookUpdateForInteractionCallbackRequestPartial": frozenset({"tts"}),
}


# --------------------------------------------------------------------------------------------
# A small JSON Schema validator (the subset used by Discord's OpenAPI description)
# --------------------------------------------------------------------------------------------


class SchemaValidator:
    """Validates instances against schemas of an OpenAPI 3.1 document.

    Supports ``$ref`` (local), ``type`` (incl. type lists such as ``["string", "null"]``),
    ``properties``, ``required``, ``additionalProperties``, ``items``, ``enum``, ``const``,
    ``oneOf``/``anyOf``/``allOf``, ``minimum``/``maximum``, ``minLength``/``maxLength``,
    ``minItems``/``maxItems``, ``uniqueItems``, ``minProperties``/``maxProperties`` and
    ``pattern``. ``format`` is ignored.

    ``closed_objects=True`` treats a missing ``additionalProperties`` as ``false`` for schemas that
    declare ``properties`` (properties of ``allOf`` siblings are taken into account).
    """

    def __init__(
        self,
        document: dict[str, Any],
        *,
        closed_objects: bool = True,
        tolerated: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.document = document
        self.closed_objects = closed_objects
        self.tolerated = SPEC_GAPS if tolerated is None else tolerated
        self._pattern_cache: dict[str, re.Pattern[str]] = {}

    def resolve(self, schema: Any) -> Any:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"unsupported $ref {ref!r}")
            node: Any = self.document
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            if len(schema) > 1:  # sibling keywords next to $ref (allowed in 3.1)
                node = {"allOf": [node, {k: v for k, v in schema.items() if k != "$ref"}]}
            schema = node
            seen += 1
            if seen > 50:
                raise ValueError("$ref loop")
        return schema

    def validate(self, instance: Any, schema: Any, where: str = "") -> list[str]:
        return self._validate(instance, schema, where or "$", allow_extra=False)

    # -- internals ---------------------------------------------------------------------------

    def _known_properties(self, schema: Any, depth: int = 0) -> set[str] | None:
        """Property names declared by schema and its allOf parts; None = open (any allowed)."""
        schema = self.resolve(schema)
        if not isinstance(schema, dict) or depth > 20:
            return set()
        if schema.get("additionalProperties", False) is not False and "additionalProperties" in schema:
            return None
        names = set(schema.get("properties", {}))
        for sub in schema.get("allOf", []):
            sub_names = self._known_properties(sub, depth + 1)
            if sub_names is None:
                return None
            names |= sub_names
        return names

    @staticmethod
    def _type_ok(instance: Any, type_name: str) -> bool:
        if type_name == "null":
            return instance is None
        if type_name == "boolean":
            return isinstance(instance, bool)
        if type_name == "integer":
            return (isinstance(instance, int) and not isinstance(instance, bool)) or (
                isinstance(instance, float) and instance.is_integer()
            )
        if type_name == "number":
            return isinstance(instance, int | float) and not isinstance(instance, bool)
        if type_name == "string":
            return isinstance(instance, str)
        if type_name == "array":
            return isinstance(instance, list)
        if type_name == "object":
            return isinstance(instance, dict)
        return True

    def _validate(self, instance: Any, schema: Any, where: str, *, allow_extra: bool) -> list[str]:
        tolerated: frozenset[str] = frozenset()
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            tolerated = self.tolerated.get(schema["$ref"].rsplit("/", 1)[-1], frozenset())
        schema = self.resolve(schema)
        if schema is True or schema == {}:
            return []
        if schema is False:
            return [f"{where}: no value allowed here"]
        errors: list[str] = []

        types = schema.get("type")
        if types is not None:
            type_list = types if isinstance(types, list) else [types]
            if not any(self._type_ok(instance, t) for t in type_list):
                return [f"{where}: expected type {'|'.join(type_list)}, got {_json_type(instance)}"]

        if "const" in schema and instance != schema["const"]:
            errors.append(f"{where}: expected {schema['const']!r}, got {instance!r}")
        if "enum" in schema and instance not in schema["enum"]:
            errors.append(f"{where}: {instance!r} is not one of {schema['enum']!r}")

        if isinstance(instance, int | float) and not isinstance(instance, bool):
            if "minimum" in schema and instance < schema["minimum"]:
                errors.append(f"{where}: {instance} < minimum {schema['minimum']}")
            if "maximum" in schema and instance > schema["maximum"]:
                errors.append(f"{where}: {instance} > maximum {schema['maximum']}")
        if isinstance(instance, str):
            if "minLength" in schema and len(instance) < schema["minLength"]:
                errors.append(f"{where}: string shorter than {schema['minLength']}")
            if "maxLength" in schema and len(instance) > schema["maxLength"]:
                errors.append(f"{where}: string longer than {schema['maxLength']}")
            if "pattern" in schema:
                pattern = self._pattern_cache.get(schema["pattern"])
                if pattern is None:
                    pattern = self._pattern_cache.setdefault(schema["pattern"], re.compile(schema["pattern"]))
                if not pattern.search(instance):
                    errors.append(f"{where}: {instance!r} does not match {schema['pattern']!r}")
        if isinstance(instance, list):
            if "minItems" in schema and len(instance) < schema["minItems"]:
                errors.append(f"{where}: fewer than {schema['minItems']} items")
            if "maxItems" in schema and len(instance) > schema["maxItems"]:
                errors.append(f"{where}: more than {schema['maxItems']} items")
            if schema.get("uniqueItems"):
                dumped = [json.dumps(x, sort_keys=True) for x in instance]
                if len(set(dumped)) != len(dumped):
                    errors.append(f"{where}: items are not unique")
            if "items" in schema:
                for i, item in enumerate(instance):
                    errors += self._validate(item, schema["items"], f"{where}[{i}]", allow_extra=False)
        if isinstance(instance, dict):
            errors += self._validate_object(
                instance, schema, where, allow_extra=allow_extra, tolerated=tolerated
            )

        for sub in schema.get("allOf", []):
            errors += self._validate(instance, sub, where, allow_extra=True)
        if "anyOf" in schema:
            branch_errors = [self._validate(instance, s, where, allow_extra=False) for s in schema["anyOf"]]
            if all(branch_errors):
                errors.append(_no_branch(where, "anyOf", branch_errors))
        if "oneOf" in schema:
            branch_errors = [self._validate(instance, s, where, allow_extra=False) for s in schema["oneOf"]]
            matches = sum(1 for e in branch_errors if not e)
            if matches == 0:
                errors.append(_no_branch(where, "oneOf", branch_errors))
            elif matches > 1:
                errors.append(f"{where}: matches {matches} oneOf branches, expected exactly one")
        return errors

    def _validate_object(
        self,
        instance: dict[str, Any],
        schema: dict[str, Any],
        where: str,
        *,
        allow_extra: bool,
        tolerated: frozenset[str] = frozenset(),
    ) -> list[str]:
        errors: list[str] = []
        properties: dict[str, Any] = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in instance:
                errors.append(f"{where}: missing required property {name!r}")
        if "minProperties" in schema and len(instance) < schema["minProperties"]:
            errors.append(f"{where}: fewer than {schema['minProperties']} properties")
        if "maxProperties" in schema and len(instance) > schema["maxProperties"]:
            errors.append(f"{where}: more than {schema['maxProperties']} properties")
        for name, value in instance.items():
            if name in properties:
                errors += self._validate(value, properties[name], f"{where}.{name}", allow_extra=False)
        extra_schema = schema.get("additionalProperties", _MISSING)
        if isinstance(extra_schema, dict):
            for name, value in instance.items():
                if name not in properties:
                    errors += self._validate(value, extra_schema, f"{where}.{name}", allow_extra=False)
        elif not allow_extra and (
            extra_schema is False
            or (extra_schema is _MISSING and self.closed_objects and (properties or "allOf" in schema))
        ):
            known = self._known_properties(schema)
            if known:  # None = open; empty = no declared properties at all (nothing to check)
                for name in instance:
                    if name not in known and name not in tolerated:
                        errors.append(f"{where}: unknown property {name!r}")
        return errors


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _no_branch(where: str, keyword: str, branch_errors: list[list[str]]) -> str:
    best = min(branch_errors, key=len)
    detail = "; ".join(best[:3])
    return f"{where}: matches no {keyword} branch (closest branch: {detail})"


# --------------------------------------------------------------------------------------------
# The OpenAPI description: operations by path template
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    spec: dict[str, Any]
    path_params: dict[str, Any]  # name -> schema


class OpenApiSpec:
    """Path/method lookup and request-body validation for an OpenAPI 3.1 description."""

    def __init__(self, path: Path = SPEC_PATH, *, closed_objects: bool = True) -> None:
        self.document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        self.validator = SchemaValidator(self.document, closed_objects=closed_objects)
        self._templates: list[tuple[int, re.Pattern[str], str]] = []
        for template in self.document["paths"]:
            regex = re.sub(r"\\\{([^}/]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            literal = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
            self._templates.append((literal, re.compile(f"^{regex}$"), template))
        # Prefer templates with more literal segments (/users/@me over /users/{user_id}).
        self._templates.sort(key=lambda t: -t[0])

    def match_path(self, path: str) -> tuple[str, dict[str, str]] | None:
        for _, regex, template in self._templates:
            m = regex.match(path)
            if m:
                return template, m.groupdict()
        return None

    def operation(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], str | None]:
        """Returns (operation, path params, error)."""
        found = self.match_path(path)
        if found is None:
            return None, {}, f"{method} {path}: no such path in the OpenAPI description"
        template, params = found
        item = self.document["paths"][template]
        op = item.get(method.lower())
        if op is None:
            allowed = sorted(m.upper() for m in item if m != "parameters")
            return None, params, f"{method} {path}: method not allowed on {template} (allowed: {allowed})"
        path_params = {
            p["name"]: p.get("schema", {})
            for p in [*item.get("parameters", []), *op.get("parameters", [])]
            if p.get("in") == "path"
        }
        return Operation(template, method.upper(), op, path_params), params, None

    def check_request(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        *,
        has_body: bool,
        content_type: str = "application/json",
    ) -> tuple[str | None, list[str]]:
        """Validate one request; returns (matched template or None, violations)."""
        op, params, error = self.operation(method, path)
        if op is None:
            return None, [error or f"{method} {path}: unknown"]
        where = f"{method} {path}"
        problems: list[str] = []
        for name, value in params.items():
            schema = self.validator.resolve(op.path_params.get(name, {}))
            types = schema.get("type") if isinstance(schema, dict) else None
            if types == "string" or (isinstance(types, list) and "string" in types):
                problems += self.validator.validate(value, schema, f"{where}: path {{{name}}}")
        item = self.document["paths"][op.template]
        query_names = {
            p["name"]
            for p in [*item.get("parameters", []), *op.spec.get("parameters", [])]
            if p.get("in") == "query"
        }
        for name in query:
            if name not in query_names:
                problems.append(f"{where}: unknown query parameter {name!r}")
        request_body = op.spec.get("requestBody")
        if has_body:
            if request_body is None:
                problems.append(f"{where}: operation takes no request body")
            else:
                content = request_body.get("content", {})
                media = content.get(content_type) or content.get("application/json")
                if media is None:
                    problems.append(f"{where}: content type {content_type!r} not accepted")
                else:
                    problems += self.validator.validate(body, media.get("schema", {}), f"{where}: body")
        elif request_body is not None and request_body.get("required"):
            problems.append(f"{where}: missing required request body")
        return op.template, problems


# --------------------------------------------------------------------------------------------
# The fake
# --------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One recorded REST request. ``path`` is relative to /api/v10 (e.g. ``/channels/1/messages``)."""

    method: str
    path: str
    json: Any
    query: dict[str, str]
    template: str | None = None
    status: int = 0
    files: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Failure:
    """An injected error: the next ``times`` requests matching method + path regex get ``status``."""

    method: str
    path_regex: re.Pattern[str]
    status: int
    body: Any
    headers: dict[str, str]
    times: int
    hits: int = 0


@dataclass
class FakeChannel:
    id: int
    name: str
    type: int = 0  # GUILD_TEXT
    position: int = 0


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: list[FakeChannel]
    member_ids: list[int]
    everyone_permissions: int = DEFAULT_PERMISSIONS

    @property
    def channel(self) -> FakeChannel:
        """The first channel (handy in tests)."""
        return self.channels[0]


class FakeDiscord:
    """Fake Discord REST API v10 + gateway. Use ``await start()`` / ``await stop()`` (or the fixture)."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_name: str = "StudyBot",
        spec_path: Path = SPEC_PATH,
        heartbeat_interval_ms: int = 41_250,
        closed_objects: bool = True,
    ) -> None:
        self.token = token
        self.spec = OpenApiSpec(spec_path, closed_objects=closed_objects)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self.bot_id = self.new_id()
        self.application_id = self.bot_id
        self.owner_id = self.new_id()
        self.users: dict[int, dict[str, Any]] = {}
        self.add_user(bot_name, user_id=self.bot_id, bot=True)
        self.add_user("owner", user_id=self.owner_id)
        self.guilds: dict[int, FakeGuild] = {}
        self.requests: list[Call] = []
        self.violations: list[str] = []
        self.failures: list[Failure] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.interactions: dict[int, dict[str, Any]] = {}  # interaction id -> payload
        self.dm_channels: dict[int, int] = {}  # DM channel id -> the user on the other side
        self.interaction_responses: dict[str, dict[str, Any]] = {}  # token -> {"type", "data", "message_id"}
        self.identify_payloads: list[dict[str, Any]] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.gateway_sent: list[dict[str, Any]] = []
        self.heartbeats = 0
        self._sockets: list[_GatewaySession] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._changed = asyncio.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway_ws)
        app.router.add_get("/gateway/", self._gateway_ws)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        for session in list(self._sockets):
            with contextlib.suppress(Exception):
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- world building ----------------------------------------------------------------------

    def new_id(self) -> int:
        return next(self._ids)

    def add_user(self, username: str, *, user_id: int | None = None, bot: bool = False) -> int:
        uid = user_id if user_id is not None else self.new_id()
        self.users[uid] = {
            "id": str(uid),
            "username": username,
            "global_name": None if bot else username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
            "flags": 0,
        }
        return uid

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        channels: Iterable[str] = ("general",),
        member_ids: Iterable[int] = (),
        everyone_permissions: int = DEFAULT_PERMISSIONS,
        guild_id: int | None = None,
    ) -> FakeGuild:
        """Configure a guild (sent as GUILD_CREATE after READY). Add guilds before the client connects."""
        gid = guild_id if guild_id is not None else self.new_id()
        chans = [FakeChannel(self.new_id(), cname, position=i) for i, cname in enumerate(channels)]
        members = [
            self.bot_id,
            self.owner_id,
            *[m for m in member_ids if m not in (self.bot_id, self.owner_id)],
        ]
        guild = FakeGuild(gid, name, self.owner_id, chans, members, everyone_permissions)
        self.guilds[gid] = guild
        return guild

    def user_payload(self, user_id: int) -> dict[str, Any]:
        if user_id not in self.users:
            self.add_user(f"user{user_id % 10000}", user_id=user_id)
        return dict(self.users[user_id])

    def member_payload(
        self, guild_id: int, user_id: int, *, permissions: int | None = None
    ) -> dict[str, Any]:
        member: dict[str, Any] = {
            "user": self.user_payload(user_id),
            "roles": [],
            "nick": None,
            "avatar": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            member["permissions"] = str(permissions)
        return member

    def dm_channel(self, user_id: int) -> int:
        """The DM channel between the bot and ``user_id`` (made on first use)."""
        for channel_id, user in self.dm_channels.items():
            if user == user_id:
                return channel_id
        channel_id = self.new_id()
        self.dm_channels[channel_id] = user_id
        return channel_id

    def channel_payload(self, channel_id: int) -> dict[str, Any] | None:
        if channel_id in self.dm_channels:
            return {
                "id": str(channel_id),
                "type": 1,
                "recipients": [self.user_payload(self.dm_channels[channel_id])],
                "last_message_id": None,
                "flags": 0,
            }
        for guild in self.guilds.values():
            for ch in guild.channels:
                if ch.id == channel_id:
                    return {
                        "id": str(ch.id),
                        "type": ch.type,
                        "guild_id": str(guild.id),
                        "name": ch.name,
                        "position": ch.position,
                        "permission_overwrites": [],
                        "nsfw": False,
                        "topic": None,
                        "rate_limit_per_user": 0,
                        "last_message_id": None,
                        "parent_id": None,
                        "flags": 0,
                    }
        return None

    def guild_of_channel(self, channel_id: int) -> FakeGuild | None:
        for guild in self.guilds.values():
            if any(ch.id == channel_id for ch in guild.channels):
                return guild
        return None

    def guild_create_payload(self, guild: FakeGuild) -> dict[str, Any]:
        channels = []
        for ch in guild.channels:
            payload = self.channel_payload(ch.id)
            assert payload is not None
            payload.pop("guild_id")
            channels.append(payload)
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [
                {
                    "id": str(guild.id),
                    "name": "@everyone",
                    "permissions": str(guild.everyone_permissions),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "icon": None,
                    "unicode_emoji": None,
                    "flags": 0,
                }
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(guild.member_ids),
            "voice_states": [],
            "members": [self.member_payload(guild.id, uid) for uid in guild.member_ids],
            "channels": channels,
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def message_payload(
        self,
        channel_id: int,
        body: dict[str, Any] | None = None,
        *,
        author_id: int | None = None,
        message_id: int | None = None,
        interaction_id: int | None = None,
        webhook_id: int | None = None,
    ) -> dict[str, Any]:
        body = body or {}
        mid = message_id if message_id is not None else self.new_id()
        guild = self.guild_of_channel(channel_id)
        message: dict[str, Any] = {
            "id": str(mid),
            "channel_id": str(channel_id),
            "author": self.user_payload(author_id if author_id is not None else self.bot_id),
            "content": body.get("content") or "",
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": _components_response(body.get("components") or []),
            "pinned": False,
            "type": 0 if interaction_id is None else 20,
            "flags": body.get("flags") or 0,
        }
        if guild is not None:
            message["guild_id"] = str(guild.id)
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        return message

    # -- recorded calls ----------------------------------------------------------------------

    def calls(self, method: str | None = None, path_prefix: str = "") -> list[Call]:
        """Recorded REST calls filtered by method (any case) and path prefix (relative to /api/v10)."""
        return [
            c
            for c in self.requests
            if (method is None or c.method == method.upper()) and c.path.startswith(path_prefix)
        ]

    async def wait_for(
        self,
        method: str | None = None,
        path_prefix: str = "",
        *,
        count: int = 1,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 2.0,
    ) -> Call:
        """Wait until at least ``count`` matching calls were recorded; return the ``count``-th one."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            matching = [c for c in self.calls(method, path_prefix) if predicate is None or predicate(c)]
            if len(matching) >= count:
                return matching[count - 1]
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = [f"{c.method} {c.path}" for c in self.requests]
                raise TimeoutError(
                    f"no {count} call(s) {method or '*'} {path_prefix!r}* within {timeout}s; seen: {seen}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.05))

    def clear_violations(self) -> list[str]:
        found, self.violations = self.violations, []
        return found

    # -- error injection ---------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path_regex: str,
        status: int = 429,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> Failure:
        """Make the next ``times`` requests whose path (relative to /api/v10) matches ``path_regex``
        (``re.search``) fail with ``status``. A 429 carries ``Via``, ``Retry-After`` and the
        ``X-RateLimit-*`` headers plus ``retry_after`` in the body, as Discord does."""
        hdrs = dict(headers or {})
        if body is None:
            if status == 429:
                body = {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": is_global,
                }
            elif status == 403:
                body = {"message": "Missing Permissions", "code": 50013}
            elif status == 404:
                body = {"message": "Unknown Channel", "code": 10003}
            elif status == 401:
                body = {"message": "401: Unauthorized", "code": 0}
            else:
                body = {"message": f"{status}: injected failure", "code": 0}
        if status == 429:
            after = body.get("retry_after", retry_after) if isinstance(body, dict) else retry_after
            defaults = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + after:.3f}",
                "X-RateLimit-Reset-After": f"{after:.3f}",
                "X-RateLimit-Bucket": "fake-bucket-429",
                "X-RateLimit-Scope": "shared" if not is_global else "global",
            }
            if is_global:
                defaults["X-RateLimit-Global"] = "true"
            hdrs = {**defaults, **hdrs}
        failure = Failure(method.upper(), re.compile(path_regex), status, body, hdrs, times)
        self.failures.append(failure)
        return failure

    # -- gateway -----------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH (op 0) event to every identified gateway session."""
        sessions = [s for s in self._sockets if s.identified]
        if not sessions:
            raise RuntimeError("no identified gateway session to dispatch to")
        for session in sessions:
            await session.dispatch(event, data)

    async def send_interaction(self, payload: dict[str, Any]) -> dict[str, Any]:
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload

    @property
    def intents(self) -> int | None:
        """Intents of the last IDENTIFY."""
        return self.identify_payloads[-1].get("intents") if self.identify_payloads else None

    @property
    def shard(self) -> list[int] | None:
        return self.identify_payloads[-1].get("shard") if self.identify_payloads else None

    async def _gateway_ws(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = _GatewaySession(self, ws, dict(request.query))
        self._sockets.append(session)
        try:
            await session.run()
        finally:
            self._sockets.remove(session)
        return ws

    def ready_payload(self, session_id: str) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "v": 10,
            "user": {**self.user_payload(self.bot_id), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-discord"],
        }
        if self.shard is not None:
            payload["shard"] = self.shard  # Discord echoes IDENTIFY's shard; AutoSharded clients need it
        return payload

    # -- interactions ------------------------------------------------------------------------

    @staticmethod
    def option(name: str, value: Any, type: int | None = None, *, focused: bool = False) -> dict[str, Any]:
        """A raw command option; the type is inferred (str 3, bool 5, int 4, float 10) unless given."""
        if type is None:
            if isinstance(value, bool):
                type = 5
            elif isinstance(value, int):
                type = 4
            elif isinstance(value, float):
                type = 10
            else:
                type = 3
        if type in (6, 7, 8, 9, 11):
            value = str(value)  # users, channels, roles, mentionables and attachments: snowflake strings
        opt: dict[str, Any] = {"name": name, "type": type, "value": value}
        if focused:
            opt["focused"] = True
        return opt

    def _command_id(self, name: str, guild_id: int | None) -> int:
        pool = list(self.guild_commands.get(guild_id, [])) if guild_id else []
        pool += self.global_commands
        for cmd in pool:
            if cmd["name"] == name:
                return int(cmd["id"])
        return self.new_id()

    def _interaction_base(
        self,
        type_: int,
        guild_id: int,
        channel_id: int,
        user_id: int,
        *,
        locale: str,
        member_permissions: int | None,
        app_permissions: int | None,
    ) -> dict[str, Any]:
        iid = self.new_id()
        channel = self.channel_payload(channel_id) or {"id": str(channel_id), "type": 0, "name": "unknown"}
        guild = self.guilds.get(guild_id)
        perms = member_permissions
        if perms is None:
            perms = guild.everyone_permissions if guild else DEFAULT_PERMISSIONS
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": type_,
            "token": f"fake-interaction-token-{iid}",
            "version": 1,
            "guild_id": str(guild_id),
            "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": channel,
            "member": self.member_payload(guild_id, user_id, permissions=perms),
            "locale": locale,
            "guild_locale": "en-US",
            "app_permissions": str(app_permissions if app_permissions is not None else DEFAULT_PERMISSIONS),
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        self.interactions[iid] = payload
        return payload

    def slash_command(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        name: str,
        options: list[dict[str, Any]] | None = None,
        *,
        locale: str = "en-US",
        member_permissions: int | None = None,
        app_permissions: int | None = None,
        guild_command: bool | None = None,
    ) -> dict[str, Any]:
        """INTERACTION_CREATE payload for a chat-input command. ``options`` are raw option dicts
        (see :meth:`option`; subcommands: ``{"name", "type": 1, "options": [...]}``).
        ``guild_command`` (default: True if the command was synced to that guild) sets ``data.guild_id``."""
        payload = self._interaction_base(
            2,
            guild_id,
            channel_id,
            user_id,
            locale=locale,
            member_permissions=member_permissions,
            app_permissions=app_permissions,
        )
        if guild_command is None:
            guild_command = any(c["name"] == name for c in self.guild_commands.get(guild_id, []))
        data: dict[str, Any] = {
            "id": str(self._command_id(name, guild_id if guild_command else None)),
            "name": name,
            "type": 1,
            "options": options or [],
        }
        if guild_command:
            data["guild_id"] = str(guild_id)
        channels = {
            str(o["value"]): {
                **(self.channel_payload(int(o["value"])) or {}),
                "permissions": str(DEFAULT_PERMISSIONS),
            }
            for o in options or []
            if o.get("type") == 7
        }
        if channels:
            data["resolved"] = {"channels": channels}
        payload["data"] = data
        return payload

    def in_dm(self, payload: dict[str, Any], user_id: int) -> dict[str, Any]:
        """Turn an interaction payload from a server into one from the user's DM with the bot."""
        channel_id = self.dm_channel(user_id)
        for key in ("guild_id", "guild", "member", "guild_locale"):
            payload.pop(key, None)
        payload["user"] = self.user_payload(user_id)
        payload["channel_id"] = str(channel_id)
        payload["channel"] = self.channel_payload(channel_id)
        payload["context"] = 1
        payload["authorizing_integration_owners"] = {"1": str(user_id)}
        if isinstance(payload.get("data"), dict):
            payload["data"].pop("guild_id", None)
        if isinstance(payload.get("message"), dict):
            payload["message"]["channel_id"] = str(channel_id)
        return payload

    def autocomplete(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        name: str,
        options: list[dict[str, Any]],
        focused: str,
        *,
        locale: str = "en-US",
        member_permissions: int | None = None,
        guild_command: bool | None = None,
    ) -> dict[str, Any]:
        """INTERACTION_CREATE (type 4) payload; the option named ``focused`` gets ``focused: true``."""
        marked = _mark_focused([dict(o) for o in options], focused)
        payload = self.slash_command(
            guild_id,
            channel_id,
            user_id,
            name,
            marked,
            locale=locale,
            member_permissions=member_permissions,
            guild_command=guild_command,
        )
        payload["type"] = 4
        return payload

    def component_click(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        custom_id: str,
        message_id: int | None = None,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        locale: str = "en-US",
        member_permissions: int | None = None,
    ) -> dict[str, Any]:
        """INTERACTION_CREATE (type 3) payload for a click on ``custom_id`` on a message. If the
        message is known to the fake (sent through it) it is used, else a bot message carrying one
        button/select with that custom_id is synthesised."""
        payload = self._interaction_base(
            3,
            guild_id,
            channel_id,
            user_id,
            locale=locale,
            member_permissions=member_permissions,
            app_permissions=None,
        )
        message = self.messages.get(message_id) if message_id is not None else None
        if message is None:
            component: dict[str, Any] = {"type": component_type, "custom_id": custom_id}
            if component_type == 2:
                component.update(style=1, label="Button")
            elif component_type == 3:
                component["options"] = [{"label": v, "value": v} for v in values or ["x"]]
            message = self.message_payload(
                channel_id,
                {"content": "", "components": [{"type": 1, "components": [component]}]},
                message_id=message_id,
            )
            self.messages[int(message["id"])] = message
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        payload["data"] = data
        payload["message"] = message
        return payload

    # -- REST --------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        query = dict(request.query)
        body: Any = None
        files: list[str] = []
        has_body = False
        content_type = request.content_type
        if request.body_exists:
            if content_type.startswith("multipart/"):
                reader = await request.multipart()
                async for part in reader:
                    if part.name == "payload_json":  # type: ignore[union-attr]
                        body = json.loads(await part.text())  # type: ignore[union-attr]
                        has_body = True
                    else:
                        files.append(part.filename or part.name or "")  # type: ignore[union-attr]
                        await part.read()  # type: ignore[union-attr]
                content_type = "application/json"  # validate payload_json against the JSON schema
            else:
                raw = await request.read()
                if raw:
                    has_body = True
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = raw.decode("utf-8", "replace")
                        self.violations.append(f"{method} {path}: body is not valid JSON")
        call = Call(method, path, body, query, files=files, headers=dict(request.headers))
        self.requests.append(call)
        self._changed.set()

        template, problems = self.spec.check_request(
            method, path, query, body, has_body=has_body, content_type=content_type
        )
        call.template = template
        auth = request.headers.get("Authorization")
        needs_auth = template is not None and not template.startswith(("/webhooks/", "/interactions/"))
        if needs_auth and auth != f"Bot {self.token}":
            problems.append(f"{method} {path}: missing or wrong Authorization header ({auth!r})")
        self.violations.extend(problems)

        for failure in self.failures:
            if failure.hits < failure.times and failure.method == method and failure.path_regex.search(path):
                failure.hits += 1
                call.status = failure.status
                return _json_response(failure.body, failure.status, failure.headers)

        if template is None:
            call.status = 404
            return _json_response({"message": "404: Not Found", "code": 0}, 404)
        handler = _HANDLERS.get((method, template))
        if handler is None:
            call.status = 404
            return _json_response({"message": f"fake Discord does not implement {method} {template}"}, 404)
        _, params = self.spec.match_path(path) or ("", {})
        status, payload = handler(self, params, body, query)
        call.status = status
        if status == 204:
            return web.Response(status=204, headers=_ratelimit_headers(template))
        return _json_response(payload, status, _ratelimit_headers(template))

    # handlers: (self, path params, body, query) -> (status, payload)

    def _h_me(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        return 200, {
            **self.user_payload(self.bot_id),
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
        }

    def _h_app(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.users[self.bot_id]["username"],
            "icon": None,
            "description": "Fake application",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": self.user_payload(self.owner_id),
            "team": None,
            "bot": self.user_payload(self.bot_id),
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "integration_types_config": {"0": {}},
        }

    def _h_gateway(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    def _h_gateway_bot(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url,
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        }

    def _store_commands(self, body: Any, guild_id: int | None) -> list[dict[str, Any]]:
        stored = []
        old = {
            c["name"]: c
            for c in (self.guild_commands.get(guild_id, []) if guild_id else self.global_commands)
        }
        for cmd in body or []:
            if not isinstance(cmd, dict):
                continue
            prev = old.get(cmd.get("name"))
            entry = {
                "id": prev["id"] if prev else str(self.new_id()),
                "application_id": str(self.application_id),
                "version": str(self.new_id()),
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                **cmd,
            }
            if guild_id:
                entry["guild_id"] = str(guild_id)
            stored.append(entry)
        if guild_id:
            self.guild_commands[guild_id] = stored
        else:
            self.global_commands = stored
        return stored

    def _h_put_global_commands(
        self, params: dict[str, str], body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        return 200, self._store_commands(body, None)

    def _h_get_global_commands(
        self, params: dict[str, str], body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        return 200, self.global_commands

    def _h_put_guild_commands(
        self, params: dict[str, str], body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        return 200, self._store_commands(body, int(params["guild_id"]))

    def _h_get_guild_commands(
        self, params: dict[str, str], body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        return 200, self.guild_commands.get(int(params["guild_id"]), [])

    def _h_callback(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        iid = int(params["interaction_id"])
        token = params["interaction_token"]
        interaction = self.interactions.get(iid)
        if interaction is None or interaction["token"] != token:
            return 404, {"message": "Unknown interaction", "code": 10062}
        if token in self.interaction_responses:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        body = body if isinstance(body, dict) else {}
        kind = body.get("type")
        data = body.get("data") or {}
        record: dict[str, Any] = {"type": kind, "data": data, "message_id": None}
        self.interaction_responses[token] = record
        message: dict[str, Any] | None = None
        channel_id = int(interaction["channel_id"])
        if kind in (4, 5):
            flags = data.get("flags") or 0
            message = self.message_payload(
                channel_id,
                {**data, "flags": flags | (128 if kind == 5 else 0)},
                interaction_id=iid,
                webhook_id=self.application_id,
            )
            self.messages[int(message["id"])] = message
            record["message_id"] = int(message["id"])
        elif kind == 7 and "message" in interaction:
            mid = int(interaction["message"]["id"])
            old = self.messages.get(mid, interaction["message"])
            message = _edit(old, data)
            self.messages[mid] = message
            record["message_id"] = mid
        if query.get("with_response", "").lower() not in ("1", "true"):
            return 204, None
        result: dict[str, Any] = {
            "interaction": {
                "id": str(iid),
                "type": interaction["type"],
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
            },
            "resource": {"type": kind},
        }
        if message is not None:
            result["resource"]["message"] = message
        return 200, result

    def _original(self, params: dict[str, str]) -> dict[str, Any] | None:
        record = self.interaction_responses.get(params["webhook_token"])
        if record is None or record["message_id"] is None:
            return None
        return self.messages.get(record["message_id"])

    def _h_get_original(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        message = self._original(params)
        return (200, message) if message else (404, {"message": "Unknown Message", "code": 10008})

    def _h_patch_original(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        message = self._original(params)
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        edited = _edit(message, body or {})
        edited["flags"] = (edited.get("flags") or 0) & ~128  # editing ends "thinking"
        self.messages[int(message["id"])] = edited
        return 200, edited

    def _h_delete_original(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        message = self._original(params)
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        self.messages.pop(int(message["id"]), None)
        return 204, None

    def _interaction_by_token(self, token: str) -> dict[str, Any] | None:
        return next((i for i in self.interactions.values() if i["token"] == token), None)

    def _h_followup(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        interaction = self._interaction_by_token(params["webhook_token"])
        if interaction is None:
            return 404, {"message": "Unknown Webhook", "code": 10015}
        message = self.message_payload(
            int(interaction["channel_id"]), body or {}, webhook_id=self.application_id, interaction_id=0
        )
        self.messages[int(message["id"])] = message
        if query.get("wait", "").lower() in ("1", "true"):
            return 200, message
        return 204, None

    def _h_webhook_message(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        message = self.messages.get(int(params["message_id"]))
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        return 200, message

    def _h_patch_webhook_message(
        self, params: dict[str, str], body: Any, query: dict[str, str]
    ) -> tuple[int, Any]:
        message = self.messages.get(int(params["message_id"]))
        if message is None:
            return 404, {"message": "Unknown Message", "code": 10008}
        edited = _edit(message, body or {})
        self.messages[int(message["id"])] = edited
        return 200, edited

    def _h_get_channel(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        channel = self.channel_payload(int(params["channel_id"]))
        return (200, channel) if channel else (404, {"message": "Unknown Channel", "code": 10003})

    def _h_post_message(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        channel_id = int(params["channel_id"])
        if self.channel_payload(channel_id) is None:
            return 404, {"message": "Unknown Channel", "code": 10003}
        message = self.message_payload(channel_id, body or {})
        self.messages[int(message["id"])] = message
        return 200, message

    def _h_get_message(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        message = self.messages.get(int(params["message_id"]))
        if message is None or message["channel_id"] != params["channel_id"]:
            return 404, {"message": "Unknown Message", "code": 10008}
        return 200, message

    def _h_patch_message(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        message = self.messages.get(int(params["message_id"]))
        if message is None or message["channel_id"] != params["channel_id"]:
            return 404, {"message": "Unknown Message", "code": 10008}
        edited = _edit(message, body or {})
        self.messages[int(message["id"])] = edited
        return 200, edited

    def _h_delete_message(self, params: dict[str, str], body: Any, query: dict[str, str]) -> tuple[int, Any]:
        message = self.messages.get(int(params["message_id"]))
        if message is None or message["channel_id"] != params["channel_id"]:
            return 404, {"message": "Unknown Message", "code": 10008}
        del self.messages[int(params["message_id"])]
        return 204, None


_Handler = Callable[[FakeDiscord, dict[str, str], Any, dict[str, str]], tuple[int, Any]]

_HANDLERS: dict[tuple[str, str], _Handler] = {
    ("GET", "/users/@me"): FakeDiscord._h_me,
    ("GET", "/oauth2/applications/@me"): FakeDiscord._h_app,
    ("GET", "/gateway"): FakeDiscord._h_gateway,
    ("GET", "/gateway/bot"): FakeDiscord._h_gateway_bot,
    ("PUT", "/applications/{application_id}/commands"): FakeDiscord._h_put_global_commands,
    ("GET", "/applications/{application_id}/commands"): FakeDiscord._h_get_global_commands,
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"): FakeDiscord._h_put_guild_commands,
    ("GET", "/applications/{application_id}/guilds/{guild_id}/commands"): FakeDiscord._h_get_guild_commands,
    ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"): FakeDiscord._h_callback,
    ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): FakeDiscord._h_get_original,
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): FakeDiscord._h_patch_original,
    ("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): FakeDiscord._h_delete_original,
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"): FakeDiscord._h_followup,
    ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"): FakeDiscord._h_webhook_message,
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"): (
        FakeDiscord._h_patch_webhook_message
    ),
    ("GET", "/channels/{channel_id}"): FakeDiscord._h_get_channel,
    ("POST", "/channels/{channel_id}/messages"): FakeDiscord._h_post_message,
    ("GET", "/channels/{channel_id}/messages/{message_id}"): FakeDiscord._h_get_message,
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): FakeDiscord._h_patch_message,
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"): FakeDiscord._h_delete_message,
}


class _GatewaySession:
    HELLO, DISPATCH, HEARTBEAT, IDENTIFY, RESUME, INVALID_SESSION, HEARTBEAT_ACK = 10, 0, 1, 2, 6, 9, 11

    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse, query: dict[str, str]) -> None:
        self.fake = fake
        self.ws = ws
        self.query = query
        self.identified = False
        self.seq = 0
        self.session_id = f"fake-session-{fake.new_id()}"

    async def send(self, payload: dict[str, Any]) -> None:
        self.fake.gateway_sent.append(payload)
        await self.ws.send_str(json.dumps(payload))  # uncompressed text frames

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        await self.send({"op": self.DISPATCH, "t": event, "s": self.seq, "d": data})

    async def run(self) -> None:
        await self.send({"op": self.HELLO, "d": {"heartbeat_interval": self.fake.heartbeat_interval_ms}})
        async for msg in self.ws:
            if msg.type != WSMsgType.TEXT:
                if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
                continue
            payload = json.loads(msg.data)
            self.fake.gateway_received.append(payload)
            op = payload.get("op")
            if op == self.HEARTBEAT:
                self.fake.heartbeats += 1
                await self.send({"op": self.HEARTBEAT_ACK, "d": None})
            elif op == self.IDENTIFY:
                data = payload.get("d") or {}
                self.fake.identify_payloads.append(data)
                if data.get("token") != self.fake.token:
                    await self.ws.close(code=4004, message=b"Authentication failed.")
                    break
                self.identified = True
                await self.dispatch("READY", self.fake.ready_payload(self.session_id))
                for guild in list(self.fake.guilds.values()):
                    await self.dispatch("GUILD_CREATE", self.fake.guild_create_payload(guild))
            elif op == self.RESUME:
                self.identified = True
                await self.dispatch("RESUMED", {"_trace": ["fake-discord"]})


def _mark_focused(options: list[dict[str, Any]], focused: str) -> list[dict[str, Any]]:
    for opt in options:
        if opt.get("name") == focused and "value" in opt:
            opt["focused"] = True
        if "options" in opt:
            opt["options"] = _mark_focused([dict(o) for o in opt["options"]], focused)
    return options


def _components_response(components: list[Any]) -> list[Any]:
    """Request components -> response components (adds ids the way Discord does)."""
    out = []
    for i, comp in enumerate(components, start=1):
        if not isinstance(comp, dict):
            continue
        c = dict(comp)
        c.setdefault("id", i)
        if "components" in c:
            c["components"] = _components_response(c["components"])
        out.append(c)
    return out


def _edit(message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    edited = dict(message)
    for key in ("content", "embeds", "flags"):
        if key in body and body[key] is not None:
            edited[key] = body[key]
    if "components" in body and body["components"] is not None:
        edited["components"] = _components_response(body["components"])
    edited["edited_timestamp"] = datetime.now(UTC).isoformat()
    return edited


def _ratelimit_headers(template: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": f"fake-{abs(hash(template)) % 10**8:08d}",
    }


def _json_response(payload: Any, status: int, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py only parses JSON when content-type is exactly "application/json" (no charset).
    return web.Response(
        status=status,
        body=json.dumps(payload).encode(),
        headers={**(headers or {}), "Content-Type": "application/json"},
    )
