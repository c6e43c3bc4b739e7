"""The core stays platform-neutral: importing every module of it loads no chat library."""

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import bot.core
for info in pkgutil.walk_packages(bot.core.__path__, "bot.core."):
    importlib.import_module(info.name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"telegram", "discord"})
print(",".join(loaded))
"""


def test_importing_the_core_loads_neither_telegram_nor_discord() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"bot.core pulled in: {out.stdout.strip()}"
