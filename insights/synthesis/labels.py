"""Theme labels: the words and word pairs that set one group of texts apart from the rest (class-based TF-IDF)."""

from __future__ import annotations

import math
from collections import Counter

from insights.storage.keyword import words_and_terms

#: Distinctive terms per label.
LABEL_TERMS = 3
#: How much more a recurring word pair ("log out", "payroll export") weighs than a single word.
PAIR_WEIGHT = 2.0
#: Conversational words that c-TF-IDF can still rank high in chatty transcripts; never part of a label.
FILLER = frozenset(
    "yeah yes okay ok like just know think really thing things get got go going um uh mean kind sort lot "
    "actually pretty say said well right one something stuff want also way much even still maybe sure "
    "honestly basically literally everything anything time day week people guy guys you your we re ve ll so do "
    "what about could would laughs thank thanks hi great".split()
)


def distinctive_terms(texts: list[str], groups: list[list[int]], count: int = LABEL_TERMS,
                      unlabelled: frozenset[str] = frozenset()) -> list[list[str]]:
    """Return, for each group of text positions, its ``count`` most distinctive terms as written most often.

    Lower-case words in ``unlabelled`` are left out, like filler words.

    A term scores by its share of the group's texts times log(1 + texts / texts holding it); it must occur in
    two texts of the group, and a term sharing a word with one already chosen is skipped.
    """
    words_of = [[(w, s) for w, s in words_and_terms(text) if w not in FILLER and w not in unlabelled
                 and not w.isdigit()] for text in texts]
    keys_of = [{s for _, s in words} | {f"{a[1]} {b[1]}" for a, b in zip(words, words[1:], strict=False)}
               for words in words_of]
    frequency: Counter[str] = Counter()
    for keys in keys_of:
        frequency.update(keys)
    out = []
    for members in groups:
        inside: Counter[str] = Counter()
        for i in members:
            inside.update(keys_of[i])
        scored = [((n / len(members)) * math.log(1 + len(texts) / frequency[k]) * (PAIR_WEIGHT if " " in k else 1.0),
                   k) for k, n in inside.items() if n >= 2]
        chosen: list[str] = []
        for _, key in sorted(scored, key=lambda sk: (-sk[0], sk[1])):
            if any(set(key.split()) & set(c.split()) for c in chosen):
                continue
            chosen.append(key)
            if len(chosen) == count:
                break
        out.append(_as_written(chosen, [words_of[i] for i in members]))
    return out


def _as_written(keys: list[str], texts: list[list[tuple[str, str]]]) -> list[str]:
    """Return how the group most often writes each stem or stem pair (ties: the later in the alphabet)."""
    wanted = set(keys)
    written: dict[str, Counter[str]] = {key: Counter() for key in keys}
    for words in texts:
        for at, (word, stem) in enumerate(words):
            if stem in wanted:
                written[stem][word] += 1
            if at + 1 < len(words) and (pair := f"{stem} {words[at + 1][1]}") in wanted:
                written[pair][f"{word} {words[at + 1][0]}"] += 1
    return [max(written[key].items(), key=lambda wc: (wc[1], wc[0]))[0] for key in keys]
