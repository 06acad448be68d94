"""INFLESZ (Szigriszt-Pazos perspicuity) for Spanish text, offline, with a small syllable counter.

P = 206.835 - 62.3 * syllables/words - words/sentences (Szigriszt-Pazos 1993); the INFLESZ
scale (Barrio-Cantalejo et al., An Sist Sanit Navar 2008) reads it as: < 40 very difficult,
40-55 somewhat difficult, 55-65 normal, 65-80 fairly easy, > 80 very easy. Used by the tests
to keep every Spanish patient text "normal" or easier (issue 28).

The counter splits each word into vowel runs and counts a nucleus per run, plus one for
every hiatus inside a run (two strong vowels side by side: "le-er", "a-é-re-o"); an accented
í or ú is strong ("pa-ís"). The u of "que", "qui", "gue", "gui" is silent. Drug and brand
names, which a Spanish reader says their own way, are counted from :data:`GLOSSARY`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_STRONG = frozenset("aeoáéóíú")
_VOWELS = frozenset("aeiouáéíóúü")
_WORD = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")

#: Drug and brand names as said in Spanish, with their syllables counted by hand; a name
#: not here is counted by the rules (most are Spanish-regular: "lo-ra-ze-pam").
GLOSSARY: dict[str, int] = {
    # Said the English way in the US, whatever the letters suggest to a Spanish reader.
    "medicare": 3,  # me-di-ker
    "medicaid": 3,  # me-di-keid
    "medigap": 3,  # me-di-gap
    "tricare": 2,  # trai-ker
    "vyvanse": 2,  # vai-vans
    "adderall": 3,  # a-de-ral
    "xanax": 2,  # za-nax
    "provigil": 3,  # pro-vi-yil
    "uniphyl": 3,  # iu-ni-fil
    "concerta": 3,
    "rems": 1,
    # Spanish-regular, listed so a change to the rules cannot miscount the names we use most.
    "spravato": 3,
    "esketamina": 5,
    "ketamina": 4,
    "valium": 2,
}


def _runs(word: str) -> list[str]:
    """The vowel runs of a lower-case word (with "y" a vowel only at the end: "hoy", "muy")."""
    w = re.sub(r"(?<=[qg])u(?=[eiéí])", "", word)  # que, qui, gue, gui: a silent u
    if w.endswith("y") and len(w) > 1:
        w = w[:-1] + "i"
    runs: list[str] = []
    current = ""
    for ch in w:
        if ch in _VOWELS:
            current += ch
        elif current:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return runs


def syllables(word: str) -> int:
    """Syllables of one Spanish word (at least one)."""
    w = word.lower()
    if w in GLOSSARY:
        return GLOSSARY[w]
    count = 0
    for run in _runs(w):
        count += 1 + sum(1 for a, b in itertools.pairwise(run) if a in _STRONG and b in _STRONG)
    return max(1, count)


@dataclass(frozen=True)
class Measure:
    words: int
    sentences: int
    syllables: int

    @property
    def inflesz(self) -> float:
        """Szigriszt-Pazos perspicuity (the INFLESZ score)."""
        if not self.words:
            return 100.0
        return 206.835 - 62.3 * self.syllables / self.words - self.words / self.sentences


def measure(text: str) -> Measure:
    """Words (letters only: numbers are not words here), sentences and syllables of ``text``."""
    words = _WORD.findall(text)
    sentences = max(1, len(_SENTENCE_END.findall(text.strip() + " ")))
    return Measure(len(words), sentences, sum(syllables(w) for w in words))


def inflesz(text: str) -> float:
    return measure(text).inflesz


def band(score: float) -> str:
    """The INFLESZ band of a score."""
    if score < 40:
        return "muy difícil"
    if score < 55:
        return "algo difícil"
    if score < 65:
        return "normal"
    if score <= 80:
        return "bastante fácil"
    return "muy fácil"
