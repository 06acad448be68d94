"""Flesch-Kincaid and SMOG grade levels, offline: a small syllable heuristic, no downloads.

Used by the tests to keep patient-facing text at grade 8 or below (issue 15), unit by unit
and sentence by sentence (issue 24). Drug, product and program names a glossary explains
(``NAMES``) count as one syllable: "esketamine" is not harder to read than "it".
"""

from __future__ import annotations

import math
import re

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


NAMES = frozenset(
    {
        "spravato",
        "esketamine",
        "ketamine",
        "quetiapine",
        "medicare",
        "medicaid",
        "tricare",
        "trd",
        "rems",
        "tms",
        "ect",
        "iv",
        "im",
        "fda",
        "phq",
        "madrs",
        "benzodiazepine",
        "benzodiazepines",
        "lorazepam",
        "clonazepam",
        "alprazolam",
        "diazepam",
        "ativan",
        "klonopin",
        "xanax",
        "valium",
        "antidepressant",
        "antidepressants",
        "sublingual",
    }
)
"""Names explained in the handout's glossary or the option names: one syllable each."""

MEDICINE_NAMES = frozenset(
    {
        "lamotrigine",
        "lamictal",
        "maoi",
        "phenelzine",
        "nardil",
        "tranylcypromine",
        "parnate",
        "selegiline",
        "emsam",
        "adderall",
        "vyvanse",
        "ritalin",
        "concerta",
        "modafinil",
        "provigil",
        "oxycodone",
        "hydrocodone",
        "morphine",
        "tramadol",
        "methadone",
        "buprenorphine",
        "gabapentin",
        "pregabalin",
        "theophylline",
        "aminophylline",
        "uniphyl",
        "carbamazepine",
        "phenytoin",
        "rifampin",
    }
)
"""The medicine and product names a patient matches against their own pill bottle (the
medicine checklist's names, data/contraindications.yaml): a name cannot be said in simpler
words, so, like the glossary names, each counts as one syllable (issue 24's rule)."""


def syllables(word: str) -> int:
    """Vowel groups, minus a silent final 'e' (also in '-ed' after a letter other than t or
    d, and in '-ely': "approved", "used", "safely" - counting that 'e' made such words look
    a syllable longer than any dictionary says); at least one (a glossary name: one)."""
    w = word.lower()
    if w in NAMES or w in MEDICINE_NAMES:
        return 1
    groups = len(re.findall(r"[aeiouy]+", w))
    silent_e = w.endswith("e") and not w.endswith(("le", "ee", "ye"))
    silent_ed = w.endswith("ed") and not w.endswith(("ted", "ded", "eed", "ied")) and len(w) > 3
    silent_ely = w.endswith("ely") and not w.endswith("eely")
    if (silent_e or silent_ed or silent_ely) and groups > 1:
        groups -= 1
    return max(1, groups)


def fk_grade(text: str) -> float:
    """Flesch-Kincaid grade: 0.39 * words/sentence + 11.8 * syllables/word - 15.59."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len(_SENTENCE_END.findall(text.strip() + " ")))
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syl / len(words) - 15.59


def sentences(text: str) -> list[str]:
    """The text's sentences (split after ``.``, ``!`` or ``?`` followed by a space)."""
    return [p.strip() for p in re.split(r"(?<=[.!?])\s+", text.strip()) if _WORD.search(p)]


def smog_grade(text: str) -> float:
    """SMOG grade (McLaughlin 1969): 1.0430 * sqrt(polysyllables * 30 / sentences) + 3.1291,
    polysyllables being words of 3 syllables or more."""
    count = max(1, len(sentences(text)))
    poly = sum(1 for w in _WORD.findall(text) if syllables(w) >= 3)
    return 1.0430 * math.sqrt(poly * 30 / count) + 3.1291
