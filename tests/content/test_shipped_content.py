"""One test validates every shipped content file and lists every failure at once."""

import re

from content.loader import content_root, load_content

SEED_EVENTS = {
    # The datable events of the seed chapter (../shared/seed): the skeleton's starter content.
    "battle-act-signed",
    "seato-manila-pact-signed",
    "baghdad-pact-signed",
    "iraq-leaves-baghdad-pact",
    "warsaw-pact-signed",
    "warsaw-pact-pcc-first-meeting",
    "austrian-state-treaty-signed",
    "ussr-west-germany-diplomatic-relations-agreed",
    "soviet-japanese-joint-declaration",
    "belgrade-declaration",
    "bhilai-steel-agreement-signed",
    "cpsu-20th-congress-opens",
    "sino-soviet-defense-technology-accord",
    "soviet-letter-halts-nuclear-aid-china",
    "khrushchev-mao-beijing-talks-1958",
    "aswan-dam-soviet-financing-agreement",
    "kennedy-announces-cuba-quarantine",
    "khrushchev-announces-missile-removal",
    "soviet-nuclear-test-suspension",
    "partial-test-ban-treaty-signed",
}


def test_every_shipped_file_is_valid() -> None:
    result = load_content()
    report = "\n".join(str(e) for e in result.errors)
    assert result.ok, f"{len(result.errors)} content error(s):\n{report}"
    assert result.missing_language == 0


def test_the_seed_chapters_datable_events_are_all_there() -> None:
    ids = {e.id for e in load_content().content.events}
    assert not SEED_EVENTS - ids, f"missing: {sorted(SEED_EVENTS - ids)}"


def test_no_cedilla_letters_anywhere_in_the_content() -> None:
    bad = []
    for path in sorted(content_root().rglob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search("[şţŞŢ]", line):
                bad.append(f"{path.name}:{number}")
    assert not bad, f"cedilla ş/ţ instead of comma-below ș/ț at: {bad}"


def test_every_event_is_sourced_over_https_or_http_and_dated_in_its_file() -> None:
    for event in load_content().content.events:
        assert event.sources and all(s.startswith(("https://", "http://")) for s in event.sources)
