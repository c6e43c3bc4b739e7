"""/start, /help and /lang: getting to know the bot and choosing its language."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.i18n import LANGUAGES, N_, Translator, normalize_language
from bot.core.model import ChatKind, Message, Paragraph, Reply, Span
from bot.core.registry import ArgKind, Argument, Command, CommandSet, Scope

commands = CommandSet()

_LANGUAGE_WORDS = {
    "english": "en",
    "engleza": "en",
    "engleză": "en",
    "romanian": "ro",
    "romana": "ro",
    "română": "ro",
    "romînă": "ro",
}


LANGUAGE_NAMES = {"en": N_("lang.name.en"), "ro": N_("lang.name.ro")}


def usage(command: Command, tr: Translator) -> str:
    parts = [f"/{command.name}"]
    for arg in command.args:
        if arg.kind is ArgKind.CHANNEL:
            continue  # picked with the platform's own channel picker, never typed
        label = tr.t(arg.help)
        parts.append(f"<{label}>" if arg.required else f"[{label}]")
    return " ".join(parts)


@commands.command("start", summary=N_("cmd.start.summary"))
async def start(ctx: Context, args: str) -> list[Reply]:
    t = ctx.tr.t
    return [
        Message(
            (
                Paragraph.of(Span(t("start.title"), bold=True)),
                Paragraph.of(t("start.body")),
                Paragraph.of(t("start.examples")),
            )
        )
    ]


@commands.command(
    "help",
    summary=N_("cmd.help.summary"),
    details=N_("cmd.help.details"),
    args=(Argument("command", N_("arg.command")),),
)
async def help_(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    registry = ctx.services.registry
    if args:
        wanted = args.split()[0].lstrip("/").split("@", 1)[0]
        command = registry.find(wanted)
        if command is None:
            return [Message((Paragraph.of(tr.t("help.unknown", command="/" + wanted)),))]
        return [_command_help(command, tr)]
    kind = ctx.incoming.kind
    lines: list[Span] = [Span(tr.t("help.title"), bold=True), Span("\n")]
    for command in registry.for_chat(kind):
        lines.append(Span("\n"))
        lines.append(Span(usage(command, tr), bold=True))
        lines.append(Span(" — " + tr.t(command.summary)))
        if command.aliases:
            lines.append(
                Span(" " + tr.t("help.aliases", aliases=", ".join(f"/{a}" for a in command.aliases)))
            )
        if command.admin_only and kind is ChatKind.GROUP:
            lines.append(Span(" " + tr.t("help.admins")))
    return [Message((Paragraph(tuple(lines)), Paragraph.of(Span(tr.t("help.footer"), italic=True))))]


def _command_help(command: Command, tr: Translator) -> Message:
    blocks = [
        Paragraph.of(Span(usage(command, tr), bold=True)),
        Paragraph.of(tr.t(command.summary)),
    ]
    if command.details:
        blocks.append(Paragraph.of(tr.t(command.details)))
    notes: list[str] = []
    if command.aliases:
        notes.append(tr.t("help.aliases", aliases=", ".join(f"/{a}" for a in command.aliases)))
    if command.scope is Scope.PRIVATE:
        notes.append(tr.t("help.private_only"))
    elif command.scope is Scope.GROUP:
        notes.append(tr.t("help.group_only"))
    if command.admin_only:
        notes.append(tr.t("help.admins"))
    if notes:
        blocks.append(Paragraph.of(Span(" ".join(notes), italic=True)))
    return Message(tuple(blocks))


@commands.command(
    "lang",
    summary=N_("cmd.lang.summary"),
    details=N_("cmd.lang.details"),
    args=(Argument("language", N_("arg.language"), required=True, choices=LANGUAGES),),
    admin_only=True,
)
async def lang(ctx: Context, args: str) -> list[Reply]:
    tr = ctx.tr
    if not args:
        return [Message((Paragraph.of(tr.t("lang.current", language=tr.t(LANGUAGE_NAMES[tr.lang]))),))]
    word = args.split()[0].lower()
    chosen = _LANGUAGE_WORDS.get(word) or normalize_language(word)
    if chosen is None or len(args.split()) > 1:
        return [Message((Paragraph.of(tr.t("lang.invalid", given=args[:40])),))]
    s = ctx.services
    await s.chats.set_language(ctx.chat.platform, ctx.chat.chat_id, chosen, s.clock.now())
    new = s.i18n[chosen]
    return [Message((Paragraph.of(new.t("lang.set", language=new.t(LANGUAGE_NAMES[chosen]))),), lang=chosen)]
