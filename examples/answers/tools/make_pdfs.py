"""Write the two PDFs of the answers corpus (examples/answers/corpus/pdfs/) with fpdf2.

    .venv/bin/python examples/answers/tools/make_pdfs.py

Each PDF has a cover page, a running header ("Parcelly — Confidential") and footer ("Page N of M") on every
page, and body paragraphs with hard line breaks in mid-sentence, as exported reports and slide decks have.
The body is written line by line exactly as below, so a judged quote that sits on one line here is on one
line of the extracted page text too. The output is deterministic (fixed creation date), so regenerating
without changing the text gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import cast

from fpdf import FPDF

OUT = Path(__file__).resolve().parent.parent / "corpus" / "pdfs"
#: A fixed date keeps the files byte-identical from run to run.
CREATED = dt.datetime(2026, 4, 20, 9, 0, tzinfo=dt.UTC)

# A page is a list of blocks: ("h", heading) or ("p", "line\nline\n...") with the line breaks of the page.
Page = list[tuple[str, str]]

RESEARCH: dict[str, object] = {
    "file": "parcelly-returns-research-report-2026-q1.pdf",
    "title": "Returns & Label Printing: What Small Shops Told Us",
    "author": "Noor Haddad, Parcelly User Research",
    "footer": "Returns research, Q1 2026",
    "cover": [
        "Parcelly User Research",
        "Returns & Label Printing:",
        "What Small Shops Told Us",
        "Findings from seven merchant interviews, a 40-response survey",
        "and Q1 2026 support tickets",
        "April 2026  |  Prepared by Noor Haddad, User Research",
        "Internal use only. Do not forward outside Parcelly.",
    ],
    "pages": [
        [
            ("h", "1. Executive summary"),
            ("p", "We spoke to seven merchants between 24 March and 14 April 2026 and read 40 survey\n"
                  "answers and 30 support tickets from the quarter. Five findings stand out.\n"
                  "Printing return labels is the most common returns complaint. Shops on a home inkjet\n"
                  "waste a whole A4 sheet per label, and shops on a 4x6 thermal printer get return\n"
                  "labels at about a quarter of the size, because the returns tab adds page margins\n"
                  "that the order page does not."),
            ("p", "Many shoppers have no printer at all. Shops with young customers say that\n"
                  "people who cannot print a label simply keep the item or complain; some shops post\n"
                  "a printed label to the customer at their own cost. Every shop that heard of our\n"
                  "QR code drop-off beta wants it, but it only covers Evri and InPost today."),
            ("p", "Merchants selling clothing lose sales because Parcelly can only refund. A shopper\n"
                  "who wants another size gets their money back and often never places the new order.\n"
                  "Refund timing is the fourth theme: shops hold refunds until they have inspected the\n"
                  "parcel, after worn or swapped items came back, while shoppers expect the money as soon\n"
                  "as the carrier scans it. International returns are the fifth: we make no customs\n"
                  "form for a return, so parcels from outside the UK get stuck at the border."),
        ],
        [
            ("h", "2. Label printing"),
            ("p", "Four of seven interviewees and six survey respondents raised printing. The complaints\n"
                  "fall into two groups. Inkjet users print a 4x6 label in the corner of an A4 page,\n"
                  "fold it and tape it on; one owner called the result \"like it's 2009\". Thermal\n"
                  "printer users say outbound labels print perfectly while return labels come out\n"
                  "tiny and the depot cannot scan the barcode, so staff set fit to page by hand on every\n"
                  "label. One owner prints three times before one comes out right and keeps a pile\n"
                  "of wasted sticker sheets under her desk."),
            ("p", "The cause is known: the return label PDF is built on an A4 page with margins, and\n"
                  "the order page label is not. Support tickets T-1001, T-1002 and T-1003 (LBL-409,\n"
                  "address validation) account for most label contacts this quarter."),
            ("h", "3. Shoppers without printers"),
            ("p", "Shops selling to students and people in their twenties say most of their customers\n"
                  "do not own a printer. Their workaround is to print the label themselves and post it\n"
                  "to the shopper, with a stamp, which costs more than the return. A QR code that the\n"
                  "shopper shows at the drop-off point was the single most requested change in the\n"
                  "interviews; two participants asked for it before we mentioned the beta."),
        ],
        [
            ("h", "4. Exchanges and refunds"),
            ("p", "Two clothing merchants and two survey respondents want exchanges. Today a shopper\n"
                  "who wants a different size must return for a refund and reorder, and about half do\n"
                  "not reorder. Merchants know that ReturnRabbit ships the new size before the old one\n"
                  "comes back, but at around 200 pounds a month it is out of reach for them."),
            ("p", "Merchants hold refunds until they have opened the parcel. Worn dresses and swapped\n"
                  "items were the reason given. The auto-refund setting, which pays out on the first\n"
                  "carrier scan, was switched off by the one participant who had tried it, after a\n"
                  "parcel arrived holding another brand's old jumper."),
            ("h", "5. Returns on the mobile app"),
            ("p", "Warehouse staff are meant to scan each returned parcel with the Parcelly app. In dim\n"
                  "units the camera does not read the barcode, the app logs staff out whenever the phone\n"
                  "sleeps, and on Android it crashes when a return has photos attached. In one shop the\n"
                  "packers have stopped using the app for returns and write order numbers on sticky notes."),
        ],
        [
            ("h", "Appendix: method and limits"),
            ("p", "Participants: P01 to P07, owners or leads at shops with 2 to 25 staff, on Starter,\n"
                  "Growth and Pro, six on Shopify and one on WooCommerce. P07 had cancelled Parcelly.\n"
                  "Survey: 40 answers to one open question, sent to active merchants in March 2026.\n"
                  "Tickets: 30 tickets tagged returns, labels, tracking or billing, January to March."),
            ("p", "Limits: small sample, recruited from merchants who answered an email, so happy and\n"
                  "very unhappy customers are both over-represented. Questions for the next round are\n"
                  "listed in the returns synthesis note. Contact research@parcelly.example with questions."),
        ],
    ],
}

COMPETITIVE: dict[str, object] = {
    "file": "competitive-landscape-shipping-apps-2026-h1.pdf",
    "title": "Competitive Landscape: Tracking & Returns Apps, H1 2026",
    "author": "Hana Ito, Parcelly Product Marketing",
    "footer": "Competitive landscape, H1 2026",
    "cover": [
        "Parcelly Product Marketing",
        "Competitive Landscape:",
        "Tracking & Returns Apps, H1 2026",
        "ShipNinja, ReturnRabbit and Trackwise",
        "March 2026  |  Hana Ito, Product Marketing",
        "For the sales and success teams. Prices as published on 2 March 2026.",
    ],
    "pages": [
        [
            ("h", "ShipNinja"),
            ("p", "ShipNinja is our most frequent competitor in deals and the one merchants most often\n"
                  "leave us for. It targets the same shops on price: plans are Solo at 9 pounds a month,\n"
                  "Team at 29 pounds and Scale at 79 pounds, and every label costs 40p on every plan.\n"
                  "The branded tracking page is a 10 pound monthly add-on and SMS costs 9p a message,\n"
                  "so a typical Growth-sized shop pays more than the headline suggests."),
            ("p", "Strengths: the lowest entry price in the market, setup in minutes, bulk label\n"
                  "printing (tick many orders, get one PDF) and plans that can be changed in any month.\n"
                  "Weaknesses: email-only support with replies in three to five days, a generic grey\n"
                  "tracking page that is hard to brand, and invoices that merchants cannot predict."),
        ],
        [
            ("h", "ReturnRabbit"),
            ("p", "ReturnRabbit is a returns-only product aimed at fashion brands with thousands of\n"
                  "orders a month. It costs 199 pounds a month plus 2% of the value of every exchange.\n"
                  "Its instant exchanges ship the new size before the old item is back, and its store\n"
                  "credit option keeps money in the shop. It has no tracking page or tracking emails."),
            ("h", "Trackwise"),
            ("p", "Trackwise is a free Shopify app with a basic tracking page and nothing for returns.\n"
                  "Since late 2025 it shows other merchants' adverts on the free tracking page, and we\n"
                  "see a steady flow of small shops moving from Trackwise to our Starter plan."),
        ],
        [
            ("h", "Win and loss, January to March 2026"),
            ("p", "We won 14 of 22 deals where ShipNinja was the alternative. Merchants who switch from\n"
                  "ShipNinja to us name surprise fees on the invoice first and slow support second;\n"
                  "a branded tracking page that looks like their own shop comes third."),
            ("p", "We lost 8, and price was the reason in six. The headline gap (9 against 19 pounds\n"
                  "at entry) is what finance teams see. Seasonal shops also leave because our plans\n"
                  "cannot be lowered mid-term without contacting support, and high-volume shops miss\n"
                  "ShipNinja's bulk label printing. Against ReturnRabbit we win on price and tracking\n"
                  "and lose only where instant exchanges are the deciding feature."),
        ],
    ],
}


class Report(FPDF):
    """An A4 report with a running header and a "Page N of M" footer on every page."""

    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        # The core fonts take Windows-1252, which has the em dash and curly quotes.
        self.core_fonts_encoding = "windows-1252"
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 20, 20)

    def header(self) -> None:
        self.set_font("Helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 6, "Parcelly — Confidential", align="R")
        self.ln(12)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self.footer_text}    Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0)


def build(spec: dict[str, object]) -> Path:
    """Write one PDF from its spec and return its path."""
    pdf = Report(str(spec["footer"]))
    pdf.set_title(str(spec["title"]))
    pdf.set_author(str(spec["author"]))
    pdf.set_creator("examples/answers/tools/make_pdfs.py")
    pdf.set_creation_date(CREATED)
    pdf.add_page()
    pdf.ln(50)
    for number, line in enumerate(cast(list[str], spec["cover"])):
        pdf.set_font("Helvetica", "B" if number in (1, 2) else "", 24 if number in (1, 2) else 12)
        pdf.cell(0, 12 if number in (1, 2) else 8, line, align="C")
        pdf.ln()
    for page in cast(list[Page], spec["pages"]):
        pdf.add_page()
        for kind, text in page:
            if kind == "h":
                pdf.set_font("Helvetica", "B", 14)
                pdf.cell(0, 10, text)
                pdf.ln(12)
            else:
                pdf.set_font("Helvetica", size=10)
                for line in text.split("\n"):
                    pdf.cell(0, 5.5, line)
                    pdf.ln()
                pdf.ln(3)
    path = OUT / str(spec["file"])
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def main() -> None:
    """Write both PDFs."""
    for spec in (RESEARCH, COMPETITIVE):
        print(build(spec))


if __name__ == "__main__":
    main()
