"""The clinical floor of a crisis message's wording: what it must say and must not take back.

Checked when ``modalities.yaml`` is validated (a data check, no engine needed); the rest of
the floor, which evaluates probe profiles, is :mod:`ketadecide.floor`.
"""

from __future__ import annotations

import re

#: What every crisis message must say, in both wordings (the bundled one says all of it).
CRISIS_ELEMENTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("call or text 988", re.compile(r"\bcall,? or text\b[^.]{0,20}\b988\b|\b988\b", re.I)),
    ("911 or the emergency room", re.compile(r"\b911\b|\bemergency (room|department)\b", re.I)),
    ("now (the help is for today)", re.compile(r"\b(now|today|immediate(ly)?)\b", re.I)),
)
#: Words that take the help back ("no need to call 988", "988 is not necessary").
_CONTRADICTION = re.compile(
    r"\b(no need|not need|needn'?t|don'?t|do not|never|not necessary|unnecessary|avoid|instead of)\b"
    r"[^.;]{0,40}\b(988|911|emergency|lifeline|call)\b"
    r"|\b(988|911|emergency|lifeline)\b[^.;]{0,30}\b(is not|isn'?t|are not|not needed|unnecessary|optional)\b",
    re.I,
)


def crisis_message_problems(text: str) -> list[str]:
    """What a crisis message lacks or contradicts; empty when it keeps the required elements."""
    problems = [f"must say {name}" for name, pattern in CRISIS_ELEMENTS if not pattern.search(text)]
    if not re.search(r"\b(call|text)\b[^.]{0,20}\b988\b", text, re.I):
        problems.append("must tell the reader to call or text 988")
    bad = _CONTRADICTION.search(text)
    if bad:
        problems.append(f"must not discourage seeking help (found: {bad.group()!r})")
    return problems
