#!/usr/bin/env python3
# ruff: noqa: E501  (hand-written prose data)
"""Generate the Q1 2026 customer pulse survey export for the ShiftCraft demo.

    python examples/demo/tools/make_survey.py

Writes, deterministically (fixed seed, same bytes every run):
    examples/demo/surveys/2026-02-customer-pulse-survey.csv   (Excel-style: UTF-8 BOM, CRLF, quoted fields)
    examples/demo/tools/survey_answer_key.json                (planted pain point ids per respondent)

Survey question shown to respondents: "What is the one thing we could change to make ShiftCraft more
useful for you? Tell us what's working, too."

Each response is assembled from hand-written phrase banks below. A bank entry is a string or
``only(text, plan=..., segment=..., industry=...)``, which restricts it to matching respondents.
The theme ids (PP1..PP10, PP5-fair) match examples/demo-answers.md; "praise-app" marks workers' general
praise for the mobile schedule (not a planted pain point).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path

SEED = 20260215
ROWS = 240
HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "surveys" / "2026-02-customer-pulse-survey.csv"
KEY = HERE / "survey_answer_key.json"

COLUMNS = ["respondent_id", "submitted_at", "segment", "plan", "role", "industry", "company_size", "nps", "response"]

REST, RETAIL, CLINIC, WARE, FIT, HOTEL, SENIOR, OTHER = (
    "Restaurant / food service",
    "Retail",
    "Healthcare clinic",
    "Warehouse & logistics",
    "Fitness",
    "Hospitality",
    "Senior living",
    "Other",
)
MULTI = {"Team", "Business", "Enterprise"}
BIGGER = {"Mid-market", "Enterprise"}


def only(text: str, **constraints: set[str]) -> tuple[str, dict[str, set[str]]]:
    """A phrase usable only by respondents whose plan/segment/industry is in the given sets."""
    return text, constraints


# ---------------------------------------------------------------------------------------------
# Phrase banks. "w" = shift-worker voice, "m" = manager/admin voice.
# ---------------------------------------------------------------------------------------------
BANKS: dict[str, dict[str, list]] = {
    "PP1": {
        "m": [
            "The first week was brutal. I didn't know whether to set up locations, roles or pay rules first, so I did it in the wrong order twice.",
            "Took me four days to get our first schedule published.",
            "Setup is confusing. It wants locations, roles, pay rules and staff before you can do anything, and nothing tells you the order.",
            "I had no idea where to start when we signed up.",
            "The getting started checklist is buried in Settings. I only found it after I'd already set everything up the hard way.",
            only(
                "Onboarding new managers is hard - they get lost in the setup screens and create duplicate roles.",
                segment=BIGGER,
            ),
            only(
                "Roles being tied to one location caught us out, we ended up with three versions of 'Line Cook'.",
                industry={REST},
                plan=MULTI,
            ),
            'Please give new admins a step-by-step wizard. The empty schedule page that says "Add roles to get started" is not enough.',
            only("It took our office manager most of two weeks to get all the sites configured.", plan=MULTI),
            "We invited staff before the schedule was ready because that button was front and centre, and they all logged into an empty app.",
            "Nobody told me pay rules have to exist before publishing. Our first labor cost report said $0.",
            "The initial configuration is a maze. Once it's done it's great, but getting there was painful.",
            "I nearly gave up during the trial because I couldn't work out how to get from sign-up to an actual schedule.",
            only(
                "Setting up locations one at a time is slow. Let us import them from a spreadsheet, or copy one site's setup to the others.",
                segment=BIGGER,
            ),
            "First few days were confusing - every screen assumed I had already done some other screen.",
            only(
                "A guided setup would help a lot. We got there with our CSM's help but I wouldn't want to do it alone.",
                segment=BIGGER,
            ),
            "I closed the welcome popup on day one and never saw the setup checklist again.",
            "Too many settings before you see any value. Let me build a schedule first and fill in pay rules later.",
            "It wasn't obvious what order things need to happen in. Locations, then roles, then pay rules? Would have been nice to be told.",
            only(
                "When we opened our new location the new GM spent days figuring out the setup. I ended up writing my own how-to doc for them.",
                plan=MULTI,
            ),
            "getting started was harder than it should be. took us about a week before we published anything",
            "Week one was lots of clicking around and lots of support chats. The order of the setup steps should be spelled out.",
            only(
                "Setup was fine for one location, but adding the second one is where I got lost.",
                segment={"SMB"},
                plan=MULTI,
            ),
        ]
    },
    "PP2": {
        "w": [
            "The app logs me out constantly.",
            "I have to sign in again every morning before I can clock in.",
            "Keeps kicking me out mid-shift and then I have to reset my password.",
            'It says "session expired" at the worst possible time, usually right when I\'m clocking out.',
            "Please let me stay logged in. Or at least let me use my fingerprint.",
            "I get ERR-AUTH-419 almost every day.",
            "Why do I have to type my password every single day?",
            only(
                "On my 12 hour shifts it logs me out before the end so I can't clock out.",
                industry={CLINIC, SENIOR, WARE},
            ),
            "I forget my password because I only type it when the app signs me out, and then the reset email takes forever.",
            "logged out again today. and yesterday",
            "It signed me out in the middle of clocking out and my punch didn't save.",
            "Face unlock please, the constant sign-ins are annoying.",
            "Stop signing me out!!",
            "Every time I open the app it wants my password again. My bank app doesn't even do that.",
            "I got logged out on my break and couldn't clock back in until my manager reset my password.",
            "The login thing. Every day.",
            "Having to re-enter my password before every shift is a pain, especially with gloves on.",
            "If I don't open the app for a day or two it forgets me completely.",
        ],
        "m": [
            "My staff get logged out of the mobile app all the time and come to me to reset passwords.",
            "Session timeouts on the mobile app are a daily headache for our team.",
            "Some mornings half my crew can't clock in because the app has signed them out.",
            "Password resets for hourly staff eat up my time. The app shouldn't log people out so often.",
            "Workers being logged out during shifts leads to missed punches that I have to fix.",
            'The "Your session has expired" screen is the most common complaint I hear from our team.',
            "I spend part of every shift helping people log back in to the app.",
            "Let us set how long people stay signed in. Shared tablets should log out fast, personal phones shouldn't.",
            only(
                "Our nurses get logged out near the end of long shifts, so they skip clocking out.",
                industry={CLINIC, SENIOR},
            ),
            "Every Monday morning there's a line of people who can't get into the app.",
            "ERR-AUTH-419 is the error my employees see most. Please make sessions last longer on their own phones.",
            "The number one complaint from my team is having to sign in again and again.",
        ],
    },
    "PP3": {
        "w": [
            "Shift swaps take forever to get approved.",
            "My swap sat in pending for days. I didn't know if I was working or not.",
            "I put up a swap on Monday and it got approved the morning of the shift.",
            "The swap board is great in theory but managers never see the requests.",
            '"Accepted" and "approved" apparently mean different things. Very confusing when you\'re trying to figure out if you have the day off.',
            "We just text our manager about swaps now because the app is too slow.",
            "A swap I requested expired and nobody told me.",
            "swaps are slow, we use the group chat instead",
            "Trading shifts should be instant if someone qualified picks it up. Waiting on approval is the worst part.",
            "I never know if my swap went through until I check the schedule the night before.",
            "Got marked as a no-show because my swap was still pending. Not cool.",
            "Can the app remind my manager about swaps? They just sit there.",
            "Picking up shifts is easy, giving one away takes days.",
            "Please make it clear when a swap is final.",
        ],
        "m": [
            "I never notice swap requests. They look exactly like every other notification.",
            "Swap approvals get lost in a flood of notifications.",
            "I'd like one place on my phone that shows only the things waiting for my approval.",
            "Let swaps between people in the same role auto-approve. I don't need to check those.",
            "I only approve swaps when I happen to open the web console, so they sit for days.",
            "There's no reminder when a swap is waiting on me. Then it expires and both people think the other one is covering.",
            "We've had no-shows because swaps weren't approved in time.",
            "Please make swap notifications stand out, or send me a daily summary of pending requests.",
            "Bulk approve for swaps would save me time on Mondays.",
            "Swap requests need to reach managers faster, by text if that's what it takes.",
            "My team complains that swaps take too long. Honestly it's because I can't find them in the app.",
        ],
    },
    "PP4": {
        "m": [
            "Payroll export is our biggest problem. We get ERR-PAY-214 and overtime goes missing.",
            "The CSV export to Gusto drops overtime for some employees.",
            "The ADP export doesn't bring over overtime correctly for people who work two roles.",
            "Every pay period I reconcile the export by hand because I can't trust the overtime numbers.",
            "Daily overtime (we're in California) doesn't export right. Double time just disappears.",
            "ERR-PAY-214 again this month. The file still downloads, so it's easy to miss.",
            "The export should fail loudly if it can't map overtime, instead of handing me a file with wrong numbers.",
            "Had to run an off-cycle payroll because overtime was exported as regular hours.",
            '"Overtime rule mismatch" error every other payroll. Support says it\'s a known issue.',
            "Fix the payroll export please. It's the one thing that has to be right.",
            "The ERR-PAY-207 missing payroll ID message gives a row number instead of the employee's name.",
            "I spend hours every payday comparing the hours report to the export file.",
            "Our payroll clerk doesn't trust the ShiftCraft export at all after the overtime issues.",
            "Double time isn't in the Gusto export unless you switch to the Advanced profile, and even then it's hit or miss.",
            only("A native ADP integration like Clockwise HR has would save us a lot of grief.", segment=BIGGER),
            only(
                "When someone works at two of our locations in the same week, their OT gets lost in the export.",
                plan=MULTI,
            ),
            "Overtime hours end up in the regular column in the payroll file. Our staff noticed before we did.",
        ]
    },
    "PP5": {
        "m": [
            only("Labor Forecast should not require the Business plan.", plan={"Team", "Starter"}),
            only("Going from $8 to $14 per user just to get forecasting is a huge jump.", plan={"Team"}),
            "The Business plan is too expensive for what it adds. $14 a head is steep for a company our size.",
            only("We'd pay for forecasting as an add-on, but not 75% more on every seat.", plan={"Team"}),
            "The pricing gap between Team and Business is too big.",
            only(
                "Would love the forecasting and the report builder but can't justify Business for 300 people.",
                plan={"Team"},
                segment={"Mid-market"},
            ),
            "Other vendors include forecasting in a cheaper plan. ShiftPilot does it at $9.",
            "Can managers be on Business and hourly staff on Team? Paying $14 for people who only clock in makes no sense.",
            "The features we want are always one tier up.",
            only("The price jump to Business is the main reason we haven't upgraded.", plan={"Team"}),
            "$14/user is a hard sell to our CFO when we only want one feature.",
            "Team is great value. Business is priced for a much bigger company than us.",
            only(
                "We upgraded to Business for Labor Forecast and it stings every month. It should be an add-on.",
                plan={"Business"},
            ),
            only(
                "Our renewal is coming up and the Business line item is the first thing finance asked about.",
                plan={"Business"},
            ),
        ]
    },
    "PP5-fair": {
        "m": [
            "Price is very fair for what we get.",
            only("$4 a user is a bargain for a small business like ours.", plan={"Starter"}),
            "Worth every penny. One no-show costs me more than the subscription.",
            "It's cheaper than the time I used to spend on schedules, by a mile.",
            "Good value. We looked at RotaMate, which is cheaper, but it doesn't do half of this.",
            only("Team plan pricing is reasonable for a two-location business.", plan={"Team"}),
            only("Happy with the price. We don't need Business.", plan={"Starter", "Team"}),
            "Affordable, and the auto-scheduling alone pays for it.",
            "For a small team the pricing is spot on.",
            "No complaints about cost. It paid for itself in the first month.",
            only("Eight dollars a person is fine for us. I'd pay that for AutoFill alone.", plan={"Team"}),
            "Pricing is fair. Please don't raise it!",
            "Cheaper than hiring someone to do the schedule, which is basically what it replaced.",
        ]
    },
    "PP6": {
        "w": [
            "It says I'm outside the work area when I'm literally standing at the door.",
            "GPS clock in fails inside our building, I have to walk around until it works.",
            only("ERR-GEO-102 all the time at the back of the store.", industry={RETAIL}),
            "Clocked out at the door and it said I wasn't at work.",
            "The location check is way too strict.",
            "my phone's GPS jumps around and the app says I'm not at work",
            only("At the far dock doors it always says outside work area (ERR-GEO-102).", industry={WARE}),
            "I've been told I'm \"outside the work area\" while standing at the time clock.",
            "The geofence thing hates my phone. Takes three tries to clock in some days.",
            "Had to stand in the parking lot to clock in one day and inside the building it refused. Makes no sense.",
            "Outside work area error when I'm clearly at work. Every week.",
            "Clock-in by location is hit and miss, especially when it's busy and I'm in a rush.",
        ],
        "m": [
            "Geofence rejections are constant at our larger sites.",
            "The circular geofence doesn't fit our building. Too small misses the back, too big includes the parking lot.",
            "Let us draw the geofence as a shape instead of a circle.",
            "I fix missed punches every week because the app says people are outside the work area.",
            "We increased the geofence radius and now people clock in from their cars.",
            "Indoor GPS is unreliable and the geofence doesn't account for it.",
            "Allow clock-in on the site wifi as proof of location instead of GPS only.",
            'Too many false "outside work area" errors, especially on older Android phones.',
            only("Our warehouse is 300 m long and the default 100 m radius is useless.", industry={WARE}),
            "ERR-GEO-102 tickets from my staff every week. The geofence radius setting doesn't fix it.",
        ],
    },
    "PP7": {
        "m": [
            "Reports are too basic. I export everything to a spreadsheet to get what I need.",
            "Let me customize reports: add columns, filter, save views.",
            only("I can't see labor cost across all my locations in one report.", plan=MULTI),
            "There's no way to compare labor to sales inside ShiftCraft.",
            only("The Report Builder is a good start but I can't save a report.", plan={"Business", "Enterprise"}),
            "Reporting is shallow. Hours by role is nice but it's not what my boss asks for.",
            only("We need reports grouped by region or district, not just by location.", segment=BIGGER),
            "Scheduled email reports would save my Monday mornings.",
            "I spend 45 minutes every week rebuilding the same report in a spreadsheet.",
            "Overtime by location by week should be a standard report.",
            "The reports answer questions nobody asked.",
            only("Custom reports shouldn't be locked to the Business plan.", plan={"Starter", "Team"}),
            "Please add calculated fields, like labor as a percent of sales.",
            only("Reports are one location at a time, which doesn't work for a multi-site business.", plan=MULTI),
            "The reporting doesn't go deep enough. I can't break labor down by daypart.",
        ]
    },
    "PP8": {
        "w": [
            only("No signal in the back of our warehouse so I can't clock in.", industry={WARE}),
            "The app needs an offline mode. It just spins when there's no reception.",
            "I have to walk to the break room to get wifi so I can clock in.",
            only("Clocking in from the freezer is impossible, there's no signal.", industry={WARE}),
            "When the signal drops the punch just fails. It should save it and send it later.",
            "No bars where I work, so the app is useless for clocking in. I clock in at the front and walk back.",
            "Couldn't connect error (ERR-SYNC-503) every time I'm in the back.",
            "Let me clock in without internet and sync later. Other apps do that.",
        ],
        "m": [
            only("Offline clock-in is a must for our distribution centers.", industry={WARE}),
            "Dead zones in our building mean people can't clock in where they actually work.",
            "Please add offline punches that sync when the connection comes back.",
            only(
                "Our basement locations have no cell coverage, so the mobile time clock doesn't work there.",
                industry={FIT, RETAIL, REST},
            ),
            "Competitors have an offline mode. It's the main gap for sites like ours.",
            "The kiosk should work without internet and upload punches later.",
            only("ERR-SYNC-503 whenever our crews are in the cooler. We need offline support.", industry={WARE, REST}),
            "Rural sites with bad reception can't use the mobile time clock reliably.",
            "The app gives up when there's no signal and the punch is lost. That's a payroll problem for us.",
        ],
    },
    "PP9": {
        "m": [
            "AutoFill is amazing. Saves me hours every week.",
            "Auto-scheduling cut my schedule time from a whole afternoon to 20 minutes.",
            "The auto-schedule respects availability, which our old system never did.",
            "AutoFill alone is worth the subscription.",
            "Building the weekly schedule used to take me 5 hours. Now it's under one.",
            "Love AutoFill. I tweak a few shifts and publish.",
            "Scheduling is so much faster than in our spreadsheet days.",
            "The auto scheduling is better than the AI one we had before, because it actually listens to availability.",
            only("AutoFill saves our GMs 3-4 hours a week each.", segment=BIGGER),
            "Best feature is the automatic schedule builder. I'd never go back.",
            "Sunday nights are mine again thanks to AutoFill.",
            "Scheduling is the strong point. Auto-fill gets it about 80% right first time.",
            "The schedule practically builds itself now. Huge time saver.",
            "AutoFill + the mobile app means I'm not the human group chat anymore.",
            "What used to be a full day of scheduling is now about an hour, including fixes.",
            "Auto-schedule is the reason we bought it and it delivers.",
        ]
    },
    "praise-app": {
        "w": [
            "Love seeing my schedule on my phone.",
            "Easy to pick up extra shifts.",
            "The app makes it easy to see who I'm working with.",
            "Schedules come out earlier now, which helps me plan my week.",
            "Setting my availability is easy and the schedule actually respects it now.",
            "Way better than a photo of the paper schedule.",
            "I like getting a notification when the new schedule is posted.",
            "Open shifts are easy to grab when I want more hours.",
            "The schedule feels fairer since my manager started using the auto schedule.",
            "Clean app, easy to read.",
        ]
    },
    "PP10": {
        "m": [
            only("SSO should be available below Enterprise. Our security team requires it.", plan={"Business", "Team"}),
            only(
                "We need SAML single sign-on and SCIM provisioning to roll out company-wide.", plan={"Business", "Team"}
            ),
            "The audit log needs to show timesheet edits with before and after values.",
            only("Our security review flagged local passwords. SSO is a must.", plan={"Business", "Team"}),
            "Need an exportable audit trail of who changed what and when.",
            "Offboarding terminated employees by hand is a risk. Please support SCIM.",
            "The activity log isn't an audit log. Compliance needs edit history on time records.",
            "Audit logs should stream to our SIEM.",
            "Configurable session policies per device type are required by our IT policy.",
            only("Without SSO and a proper audit trail, we can't expand beyond our pilot sites.", plan={"Business"}),
            only(
                "SAML SSO works, but the audit export is CSV only. We need an API or syslog feed.", plan={"Enterprise"}
            ),
        ]
    },
    "noise": {
        "w": [
            "n/a",
            "Nothing to add.",
            "All good!",
            "Dark mode please!",
            "Please add a Spanish language option.",
            "Calendar sync to my phone's calendar would be nice.",
            "-",
            "Let us upload a profile photo.",
            "Show time-off requests on the schedule.",
            "it's fine",
            "Tip tracking would be nice.",
            "idk",
        ],
        "m": [
            "N/A",
            "Nothing right now.",
            "Keep doing what you're doing.",
            "Dark mode please!",
            "Please add a Spanish language option for our staff.",
            "Tip pooling would be great.",
            "Integrate with our POS so we can see sales next to labor.",
            "Printing the schedule on one page would be nice.",
            "More colours for roles on the schedule.",
            "Support has been great, very quick replies.",
            "Holiday pay rules are confusing to set up.",
            "The web console is a bit slow on Monday mornings.",
            "Not sure yet, we only started last month.",
            "Allow notes on individual shifts that staff can see.",
            "Would like a break reminder feature for labor law compliance.",
            "Time-off requests should show on the schedule grid.",
        ],
    },
}
TERSE = {"n/a", "N/A", "-", "it's fine", "idk"}
POSITIVE = {"PP9", "PP5-fair", "praise-app"}

PAIN_OPENERS = [
    "Honestly,",
    "Generally positive, but",
    "Mostly good, but",
    "Our managers like it, but",
    "Quick feedback:",
]
ANY_OPENERS = [
    "Overall pretty happy.",
    "We have been customers for about a year.",
    "Good product overall.",
    "Mostly good.",
    "We switched from spreadsheets last year.",
    "Solid tool.",
    "Been using it since the spring.",
    "Our managers like it.",
]
PAIR_OPENERS = ["Two things.", "Where to start."]
CLOSERS = [
    "Thanks for asking.",
    "Otherwise great.",
    "Please fix this.",
    "That's my main request.",
    "Happy to talk more.",
    "Would recommend otherwise.",
    "This is a big deal for us.",
    "Thanks!",
]
TURNS = ["But", "Only issue:", "That said,", "On the other hand,"]

SEGMENTS = [("SMB", 42), ("Mid-market", 40), ("Enterprise", 18)]
PLANS = {
    "SMB": [("Starter", 45), ("Team", 50), ("Business", 5)],
    "Mid-market": [("Team", 65), ("Business", 35)],
    "Enterprise": [("Business", 50), ("Enterprise", 50)],
}
SIZES = {
    "SMB": [("1-10", 35), ("11-50", 65)],
    "Mid-market": [("51-200", 60), ("201-1000", 40)],
    "Enterprise": [("1001-5000", 80), ("5000+", 20)],
}
INDUSTRIES = {
    "SMB": [(REST, 35), (RETAIL, 25), (CLINIC, 12), (FIT, 8), (HOTEL, 8), (OTHER, 12)],
    "Mid-market": [(REST, 25), (RETAIL, 22), (CLINIC, 18), (SENIOR, 8), (WARE, 10), (FIT, 7), (HOTEL, 5), (OTHER, 5)],
    "Enterprise": [(WARE, 35), (CLINIC, 20), (RETAIL, 15), (FIT, 12), (REST, 10), (HOTEL, 8)],
}
ROLES = {
    "SMB": [
        ("Owner", 30),
        ("General manager", 20),
        ("Store manager", 12),
        ("Office manager", 10),
        ("Shift worker", 28),
    ],
    "Mid-market": [
        ("Store manager", 18),
        ("Regional manager", 10),
        ("Clinic administrator", 8),
        ("Payroll specialist", 10),
        ("HR manager", 8),
        ("Scheduler", 8),
        ("Shift worker", 38),
    ],
    "Enterprise": [
        ("Operations director", 12),
        ("Site manager", 16),
        ("IT administrator", 8),
        ("Payroll manager", 8),
        ("HR business partner", 6),
        ("Shift supervisor", 12),
        ("Shift worker", 28),
    ],
}
ROLE_INDUSTRY = {
    "Store manager": {REST, RETAIL, FIT, OTHER},
    "Clinic administrator": {CLINIC, SENIOR},
    "Site manager": {WARE, HOTEL, FIT, RETAIL, REST, CLINIC},
    "Office manager": {CLINIC, FIT, HOTEL, OTHER, RETAIL},
}
WORKER_ROLES = {"Shift worker", "Shift supervisor"}

# Theme weights by segment (manager voice); workers only draw from their own themes.
THEMES_M = {
    "SMB": {
        "PP1": 14,
        "PP2": 6,
        "PP3": 7,
        "PP4": 4,
        "PP5": 2,
        "PP5-fair": 16,
        "PP6": 5,
        "PP7": 4,
        "PP8": 1,
        "PP9": 22,
        "PP10": 0,
        "noise": 12,
    },
    "Mid-market": {
        "PP1": 10,
        "PP2": 7,
        "PP3": 8,
        "PP4": 14,
        "PP5": 30,
        "PP5-fair": 1,
        "PP6": 5,
        "PP7": 12,
        "PP8": 3,
        "PP9": 12,
        "PP10": 1,
        "noise": 6,
    },
    "Enterprise": {
        "PP1": 6,
        "PP2": 6,
        "PP3": 3,
        "PP4": 8,
        "PP5": 2,
        "PP5-fair": 0,
        "PP6": 10,
        "PP7": 12,
        "PP8": 12,
        "PP9": 6,
        "PP10": 30,
        "noise": 4,
    },
}
THEMES_W = {"PP2": 18, "PP3": 14, "PP6": 12, "PP8": 5, "praise-app": 16, "noise": 14}
ROLE_BOOST = {
    "Payroll specialist": {"PP4": 40},
    "Payroll manager": {"PP4": 40},
    "IT administrator": {"PP10": 40},
    "Regional manager": {"PP7": 15, "PP5": 8},
    "Operations director": {"PP7": 10, "PP8": 8},
}
NPS_RANGE = {
    "PP1": (5, 9),
    "PP2": (4, 8),
    "PP3": (5, 8),
    "PP4": (2, 7),
    "PP5": (5, 8),
    "PP5-fair": (8, 10),
    "PP6": (3, 8),
    "PP7": (5, 8),
    "PP8": (2, 7),
    "PP9": (8, 10),
    "PP10": (5, 8),
    "praise-app": (7, 10),
    "noise": (6, 10),
}


def pick(rnd: random.Random, weighted) -> str:
    items = [(k, w) for k, w in (weighted.items() if isinstance(weighted, dict) else weighted) if w > 0]
    x = rnd.uniform(0, sum(w for _, w in items))
    for k, w in items:
        x -= w
        if x <= 0:
            return k
    return items[-1][0]


def fits(entry, ctx: dict[str, str]) -> str | None:
    text, constraints = (entry, {}) if isinstance(entry, str) else entry
    return text if all(ctx[k] in allowed for k, allowed in constraints.items()) else None


class Decks:
    """Draw phrases without replacement per bank; a bank is reshuffled only once it runs out."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.decks: dict[tuple[str, str], list] = {}

    def draw(self, theme: str, voice: str, ctx: dict[str, str]) -> str:
        bank = BANKS[theme]
        voice = voice if voice in bank else "m"
        key = (theme, voice)
        for _ in range(2):
            deck = self.decks.get(key)
            if not deck:
                deck = list(bank[voice])
                self.rnd.shuffle(deck)
                self.decks[key] = deck
            for i, entry in enumerate(deck):
                text = fits(entry, ctx)
                if text is not None:
                    del deck[i]
                    return text
            self.decks[key] = []
        return self.rnd.choice([e for e in bank[voice] if isinstance(e, str)])


def lower_first(text: str) -> str:
    word = text.split()[0]
    keep = (
        (len(word) > 1 and word.replace("-", "").isupper())
        or word in ("I", "I'm", "I've", "I'd")
        or word.startswith(("ERR", "AutoFill", "ShiftCraft", "SSO", "SAML", "ADP", "Gusto", "$", '"'))
    )
    return text if keep else text[0].lower() + text[1:]


def compose(rnd: random.Random, decks: Decks, themes: list[str], voice: str, ctx: dict[str, str]) -> str:
    parts = [decks.draw(t, voice, ctx) for t in themes]
    text = parts[0]
    if text in TERSE:
        return text
    ended = text.endswith((".", "!", "?"))
    if len(parts) > 1:
        second = parts[1]
        if themes[0] in POSITIVE and themes[1] not in POSITIVE and rnd.random() < 0.6:
            second = rnd.choice(TURNS) + " " + lower_first(second)
        if not ended:
            text += "."
        sep = "\n" if rnd.random() < 0.12 else ("\n\n" if rnd.random() < 0.06 else " ")
        text = text + sep + second
    if voice == "m" and text[0].isupper() and rnd.random() < 0.25:
        if len(parts) > 1 and rnd.random() < 0.4:
            text = rnd.choice(PAIR_OPENERS) + " " + text
        elif themes[0] not in POSITIVE and themes[0] != "noise" and " but " not in parts[0] and rnd.random() < 0.6:
            opener = rnd.choice(PAIN_OPENERS)
            text = opener + " " + lower_first(text)
        else:
            text = rnd.choice(ANY_OPENERS) + " " + text
    if rnd.random() < 0.15 and themes[-1] not in POSITIVE and themes[0] != "noise" and text.endswith((".", "!", "?")):
        text = text + " " + rnd.choice(CLOSERS)
    if voice == "w" and rnd.random() < 0.12:
        text = text[0].lower() + text[1:]
    return text


def generate() -> tuple[list[dict], dict[str, list[str]]]:
    rnd = random.Random(SEED)
    decks = Decks(rnd)
    start = dt.datetime(2026, 2, 2, 8, 0)
    stamps = sorted(start + dt.timedelta(minutes=rnd.randint(0, 18 * 24 * 60)) for _ in range(ROWS))
    rows, key, seen = [], {}, set()
    for n, stamp in enumerate(stamps, start=1):
        segment = pick(rnd, SEGMENTS)
        plan = pick(rnd, PLANS[segment])
        industry = pick(rnd, INDUSTRIES[segment])
        role = pick(rnd, ROLES[segment])
        while industry not in ROLE_INDUSTRY.get(role, {industry}):
            role = pick(rnd, ROLES[segment])
        voice = "w" if role in WORKER_ROLES else "m"
        weights = dict(THEMES_W) if voice == "w" else dict(THEMES_M[segment])
        for t, boost in ROLE_BOOST.get(role, {}).items():
            weights[t] = weights.get(t, 0) + boost
        if industry == WARE:
            weights["PP8"] = weights.get("PP8", 0) + 14
            weights["PP6"] = weights.get("PP6", 0) + 6
        if plan != "Team":
            weights["PP5"] = weights.get("PP5", 0) // 3
        if plan == "Enterprise":
            weights["PP5"] = 0
        if plan == "Starter":
            weights["PP7"] = weights.get("PP7", 0) // 2
        ctx = {"plan": plan, "segment": segment, "industry": industry}
        for _ in range(20):
            themes = [pick(rnd, weights)]
            if themes[0] != "noise" and rnd.random() < 0.28:
                themes.append(pick(rnd, {k: v for k, v in weights.items() if k not in (themes[0], "noise")}))
            text = compose(rnd, decks, themes, voice, ctx)
            if text not in seen or text in TERSE:
                break
        seen.add(text)
        lo, hi = NPS_RANGE[themes[0]]
        nps = rnd.randint(lo, hi)
        if len(themes) > 1 and themes[1] not in POSITIVE:
            nps = max(0, nps - 1)
        rid = f"RSP-{n:04d}"
        rows.append(
            {
                "respondent_id": rid,
                "submitted_at": stamp.strftime("%Y-%m-%d %H:%M"),
                "segment": segment,
                "plan": plan,
                "role": role,
                "industry": industry,
                "company_size": pick(rnd, SIZES[segment]),
                "nps": nps,
                "response": text,
            }
        )
        key[rid] = [t for t in themes if t != "noise"]
    return rows, key


def main() -> None:
    rows, key = generate()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    KEY.write_text(
        json.dumps({"surveys/2026-02-customer-pulse-survey.csv": key}, indent=1, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    by_theme: dict[str, list[str]] = {}
    for rid, themes in key.items():
        for t in themes:
            by_theme.setdefault(t, []).append(rid)
    print(f"wrote {len(rows)} rows to {OUT.name}")
    for t in sorted(by_theme, key=lambda s: (len(s.split("-")[0]), s)):
        print(f"{t}: {len(by_theme[t])}")


if __name__ == "__main__":
    main()
