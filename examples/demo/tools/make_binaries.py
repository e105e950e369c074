#!/usr/bin/env python3
# ruff: noqa: E501  (hand-written prose data)
"""Generate the demo's binary competitor analyses: a Word battlecard and a multi-page PDF report.

    python examples/demo/tools/make_binaries.py

Writes (deterministic: fixed metadata dates and zip timestamps, so re-running gives identical bytes):
    examples/demo/competitors/clockwise-hr-battlecard.docx         (python-docx: Heading styles, tables, bullets)
    examples/demo/competitors/competitive-landscape-2026-h1.pdf    (fpdf2, core fonts only: text must be latin-1)

All source text lives in this file.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

HERE = Path(__file__).resolve().parent
OUT_DIR = HERE.parent / "competitors"
DOCX_OUT = OUT_DIR / "clockwise-hr-battlecard.docx"
PDF_OUT = OUT_DIR / "competitive-landscape-2026-h1.pdf"

FIXED_DOCX_TIME = dt.datetime(2026, 3, 9, 9, 30, 0)
FIXED_PDF_TIME = dt.datetime(2026, 3, 16, 10, 0, 0, tzinfo=dt.UTC)
ZIP_TIME = (2026, 3, 9, 9, 30, 0)

# =============================================================================================
# Word battlecard: Clockwise HR
# =============================================================================================

BATTLECARD: dict[str, Any] = {
    "title": "Competitive battlecard: Clockwise HR",
    "byline": "Prepared by Dana Whitfield, Product Marketing. Version 3, 9 March 2026. Internal: do not forward to customers or prospects.",
    "glance": (
        "Clockwise HR is the enterprise incumbent we meet most often in Enterprise and upper Mid-market deals, "
        "especially in healthcare, senior living and warehousing. It is a full workforce management suite (time, "
        "scheduling, leave, compliance) sold top-down to HR, payroll and security. Buyers describe it as powerful, "
        "expensive and clunky. We win with the people who build schedules and use the app every day; Clockwise HR "
        "wins with payroll and security teams. Our job in every deal is to neutralise the payroll and security "
        "objections early, then let the managers' preference carry the decision."
    ),
    "pricing_rows": [
        ("", "Clockwise HR", "ShiftCraft"),
        (
            "List price",
            "$21-26 per employee per month (PEPM), all modules",
            "Starter $4, Team $8, Business $14 per user per month; Enterprise custom",
        ),
        (
            "Implementation",
            "$12,000-40,000 one-off, partner-led",
            "Included; onboarding specialist on Business and Enterprise",
        ),
        ("Time to go live", "10-16 weeks typical", "1-3 weeks typical (setup friction in week one is a known issue)"),
        ("Contract", "3 years, annual uplift 5-11%", "Monthly or annual (15% discount)"),
        ("SSO (SAML) / SCIM", "Every tier", "Enterprise only"),
        (
            "Audit log",
            "Field-level before/after on time records; syslog feed",
            "Enterprise: timesheet history, CSV export; Business: activity feed only",
        ),
        (
            "Payroll",
            "Native ADP and Gusto connectors incl. double time and differentials",
            "File export profiles (ADP, Gusto, generic CSV); ERR-PAY-214 issue open",
        ),
        (
            "Auto-scheduling",
            "Rules-based templates, no auto-fill",
            "AutoFill (availability, max hours, certifications)",
        ),
        ("Mobile app rating", "2.1 (App Store), 1.9 (Play Store)", "4.2 (App Store), 3.9 (Play Store)"),
        ("Offline clock-in", "Wall terminals store punches offline", "No (roadmap)"),
    ],
    "they_win": [
        'Payroll that just works. Native ADP and Gusto connectors move regular, overtime, double time and shift differentials without a file. Payroll teams who have lived with it never reconcile by hand, and they say so (P05: "It was ugly... but the ADP connection was native. I never had to check it.").',
        'Security review is already done. SSO, SCIM and a field-level audit log of every time record edit, exportable and streamable. CISOs call it "the gold standard" (Stonebridge Cold Storage) and often approved it years ago.',
        "Breadth. Leave management, compliance rules for unionised sites, labor law packs by state.",
        "Wall-mounted terminals that keep working offline, which matters in freezers and basements.",
    ],
    "we_win": [
        "Managers and hourly staff prefer us, usually by a wide margin. GMs spend 6-8 hours a week on schedules in Clockwise HR; AutoFill takes that to about an hour.",
        "Mobile app. Clockwise HR's associate app is rated around 2 stars and customers cite it in exit surveys.",
        "Time to value: weeks, not quarters. No implementation fee.",
        "Total cost. Even at Enterprise pricing we are typically 30-45% below a Clockwise HR renewal.",
    ],
    "questions": [
        '"How many hours a week do your site managers spend building schedules today?"',
        '"What did your last Clockwise HR renewal come in at, and what\'s the uplift clause?"',
        '"When a supervisor edits a punch, who reviews that today, and how?" (sets up our Enterprise timesheet history)',
        '"Which pay rules do you have: daily overtime, double time, differentials, on-call?" (qualify ERR-PAY-214 exposure honestly, up front)',
        '"Are there areas of your sites without cell signal?" (find the offline gap before they do)',
    ],
    "objections": [
        (
            '"Your payroll export isn\'t reliable."',
            "Be honest. There is a known issue (ERR-PAY-214, tracked as PAY-1190) where overtime that cannot be mapped to an "
            "earning code is written as regular hours, most often for employees with two roles or two locations with different "
            "overtime rules, and for double time. The fix changes the export to fail loudly and list affected employees; it is "
            "in beta with three customers. Offer a parallel payroll run during the pilot and a named payroll specialist. Do not "
            "claim parity with a native connector.",
        ),
        (
            '"We need SSO, SCIM and a real audit log."',
            "All three are in Enterprise. Demo the timesheet history (before/after values, who, when, reason). Be clear that "
            "export is CSV today; an API and streaming to a SIEM are on the roadmap, not shipped. Business-plan pilots only "
            "show the activity feed, so get the security team an Enterprise sandbox early (Ironleaf's CISO called the Business "
            'feed "a news feed, not an audit log").',
        ),
        (
            '"Security already approved Clockwise HR."',
            "Offer our SOC 2 Type II report, pen test summary and the SIG Lite and CAIQ questionnaires in the first week. Ask for the "
            "security reviewer to join the second call, not the last one.",
        ),
        (
            '"Switching is risky; our implementation took a year."',
            "Propose a 3-site pilot with parallel payroll for two pay periods, then waves of 10 sites a month. Reference: "
            "Prairieline Fulfillment (4 DCs) and Bowl & Basil (25 locations).",
        ),
        (
            '"Your app can\'t clock in without signal."',
            "True today. Mitigation: kiosk mode on a tablet on site wifi. Do not promise an offline date.",
        ),
    ],
    "evidence": [
        '"Clockwise HR is clunky, but its audit log is genuinely excellent. Our compliance team pulls from it every month." (IT Director, Larkspur Health Partners, Feb 2026)',
        '"The demo looked like a tax form." (HR & Scheduling Manager, Alder Grove Senior Living, Feb 2026)',
        '"Don\'t make it an enterprise monster like Clockwise HR. Keep it simple for them." (Director of Operations, Prairieline Fulfillment, Jan 2026)',
        '"If I have to reconcile every run by hand I\'m not switching off a native connector." (Payroll Director, Stonebridge Cold Storage, Feb 2026)',
    ],
    "deals": [
        ("Account", "Segment", "Staff", "Status", "Notes"),
        (
            "Prairieline Fulfillment",
            "Enterprise",
            "1,800",
            "Won (2025)",
            "Chose us over Clockwise HR on usability; now needs SSO + audit for Enterprise",
        ),
        (
            "Larkspur Health Partners",
            "Enterprise",
            "3,400",
            "Pilot",
            "Incumbent Clockwise HR; SSO/SCIM/audit + payroll export are the gates",
        ),
        (
            "Ironleaf Fitness",
            "Enterprise",
            "2,100",
            "Evaluation",
            "Half the clubs on Clockwise HR; CISO review 20 March",
        ),
        (
            "Stonebridge Cold Storage",
            "Enterprise",
            "2,300",
            "Demo",
            "Renewal up 11%; offline freezers and payroll trust are risks",
        ),
        (
            "Alder Grove Senior Living",
            "Mid-market",
            "210",
            "Customer, churn risk",
            "Would consider Clockwise HR if payroll errors continue",
        ),
        ("Redfern Home Health", "Mid-market", "450", "Lost (Dec 2025)", "Lost on native ADP connector and union rules"),
    ],
}


def build_docx() -> bytes:
    doc = Document()
    styles = doc.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(10.5)

    doc.add_heading(BATTLECARD["title"], level=0)
    doc.add_paragraph(BATTLECARD["byline"]).runs[0].italic = True

    doc.add_heading("At a glance", level=1)
    doc.add_paragraph(BATTLECARD["glance"])

    doc.add_heading("Pricing and packaging", level=1)
    rows = BATTLECARD["pricing_rows"]
    table = doc.add_table(rows=len(rows), cols=3)
    table.style = "Light Grid Accent 1"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    doc.add_paragraph(
        "Prices from customer-shared quotes and public pages, Q1 2026. Clockwise HR does not publish list prices."
    )

    doc.add_heading("Where Clockwise HR wins", level=1)
    for item in BATTLECARD["they_win"]:
        doc.add_paragraph(item, style="List Bullet")

    doc.add_heading("Where ShiftCraft wins", level=1)
    for item in BATTLECARD["we_win"]:
        doc.add_paragraph(item, style="List Bullet")

    doc.add_heading("Questions to ask early", level=1)
    for item in BATTLECARD["questions"]:
        doc.add_paragraph(item, style="List Number")

    doc.add_heading("Objection handling", level=1)
    for objection, answer in BATTLECARD["objections"]:
        doc.add_heading(objection, level=2)
        doc.add_paragraph(answer)

    doc.add_heading("Customer evidence", level=1)
    for quote in BATTLECARD["evidence"]:
        doc.add_paragraph(quote, style="Quote")

    doc.add_heading("Recent deals involving Clockwise HR", level=1)
    deals = BATTLECARD["deals"]
    table = doc.add_table(rows=len(deals), cols=len(deals[0]))
    table.style = "Light Grid Accent 1"
    for r, row in enumerate(deals):
        for c, value in enumerate(row):
            table.cell(r, c).text = value

    props = doc.core_properties
    props.title = BATTLECARD["title"]
    props.subject = "Competitor analysis: Clockwise HR"
    props.author = "Dana Whitfield"
    props.last_modified_by = "Dana Whitfield"
    props.keywords = "competitor-analysis, Clockwise HR, battlecard, enterprise, payroll, sso, audit-log"
    props.category = "competitor-analysis"
    props.comments = "kind: competitor-analysis; competitor: Clockwise HR; segment: Enterprise"
    props.created = FIXED_DOCX_TIME
    props.modified = FIXED_DOCX_TIME
    props.last_printed = FIXED_DOCX_TIME
    props.revision = 3

    raw = io.BytesIO()
    doc.save(raw)
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes so the bytes don't depend on when it was built."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# =============================================================================================
# PDF report: Competitive landscape 2026 H1 (latin-1 only: no curly quotes, em dashes or arrows)
# =============================================================================================

REPORT_TITLE = "Competitive landscape: hourly workforce scheduling, 2026 H1"

SUMMARY = [
    "We met a named competitor in 71% of new-business deals in H2 2025 (up from 58% in H1). ShiftPilot is the fastest-growing threat in Mid-market; Clockwise HR remains the incumbent to displace in Enterprise; RotaMate takes micro-SMB on price; Tandem Time has appeared in warehouse deals.",
    "Our strongest, most consistent advantage is scheduling: AutoFill is trusted by managers and produces schedules they publish. Switchers from ShiftPilot cite its unreliable schedule sync; switchers from Clockwise HR cite its usability.",
    "We lose on four things, in this order: packaging of forecasting (Labor Forecast only on Business at $14 vs ShiftPilot's $9 with forecasting included), offline clock-in (ShiftPilot, Tandem Time and Clockwise HR terminals all have it), payroll export trust (ERR-PAY-214 vs native connectors), and enterprise security features gated to Enterprise (SSO, audit log).",
    "Mobile session handling is a silent differentiator against us: ShiftPilot keeps users signed in for 30 days with biometric unlock; our 12-hour session drives 1-star reviews and support volume (ERR-AUTH-419).",
]

DEALS = [
    ("Competitor", "Deals named (H2 2025)", "Won", "Lost", "Win rate", "Top loss reason"),
    ("ShiftPilot", "28", "14", "11", "56%", "Forecasting included at $9; offline"),
    ("Clockwise HR", "19", "9", "8", "53%", "Native payroll; security already approved"),
    ("RotaMate", "23", "14", "9", "61%", "Free tier under 10 staff"),
    ("Tandem Time", "4", "1", "2", "33%", "Offline kiosk in warehouses"),
    ("Spreadsheet / none", "48", "35", "-", "73%", "No decision"),
]

PRICING = [
    ("Vendor", "Plan", "Price per user per month", "Notes"),
    ("ShiftCraft", "Starter", "$4", "1 location; scheduling, time clock"),
    ("ShiftCraft", "Team", "$8", "Multi-location, AutoFill, swaps, payroll export"),
    ("ShiftCraft", "Business", "$14", "Labor Forecast, Report Builder (beta), onboarding specialist"),
    ("ShiftCraft", "Enterprise", "Custom", "SAML SSO, SCIM, audit log, timesheet history"),
    ("RotaMate", "Free", "$0", "Up to 10 users, 1 location"),
    ("RotaMate", "Plus", "$2.50", "Min. $25/month; basic multi-location"),
    ("ShiftPilot", "Pro", "$9", "PilotAI scheduling and forecasting included; offline punches"),
    ("ShiftPilot", "Enterprise", "about $13", "SSO; quoted, not published"),
    ("Clockwise HR", "Suite", "$21-26 PEPM", "Plus $12k-40k implementation; 3-year terms"),
    ("Tandem Time", "Core", "$6", "Time tracking first; kiosk $349 or $19/month"),
    ("Tandem Time", "Plus", "$9", "SSO, polygon geofences"),
]

FEATURES = [
    ("Capability", "ShiftCraft", "ShiftPilot", "Clockwise HR", "RotaMate", "Tandem Time"),
    ("Auto-scheduling", "Yes (AutoFill)", "Yes (PilotAI)", "Templates", "Copy week", "No"),
    ("Respects availability", "Yes", "Partly", "Yes", "n/a", "n/a"),
    ("Labor forecasting", "Business", "Included", "Add-on", "No", "No"),
    ("Shift swap approvals", "Yes", "Yes", "Yes", "No approval", "No"),
    ("Geofence", "Circle", "Circle", "Polygon", "GPS stamp", "Polygon"),
    ("Offline clock-in", "No", "Yes", "Terminals", "No", "Yes"),
    ("Session on mobile", "12 hours", "30 days + biometric", "8 hours", "Persistent", "Badge/PIN"),
    ("Payroll", "File export", "File export", "Native ADP/Gusto", "Basic CSV", "Export + ADP"),
    ("Custom reports", "Beta (Business)", "Dashboards", "Yes", "No", "T&A only"),
    ("SSO / SCIM", "Enterprise", "Enterprise", "All tiers", "No", "Plus"),
    ("Field-level audit log", "Enterprise", "No", "Yes", "No", "Partial"),
]

PROFILES = [
    (
        "ShiftPilot",
        "Venture-funded, mobile-first. Sells on a beautiful app and PilotAI ('type your budget, get a week'). Forecasting is included in the $9 Pro plan, which is the single most cited reason we lose Mid-market deals to them: buyers compare $9 with our $14 Business tier. Offline punches work well. The weakness is reliability: schedules on phones drift from the web, shifts duplicate, and support's answer is to reinstall. Every ShiftPilot switcher we interviewed (Bowl & Basil, Ironleaf's trial clubs) raised sync first.",
        [
            "Mobile polish, 30-day sessions with biometric unlock",
            "Forecasting included in base price",
            "Offline clock-in",
        ],
        [
            "Schedule sync and duplicate shifts",
            "PilotAI overrides availability; managers stop trusting it",
            "Slow support",
        ],
    ),
    (
        "Clockwise HR",
        "The enterprise incumbent. A full workforce management suite sold to HR, payroll and security. Native ADP and Gusto connectors and a field-level audit log are its moats; its UI and associate app are its liabilities (app rated about 2 stars). Implementations take 10-16 weeks and cost $12k-40k. Renewals are rising 5-11% a year, which is opening doors for us in Enterprise.",
        [
            "Native payroll connectors incl. double time and differentials",
            "SSO, SCIM, audit log in every tier",
            "Offline wall terminals",
        ],
        ["Dated, slow UI; managers dislike it", "Expensive; long implementations", "Weak scheduling"],
    ),
    (
        "RotaMate",
        "Simple, cheap, single-site. Free up to 10 users, then $2.50. Sets up in minutes because there is almost nothing to set up: no roles, no pay rules. Reports are minimal and there is no overtime logic, so customers outgrow it when they add a second site or need payroll. We rarely lose above 12 staff.",
        ["Free tier and price", "Ten-minute setup", "High app ratings for simplicity"],
        ["Thin reporting", "No overtime or payroll export", "No swap approvals"],
    ),
    (
        "Tandem Time",
        "A time-and-attendance specialist with rugged offline kiosks, polygon geofences and a payroll export that handles double time and differentials. Scheduling is basic. Appears in warehouse and cold-storage deals, sometimes alongside us rather than instead of us.",
        ["Offline kiosks and mobile punches", "Polygon geofences", "Cheap ($6)"],
        ["Basic scheduling, no auto-scheduling", "No swap board", "Small company"],
    ),
]

CUSTOMER_THEMES = [
    (
        "Forecasting is priced one tier too high",
        "Mid-market customers and prospects want Labor Forecast but not the Team-to-Business jump ($8 to $14, +75%). SMB customers are comfortable with Starter and Team pricing; Enterprise buyers negotiate. Seen in: Bowl & Basil (P11), Willowmere (P02), Alder Grove (P07), Harlow Home & Garden sales call, Tidewater and Greenway losses.",
    ),
    (
        "Offline clock-in is now a checklist item in warehouses",
        "Dead zones in distribution centers, freezers and basements. Every competitor except RotaMate has an answer. Seen in: Prairieline (P04, P10, UT-04), Stonebridge Cold Storage, Crescent Foods DC loss, Ironleaf basement clubs (P14).",
    ),
    (
        "Payroll export trust",
        "ERR-PAY-214 (overtime rule mismatch) silently moves overtime and double time into regular hours for multi-role and multi-location employees. Against Clockwise HR's native connectors this is decisive for payroll stakeholders. Seen in: Copperpot (P05), Alder Grove (P07), Bluestem Dental (P12), Larkspur (P08), UT-03.",
    ),
    (
        "Staying signed in",
        "ShiftPilot users never see a login screen; ours see ERR-AUTH-419 daily. Enterprise IT wants the opposite on shared devices, so the answer is configurable session policy, not just a longer timeout (P08, P14).",
    ),
    (
        "Security features gated to Enterprise",
        "SSO and a real audit log decide Enterprise deals. Business-plan pilots only show an activity feed, which security reviewers dismiss. Seen in: Larkspur (P08), Ironleaf (P14), Prairieline (P04), Stonebridge.",
    ),
    (
        "Reporting depth",
        "Every competitor except RotaMate sells better reporting than our fixed reports. Multi-site buyers want cross-location roll-ups and labor as a percent of sales.",
    ),
]

RECOMMENDATIONS = [
    "Offer Labor Forecast as a Team add-on (proposal: $2/user/month) to stop Mid-market losses to ShiftPilot.",
    "Ship an offline punch queue on mobile and polygon geofences before peak season planning (May).",
    "Make the payroll export fail loudly on ERR-PAY-214 and add double-time columns by default (PAY-1190).",
    "Configurable session policy by device type; biometric unlock on personal devices.",
    "Give Business-plan pilots a time-limited Enterprise security sandbox so CISOs see the real audit log.",
    "Keep AutoFill's availability-first behaviour; it is our clearest win against PilotAI.",
]


class Report(FPDF):
    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("Helvetica", "I", 8)
        self.set_text_color(110, 110, 120)
        self.cell(0, 8, "ShiftCraft Product Marketing  |  " + REPORT_TITLE + "  |  Internal", align="L")
        self.ln(10)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(110, 110, 120)
        self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def h1(self, text: str) -> None:
        self.ln(3)
        self.set_font("Helvetica", "B", 15)
        self.set_text_color(40, 30, 110)
        self.multi_cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def h2(self, text: str) -> None:
        self.ln(1)
        self.set_font("Helvetica", "B", 11.5)
        self.multi_cell(0, 6.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def para(self, text: str) -> None:
        self.set_font("Helvetica", "", 10)
        self.multi_cell(0, 5.2, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def bullets(self, items: list[str]) -> None:
        self.set_font("Helvetica", "", 10)
        for item in items:
            self.set_x(self.l_margin + 3)
            self.multi_cell(0, 5.2, "- " + item, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(0.8)
        self.ln(1)

    def grid(self, rows, widths) -> None:
        self.set_font("Helvetica", "", 8.5)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=4.6,
            headings_style=FontFace(emphasis="BOLD", fill_color=(226, 222, 245)),
        ) as table:
            for row in rows:
                cells = table.row()
                for value in row:
                    cells.cell(value)
        self.ln(3)


def build_pdf() -> bytes:
    pdf = Report(format="A4")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(REPORT_TITLE)
    pdf.set_author("Dana Whitfield")
    pdf.set_subject("Competitor analysis: ShiftPilot, Clockwise HR, RotaMate, Tandem Time")
    pdf.set_keywords("competitor-analysis, ShiftPilot, Clockwise HR, RotaMate, Tandem Time, pricing, win-loss")
    pdf.set_creator("ShiftCraft Product Marketing")
    pdf.set_producer("make_binaries.py (fpdf2)")
    pdf.set_creation_date(FIXED_PDF_TIME)
    pdf.set_lang("en")

    # Cover page
    pdf.add_page()
    pdf.ln(30)
    pdf.set_font("Helvetica", "B", 22)
    pdf.multi_cell(0, 11, REPORT_TITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 12)
    pdf.multi_cell(
        0,
        7,
        "ShiftPilot, Clockwise HR, RotaMate and Tandem Time: pricing, capabilities, win/loss and what our customers say",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0,
        6,
        "Prepared by Dana Whitfield (Product Marketing) with input from Priya Raman (Research), "
        "Rachel Kim and Jordan Ellis (Sales), Marcus Webb (Support Ops).\n16 March 2026. Internal only.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.h1("Executive summary")
    pdf.bullets(SUMMARY)

    # Deals + pricing
    pdf.add_page()
    pdf.h1("1. Who we meet, and how we do")
    pdf.para(
        "Counts are new-business opportunities closed (won or lost) between 1 July and 31 December 2025 in which the "
        "buyer named the competitor. Source: CRM competitive fields, cleaned by hand; 7 deals named two competitors."
    )
    pdf.grid(DEALS, (30, 28, 14, 14, 18, 70))
    pdf.h1("2. Pricing")
    pdf.para(
        "List prices per user per month as of March 2026. Clockwise HR and ShiftPilot Enterprise prices come from "
        "quotes customers shared with us. Annual prepay discounts are common everywhere (we offer 15%)."
    )
    pdf.grid(PRICING, (28, 24, 36, 86))
    pdf.para(
        "The gap that matters is not our headline price. It is the step from Team ($8) to Business ($14), which is where "
        "forecasting lives. ShiftPilot includes forecasting at $9. For a 600-person Mid-market customer that step is "
        "roughly $43,000 a year, and buyers experience it as paying 75% more for one feature."
    )

    # Feature matrix
    pdf.add_page()
    pdf.h1("3. Capability comparison")
    pdf.para(
        "Based on hands-on trials (ShiftPilot, RotaMate), demos and customer documentation (Clockwise HR, Tandem Time). "
        "'Enterprise' and 'Business' mean the capability exists only on that tier."
    )
    pdf.grid(FEATURES, (34, 28, 28, 28, 28, 28))

    # Profiles
    pdf.h1("4. Competitor profiles")
    for name, summary, strengths, weaknesses in PROFILES:
        pdf.h2(name)
        pdf.para(summary)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 5.5, "Strengths", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.bullets(strengths)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 5.5, "Weaknesses", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.bullets(weaknesses)

    # Customer themes + recommendations
    pdf.add_page()
    pdf.h1("5. What customers and prospects tell us")
    pdf.para(
        "Themes from Q1 2026 research (14 customer interviews, 6 usability tests, the February pulse survey), support "
        "trends and sales call notes, limited to themes where competitors shape the conversation."
    )
    for title, body in CUSTOMER_THEMES:
        pdf.h2(title)
        pdf.para(body)
    pdf.h1("6. Recommendations")
    pdf.bullets(RECOMMENDATIONS)
    pdf.h2("Sources")
    pdf.para(
        "Win/loss notes: ShiftPilot Q4 2025; RotaMate teardown (Jan 2026); Tandem Time first look (Feb 2026); "
        "Clockwise HR battlecard v3 (Mar 2026); ShiftPilot mobile teardown (Feb 2026); Support trends, February 2026."
    )

    return bytes(pdf.output())


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    DOCX_OUT.write_bytes(build_docx())
    PDF_OUT.write_bytes(build_pdf())
    for path in (DOCX_OUT, PDF_OUT):
        print(f"wrote {path.name} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
