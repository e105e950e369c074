"""Who speaks in a transcript: each speaker's role, decided once at ingest, and the prompt each answer follows.

A transcript has two sides: the people who ask (an interviewer, moderator or researcher; a sales
rep on a call) and the people whose words are the research (participants, customers). Search,
themes, competitors and exports all read the role stored on the passage, so they agree on it.

A speaker is an interviewer when a name given for the batch or the file says so, when their label
says so ("Priya (Researcher)", "Moderator", "Q"), or, failing both, by behaviour: most of their
turns ask a question and someone else in the transcript mostly answers. A speaker the file names
as its participant is never the interviewer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from ingest.boilerplate import is_backchannel
from ingest.model import ParsedDocument, Section

INTERVIEWER = "interviewer"
PARTICIPANT = "participant"

#: Words in a speaker's label that name the asking side.
_ASKING = re.compile(r"\b(?:interviewer|moderator|researcher|facilitator|interviewing|q|question|sales|"
                     r"account (?:exec|executive|manager)|solutions? engineer)\b", re.IGNORECASE)
#: Abbreviations of the asking side, trusted only as a role in brackets or after a comma ("Jo (AE)"):
#: as a word of a name they may be a name ("Se-ri").
_ASKING_ABBREVIATED = re.compile(r"\b(?:ux|ae|se|sdr|bdr|csm|rep|host)\b", re.IGNORECASE)
#: Words in a speaker's label that name the answering side.
_ANSWERING = re.compile(r"\b(?:participant|customer|respondent|interviewee|user|client|prospect|a|answer|p\d+)\b",
                        re.IGNORECASE)
#: A label that is a role, not a name, has at most this many words ("UX Researcher 2").
_ROLE_WORDS = 3
#: A turn asks when it holds a question mark ("Why? I mean, what happened then" included).
_QUESTION = re.compile(r"\?")
#: A speaker asks "mostly" when at least this share of their turns are questions.
MOSTLY_ASKS = 0.5
#: An interviewer's turn that asks nothing must have this many words to lead the answers after it ("Mm-hm" does not).
_PROMPT_WORDS = 6
#: The longest prompt kept on an answer; a long turn's question is at its end, so the end is kept.
MAX_PROMPT_CHARS = 400


def assign_roles(doc: ParsedDocument, interviewers: Iterable[str] = (), filename: str = "") -> ParsedDocument:
    """Return ``doc`` with each speaker turn's locator holding its role, and each answer's the prompt before it."""
    speakers = [s.locator.get("speaker") for s in doc.sections]
    names = [n for n in dict.fromkeys(speakers) if isinstance(n, str)]
    if not names:
        return doc
    given = [*interviewers, *_listed(doc.metadata.get("interviewers"))]
    roles = decide_roles(doc, names, given, filename)
    sections: list[Section] = []
    prompt: str | None = None
    for section, speaker in zip(doc.sections, speakers, strict=True):
        if not isinstance(speaker, str):
            sections.append(section)
            continue
        role = roles[speaker]
        locator = {**section.locator, "role": role}
        turn = doc.text[section.start : section.end]
        if role == INTERVIEWER and (_QUESTION.search(turn) or len(turn.split()) >= _PROMPT_WORDS):
            prompt = _prompt(turn)
        elif prompt is not None:
            locator["prompt"] = prompt
        # "Mm-hmm." stays in the transcript but is no passage: read after its prompt it would rank on the prompt alone.
        passage = section.passage and not is_backchannel(turn)
        sections.append(replace(section, locator=locator, passage=passage))
    metadata = {k: v for k, v in doc.metadata.items() if k != "interviewers"}
    return replace(doc, sections=tuple(sections), metadata=metadata)


def in_context(text: str, locator: dict[str, object]) -> str:
    """Return a passage as it is read for meaning and words: an answer after the question that led to it."""
    prompt = locator.get("prompt")
    return f"{prompt}\n{text}" if isinstance(prompt, str) and prompt else text


def decide_roles(doc: ParsedDocument, names: list[str], given: list[str], filename: str = "") -> dict[str, str]:
    """Return each speaker's role: named, labelled, or (failing both) by who mostly asks.

    When the file names its participants (front matter, or a name like ``2026-01-22-P04-gary-lindqvist``),
    a speaker it does not name is on the asking side, unless their label says otherwise: a second
    researcher or a sales engineer asks few questions but is not the research.
    """
    participant = str(doc.metadata.get("participant") or "")
    stem = set(_words(filename.rsplit(".", 1)[0].replace("-", " ").replace("_", " ")))
    named = {n for n in names if (participant and _same_person(n, participant)) or (stem and set(_words(n)) <= stem)}
    roles: dict[str, str] = {}
    for name in names:
        if any(_same_person(name, g) for g in given):
            roles[name] = INTERVIEWER
        elif name in named:
            roles[name] = PARTICIPANT
        elif _ASKING.search(_label(name)) or _ASKING_ABBREVIATED.search(_role(name)):
            roles[name] = INTERVIEWER
        elif _ANSWERING.search(_label(name)):
            roles[name] = PARTICIPANT
    if named:
        return {n: roles.get(n, INTERVIEWER) for n in names}
    undecided = [n for n in names if n not in roles]
    if INTERVIEWER in roles.values():  # the asking side is known: everyone else answers
        return {n: roles.get(n, PARTICIPANT) for n in names}
    share = _question_share(doc)
    for name in undecided:
        others_answer = any(share.get(other, 0.0) < MOSTLY_ASKS for other in names if other != name)
        asks = share.get(name, 0.0) >= MOSTLY_ASKS and others_answer
        roles[name] = INTERVIEWER if asks else PARTICIPANT
    return roles


def _question_share(doc: ParsedDocument) -> dict[str, float]:
    """Return the share of each speaker's turns that end in a question."""
    asked: dict[str, list[bool]] = {}
    for section in doc.sections:
        speaker = section.locator.get("speaker")
        if isinstance(speaker, str):
            asked.setdefault(speaker, []).append(bool(_QUESTION.search(doc.text[section.start : section.end])))
    return {name: sum(turns) / len(turns) for name, turns in asked.items()}


def _role(name: str) -> str:
    """Return what a speaker label says of a role: in brackets ("Priya (Researcher)") or after a comma or dash."""
    bracketed = re.findall(r"[(\[]([^)\]]*)[)\]]", name)
    after = re.split(r",|\s[-–—]\s", re.sub(r"[(\[][^)\]]*[)\]]", " ", name), maxsplit=1)[1:]
    return " ".join(bracketed + after)


def _label(name: str) -> str:
    """Return the role-bearing part of a speaker label: its role, else a short label that is itself a role."""
    role = _role(name)
    return role if role.strip() or len(name.split()) > _ROLE_WORDS else name


def _words(name: str) -> list[str]:
    """Return a name's words, lower-cased, without bracketed roles or participant codes."""
    bare = re.sub(r"[(\[][^)\]]*[)\]]", " ", name)
    return [w for w in re.findall(r"[^\W_]+", bare.lower()) if not re.fullmatch(r"p\d+", w)]


def _same_person(speaker: str, given: str) -> bool:
    """Whether a speaker label names the given person: all the given name's words, or their first name alone."""
    mine, theirs = _words(speaker), _words(given)
    if not mine or not theirs:
        return False
    return set(theirs) <= set(mine) or set(mine) <= set(theirs)


def _listed(value: object) -> list[str]:
    """Return names from a front-matter value: a list, or one string of names separated by commas."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _prompt(turn: str) -> str:
    """Return an interviewer's turn as the prompt of the answers after it, its end kept when it is long."""
    text = " ".join(turn.split())
    if len(text) <= MAX_PROMPT_CHARS:
        return text
    cut = text[-MAX_PROMPT_CHARS:]
    space = cut.find(" ")
    return "…" + (cut[space + 1 :] if 0 <= space < 40 else cut)
