"""Recognise text that is not content: PDF page furniture, web page chrome and survey non-answers."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import Tag

# --- Survey and ticket non-answers -------------------------------------------------------------

#: Answers that say nothing, compared lower-cased, with the outer punctuation and spaces removed.
_NON_ANSWERS = frozenset({
    "n/a", "na", "n.a", "n a", "none", "nothing", "nothing to add", "nothing else", "no comment", "no comments",
    "idk", "i dont know", "i don't know", "dont know", "don't know", "no idea", "nil", "null", "tbd",
})
_OUTER_PUNCTUATION = " \t\n.!?-–—_*/\\\"'()[]"


def is_non_answer(text: str) -> bool:
    """Return True when a record's text is only a non-answer ("n/a", "idk", "-", "?", "no comment")."""
    stripped = text.strip()
    if len(stripped) > 40:  # no non-answer is this long; spares the work on real answers
        return False
    core = " ".join(stripped.lower().replace("’", "'").strip(_OUTER_PUNCTUATION).split())
    return not core or core in _NON_ANSWERS or not re.search(r"\w", core)


#: Words a listener says to keep a conversation going ("Mm-hmm.", "Yeah, totally.", "Okay, got it.").
_BACKCHANNEL = frozenset({
    "yeah", "yes", "yep", "yup", "yea", "no", "nope", "nah", "ok", "okay", "k", "right", "sure", "mm", "mmm", "mhm",
    "hmm", "hm", "mm-hmm", "mm-hm", "uh-huh", "uh", "um", "umm", "er", "erm", "ah", "oh", "cool", "great", "nice",
    "good", "fine", "alright", "got", "it", "i", "see", "exactly", "totally", "absolutely", "definitely", "true",
    "thanks", "thank", "you", "so", "and", "well", "wow", "interesting", "perfect", "gotcha", "indeed", "of",
    "course", "makes", "sense", "that", "huh",
})
#: Bracketed notes of a transcriber: "[inaudible]", "(laughs)", "[crosstalk 00:14:02]".
_TRANSCRIBER_NOTE = re.compile(r"\[[^\]]*\]|\([^)]*\)")
#: A backchannel turn has at most this many words.
_BACKCHANNEL_WORDS = 8


def is_backchannel(text: str) -> bool:
    """Return True for a transcript turn that only keeps the talk going: "Mm-hmm.", "Yeah, no, totally.", "[inaudible]".

    It stays in the transcript, but as a quote it says nothing, and read after its prompt it takes the prompt's topic.
    """
    words = re.findall(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", _TRANSCRIBER_NOTE.sub(" ", text).lower())
    return len(words) <= _BACKCHANNEL_WORDS and all(word in _BACKCHANNEL for word in words)


# --- PDF page furniture ------------------------------------------------------------------------

#: A line that is only a page number: "2", "- 2 -", "Page 2", "Page 2 of 5", "2/5", "p. 2".
_PAGE_NUMBER = re.compile(r"^(?:page|p\.|pg\.?)?\s*[-–—]?\s*\d{1,5}\s*[-–—]?\s*(?:(?:of|/)\s*\d{1,5})?$", re.I)
#: How many lines at the top and at the bottom of a page may be running headers or footers.
_EDGE_LINES = 3
#: A cover page: the first of several pages, with fewer words than this and no sentence...
_COVER_MAX_WORDS = 40
#: ...in front of a document with at least this many words on its other pages.
_COVER_MIN_BODY_WORDS = 100
#: A first page of prose is a cover too when it has fewer words than this and than this share of a median page.
_COVER_SHORT_WORDS = 80
_COVER_SHARE = 0.35
#: ...and no paragraph longer than this: a title page's lines are titles, names, dates and a notice.
_COVER_LINE_WORDS = 20
#: Body text narrower than this (or too few lines to measure) is not judged by how full its lines are.
_MIN_WIDTH = 40
_SENTENCE = re.compile(r"(?:\S+\s+){7,}\S*[.!?][\"')\]]?\s*$")
_BULLET = re.compile(r"^(?:[-–—•▪◦*·]|\d{1,3}[.)])\s")
_HYPHENATED_END = re.compile(r"(\w*[a-z])-$")
_LEADING_WORD = re.compile(r"^([a-z]\w*)")
#: How a line of prose ends; a heading ends with none of these.
_CLOSING = frozenset(".!?:;,\"')]”’")
_COMPOUND = re.compile(r"(?<![\w-])[^\W\d_]+(?:-[^\W\d_]+)+")


def _edge_key(line: str) -> str:
    """A line as compared across pages: digits may differ (page numbers, dates), spacing may too."""
    return " ".join(re.sub(r"\d+", "#", line).lower().split())


def _is_prose(line: str, after: list[str]) -> bool:
    """Return True for a line of a paragraph: a whole sentence, or a line the next one goes on from in lower case.

    A paragraph quoted again on another page is content, however often it repeats; a running header is neither.
    """
    return bool(_SENTENCE.search(line)) or bool(after and _LEADING_WORD.match(after[0]))


def strip_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and lines repeated at the top or bottom of most pages from each page's lines."""
    counts: Counter[str] = Counter()
    for lines in pages:
        body = [line.strip() for line in lines if line.strip()]
        edges = [*range(min(_EDGE_LINES, len(body))), *range(max(0, len(body) - _EDGE_LINES), len(body))]
        counts.update({_edge_key(body[i]) for i in edges if not _is_prose(body[i], body[i + 1 : i + 2])})
    # "Most pages": more than half of them, and at least two.
    repeated = {key for key, count in counts.items() if count >= 2 and count * 2 > len(pages)}

    def furniture(line: str) -> bool:
        return not line.strip() or _edge_key(line) in repeated or bool(_PAGE_NUMBER.match(line.strip()))

    cleaned = []
    for lines in pages:
        start, end = 0, len(lines)
        for _ in range(_EDGE_LINES):
            while start < end and not lines[start].strip():
                start += 1
            if start < end and furniture(lines[start]):
                start += 1
        for _ in range(_EDGE_LINES):
            while end > start and not lines[end - 1].strip():
                end -= 1
            if end > start and furniture(lines[end - 1]):
                end -= 1
        cleaned.append(lines[start:end])
    if not any(line.strip() for lines in cleaned for line in lines):
        # A line repeated on every page is furniture only beside other text ("Page 3 notes." alone is the document).
        return [[line for line in lines if not _PAGE_NUMBER.match(line.strip())] for lines in pages]
    return cleaned


def is_cover_page(text: str, other_pages: list[int]) -> bool:
    """Return True for a title page: a few lines of title, author and date in front of fuller pages.

    ``other_pages`` counts the words on each other page: a short note is no cover of itself. A page
    with no sentence of prose and few words is a cover; so is a page of short lines far shorter than the
    pages after it (a cover's "Internal use only. Do not forward." reads as a sentence but carries nothing).
    """
    words = len(text.split())
    if sum(other_pages) < _COVER_MIN_BODY_WORDS:
        return False
    if words < _COVER_MAX_WORDS and not any(_SENTENCE.search(line) for line in text.split("\n")):
        return True
    fuller = sorted(other_pages)[len(other_pages) // 2]  # the median page
    longest = max((len(line.split()) for line in text.split("\n")), default=0)
    return (len(other_pages) >= 2 and words < _COVER_SHORT_WORDS and words <= _COVER_SHARE * fuller
            and longest <= _COVER_LINE_WORDS)


#: A table-of-contents entry: a title, then dot leaders (or a wide gap) and a page number.
_CONTENTS_ENTRY = re.compile(r"^\S.{1,}?(?:\s*(?:\.\s?){3,}|\s*…+|\s{3,})\s*\d{1,4}$")
_CONTENTS_TITLE = re.compile(r"^(?:table of )?contents$", re.I)
#: A contents page has at least this many entries, and they are at least half its lines.
_CONTENTS_MIN_ENTRIES = 3


def is_contents_page(lines: list[str]) -> bool:
    """Return True for a table of contents: mostly "Title ...... 4" lines, or a "Contents" page of numbered lines.

    Its words are every topic of the document, so as a passage it would answer every question and say nothing.
    """
    body = [line.strip() for line in lines if line.strip()]
    entries = sum(bool(_CONTENTS_ENTRY.match(line)) for line in body)
    if body and _CONTENTS_TITLE.match(body[0]):
        # Under a "Contents" title, an entry needs no leader: "2. Findings 4".
        entries = max(entries, sum(bool(re.search(r"\D\s+\d{1,4}$", line)) for line in body[1:]))
    return entries >= _CONTENTS_MIN_ENTRIES and 2 * entries >= len(body)


def hyphenated_words(text: str) -> set[str]:
    """Return the hyphenated words of ``text``, lower-cased: the spellings a line-end hyphen may keep."""
    return {word.lower() for word in _COMPOUND.findall(text)}


def join_wrapped_lines(lines: list[str], width: int, compounds: set[str]) -> str:
    """Join the lines of a page so a paragraph reads as one line; headings, list items and rows stay apart.

    A line break is a wrap when the line before it is nearly as wide as the page's text (``width``
    characters) or the next line goes on in lower case. "sched-" + "ule" becomes "schedule" unless
    ``compounds`` (see ``hyphenated_words``) holds the word with its hyphen, as the document spells it elsewhere.
    """
    out: list[str] = []
    previous = ""  # the line before, as extracted: ``out[-1]`` may hold several joined lines
    for raw in lines:
        line, before = raw.strip(), previous
        previous = line
        if not out or not line or not before:
            out.append(line)
            continue
        hyphen = _HYPHENATED_END.search(before)
        word = _LEADING_WORD.match(line)
        # A full line ending a sentence may end its paragraph too: only a line that is fuller still wraps.
        ends = before[-1] in ".!?:"
        full = width >= _MIN_WIDTH and len(before) >= (0.9 if ends else 0.75) * width
        goes_on = word is not None and (hyphen is not None or len(before) >= 0.5 * max(width, _MIN_WIDTH))
        # After a finished sentence, a short line with no closing punctuation is the next heading.
        heading = ends and word is None and len(line) < 0.75 * width and line[-1] not in _CLOSING
        if _BULLET.match(line) or heading or not (full or goes_on):
            out.append(line)
            continue
        if hyphen and word:
            keep = f"{hyphen[1]}-{word[1]}".lower() in compounds
            out[-1] = (out[-1] if keep else out[-1][:-1]) + line
        elif hyphen:  # "Mid-" + "Market": a compound, not a split word
            out[-1] += line
        else:
            out[-1] = f"{out[-1]} {line}"
    # Blank lines in the extracted text are paragraph breaks: keep one.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


# --- Web page chrome ---------------------------------------------------------------------------
# Measured against trafilatura, readability-lxml and jusText on the judged web pages of examples/answers
# (bench/html_extractors.py): trafilatura and readability keep the same 19 of 19 answer quotes and leave
# the same 2 of 13 chrome quotes in as these rules; jusText loses 8 answers. The libraries return text,
# not the element tree this parser walks for heading paths and exact spans, and trafilatura alone pulls
# in a dozen packages; so the rules stay, about fifty lines.

#: Landmark roles of site chrome, not of the article.
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_CHROME_NAMES = re.compile(
    r"breadcrumb|cookie|consent|gdpr|navbar|sidebar|skip-link|site-(?:header|footer|nav)"
    # Sharing buttons, newsletter boxes, related-post lists, ads and pop-ups, as a whole word of a class or id
    # ("social-share", "newsletter_signup"; not "market-share-table").
    r"|(?<![\w-])(?:(?:social|newsletter|subscribe|sign-?up|related|promo|advert|popup|modal)[\w-]*"
    r"|share|sharing|share-?(?:buttons?|bar|links|tools|this)|ads|ad-slot)(?![\w-])", re.I)
#: Elements inside which a <header> or <footer> belongs to the content (an article's byline).
_CONTENT_ROOTS = frozenset({"article", "main"})
#: Blocks judged by their share of link text: a menu, a list of related links, a tag cloud.
_LINK_BLOCKS = frozenset({"div", "ul", "ol", "p", "section", "table", "dl", "header", "footer"})
_LINK_SHARE = 0.7
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "svg", "head"})


def chrome_elements(root: Tag) -> set[int]:
    """Return the ids of the elements under ``root`` that are navigation, banners, sidebars or menus.

    Semantic markup decides first (nav, aside, a header or footer outside the article, ARIA landmarks,
    breadcrumb and cookie-banner classes); then blocks whose text is mostly links. One pass each way
    over the tree, so deep nesting costs linear time.
    """
    from bs4.element import NavigableString, PreformattedString, Tag

    order: list[Tag] = []
    in_content: dict[int, bool] = {id(root): False}
    strings: list[NavigableString] = []
    for node in root.descendants:
        if isinstance(node, Tag):
            order.append(node)
            parent = node.parent
            inside = parent is not None and (in_content.get(id(parent), False) or parent.name in _CONTENT_ROOTS)
            in_content[id(node)] = inside
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            strings.append(node)
    text = Counter[int]()
    links = Counter[int]()
    anchors = Counter[int]()
    for string in strings:
        if string.parent is not None and string.parent.name not in _INVISIBLE:
            text[id(string.parent)] += len(string.strip())
    for tag in reversed(order):  # children before their parents
        if tag.name == "a":
            links[id(tag)], anchors[id(tag)] = text[id(tag)], 1
        if tag.parent is not None:
            text[id(tag.parent)] += text[id(tag)]
            links[id(tag.parent)] += links[id(tag)]
            anchors[id(tag.parent)] += anchors[id(tag)]
    chrome: set[int] = set()
    for tag in order:
        key = id(tag)
        names = " ".join([*tag.get_attribute_list("class"), str(tag.get("id") or ""), str(tag.get("aria-label") or "")])
        if (
            tag.name in ("nav", "aside")
            or (tag.name in ("header", "footer") and not in_content[key])
            or str(tag.get("role") or "").lower() in _CHROME_ROLES
            or _CHROME_NAMES.search(names)
            # Two links at least: a paragraph that is one link is still a sentence someone wrote.
            or (tag.name in _LINK_BLOCKS and anchors[key] >= 2 and links[key] >= _LINK_SHARE * text[key])
        ):
            chrome.add(key)
    return chrome
