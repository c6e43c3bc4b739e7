"""Command and argument names as platforms that localize names show them (Discord shows
``/azi`` to a Romanian user; the command still arrives as ``/today``). Catalog keys, one per
declared name; the English catalog repeats the English name."""

from __future__ import annotations

from bot.core.i18n import N_

COMMAND_NAMES: dict[str, str] = {
    "start": N_("cmdname.start"),
    "help": N_("cmdname.help"),
    "lang": N_("cmdname.lang"),
    "today": N_("cmdname.today"),
    "date": N_("cmdname.date"),
    "event": N_("cmdname.event"),
    "search": N_("cmdname.search"),
    "year": N_("cmdname.year"),
    "random": N_("cmdname.random"),
    "quiz": N_("cmdname.quiz"),
    "question": N_("cmdname.question"),
    "answer": N_("cmdname.answer"),
    "stop": N_("cmdname.stop"),
    "top": N_("cmdname.top"),
    "stats": N_("cmdname.stats"),
    "settings": N_("cmdname.settings"),
    "study": N_("cmdname.study"),
    "lessons": N_("cmdname.lessons"),
    "learn": N_("cmdname.learn"),
    "subscribe": N_("cmdname.subscribe"),
    "unsubscribe": N_("cmdname.unsubscribe"),
    "timezone": N_("cmdname.timezone"),
    "digest": N_("cmdname.digest"),
    "report": N_("cmdname.report"),
}

ARGUMENT_NAMES: dict[str, str] = {
    "command": N_("argname.command"),
    "language": N_("argname.language"),
    "when": N_("argname.when"),
    "id": N_("argname.id"),
    "words": N_("argname.words"),
    "year": N_("argname.year"),
    "page": N_("argname.page"),
    "count": N_("argname.count"),
    "filter": N_("argname.filter"),
    "today": N_("argname.today"),
    "number": N_("argname.number"),
    "period": N_("argname.period"),
    "setting": N_("argname.setting"),
    "value": N_("argname.value"),
    "add": N_("argname.add"),
    "lesson": N_("argname.lesson"),
    "card": N_("argname.card"),
    "time": N_("argname.time"),
    "timezone": N_("argname.timezone"),
    "channel": N_("argname.channel"),
    "text": N_("argname.text"),
}
