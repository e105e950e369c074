"""Read a date and a participant from a file's name, where the name leaves no doubt."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from ingest.metadata import MAX_NAME_CHARS

#: Kinds whose document is about one person, so a name in the file's name is that participant.
PERSON_KINDS = ("interview", "usability-test", "sales-call")
#: Words that say what the file is, not who is in it ("P11-nadia-haddad-notes").
_KIND_WORDS = frozenset({"notes", "note", "transcript", "interview", "call", "session", "recording", "summary"})
#: A participant code as research teams number them: P1, P11, p003.
_CODE = re.compile(r"[Pp]\d{1,4}")
#: An ISO date, with or without dashes, not part of a longer number.
_DATES = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
#: A name has a few words; more reads as a phrase ("P03-follow-up-on-the-export-bug").
_MAX_NAME_WORDS = 4


def metadata_from_name(stem: str, kind: str) -> dict[str, Any]:
    """Return the date and, for a kind about one person, the participant a file's name states.

    ``2026-02-17-P11-nadia-haddad-notes`` gives date 2026-02-17 and participant "P11 Nadia
    Haddad", the "code name" form front matter uses. A name with two different dates gives no
    date; a participant needs a code (P11), so a plain title ("2026-q1-roadmap") names nobody.
    """
    stem = unicodedata.normalize("NFC", stem)
    found: dict[str, Any] = {}
    dates = {_date(match) for match in _DATES.finditer(stem)} - {None}
    if len(dates) == 1:
        found["date"] = dates.pop()
    if kind in PERSON_KINDS:
        participant = _participant(_DATES.sub(" ", stem))
        if participant:
            found["participant"] = participant
    return found


def _date(match: re.Match[str]) -> str | None:
    """Return the ISO date a match spells, or None for an impossible one (2026-13-45)."""
    year, month, day = (int(g) for g in match.groups() if g is not None)
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _participant(rest: str) -> str | None:
    """Return "P11 Nadia Haddad" from what is left of a name once its date is gone, or None."""
    words = [w for w in re.split(r"[\s_.\-]+", rest) if w]
    while words and words[-1].lower() in _KIND_WORDS:
        words.pop()
    while words and words[0].lower() in _KIND_WORDS:
        words.pop(0)
    if not words or not _CODE.fullmatch(words[0]):
        return None
    code, names = words[0].upper(), words[1:]
    if len(names) > _MAX_NAME_WORDS or not all(w.replace("'", "").isalpha() for w in names):
        return None
    label = " ".join([code, *map(_capitalised, names)])
    return label if len(label) <= MAX_NAME_CHARS else None


def _capitalised(word: str) -> str:
    """Return a name word with capitals: "o'brien" → "O'Brien"; one written with capitals (McDonald) is kept."""
    if word != word.lower():
        return word
    return "'".join(part[:1].upper() + part[1:] for part in word.split("'"))
