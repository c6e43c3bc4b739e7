"""The installed package finds its own data (content YAML, migrations, catalogs) without the
source tree: run the installed ``coldwar-bot`` from an unrelated folder."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_the_installed_command_finds_its_content_and_migrations(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("coldwar-bot")
    if not script.exists():
        script_path = shutil.which("coldwar-bot")
        if script_path is None:
            pytest.skip("coldwar-bot is not installed in this environment (pip install '.[test]')")
        script = Path(script_path)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "COLDWAR_BOT_DB"}}
    check = subprocess.run(
        [script, "content", "check"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "content OK" in check.stdout
    ask = subprocess.run(
        [script, "ask", "--db", str(tmp_path / "db.sqlite3"), "--lang", "ro", "/date 14 mai"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert ask.returncode == 0, ask.stderr
    assert "Semnarea Tratatului de la Varșovia" in ask.stdout
