"""Finding English sentences in what a Spanish run shows (issue 28).

A line is English when it holds two or more distinct English function words that Spanish
never uses ("the", "you", "is", "please" ...): a Spanish sentence has none, an English one
almost always has two. A leaked English word alone (a drug or plan name) is not flagged; the
catalog's missed-text recorder (``ketadecide.lang.missed``) catches a single untranslated
interface text instead.

The allow-list, each with its reason:

- **Source citations**, as published (the issue: "sources' titles as published"): every
  ``citation`` of the knowledge base's sources is removed before the check. A citation is one
  record, the title as published plus the reviewer's short note of what it supports; both
  audiences share it and it is the trace back to the evidence, so it is not translated.
- **Source locators** (``§5 (Warnings and Precautions: ...)``, ``[4: what happens if I don't
  respond]``): a section title of the source, as published, pointing into it.
- **Web addresses, file names and paths**: not words.
- **The chart note** (end menu key ``n``, "nota para su equipo médico"): written for the
  clinician, in English by design (the tests leave its lines out, they do not allow it here).
- **The command-line library's own usage errors** (Typer/Click: an unknown option, a value of
  the wrong kind, ``--save FOLDER`` refused by the option's own check), even where
  ``ketadecide/cli/usage.py`` rewords them: the issue says they stay as they are, and they come
  before the command has read ``--lang``. No test here checks one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

#: Words of English that are not Spanish words (``no``, ``a``, ``me``, ``he`` ... are left
#: out: they are both).
_ENGLISH_WORDS = """the and you your is are this that with for of to please was were be not or it what which
    will have has at on in by an from if can cannot here there written answers question questions
    type press skip enter nothing saved file folder expected number one each would should over
    under about after before during such as than then when who how might could do does did more
    most some any every other into out up only also just very much many week weeks day days month
    months year years hour hours visit visits people adults older kind different medicine get go
    take make ask tell know feel need want these those they them their we our us she his her its
    been being had while because both yes i am having given reading high feeling little new pill
    fake less time main poor match shot often set serious disease example blood pressure through
    work yourself therapy watch past infusion injection"""
ENGLISH = frozenset(_ENGLISH_WORDS.split())
_WORD = re.compile(r"[A-Za-zÁÉÍÓÚÑÜáéíóúñü']+")
_ADDRESS = re.compile(r"https?://\S+|\b[\w.-]+\.(?:org|gov|com|net|html|yaml|json|md)\b\S*|(?:[\w.-]*/)+[\w.-]+")
_PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")
_LOCATOR = re.compile(r"§\s?[\d.]+(?:\s*\([^)]*\))?|\[\d+:[^\]]*\]")


def english_words(line: str) -> set[str]:
    """The English-only words of ``line`` (addresses left out)."""
    line = _PLACEHOLDER.sub(" ", _ADDRESS.sub(" ", line))
    return {w.lower() for w in _WORD.findall(line)} & ENGLISH


def _citation_patterns(citations: Iterable[str]) -> list[re.Pattern[str]]:
    # A citation may wrap over lines and loses its final period when shown.
    ordered = sorted({" ".join(c.split()).rstrip(".") for c in citations}, key=len, reverse=True)
    return [re.compile(r"\s+".join(map(re.escape, c.split()))) for c in ordered if c]


def plain_text(text: str) -> str:
    """HTML and Markdown to the words a reader sees (style sheets, tags, entities and
    Markdown's backslash escapes removed)."""
    text = re.sub(r"<style.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", text)
    return html.unescape(text).replace("\\", "")


def english_lines(text: str, citations: Iterable[str]) -> list[str]:
    """The lines of ``text`` that read as English once the allowed parts are removed."""
    text = plain_text(text)
    for pattern in _citation_patterns(citations):
        text = pattern.sub(" ", text)
    text = _LOCATOR.sub(" ", text)
    return [" ".join(line.split()) for line in text.splitlines() if len(english_words(line)) >= 2]
