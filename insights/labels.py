"""Theme labels: the words and word pairs that set one group of texts apart from the rest (class-based TF-IDF)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from insights.keyword import words_and_terms

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
    keys_of: list[set[str]] = []
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    frequency: Counter[str] = Counter()
    for text in texts:
        words = [(w, s) for w, s in words_and_terms(text)
                 if w not in FILLER and w not in unlabelled and not w.isdigit()]
        keys: set[str] = set()
        for (word, stem), following in zip(words, [*words[1:], None], strict=False):
            keys.add(stem)
            surfaces[stem][word] += 1
            if following is not None:
                pair = f"{stem} {following[1]}"
                keys.add(pair)
                surfaces[pair][f"{word} {following[0]}"] += 1
        keys_of.append(keys)
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
        out.append([max(surfaces[k].items(), key=lambda wc: (wc[1], wc[0]))[0] for k in chosen])
    return out
