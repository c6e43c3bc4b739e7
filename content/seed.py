"""The textbook chapter the project grew from, and the check that the seed map covers every one of
its statements: each quote must appear in the text verbatim, and every sentence of the text must hold
at least one quote."""

from __future__ import annotations

import os
import re
from pathlib import Path

SEED_NAME = "000_94780efe686ae8eb.txt"
SEED_ENV = "COLDWAR_SEED_FILE"

# A sentence ends at . ! ? or … before a capital letter or an opening quote, except after an initial
# ("F. Castro", "N.S. Hrușciov"); a piece shorter than MIN_SENTENCE is joined to its neighbour.
_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-ZĂÂÎȘȚ„\"«(])")
_INITIAL = re.compile(r"(?:^|[\s.])[A-ZĂÂÎȘȚ]{1,2}\.$")
MIN_SENTENCE = 40


def find_seed_file() -> Path | None:
    """``$COLDWAR_SEED_FILE``, else ``../shared/seed/`` beside the repository, when present."""
    env = os.environ.get(SEED_ENV)
    if env:
        path = Path(env)
        return path if path.is_file() else None
    repo = Path(__file__).resolve().parent.parent
    for candidate in (
        repo.parent / "shared" / "seed" / SEED_NAME,
        Path.cwd().parent / "shared" / "seed" / SEED_NAME,
    ):
        if candidate.is_file():
            return candidate
    return None


def normalize(text: str) -> str:
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    out: list[str] = []
    for paragraph in text.splitlines():
        pieces: list[str] = []
        for piece in _SPLIT.split(normalize(paragraph)):
            if pieces and (_INITIAL.search(pieces[-1]) or len(pieces[-1]) < MIN_SENTENCE):
                pieces[-1] = f"{pieces[-1]} {piece}"
            else:
                pieces.append(piece)
        if len(pieces) > 1 and len(pieces[-1]) < MIN_SENTENCE:
            pieces[-2:] = [f"{pieces[-2]} {pieces[-1]}"]
        out.extend(p for p in pieces if p)
    return out


def coverage(text: str, quotes: list[str]) -> tuple[list[str], list[str]]:
    """(quotes not found in the text, sentences that hold no quote)."""
    flat = normalize(text)
    missing = [q for q in quotes if normalize(q) not in flat]
    found = [normalize(q) for q in quotes if normalize(q) in flat]
    uncovered = [s for s in sentences(text) if not any(q in s for q in found)]
    return missing, uncovered
