"""The digest scheduler end to end, on a real database and a moved clock: every chat gets exactly
one post per local date, through restarts, cancellations, DST changes and a transport that fails
in every way a platform can."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.core.clock import FixedClock
from bot.core.digest.delivery import ChatMoved, Limits, RetryLater, Undeliverable
from bot.core.model import ChatRef, Message
from tests.conftest import Chat


class FakeTransport:
    """A platform that records what it was sent and fails on cue, per chat."""

    platform = "console"
    limits = Limits(per_second=30.0, per_chat_interval=1.0, group_per_minute=20)

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, str, Message]] = []
        self.failures: dict[str, list[BaseException]] = {}
        self.after_send: list[object] = []

    async def send(self, chat: ChatRef, message: Message, *, target: str | None = None) -> None:
        queued = self.failures.get(chat.chat_id)
        if queued:
            raise queued.pop(0)
        self.sent.append((self.clock.now(), chat.chat_id, message))
        for hook in self.after_send:
            hook(len(self.sent))  # type: ignore[operator]

    def count(self, chat_id: str) -> int:
        return sum(1 for _, c, _ in self.sent if c == chat_id)


def wire(app: App, clock: FixedClock) -> FakeTransport:
    transport = FakeTransport(clock)
    app.services.digest.register(transport)

    async def wait_until(moment: datetime) -> None:
        clock.set(max(clock.now(), moment))

    app.services.digest.wait_until = wait_until
    # One sender: on a simulated clock, concurrent senders would move the one clock past each
    # other's slots. (The pacer's reservations are what keep concurrent senders apart for real.)
    app.services.digest.workers = 1
    return transport


async def subscribe(app: App, chat_id: str, text: str = "/subscribe 09:00 Europe/Bucharest") -> None:
    out = await Chat(app, chat_id=chat_id, user_id="1", group=chat_id.startswith("-")).say(text)
    assert "Subscribed" in out, out


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_post_at_its_local_time_exactly_once(app: App, clock: FixedClock) -> None:
    transport = wire(app, clock)
    clock.set(at("2026-05-14T08:00:00+03:00"))
    await subscribe(app, "-1")
    clock.set(at("2026-05-14T08:59:59+03:00"))
    assert (await app.services.digest.run_pass()).sent == 0
    clock.set(at("2026-05-14T09:00:00+03:00"))
    assert (await app.services.digest.run_pass()).sent == 1
    assert (await app.services.digest.run_pass()).sent == 0
    message = transport.sent[0][2]
    assert "This day in the Cold War · 14 May 2026" in Chat(app).session.render(message)
    ledger = await app.services.digest.store.ledger("console", "-1")
    assert ledger == [("2026-05-14", "sent", 1, None)]
    # The next one is tomorrow, same local time.
    sub = await app.services.digest.store.get("console", "-1")
    assert sub is not None and sub.next_due == at("2026-05-15T06:00:00+00:00")


async def test_a_restart_never_posts_twice(db_path: Path, clock: FixedClock) -> None:
    clock.set(at("2026-05-14T08:00:00+03:00"))
    app = await App.start(db_path, clock=clock)
    transport = wire(app, clock)
    await subscribe(app, "-1")
    clock.set(at("2026-05-14T09:00:30+03:00"))
    await app.services.digest.run_pass()
    await app.stop()
    app = await App.start(db_path, clock=clock)
    try:
        again = wire(app, clock)
        assert (await app.services.digest.run_pass()).sent == 0
        assert transport.count("-1") == 1 and again.sent == []
    finally:
        await app.stop()


@pytest.mark.parametrize(
    ("back_at", "posted"),
    [("2026-05-14T22:00:00+03:00", True), ("2026-05-15T08:00:00+03:00", False)],
)
async def test_catching_up_after_downtime(
    db_path: Path, clock: FixedClock, back_at: str, posted: bool
) -> None:
    """Down at 09:00: back the same local day, the post goes out; back the next day, it is skipped
    (yesterday's "this day" is stale) and logged in the ledger, and today's comes at its time."""
    clock.set(at("2026-05-14T08:00:00+03:00"))
    app = await App.start(db_path, clock=clock)
    await subscribe(app, "-1")
    await app.stop()
    clock.set(at(back_at))
    app = await App.start(db_path, clock=clock)
    try:
        transport = wire(app, clock)
        report = await app.services.digest.run_pass()
        assert report.sent == int(posted) and report.skipped == int(not posted)
        ledger = await app.services.digest.store.ledger("console", "-1")
        assert ledger[0][:2] == ("2026-05-14", "sent" if posted else "skipped")
        if not posted:
            clock.set(at("2026-05-15T09:00:00+03:00"))
            assert (await app.services.digest.run_pass()).sent == 1
            assert transport.sent[0][0] == at("2026-05-15T09:00:00+03:00")
    finally:
        await app.stop()


async def test_a_claim_left_by_a_dead_process_is_retried_once(db_path: Path, clock: FixedClock) -> None:
    clock.set(at("2026-05-14T08:00:00+03:00"))
    app = await App.start(db_path, clock=clock)
    await subscribe(app, "-1")
    clock.set(at("2026-05-14T09:00:00+03:00"))
    store = app.services.digest.store
    due = await store.due(clock.now(), ["console"], 10)
    sub = due[0]
    # The process claims the post, then dies before sending it.
    await store.claim(
        [(sub, sub.next_date + timedelta(days=1), clock.now() + timedelta(days=1))], clock.now()
    )
    await app.stop()
    app = await App.start(db_path, clock=clock)
    try:
        transport = wire(app, clock)
        assert (await app.services.digest.run_pass()).sent == 1
        assert (await app.services.digest.run_pass()).sent == 0
        assert transport.count("-1") == 1
    finally:
        await app.stop()


async def test_a_fan_out_cancelled_midway_and_restarted_posts_each_chat_once(
    db_path: Path, clock: FixedClock
) -> None:
    clock.set(at("2026-05-14T08:00:00+03:00"))
    app = await App.start(db_path, clock=clock)
    chats = [f"-{i}" for i in range(1, 41)]
    for chat_id in chats:
        await subscribe(app, chat_id)
    clock.set(at("2026-05-14T09:00:00+03:00"))
    first = wire(app, clock)
    run = asyncio.create_task(app.services.digest.run_pass())
    first.after_send.append(lambda n: run.cancel() if n == 7 else None)
    with pytest.raises(asyncio.CancelledError):
        await run
    sent_before = len(first.sent)
    assert 7 <= sent_before < len(chats)
    await app.stop()

    app = await App.start(db_path, clock=clock)
    try:
        second = wire(app, clock)
        await app.services.digest.run_pass()
        for chat_id in chats:
            assert first.count(chat_id) + second.count(chat_id) == 1, chat_id
    finally:
        await app.stop()


async def test_platform_faults_map_to_retry_pause_and_move(app: App, clock: FixedClock) -> None:
    transport = wire(app, clock)
    clock.set(at("2026-05-14T08:00:00+03:00"))
    for chat_id in ("-1", "-2", "-3", "-4", "-5"):
        await subscribe(app, chat_id)
    transport.failures = {
        "-1": [RetryLater("429 Too Many Requests", retry_after=7)],
        "-2": [Undeliverable("Forbidden: bot was kicked from the group chat")],
        "-3": [ChatMoved("-1003")],
        "-4": [TimeoutError("read timed out"), RetryLater("502 Bad Gateway")],
    }
    clock.set(at("2026-05-14T09:00:00+03:00"))
    report = await app.services.digest.run_pass()
    assert report.paused == 1 and report.moved == 1 and report.retrying >= 2
    assert {"-1003", "-5"} <= {c for _, c, _ in transport.sent}
    assert transport.count("-2") == transport.count("-3") == 0
    # The paused chat says why, in /settings; the moved one kept its subscription under the new id.
    paused = await app.services.digest.store.get("console", "-2")
    assert paused is not None and paused.state == "paused" and "kicked" in (paused.paused_reason or "")
    assert await app.services.digest.store.get("console", "-3") is None
    assert await app.services.digest.store.get("console", "-1003") is not None
    assert "paused because Forbidden" in await Chat(app, chat_id="-2", user_id="1", group=True).say(
        "/settings"
    )
    # Retries come when their time does, until each is delivered once.
    for _ in range(10):
        wake = await app.services.digest.next_wakeup()
        assert wake is not None
        clock.set(max(clock.now(), wake))
        await app.services.digest.run_pass()
        if transport.count("-1") and transport.count("-4"):
            break
    assert transport.count("-1") == 1 and transport.count("-4") == 1 and transport.count("-2") == 0
    # A retry-after holds every send on that platform, not just the one that got it.
    first_retry = next(t for t, c, _ in transport.sent if c == "-1")
    assert first_retry >= at("2026-05-14T09:00:07+03:00")
    # Tomorrow: the paused chat gets nothing, the moved one posts under its new id.
    clock.set(at("2026-05-15T09:00:00+03:00"))
    await app.services.digest.run_pass()
    assert transport.count("-2") == 0 and transport.count("-1003") == 2


async def test_pacing_keeps_within_the_platforms_limits(app: App, clock: FixedClock) -> None:
    transport = wire(app, clock)
    clock.set(at("2026-05-14T08:00:00+03:00"))
    for i in range(60):
        await subscribe(app, f"-{i + 1}")
    clock.set(at("2026-05-14T09:00:00+03:00"))
    start = clock.now()
    assert (await app.services.digest.run_pass()).sent == 60
    times = sorted(t for t, _, _ in transport.sent)
    for a, b in zip(times, times[30:], strict=False):
        assert b - a >= timedelta(seconds=1), "more than 30 messages within one second"
    assert times[-1] - start <= timedelta(seconds=59 / 30 + 0.01)


async def test_a_subscription_changed_between_two_posts(app: App, clock: FixedClock) -> None:
    transport = wire(app, clock)
    clock.set(at("2026-05-14T08:00:00+03:00"))
    await subscribe(app, "-1")
    clock.set(at("2026-05-14T09:00:00+03:00"))
    await app.services.digest.run_pass()
    # Moved to later the same day: today's post is done, so the next is tomorrow at the new time.
    clock.set(at("2026-05-14T10:00:00+03:00"))
    out = await Chat(app, chat_id="-1", user_id="1", group=True).say("/subscribe 18:00")
    assert "Next one tomorrow at 18:00" in out
    clock.set(at("2026-05-14T18:00:00+03:00"))
    assert (await app.services.digest.run_pass()).sent == 0
    # A new zone keeps the local time.
    out = await Chat(app, chat_id="-1", user_id="1", group=True).say("/timezone America/New_York")
    assert "next one tomorrow at 18:00" in out
    clock.set(at("2026-05-15T18:00:00-04:00"))
    assert (await app.services.digest.run_pass()).sent == 1
    assert transport.sent[-1][0].astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "18:00"
    assert [row[0] for row in await app.services.digest.store.ledger("console", "-1")] == [
        "2026-05-14",
        "2026-05-15",
    ]


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        ("Europe/Bucharest", ("2026-03-28", "2026-03-29", "2026-03-30")),
        ("America/New_York", ("2026-11-01", "2026-11-02")),
        ("Australia/Lord_Howe", ("2026-10-03", "2026-10-04", "2026-10-05")),
        ("Asia/Kathmandu", ("2026-05-14", "2026-05-15")),
        ("Pacific/Kiritimati", ("2026-05-14", "2026-05-15")),
    ],
)
async def test_nine_oclock_local_across_dst_and_odd_offsets(
    app: App, clock: FixedClock, zone: str, days: tuple[str, ...]
) -> None:
    """The scheduler runs a pass every 10 minutes through the days; each post lands at 09:00 local,
    once per local date."""
    transport = wire(app, clock)
    z = ZoneInfo(zone)
    clock.set(datetime.combine(date.fromisoformat(days[0]), datetime.min.time(), z))
    await subscribe(app, "-1", f"/subscribe 09:00 {zone}")
    end = datetime.combine(date.fromisoformat(days[-1]), datetime.max.time(), z)
    while clock.now() < end:
        await app.services.digest.run_pass()
        clock.advance(timedelta(minutes=10))
    local = [t.astimezone(z) for t, _, _ in transport.sent]
    assert [t.date().isoformat() for t in local] == list(days)
    assert all(t.strftime("%H:%M") == "09:00" for t in local)


async def test_an_ambiguous_time_on_the_fall_back_night_posts_once(app: App, clock: FixedClock) -> None:
    transport = wire(app, clock)
    clock.set(at("2026-10-24T12:00:00+03:00"))
    await subscribe(app, "-1", "/subscribe 03:30 Europe/Bucharest")
    end = at("2026-10-25T12:00:00+02:00")
    while clock.now() < end:
        await app.services.digest.run_pass()
        clock.advance(timedelta(minutes=5))
    assert len(transport.sent) == 1
    assert transport.sent[0][0].astimezone(UTC) == at("2026-10-25T00:30:00+00:00")


async def test_subscribing_many_chats_at_once_uses_each_chats_zone(app: App, clock: FixedClock) -> None:
    s = app.services
    zones = {"7001": "Asia/Kathmandu", "7002": "America/New_York", "7003": "Asia/Kathmandu"}
    for chat_id, zone in zones.items():
        await s.chats.get_or_create("console", chat_id, "private", "en", clock.now())
        await s.chats.set_timezone("console", chat_id, zone, clock.now())
    nine = datetime.fromisoformat("2026-01-01T09:00:00").time()
    assert await s.digest.subscribe_many([("console", c, nine) for c in zones], chunk=2) == 3
    for chat_id, zone in zones.items():
        sub = await s.digest.store.get("console", chat_id)
        assert sub is not None
        assert sub.next_due.astimezone(ZoneInfo(zone)).strftime("%H:%M") == "09:00"
        assert sub.next_due > clock.now()
    with pytest.raises(KeyError):
        await s.digest.subscribe_many([("console", "no-such-chat", nine)])


async def chats_in(app: App, platform: str, zones: dict[str, str]) -> None:
    for chat_id, zone in zones.items():
        await app.services.chats.get_or_create(
            platform, chat_id, "private", "en", app.services.digest.clock.now()
        )
        await app.services.chats.set_timezone(platform, chat_id, zone, app.services.digest.clock.now())


@pytest.mark.parametrize("chunk", [97, 5000])
async def test_subscribing_many_stores_next_post_for_each_chat_on_a_dst_day(
    app: App, clock: FixedClock, chunk: int
) -> None:
    """What one subscribe_many stores is next_post's answer for every chat: here in the night
    Europe moves its clocks forward, over zones that change that day, the next, or not at all.
    In one chunk, its hundreds of schedules take more than one INSERT."""
    from bot.core.digest.timing import next_post

    clock.set(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))
    zones = ["Europe/Bucharest", "Europe/London", "Europe/Lisbon", "America/New_York", "Asia/Kathmandu",
             "Australia/Lord_Howe", "Pacific/Kiritimati", "Etc/GMT+12", "America/Havana", "UTC"]  # fmt: skip
    times = [time(h, m) for h in range(24) for m in (0, 30)] + [time(2, 59), time(3, 1)]
    pairs = [(zone, at) for zone in zones for at in times]  # every (zone, time)
    wanted = {str(i): pair for i, pair in enumerate(pairs)}
    await chats_in(app, "console", {c: z for c, (z, _) in wanted.items()})
    listed = [("console", c, at) for c, (_, at) in wanted.items()]
    assert await app.services.digest.subscribe_many(listed, chunk=chunk) == len(pairs)
    for chat_id, (zone, at) in wanted.items():
        sub = await app.services.digest.store.get("console", chat_id)
        assert sub is not None and sub.state == "active"
        assert (sub.next_date, sub.next_due) == next_post(clock.now(), at, ZoneInfo(zone)), (zone, at)
        assert sub.local_time == at


async def test_subscribing_many_resubscribes_keeps_settings_and_takes_the_last_time(
    app: App, clock: FixedClock
) -> None:
    s = app.services
    await chats_in(app, "console", {"1": "Europe/Bucharest", "2": "Asia/Tokyo", "3": "UTC"})
    await chats_in(app, "discord", {"1": "America/New_York"})
    await s.digest.subscribe_many([("console", "1", time(9)), ("console", "2", time(9))])
    await s.digest.store.set_with_quiz("console", "1", False, clock.now())
    await s.digest.store.pause("console", "2", "Forbidden: bot was blocked", clock.now())
    listed = [
        ("console", "1", time(7)),
        ("discord", "1", time(8)),
        ("console", "2", time(10)),
        ("console", "3", time(11)),
        ("console", "1", time(21, 15)),  # listed twice: the last time wins
    ]
    assert await s.digest.subscribe_many(listed, chunk=1) == 5
    first = await s.digest.store.get("console", "1")
    assert first is not None and first.local_time == time(21, 15) and not first.with_quiz
    assert first.next_due.astimezone(ZoneInfo("Europe/Bucharest")).time() == time(21, 15)
    again = await s.digest.store.get("console", "2")
    assert again is not None and again.state == "active" and again.paused_reason is None
    assert again.local_time == time(10)
    other = await s.digest.store.get("discord", "1")
    assert other is not None and other.next_due.astimezone(ZoneInfo("America/New_York")).time() == time(8)


async def test_subscribing_many_takes_the_last_time_of_a_chat_listed_twice_in_one_chunk(
    app: App, clock: FixedClock
) -> None:
    await chats_in(app, "console", {"1": "Europe/Bucharest", "2": "UTC"})
    listed = [("console", "1", time(7)), ("console", "2", time(8)), ("console", "1", time(21, 15))]
    assert await app.services.digest.subscribe_many(listed) == 3
    first = await app.services.digest.store.get("console", "1")
    assert first is not None and first.local_time == time(21, 15)
    assert first.next_due.astimezone(ZoneInfo("Europe/Bucharest")).time() == time(21, 15)
    second = await app.services.digest.store.get("console", "2")
    assert second is not None and second.local_time == time(8)


async def test_subscribing_many_with_a_missing_chat_changes_nothing(app: App, clock: FixedClock) -> None:
    s = app.services
    await chats_in(app, "console", {str(i): "Europe/Bucharest" for i in range(10)})
    listed = [("console", str(i), time(9)) for i in range(10)] + [("console", "99", time(9))]
    with pytest.raises(KeyError, match=r"1 chat.*console/99"):
        await s.digest.subscribe_many(listed, chunk=3)  # "99" sorts last: the others went in first
    assert all([await s.digest.store.get("console", str(i)) is None for i in range(10)])


async def test_subscribing_many_takes_any_chat_id(app: App, clock: FixedClock) -> None:
    """Ids travel to SQLite inside JSON: quotes, backslashes, separators and other scripts too."""
    odd = ['a"b', "back\\slash", '","', '"', "\\", "ünï", "日本", "tab\there", "😀", "-100123", ""]
    await chats_in(app, "console", dict.fromkeys(odd, "Asia/Kathmandu"))
    await app.services.digest.subscribe_many([("console", c, time(9, 45)) for c in odd], chunk=4)
    for chat_id in odd:
        sub = await app.services.digest.store.get("console", chat_id)
        assert sub is not None and sub.chat_id == chat_id
        assert sub.next_due.astimezone(ZoneInfo("Asia/Kathmandu")).time() == time(9, 45)


async def test_subscribing_many_in_many_small_chunks_stores_every_chat(app: App, clock: FixedClock) -> None:
    """Chunks follow each other on the writer's thread while the next is prepared: hundreds of
    them, each with new schedules, all land, each with its own zone's next post."""
    zones = ["Europe/Bucharest", "Asia/Kathmandu", "America/New_York", "Pacific/Kiritimati", "UTC"]
    wanted = {f"{i:05}": (zones[i % 5], time(i % 24, i % 4 * 15)) for i in range(3000)}
    await chats_in(app, "console", {c: z for c, (z, _) in wanted.items()})
    listed = [("console", c, at) for c, (_, at) in wanted.items()]
    assert await app.services.digest.subscribe_many(listed, chunk=7) == len(listed)
    reader = app.db.reader
    assert reader.execute("SELECT count(*) FROM subscriptions").fetchone() == (len(listed),)
    for chat_id, (zone, at) in list(wanted.items())[::97]:
        sub = await app.services.digest.store.get("console", chat_id)
        assert sub is not None and sub.local_time == at
        assert sub.next_due.astimezone(ZoneInfo(zone)).time() == at
