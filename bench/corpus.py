"""Deterministic, realistic research material about a shift-scheduling SaaS, for the benchmarks."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import DEFAULT_MAX_CHARS
from ingest.parsers import ParseOptions
from ingest.pipeline import parse_source, read_source

SEED = 20260314

# -- phrase banks -----------------------------------------------------------------------------

SLOTS: dict[str, list[str]] = {
    "role": ["store manager", "practice administrator", "shift lead", "HR coordinator", "operations director",
             "payroll specialist", "franchise owner", "charge nurse", "warehouse supervisor", "area manager"],
    "worker": ["hourly staff", "part-timers", "the night crew", "new hires", "students on weekend shifts",
               "nurses", "pickers", "baristas", "front-desk staff", "drivers"],
    "payroll": ["ADP", "Gusto", "Paychex", "QuickBooks Payroll", "Xero", "a CSV import into Sage"],
    "competitor": ["RotaMate", "ShiftPilot", "Clockwise HR", "Tandem Time", "a spreadsheet"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "number": ["two", "three", "four", "five", "six", "ten", "twelve", "twenty", "forty"],
    "period": ["the first week", "the first month", "onboarding", "the trial", "peak season", "the holidays",
               "the last quarter", "month end"],
    "feature": ["AutoFill", "shift swap", "the availability calendar", "Labor Forecast", "the time clock",
                "the weekly labor report", "open shifts", "the announcements feed", "the mobile schedule view",
                "the Getting Started checklist", "role templates", "break rules"],
    "error": ["ERR-PAY-214", "ERR-PAY-301", "a blank export", "a timeout on export", "duplicated rows",
              "a rounding error on overtime"],
    "site": ["three clinics", "two warehouses", "eight stores", "a single cafe", "five franchise locations",
             "a distribution center", "two hotels"],
    "price": ["$4", "$6", "$9", "$14", "$3.50"],
}

TOPICS: dict[str, list[str]] = {
    "onboarding": [
        "It took me {number} days to get the first schedule out.",
        "I did not know where to start, so I rebuilt the roles {number} times.",
        "The {feature} is buried in settings and I only found it when support pointed me to it.",
        "During {period} I kept asking myself whether I had set up the locations in the right order.",
        "Importing {worker} from the spreadsheet worked, but every pay rate came in as zero.",
        "Our {role} gave up on the setup wizard and called the account manager instead.",
        "Nobody told us that {feature} has to be configured before you invite anyone.",
        "The sample data was more confusing than helpful, because it looked like our real schedule.",
        "We would have finished setup in an afternoon with a short video for each step.",
        "Setting up {site} felt like building a house before you know where the walls go.",
    ],
    "mobile": [
        "The app keeps logging me out every morning, so I sign in again before each shift.",
        "{worker} say the mobile app logs them out whenever they switch to another app.",
        "After the last update the app forgot my password {number} times in one week.",
        "Face ID works on the first try, but the session still expires overnight.",
        "When the app logs out mid-shift, people cannot clock in and call the {role} instead.",
        "Android users complain about logouts much more than iPhone users do.",
        "The push notifications all look the same, so {worker} ignore them.",
        "I only see swap requests when I happen to open the web console on {weekday}.",
        "The mobile schedule view is the part everyone actually likes.",
        "Offline mode would save us, because the signal in the back of the store is terrible.",
    ],
    "payroll": [
        "The payroll export to {payroll} failed with {error} twice last month.",
        "Every pay period I fix {error} by hand before the file goes to {payroll}.",
        "Overtime is calculated per week but {payroll} expects it per pay period, so the totals never match.",
        "Our {role} spends {number} hours at month end reconciling the export.",
        "The export drops employees who changed roles in the middle of the pay period.",
        "We got {error} right after adding a new location, and support said it was a known issue.",
        "If the payroll export breaks, people get paid late and that is the end of the trial.",
        "A direct integration with {payroll} would be worth more to us than any new feature.",
        "The error message just says {error} and does not tell me which row is wrong.",
    ],
    "pricing": [
        "At {price} per user per month the Team plan is fine, but Labor Forecast is too expensive for us.",
        "We would pay for {feature} as an add-on, not by moving everyone to a higher tier.",
        "Per-seat pricing punishes us for having many part-timers who work {number} hours a month.",
        "{competitor} quoted us a flat price for {site}, which was easier to sell internally.",
        "The annual discount convinced our finance team, the feature list did not.",
        "Paying for seasonal staff who leave after {period} feels wasteful.",
        "Our owner compared us with {competitor} line by line and only cared about the price per location.",
        "I could not tell from the pricing page which plan includes {feature}.",
    ],
    "geofence": [
        "The geofence is too tight, so {worker} cannot clock in from the parking lot.",
        "At {site} the GPS drifts and the time clock rejects people standing at the door.",
        "We turned the geofence off because it produced more disputes than it prevented.",
        "Buddy punching dropped a lot once the geofence was on, our {role} told us.",
        "I want a different geofence radius per location, not one setting for the whole account.",
        "Clock-ins outside the fence should go to the {role} for approval instead of being refused.",
        "The geofence map does not show our loading dock, so the radius has to be huge.",
    ],
    "reporting": [
        "The weekly labor report is the first thing our {role} opens on {weekday}.",
        "I export the report to a spreadsheet because I cannot filter by {site}.",
        "Scheduled versus actual hours is the only number the owner looks at.",
        "The report takes minutes to load for {period} and sometimes times out.",
        "I need labor cost as a share of sales, and today I calculate it by hand.",
        "The dashboard shows overtime after it happened, when it is too late to do anything.",
        "We would like the report emailed to every {role} every {weekday} morning.",
        "Charts are pretty, but what I need is a table I can sort.",
    ],
    "scheduling": [
        "{feature} filled most of the rota, but it ignored the availability {worker} had entered.",
        "Swap approvals are my biggest ongoing annoyance.",
        "I publish the schedule on {weekday} and by {weekday} half of it has changed.",
        "Open shifts get claimed within minutes when we post them before noon.",
        "Copying last week's schedule brings back people who have already left.",
        "We plan {number} weeks ahead in {period} and the editor becomes very slow.",
        "Break rules differ per state, and the scheduler does not warn about them.",
        "The {role} wants to see labor cost while dragging shifts, not afterwards.",
    ],
    "support": [
        "Support answered within an hour, but the first reply was a link to the wrong article.",
        "The chat bot could not help with {error}, so I waited for a person.",
        "The help center explains {feature}, yet the screenshots are from an old version.",
        "Our account manager left and nobody told us who replaced her.",
        "I would like a phone number for payroll day, when every hour counts.",
    ],
}

INTERVIEWER_QUESTIONS = [
    "Can you walk me through your first week with the product?",
    "How do you build the schedule today?",
    "What happens on payroll day?",
    "Tell me about the last time something went wrong.",
    "How do your {worker} use the mobile app?",
    "What did you compare us with before you signed?",
    "How do you decide whether a shift swap is fine?",
    "Which report do you open first?",
    "What would make you recommend us to another {role}?",
    "How does clocking in work at your locations?",
    "Anything else you want to tell us?",
]

OPENERS = ["Honestly, ", "To be fair, ", "The thing is, ", "Last week ", "What annoys me is that ", "Frankly, ",
           "", "", "", "", "", ""]
TAILS = [" That was a surprise.", " We raised it with support.", " It happens every week.",
         " Nobody else on the team noticed.", " It still bothers me.", "", "", "", "", ""]

FIRST_NAMES = ["Dana", "Maria", "Hannah", "Gary", "Aisha", "Jamal", "Sofia", "Lucy", "Oscar", "Kevin", "Elena",
               "Nadia", "Dev", "Priya", "Tom", "Lena", "Marco", "Yuki", "Ines", "Sam"]
LAST_NAMES = ["Patel", "Lopez", "Brooks", "Lindqvist", "Bello", "Carter", "Marchetti", "Tran", "Reyes",
              "O'Brien", "Petrova", "Haddad", "Fischer", "Novak", "Okafor", "Silva", "Kim", "Moreau"]
SEGMENTS = ["SMB", "Mid-market", "Enterprise"]
AUTHORS = ["Lena Fischer", "Tom Novak", "Priya Shah"]
PLANS = ["Starter", "Team", "Business"]
#: Kinds given to synthetic documents, with their weights.
KIND_WEIGHTS = {"interview": 35, "survey": 20, "usability-test": 15, "support-ticket": 15, "sales-call": 10,
                "note": 5}

QUESTION_TEMPLATES = [
    "why do {role}s struggle in {period}?",
    "what do customers say about {feature}?",
    "how often does the mobile app log {worker} out?",
    "payroll export to {payroll} fails with {error}",
    "is {competitor} cheaper than us for {site}?",
    "complaints about the geofence at {site}",
    "what reports does the {role} need every {weekday}?",
    "who would pay for {feature} as an add-on?",
    "problems with overtime in the {payroll} export",
    "why did {worker} stop using {feature}?",
    "how long does setup take for {site}?",
    "what do people say about support during {period}?",
    "\"{feature}\" feedback from {role}s",
]


# -- text -------------------------------------------------------------------------------------

#: Words that keep their capital after an opener ("Honestly, ADP ...").
_NAMES = {v.split(" ", 1)[0] for values in SLOTS.values() for v in values if v[0].isupper()} | {"Android", "Face"}


def _fill(rng: random.Random, template: str) -> str:
    """Fill every ``{slot}`` of a template with a random value."""
    return template.format(**{k: rng.choice(v) for k, v in SLOTS.items()})


def sentence(rng: random.Random, topic: str) -> str:
    """Return one sentence about a topic, with an occasional opener or tail."""
    text = _fill(rng, rng.choice(TOPICS[topic]))
    opener = rng.choice(OPENERS)
    if opener:
        first = text.split(" ", 1)[0]
        keep = first == "I" or first in _NAMES or first.isupper()
        text = opener + (text if keep else text[0].lower() + text[1:])
    return text + rng.choice(TAILS)


def paragraph(rng: random.Random, topic: str | None = None, sentences: tuple[int, int] = (1, 6)) -> str:
    """Return 1-6 sentences, mostly about one topic and sometimes drifting to another."""
    topic = topic or rng.choice(list(TOPICS))
    out = []
    for _ in range(rng.randint(*sentences)):
        out.append(sentence(rng, topic if rng.random() < 0.8 else rng.choice(list(TOPICS))))
    return " ".join(out)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _date(rng: random.Random) -> str:
    return f"2026-{rng.randint(1, 6):02d}-{rng.randint(1, 28):02d}"


# -- files ------------------------------------------------------------------------------------

def interview_notes(rng: random.Random, number: int) -> str:
    """Return a Markdown interview write-up with YAML front matter and one section per topic."""
    name, date = _person(rng), _date(rng)
    topics = rng.sample(list(TOPICS), rng.randint(2, 5))
    lines = ["---", f'title: "Interview notes: P{number:03d} {name}"', "kind: interview", f"date: {date}",
             f'participant: "P{number:03d} {name}"', f"segment: {rng.choice(SEGMENTS)}",
             f"tags: [{', '.join(topics)}]", f"author: {rng.choice(AUTHORS)}", "---", "",
             f"# P{number:03d} · {name} · {rng.choice(SLOTS['role']).title()}", ""]
    for topic in topics:
        lines += [f"## {topic.title()}", ""]
        for _ in range(rng.randint(1, 8)):
            lines += [paragraph(rng, topic), ""]
    return "\n".join(lines)


def transcript(rng: random.Random, number: int) -> str:
    """Return a plain-text "Name: text" transcript of an interview."""
    name = rng.choice(FIRST_NAMES)
    lines = []
    for _ in range(rng.randint(4, 14)):
        lines.append(f"Interviewer: {_fill(rng, rng.choice(INTERVIEWER_QUESTIONS))}")
        lines.append(f"{name}: {paragraph(rng)}")
    return "\n".join(lines) + "\n"


def survey(rng: random.Random, number: int) -> str:
    """Return a survey export: one row per respondent, a free-text comment among other columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["respondent", "segment", "plan", "nps", "submitted_at", "comment"])
    for row in range(rng.randint(10, 60)):
        writer.writerow([f"R{number:03d}-{row:03d}", rng.choice(SEGMENTS), rng.choice(PLANS), rng.randint(0, 10),
                         _date(rng), paragraph(rng, sentences=(1, 4))])
    return out.getvalue()


#: File makers with their suffix and weight in a corpus.
MAKERS = [("interview-notes", ".md", interview_notes, 4), ("transcript", ".txt", transcript, 4),
          ("survey", ".csv", survey, 1)]


def count_passages(path: Path) -> int:
    """Return how many passages the default chunker makes of a file (no model, no database)."""
    options = ParseOptions(name=path.name)
    source = read_source(path, options, 50_000_000)
    return len(parse_source(source, options, DEFAULT_MAX_CHARS)[1])


def write_corpus(folder: Path, target_passages: int, seed: int = SEED) -> tuple[int, int]:
    """Write files into ``folder`` until they hold at least ``target_passages``; return (files, passages)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    files = passages = 0
    while passages < target_passages:
        name, suffix, make, _ = rng.choices(MAKERS, weights=[m[3] for m in MAKERS])[0]
        path = folder / f"{files:05d}-{name}{suffix}"
        path.write_text(make(rng, files), encoding="utf-8")
        passages += count_passages(path)
        files += 1
    return files, passages


# -- synthetic documents (no files) ------------------------------------------------------------

@dataclass
class SyntheticDocument:
    """A document's fields and its passages, ready for ``Store`` without parsing anything."""

    title: str
    kind: str
    date: str
    participant: str
    segment: str
    author: str
    tags: list[str]
    passages: list[str] = field(default_factory=list)


def passage_text(rng: random.Random, topic: str | None = None) -> str:
    """Return one passage: paragraphs merged up to the chunker's limit, as the chunker would."""
    text = paragraph(rng, topic)
    while rng.random() < 0.35:
        more = paragraph(rng, topic)
        if len(text) + 2 + len(more) > DEFAULT_MAX_CHARS:
            break
        text += "\n\n" + more
    return text[:DEFAULT_MAX_CHARS]


def synthetic_documents(total_passages: int, seed: int = SEED) -> Iterator[SyntheticDocument]:
    """Yield documents of mixed kinds whose passages add up to exactly ``total_passages``."""
    rng = random.Random(seed)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    left, number = total_passages, 0
    while left > 0:
        kind = rng.choices(kinds, weights=weights)[0]
        topics = rng.sample(list(TOPICS), rng.randint(1, 4))
        name = _person(rng)
        doc = SyntheticDocument(title=f"{kind.replace('-', ' ').title()} {number:05d}: {name}", kind=kind,
                                date=_date(rng), participant=f"P{number:05d} {name}",
                                segment=rng.choice(SEGMENTS), author=rng.choice(AUTHORS), tags=topics)
        size = min(left, rng.randint(3, 40))
        doc.passages = [passage_text(rng, rng.choice(topics)) for _ in range(size)]
        left -= size
        number += 1
        yield doc


def questions(count: int, seed: int = SEED) -> list[str]:
    """Return ``count`` distinct realistic search questions."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    tries = 0
    while len(out) < count:
        tries += 1
        if tries > 100 * count:  # the templates hold only so many distinct questions
            raise ValueError(f"cannot make {count} distinct questions; at most about {len(out)}")
        out[_fill(rng, rng.choice(QUESTION_TEMPLATES))] = None
    return list(out)
