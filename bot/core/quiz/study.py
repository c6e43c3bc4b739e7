"""Spaced repetition with py-fsrs.

The rating comes from the answer itself, so a review is one tap: a wrong answer is **Again**; a
right one is **Good**, or **Easy** when given within :data:`EASY_SECONDS` of the question appearing
(a quick, sure recall). We chose this over asking the learner to rate each card afterwards: in a
chat, a second tap per question halves the pace, and multiple choice already tells us whether the
fact was recalled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler

from bot.core.quiz.questions import seed_of

EASY_SECONDS = 8


@dataclass(frozen=True, slots=True)
class Review:
    card: str
    due: datetime
    rating: Rating
    log: str


def rating_for(correct: bool, elapsed: timedelta) -> Rating:
    if not correct:
        return Rating.Again
    return Rating.Easy if elapsed <= timedelta(seconds=EASY_SECONDS) else Rating.Good


class StudyDeck:
    """Card arithmetic only; storage and replies live elsewhere."""

    def __init__(self, scheduler: Scheduler | None = None) -> None:
        # No fuzzing: the same answers give the same schedule, which learners can predict and tests
        # can check. Fuzz spreads reviews of big decks; ours are small.
        self.scheduler = scheduler or Scheduler(enable_fuzzing=False)

    def new_card(self, question_key: str, now: datetime) -> str:
        # An explicit id: py-fsrs would otherwise sleep 1 ms per card to make ids unique.
        return str(Card(card_id=seed_of(question_key), due=now.astimezone(UTC)).to_json())

    def review(self, card_json: str, correct: bool, elapsed: timedelta, now: datetime) -> Review:
        card = Card.from_json(card_json)
        rating = rating_for(correct, elapsed)
        card, log = self.scheduler.review_card(card, rating, now.astimezone(UTC))  # py-fsrs wants UTC
        return Review(card=str(card.to_json()), due=card.due, rating=rating, log=str(log.to_json()))
