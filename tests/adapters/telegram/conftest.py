"""Fixtures for the Telegram adapter tests: a fake Bot API server checked against the real contract."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.telegram.fake_bot_api import FakeBotAPI, find_spec_path, load_spec, spec_missing_reason


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotAPI]:
    """A running :class:`FakeBotAPI` on 127.0.0.1; the test fails at teardown if any request
    broke the Bot API contract (tests that provoke violations on purpose must clear them)."""
    path = find_spec_path()
    if path is None:
        pytest.skip(spec_missing_reason())
    fake = FakeBotAPI(load_spec(path))
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    if fake.violations:
        listing = "\n".join(f"  - {violation}" for violation in fake.violations)
        pytest.fail(
            f"{len(fake.violations)} Bot API contract violation(s) (spec {fake.spec.version}):\n{listing}",
            pytrace=False,
        )
