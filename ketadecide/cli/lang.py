"""``--lang`` / ``KETADECIDE_LANG``: the patient's language (English or Spanish).

Spanish covers what a patient reads: with ``--audience patient`` every output; with
``--audience clinician`` only the handout (HTML), which is then the patient's handout, while
the clinician's own screens stay in English (said on stderr).
"""

from __future__ import annotations

import enum
import sys
from typing import Annotated

import typer

from ketadecide.knowledge.base import KnowledgeBase


class LangOpt(enum.StrEnum):
    en = "en"
    es = "es"


LangOption = Annotated[
    LangOpt,
    typer.Option(
        "--lang",
        "-l",
        envvar="KETADECIDE_LANG",
        help="The patient's language: en (default) or es (Spanish: questions, summary, handout, "
        "crisis help). With --audience clinician only the handout (HTML) is in Spanish.",
        case_sensitive=False,
    ),
]


def speak_errors(lang: LangOpt, audience: str) -> None:
    """Before anything is read: the command's error lines in Spanish when a patient asked for
    Spanish (a missing --profile file, a --save folder that does not exist)."""
    from ketadecide.lang import set_error_lang

    set_error_lang("es" if lang == LangOpt.es and audience == "patient" else "en")


def with_language(kb: KnowledgeBase, lang: LangOpt, audience: str, fmt: str) -> tuple[KnowledgeBase, str]:
    """The knowledge base to evaluate with, and the audience the output is written for.

    Spanish is checked first: a data directory lacking a Spanish safety text refuses
    (:class:`InputError`, exit 2) before anything is asked or written.
    """
    from ketadecide.lang import set_lang

    set_lang("en")  # a fresh command starts in English (tests run many in one thread)
    if lang == LangOpt.en:
        return kb, audience
    if fmt == "note":
        # The chart note is the clinician's, whoever asks for it: all of it in English (a note
        # half in Spanish would serve neither reader).
        from ketadecide.lang import tr_error

        note = "ketadecide: --lang es: the chart note is written for the clinician and stays in English."
        print(tr_error(note), file=sys.stderr)
        return kb, "clinician"
    if audience == "clinician" and fmt != "html":
        print(
            "ketadecide: --lang es translates what the patient is handed (the HTML handout); "
            "this clinician output stays in English.",
            file=sys.stderr,
        )
        return kb, audience
    from ketadecide.i18n.texts import localize

    spanish = localize(kb)
    set_lang("es")
    if audience == "clinician":
        print(
            "ketadecide: --lang es: the handout is written for the patient, in Spanish; "
            "the clinician screens stay in English.",
            file=sys.stderr,
        )
    fallbacks = spanish.coverage.fallbacks()
    if fallbacks:
        from ketadecide.lang import trf

        # In Spanish: the patient may be the one reading it (the command names the check for the clinic).
        said = "ketadecide: {n} patient text(s) have no Spanish yet and are shown in English " + (
            "(ketadecide data validate --lang es lists them)."
        )
        print(trf(said, n=len(fallbacks)), file=sys.stderr)
    return spanish.knowledge_base, "patient"


def say_interface_fallbacks() -> None:
    """After the output: the program's own words that had to stay in English."""
    from ketadecide.lang import current, missed

    if current() == "es" and missed():
        from ketadecide.lang import trf

        said = "ketadecide: {n} interface text(s) have no Spanish yet and were shown in English."
        print(trf(said, n=len(missed())), file=sys.stderr)
