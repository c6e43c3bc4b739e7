"""``coldwar-bot run`` with DISCORD_BOT_TOKEN set, as an operator starts it, against the fake
Discord: it logs in, uploads the commands, answers a slash command and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from .conftest import TIMEOUT
from .fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parents[3]


async def test_run_serves_discord_until_sigterm(fake_discord: FakeDiscord, db_path: Path) -> None:
    fake = fake_discord
    guild = fake.add_guild("Study Group")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_"))}
    env |= {
        "DISCORD_BOT_TOKEN": fake.token,
        "DISCORD_API_BASE": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    bot = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--db",
        str(db_path),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_for("PUT", f"/applications/{fake.application_id}/commands", timeout=60)
        for _ in range(int(60 / 0.05)):  # READY and GUILD_CREATE reach the bot's gateway session
            if any(s.identified for s in fake._sockets):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
        payload = fake.slash_command(guild.id, guild.channel.id, fake.owner_id, "today")
        await fake.send_interaction(payload)
        call = await fake.wait_for("POST", f"/interactions/{payload['id']}/", timeout=TIMEOUT * 4)
        assert call.json["type"] == 4 and call.json["data"]["embeds"]
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == 0, err.decode()
    assert fake.token not in err.decode()
    assert fake.violations == []
