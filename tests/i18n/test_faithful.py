"""Faithful Spanish: every number, dose, date, price, phone number and web address in a
Spanish text is the one in its English twin (US digit grouping in both)."""

from __future__ import annotations

import re

import pytest

from ketadecide.floor import load_knowledge_base
from ketadecide.i18n.texts import coverage
from ketadecide.knowledge.crisis_text import crisis_message_problems
from ketadecide.lang.catalog import bundled_path, load

CATALOG = load(bundled_path())
_NUMBER = re.compile(r"\$?\d[\d,]*(?:\.\d+)?%?")
_WEB = re.compile(r"\b[\w.-]+\.(?:org|gov|com|net)\b")

#: What the Spanish adds on purpose, by key prefix: the Lifeline's Spanish service is
#: reached by pressing 2 after dialling 988 (988lifeline.org, "What to expect").
ADDED = {"2"}
SPANISH_SERVICE = re.compile(r"oprima 2")


def _facts(text: str) -> set[str]:
    """The distinct numbers (amounts, doses, dates, phone numbers) and web addresses: the
    Spanish may repeat one ("marque 988", "por texto al 988"), never add or drop one."""
    found = {m.group().rstrip(",.") for m in _NUMBER.finditer(text)}
    return found | {m.group().lower() for m in _WEB.finditer(text)}


def _pairs() -> list[tuple[str, str, str]]:
    out = [(k, t.en, t.es) for k, t in CATALOG.texts.items()]
    out += [(f"interface: {en[:40]}", en, es) for en, es in CATALOG.interface.items()]
    return out


@pytest.mark.parametrize(("key", "en", "es"), _pairs(), ids=[p[0] for p in _pairs()])
def test_numbers_and_addresses_match_the_english(key: str, en: str, es: str) -> None:
    english, spanish = _facts(en), _facts(es)
    if SPANISH_SERVICE.search(es) and not ADDED & english:
        spanish -= ADDED
    assert spanish == english, f"{key}: English {sorted(english)} vs Spanish {sorted(spanish)}"


def test_the_check_catches_a_changed_number() -> None:
    assert _facts("Llame al 988 o al 911; $1,200 por 6 sesiones.") != _facts("Call 988 or 911; $1,200 for 8 sessions.")


def test_every_crisis_path_text_keeps_988_911_and_the_spanish_service() -> None:
    kb = load_knowledge_base(None)
    cov = coverage(kb, CATALOG)
    crisis = CATALOG.texts["crisis.patient"].es
    assert "988" in crisis and "911" in crisis and "ahora" in crisis
    assert "oprima 2" in crisis and "AYUDA" in crisis  # call and text, in Spanish
    assert "988lifeline.org" in crisis  # chat
    assert all(cov.status[k] == "translated" for k in cov.safety), [
        k for k in cov.safety if cov.status[k] != "translated"
    ]
    # The English floor's words are English; the Spanish keeps the same elements in Spanish.
    assert crisis_message_problems(CATALOG.texts["crisis.patient"].en) == []
    assert re.search(r"\b(llame|envíe)\b[^.]{0,60}\b988\b", crisis)
    assert not re.search(r"\bno (hace falta|necesita)\b[^.]{0,40}\b(988|911)\b", crisis)


def test_every_bundled_patient_text_has_a_current_spanish_twin_or_is_named() -> None:
    """Texts still changing elsewhere fall back to English: this lists them (none today)."""
    cov = coverage(load_knowledge_base(None), CATALOG)
    assert not cov.refused()
    assert cov.translated / len(cov.status) >= 0.95, cov.fallbacks()
