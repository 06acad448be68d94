"""Invariants of the log classification, the sparkline and the handout's escaping."""

from __future__ import annotations

import html
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ketadecide.compare import evaluate
from ketadecide.knowledge import KnowledgeBase
from ketadecide.profile import parse_profile
from ketadecide.render.html import render_html
from ketadecide.render.markdown import render_markdown
from ketadecide.render.trend import BLOCKS, sparkline
from ketadecide.troubleshoot.log import parse_session_log, summarize_log
from tests.strategies import ID_ALPHABET

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(st.lists(st.integers(min_value=0, max_value=27), min_size=2, max_size=12).filter(lambda s: s[0] > 0))
def test_classification_invariants(kb: KnowledgeBase, scores: list[int]) -> None:
    text = "date,modality,dose,phq9_total\n" + "".join(f"2026-03-{i + 1:02d},im,1,{s}\n" for i, s in enumerate(scores))
    summary = summarize_log(parse_session_log(text, "t.csv"), kb)
    change = (scores[0] - scores[-1]) / scores[0]
    best = (scores[0] - min(scores[1:])) / scores[0]
    assert summary.change is not None and abs(summary.change - change) < 1e-12
    if summary.response == "sustained":
        assert change >= 0.5 - 1e-9
    elif summary.response == "partial":
        assert 0.25 - 1e-9 <= change < 0.5 and best < 0.5
    elif summary.response == "none":
        assert change < 0.25 and best < 0.25
    else:
        assert summary.response == "fading" and best > change
    assert summary.remission is (scores[-1] < 5)
    assert summary.sessions_full_dose == len(scores)  # one dose throughout: all count


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=27)), max_size=40))
def test_sparkline_shape(values: list[int | None]) -> None:
    line = sparkline(values)
    assert len(line) == len(values)
    assert set(line) <= set(BLOCKS) | {"·"}
    known = [(v, c) for v, c in zip(values, line, strict=True) if v is not None]
    for (a, ca), (b, cb) in itertools.pairwise(known):
        if a <= b:
            assert BLOCKS.index(ca) <= BLOCKS.index(cb)


@SETTINGS
@given(st.text(ID_ALPHABET, min_size=1, max_size=60))  # ids with control characters are refused
def test_profile_id_is_always_inert(kb: KnowledgeBase, ident: str) -> None:
    """Whatever the id, the page has exactly the markup it has for a plain id: no '<' or '>'
    of the id's survives as markup."""

    def pages(profile_id: str) -> tuple[str, str]:
        profile = parse_profile({"id": profile_id, "age": 40, "course_modality": "iv", "course_response": "none"})
        result = evaluate(profile, kb)
        return render_html(result, "patient"), render_markdown(result, "patient")

    page, md = pages(ident)
    plain_page, plain_md = pages("A")
    assert html.escape(ident, quote=True) in page
    for ch in "<>":
        assert page.count(ch) == plain_page.count(ch)
        # md_escape turns a newline into <br> on purpose; any other markup would be the id's.
        assert md.replace("<br>", "").count(ch) == plain_md.replace("<br>", "").count(ch)
    assert "<script" not in page.lower()
