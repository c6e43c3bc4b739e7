"""Games, single questions and study reviews as a state machine over storage.

Every transition is a database transaction and every instant comes from the injected clock, so a
game survives a restart (the next :meth:`QuizEngine.tick` closes whatever is overdue and carries
on) and tests move time instead of sleeping. Nothing here sends: methods return replies for the
chat that spoke, and :meth:`QuizEngine.tick` returns :class:`Outgoing` messages for the adapters.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.i18n import N_, I18n, Translator
from bot.core.model import (
    Button,
    ChatKind,
    ChatRef,
    Message,
    Outgoing,
    Paragraph,
    QuizPrompt,
    QuizReveal,
    Reply,
    Span,
    UserRef,
)
from bot.core.quiz.filters import QuizFilter, parse_filter
from bot.core.quiz.questions import CURATED_PREFIX, QuestionMaker, QuizQuestion
from bot.core.quiz.study import StudyDeck
from bot.core.when import moment
from storage.chats import ChatSettings, ChatStore
from storage.content import ContentStore
from storage.quiz import AnswerRow, Game, NewRound, QuizStore, QuizTx, Round, Standing
from storage.study import StudyStore

log = logging.getLogger(__name__)

ABANDON_AFTER_SILENT = 2
"""A game ends after this many questions in a row that nobody answered."""
MAX_NAMES = 10
"""A reveal names at most this many winners, then says how many more."""
PICK_ATTEMPTS = 5
RATED = {
    1: N_("study.rated.again"),
    2: N_("study.rated.hard"),
    3: N_("study.rated.good"),
    4: N_("study.rated.easy"),
}


def _say(text: str, *, ephemeral: bool = False) -> Message:
    return Message((Paragraph.of(text),), ephemeral=ephemeral)


@dataclass(frozen=True, slots=True)
class Pick:
    question: QuizQuestion
    forget: tuple[str, ...]
    """History to clear first: the filter's whole pool had been asked."""


class QuizEngine:
    def __init__(
        self,
        *,
        store: QuizStore,
        study: StudyStore,
        content: ContentStore,
        chats: ChatStore,
        i18n: I18n,
        clock: Clock,
        rng: random.Random,
    ) -> None:
        self.store = store
        self.study = study
        self.content = content
        self.chats = chats
        self.i18n = i18n
        self.clock = clock
        self.rng = rng
        self.maker = QuestionMaker(content, i18n)
        self.deck = StudyDeck()
        self.on_schedule: Callable[[], None] = lambda: None
        """Called whenever a deadline is added or removed, so a timer loop can wake and re-plan."""

    # ---- choosing questions ------------------------------------------------------------------

    async def pick(
        self, chat: ChatSettings, filter_: QuizFilter, exclude: set[str], pool: list[str] | None = None
    ) -> Pick | None:
        """A question from the filter's pool that the chat has not seen, curated and generated ones
        taking turns at random; once the pool is used up, it starts over."""
        if pool is None:
            pool = filter_.pool(await self.content.catalog())
        if not pool:
            return None
        seen = await self.store.seen_keys(chat.platform, chat.chat_id)
        fresh = [k for k in pool if k not in seen and k not in exclude]
        forget: tuple[str, ...] = ()
        if not fresh:
            forget = tuple(k for k in pool if k in seen)
            fresh = [k for k in pool if k not in exclude]
        for _ in range(PICK_ATTEMPTS):
            if not fresh:
                return None
            curated = [k for k in fresh if k.startswith(CURATED_PREFIX)]
            generated = [k for k in fresh if not k.startswith(CURATED_PREFIX)]
            choose_curated = bool(curated) and (not generated or self.rng.random() < 0.5)
            key = self.rng.choice(curated if choose_curated else generated)
            question = await self.maker.make(key)
            if question is not None:
                return Pick(question, forget)
            fresh.remove(key)
        return None

    # ---- starting ------------------------------------------------------------------------------

    async def _busy(self, chat: ChatSettings, tr: Translator, now: datetime) -> Message | None:
        """Why nothing new can start in this chat, or ``None`` when it can."""
        game = await self.store.running_game(chat.platform, chat.chat_id)
        if game is not None:
            return _say(tr.t("quiz.already_running", number=game.asked, total=game.length))
        current = await self.store.open_round(chat.platform, chat.chat_id)
        if current is not None and current.deadline is not None:
            left = max(1, int((current.deadline - now).total_seconds() + 0.999))
            return _say(tr.tn("quiz.question_open", "quiz.question_open_plural", left))
        return None

    async def start_game(
        self, chat: ChatSettings, kind: ChatKind, user: UserRef, length: int, filter_: QuizFilter
    ) -> list[Reply]:
        tr = self.i18n[chat.lang]
        now = self.clock.now()
        busy = await self._busy(chat, tr, now)
        if busy is not None:
            return [busy]
        catalog = await self.content.catalog()
        label = filter_.label(tr, catalog)
        pool = filter_.pool(catalog)  # built once: the pick and the game's length both need it
        picked = await self.pick(chat, filter_, set(), pool)
        if picked is None:
            return [_say(tr.t("quiz.empty_pool", filter=label))]
        length = min(length, len(pool))
        seconds = chat.quiz_seconds
        deadline = now + timedelta(seconds=seconds)
        async with self.store.transaction(now) as tx:
            await self._drop_untimed(tx, chat)
            game_id = await tx.create_game(
                chat.platform, chat.chat_id, user.user_id, filter_.canonical, length, seconds
            )
            round_id = await tx.open_round(
                chat.platform,
                chat.chat_id,
                self._new_round(picked, game_id, 1, "game", user, deadline),
                picked.forget,
            )
            await tx.update_game(game_id, asked=1, silent=0)
        self.on_schedule()
        intro = tr.tn("quiz.intro", "quiz.intro_plural", length, filter=label, seconds=seconds)
        rules = tr.t("quiz.rules") if kind is ChatKind.GROUP else tr.t("quiz.rules_private")
        return [
            Message((Paragraph.of(Span(intro, bold=True)), Paragraph.of(rules))),
            self._prompt_message(
                round_id,
                picked.question,
                tr,
                header=tr.t("quiz.header_game", number=1, total=length, seconds=seconds),
                seconds=seconds,
                group=kind is ChatKind.GROUP,
            ),
        ]

    async def ask_single(
        self, chat: ChatSettings, kind: ChatKind, user: UserRef, key: str | None = None
    ) -> list[Reply]:
        """One question outside a game (``key`` names it, e.g. the question of the day): in a group
        it stays open for the chat's answer time; in a private chat it waits for the answer."""
        tr = self.i18n[chat.lang]
        now = self.clock.now()
        busy = await self._busy(chat, tr, now)
        if busy is not None:
            return [busy]
        if key is not None:
            question = await self.maker.make(key)
            picked = Pick(question, ()) if question is not None else None
        else:
            picked = await self.pick(chat, QuizFilter(), set())
        if picked is None:
            return [_say(tr.t("quiz.empty_pool", filter=tr.t("quiz.filter.all")))]
        group = kind is ChatKind.GROUP
        seconds = chat.quiz_seconds if group else None
        deadline = now + timedelta(seconds=seconds) if seconds else None
        async with self.store.transaction(now) as tx:
            await self._drop_untimed(tx, chat)
            round_id = await tx.open_round(
                chat.platform,
                chat.chat_id,
                self._new_round(picked, None, 1, "single", user, deadline),
                picked.forget,
            )
        if deadline:
            self.on_schedule()
        header = tr.t("quiz.header_single", seconds=seconds) if seconds else tr.t("quiz.header_private")
        return [
            self._prompt_message(round_id, picked.question, tr, header=header, seconds=seconds, group=group)
        ]

    async def open_study(
        self, chat: ChatSettings, user: UserRef, question: QuizQuestion, header: str
    ) -> list[Reply]:
        """Ask a study card's question; the caller has checked nothing else is running."""
        tr = self.i18n[chat.lang]
        now = self.clock.now()
        new = NewRound(
            None,
            1,
            "study",
            user.user_id,
            question.key,
            question.to_json(),
            question.answer,
            len(question.choices["en"]),
            None,
        )
        async with self.store.transaction(now) as tx:
            await self._drop_untimed(tx, chat)
            round_id = await tx.open_round(chat.platform, chat.chat_id, new)
        return [self._prompt_message(round_id, question, tr, header=header, seconds=None, group=False)]

    async def busy_for_study(self, chat: ChatSettings) -> Message | None:
        tr = self.i18n[chat.lang]
        return await self._busy(chat, tr, self.clock.now())

    async def _drop_untimed(self, tx: QuizTx, chat: ChatSettings) -> None:
        """A question that waits for an answer (private chats) gives way to a new one, unanswered."""
        current = await self.store.open_round(chat.platform, chat.chat_id)
        if current is not None and current.deadline is None:
            await tx.close_round(current.id)

    def _new_round(
        self,
        picked: Pick,
        game_id: int | None,
        number: int,
        mode: str,
        user: UserRef,
        deadline: datetime | None,
    ) -> NewRound:
        q = picked.question
        return NewRound(
            game_id, number, mode, user.user_id, q.key, q.to_json(), q.answer, len(q.choices["en"]), deadline
        )

    def _prompt_message(
        self,
        round_id: int,
        question: QuizQuestion,
        tr: Translator,
        *,
        header: str,
        seconds: int | None,
        group: bool,
    ) -> Message:
        text, choices, explanation = question.in_lang(tr.lang)
        prompt = QuizPrompt(
            round_id=round_id,
            header=header,
            question=text,
            choices=choices,
            correct=question.answer,
            explanation=explanation,
            open_seconds=seconds,
            hint=tr.t("quiz.hint", last=len(choices)),
            private_answers=group,
        )
        return Message((prompt,), lang=tr.lang)

    # ---- answering -------------------------------------------------------------------------------

    async def answer(
        self, chat: ChatSettings, kind: ChatKind, user: UserRef, choice: int, round_id: int | None = None
    ) -> list[Reply]:
        """A user's answer (``choice`` counts from 1). The hot path: two indexed reads and one
        ``INSERT``. Only a private chat's answer closes its question at once."""
        tr = self.i18n[chat.lang]
        now = self.clock.now()
        if round_id is None:
            current = await self.store.open_round(chat.platform, chat.chat_id)
            if current is None:
                return [_say(tr.t("quiz.no_question"))]
        else:
            current = await self.store.round(round_id)
            if current is None or current.platform != chat.platform or current.chat_id != chat.chat_id:
                return [_say(tr.t("quiz.no_such_question"), ephemeral=True)]
            if current.closed_at is not None:
                return [_say(tr.t("quiz.closed"), ephemeral=True)]
        if not 1 <= choice <= current.choices:
            return [_say(tr.t("quiz.bad_choice", given=choice, last=current.choices), ephemeral=True)]
        if current.deadline is not None and now > current.deadline:
            return [_say(tr.t("quiz.too_late"), ephemeral=True), *await self.close(current, now)]
        if current.mode == "study":
            if user.user_id != current.asker_id:
                return [_say(tr.t("quiz.not_yours"), ephemeral=True)]
            return await self._study_answer(chat, user, current, choice - 1, now)
        correct = choice - 1 == current.answer
        elapsed_ms = max(0, int((now - current.opened_at).total_seconds() * 1000))
        local_day = now.astimezone(ZoneInfo(chat.timezone)).date().isoformat()
        recorded = await self.store.record_answer(
            current.id, user.user_id, choice - 1, correct, now, elapsed_ms, local_day
        )
        if not recorded:
            latest = await self.store.round(current.id)
            if latest is not None and latest.closed_at is not None:
                return [_say(tr.t("quiz.closed"), ephemeral=True)]
            return [_say(tr.t("quiz.already_answered"), ephemeral=True)]
        if kind is ChatKind.PRIVATE:
            return await self.close(current, now)
        name = user.display_name or user.user_id
        return [_say(tr.t("quiz.recorded", name=name, choice=choice), ephemeral=True)]

    async def _study_answer(
        self, chat: ChatSettings, user: UserRef, current: Round, choice: int, now: datetime
    ) -> list[Reply]:
        tr = self.i18n[chat.lang]
        question = QuizQuestion.from_json(current.question)
        correct = choice == current.answer
        elapsed = now - current.opened_at
        local_day = now.astimezone(ZoneInfo(chat.timezone)).date().isoformat()
        recorded = await self.store.record_answer(
            current.id,
            user.user_id,
            choice,
            correct,
            now,
            max(0, int(elapsed.total_seconds() * 1000)),
            local_day,
        )
        if not recorded:
            return [_say(tr.t("quiz.already_answered"), ephemeral=True)]
        async with self.store.transaction(now) as tx:
            await tx.close_round(current.id)
        card = await self.study.card(chat.platform, user.user_id, current.question_key)
        card_json = card.card if card else self.deck.new_card(current.question_key, now)
        if card is None:
            await self.study.add(
                chat.platform, user.user_id, [(current.question_key, card_json)], now, "missed"
            )
        review = self.deck.review(card_json, correct, elapsed, now)
        await self.study.review(
            chat.platform,
            user.user_id,
            current.question_key,
            review.card,
            review.due,
            int(review.rating),
            review.log,
            now,
        )
        reveal = self._reveal(current, question, tr, tr.t("study.right") if correct else tr.t("study.wrong"))
        zone = ZoneInfo(chat.timezone)
        local_now = now.astimezone(zone)
        end_of_today = datetime.combine(local_now.date() + timedelta(days=1), datetime.min.time(), zone)
        due_today = await self.study.count_due(
            chat.platform, user.user_id, end_of_today - timedelta(microseconds=1)
        )
        lines = [
            tr.t(RATED[int(review.rating)]),
            tr.t("study.next_review", when=moment(tr, review.due, now, zone, relative=True)),
        ]
        lines.append(tr.tn("study.due_today", "study.due_today_plural", due_today))
        due_now = await self.study.count_due(chat.platform, user.user_id, now)
        if due_now == 0:
            earliest = await self.study.earliest_due(chat.platform, user.user_id)
            if earliest is not None and earliest != review.due.replace(microsecond=0):
                lines.append(tr.t("study.next_due", when=moment(tr, earliest, now, zone, relative=True)))
        buttons = (Button(tr.t("study.button.next"), "/study"),) if due_now else ()
        return [
            Message((reveal, Paragraph.of("\n".join(lines))), buttons=buttons, lang=tr.lang),
        ]

    # ---- closing ---------------------------------------------------------------------------------

    async def close(self, current: Round, now: datetime, *, stopping: bool = False) -> list[Reply]:
        """Close a round: reveal it, add misses to the players' decks, and move its game on (next
        question, or the final ranking). Exactly once: a round already closed yields nothing."""
        chat = await self.chats.get(current.platform, current.chat_id)
        lang = chat.lang if chat else "en"
        tr = self.i18n[lang]
        question = QuizQuestion.from_json(current.question)
        game = await self.store.game(current.game_id) if current.game_id is not None else None
        upcoming: Pick | None = None
        if (
            game is not None
            and game.state == "running"
            and not stopping
            and game.asked < game.length
            and chat
        ):
            filter_ = await self._game_filter(game)
            exclude = {question.key, *await self.store.game_question_keys(game.id)}
            upcoming = await self.pick(chat, filter_, exclude)
        next_round: int | None = None
        state = "running"
        async with self.store.transaction(now) as tx:
            if not await tx.close_round(current.id):
                return []
            answers = await tx.answers(current.id)
            missed = [a.user_id for a in answers if not a.correct]
            if missed:
                await tx.add_study_cards(
                    current.platform, missed, question.key, self.deck.new_card(question.key, now), "missed"
                )
            if game is not None and game.state == "running":
                silent = 0 if answers else game.silent + 1
                asked = game.asked
                if stopping:
                    state = "stopped"
                elif silent >= ABANDON_AFTER_SILENT:
                    state = "abandoned"
                elif asked >= game.length or upcoming is None:
                    state = "finished"
                else:
                    deadline = now + timedelta(seconds=game.answer_seconds)
                    asker = UserRef(current.platform, game.starter_id)
                    next_round = await tx.open_round(
                        current.platform,
                        current.chat_id,
                        self._new_round(upcoming, game.id, asked + 1, "game", asker, deadline),
                        upcoming.forget,
                    )
                    asked += 1
                await tx.update_game(game.id, asked=asked, silent=silent, state=state)
        self.on_schedule()
        private = chat is not None and chat.kind == ChatKind.PRIVATE.value
        replies: list[Reply] = [
            Message((self._reveal(current, question, tr, self._outcome(tr, answers, private)),), lang=lang)
        ]
        if game is None:
            return replies
        standings = await self.store.standings(game.id)
        if next_round is not None and upcoming is not None:
            if standings and not private:
                replies[0] = Message(
                    (*replies[0].blocks, Paragraph.of(Span(self._score_line(tr, standings), italic=True))),
                    lang=lang,
                )
            replies.append(
                self._prompt_message(
                    next_round,
                    upcoming.question,
                    tr,
                    header=tr.t(
                        "quiz.header_game",
                        number=game.asked + 1,
                        total=game.length,
                        seconds=game.answer_seconds,
                    ),
                    seconds=game.answer_seconds,
                    group=not private,
                )
            )
        else:
            replies.append(self._ranking(tr, game, state, standings))
        return replies

    async def _game_filter(self, game: Game) -> QuizFilter:
        if not game.filter:
            return QuizFilter()
        found = parse_filter(game.filter, await self.content.catalog())
        return found if isinstance(found, QuizFilter) else QuizFilter()

    def _reveal(self, current: Round, question: QuizQuestion, tr: Translator, outcome: str) -> QuizReveal:
        _, choices, explanation = question.in_lang(tr.lang)
        return QuizReveal(
            round_id=current.id,
            correct=question.answer,
            answer_text=tr.t("quiz.reveal", number=question.answer + 1, choice=choices[question.answer]),
            explanation=explanation,
            source=question.sources[0] if question.sources else None,
            outcome=outcome,
        )

    def _outcome(self, tr: Translator, answers: list[AnswerRow], private: bool) -> str:
        if private:
            if not answers:
                return tr.t("quiz.outcome.you_none")
            return tr.t("quiz.outcome.you_right") if answers[0].correct else tr.t("quiz.outcome.you_wrong")
        if not answers:
            return tr.t("quiz.outcome.nobody")
        right = [a.name for a in answers if a.correct]
        if not right:
            return tr.tn("quiz.outcome.none_right", "quiz.outcome.none_right_plural", len(answers))
        shown = ", ".join(right[:MAX_NAMES])
        if len(right) > MAX_NAMES:
            shown += " " + tr.tn("quiz.outcome.more", "quiz.outcome.more_plural", len(right) - MAX_NAMES)
        return tr.tn("quiz.outcome.right", "quiz.outcome.right_plural", len(answers), names=shown)

    def _score_line(self, tr: Translator, standings: list[Standing]) -> str:
        parts = [f"{s.name} {s.points}" for s in standings[:MAX_NAMES]]
        return tr.t("quiz.score", scores=" · ".join(parts))

    def _ranking(self, tr: Translator, game: Game, state: str, standings: list[Standing]) -> Message:
        title = {
            "finished": tr.t("quiz.over.finished"),
            "abandoned": tr.t("quiz.over.abandoned"),
            "stopped": tr.t("quiz.over.stopped"),
        }[state]
        blocks: list[Paragraph] = [Paragraph.of(Span(title, bold=True))]
        if standings:
            medals = ("🥇", "🥈", "🥉")
            lines = []
            for i, s in enumerate(standings):
                mark = medals[i] if i < len(medals) else f"{i + 1}."
                points = tr.tn("quiz.points", "quiz.points_plural", s.points)
                lines.append(f"{mark} {s.name} — {points} ({s.total_ms / 1000:.1f} s)")
            blocks.append(Paragraph.of("\n".join(lines)))
            if len(standings) > 1 and standings[0].points == standings[1].points:
                blocks.append(Paragraph.of(Span(tr.t("quiz.tie_note"), italic=True)))
        else:
            blocks.append(Paragraph.of(tr.t("quiz.over.no_players")))
        again = f"/quiz {game.length} {game.filter}".strip()
        buttons = (Button(tr.t("quiz.button.again"), again), Button(tr.t("quiz.button.top"), "/top"))
        return Message(tuple(blocks), buttons=buttons, lang=tr.lang)

    # ---- stopping ------------------------------------------------------------------------------

    async def stop(
        self, chat: ChatSettings, kind: ChatKind, user: UserRef, is_admin: Callable[[], Awaitable[bool]]
    ) -> list[Reply]:
        tr = self.i18n[chat.lang]
        game = await self.store.running_game(chat.platform, chat.chat_id)
        if game is None:
            return [_say(tr.t("quiz.nothing_to_stop"))]
        if kind is ChatKind.GROUP and user.user_id != game.starter_id and not await is_admin():
            return [_say(tr.t("quiz.stop_not_allowed"))]
        now = self.clock.now()
        current = await self.store.open_round(chat.platform, chat.chat_id)
        if current is not None and current.game_id == game.id:
            return await self.close(current, now, stopping=True)
        async with self.store.transaction(now) as tx:
            await tx.update_game(game.id, asked=game.asked, silent=game.silent, state="stopped")
        return [self._ranking(tr, game, "stopped", await self.store.standings(game.id))]

    # ---- timers ----------------------------------------------------------------------------------

    async def tick(
        self,
        now: datetime | None = None,
        chat: ChatRef | None = None,
        platforms: Collection[str] | None = None,
    ) -> list[Outgoing]:
        """Close every question whose time is up (in one chat, on some platforms, or everywhere) and
        return what to send."""
        now = now or self.clock.now()
        due = await self.store.due_rounds(
            now, chat.platform if chat else None, chat.chat_id if chat else None, platforms=platforms
        )
        out: list[Outgoing] = []
        for current in due:
            try:
                replies = await self.close(current, now)
            except Exception:
                log.exception("closing round %s failed", current.id)
                continue
            ref = ChatRef(current.platform, current.chat_id)
            out.extend(Outgoing(ref, r) for r in replies)
        return out

    async def next_deadline(
        self, chat: ChatRef | None = None, platforms: Collection[str] | None = None
    ) -> datetime | None:
        if chat is None:
            return await self.store.next_deadline(platforms=platforms)
        return await self.store.next_deadline(chat.platform, chat.chat_id)
