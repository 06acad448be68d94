"""The session log: validation that names the row and column, and the derived course on
both sides of every cut-off (response 50%, partial 25%, remission < 5, fading, the
titration rule, the Spravato labelled dose, the dissociation window)."""

from __future__ import annotations

import pytest

from ketadecide.errors import InputError
from ketadecide.knowledge import KnowledgeBase
from ketadecide.troubleshoot.engine import suggest_for
from ketadecide.troubleshoot.log import parse_session_log, summarize_log

HEADER = "date,modality,dose,phq9_total,dissociation,bp\n"


def log(rows: list[tuple[str, float, int | None]], modality: str = "iv", extra: str = "") -> str:
    """A log of (date, dose, phq9) rows of one modality."""
    lines = [HEADER]
    for date, dose, phq9 in rows:
        lines.append(f"{date},{modality},{dose},{'' if phq9 is None else phq9},,\n")
    return "".join(lines) + extra


def course_of(scores: list[int | None], *, modality: str = "iv", dose: float = 0.5):  # type: ignore[no-untyped-def]
    rows = [(f"2026-01-{i + 1:02d}", dose, s) for i, s in enumerate(scores)]
    return parse_session_log(log(rows, modality), "t.csv")


@pytest.mark.parametrize(
    ("scores", "response", "remission"),
    [
        ([22, 16, 11], "sustained", False),  # exactly 50% drop: response
        ([22, 16, 12], "partial", False),  # 45%: partial
        ([20, 17, 15], "partial", False),  # exactly 25%: partial (ICSI)
        ([20, 17, 16], "none", False),  # 20%: none
        ([20, 12, 4], "sustained", True),  # below 5: remission
        ([20, 12, 5], "sustained", False),  # 5 is not remission
        ([22, 10, 11], "sustained", False),  # best 55%, latest still 50%: not fading
        ([22, 10, 12], "fading", False),  # reached response, latest 45%: fading
        ([20, 14, 16], "fading", False),  # reached partial (30%), rebound to 20%: fading
        ([20, 15, 15], "partial", False),  # partial held: not fading
        ([20, 21, 24], "none", False),  # worse: none
    ],
)
def test_response_cut_offs(scores: list[int], response: str, remission: bool, kb: KnowledgeBase) -> None:
    summary = summarize_log(course_of(scores), kb)
    assert summary.response == response
    assert summary.remission is remission
    assert summary.baseline_phq9 == scores[0] and summary.latest_phq9 == scores[-1]


def test_no_response_only_after_the_induction(kb: KnowledgeBase) -> None:
    """< 25% drop is 'too early' with 5 full-dose IV sessions and 'no response' with 6."""
    five = summarize_log(course_of([22, 21, 21, 20, 20]), kb)
    six = summarize_log(course_of([22, 21, 21, 20, 20, 20]), kb)
    assert five.response == six.response == "none"
    assert [s.id for s in suggest_for(five.facts(), kb)] == ["too_early_to_judge"]
    assert [s.id for s in suggest_for(six.facts(), kb)] == ["no_response"]


def test_titration_sessions_do_not_count(kb: KnowledgeBase) -> None:
    """seed_002: only sessions at the full dose count (default: >= 90% of the highest dose)."""
    rows = [("2026-01-01", 0.2, 22), ("2026-01-03", 0.44, 22), ("2026-01-05", 0.45, 21)]
    rows += [(f"2026-01-{d:02d}", 0.5, 21) for d in (8, 10, 12, 15, 17)]
    summary = summarize_log(parse_session_log(log(rows), "t.csv"), kb)
    assert summary.full_dose == (False, False, True, True, True, True, True, True)
    assert summary.sessions_full_dose == 6
    assert any("below the full dose" in n.clinician for n in summary.notes)
    # 8 sessions logged but only 6 counted: judged (window 6) -> no response.
    assert [s.id for s in suggest_for(summary.facts(), kb)] == ["no_response"]
    # Drop the last full-dose session: 5 counted -> too early, although 7 were logged.
    shorter = summarize_log(parse_session_log(log(rows[:-1]), "t.csv"), kb)
    assert shorter.sessions_full_dose == 5
    assert [s.id for s in suggest_for(shorter.facts(), kb)] == ["too_early_to_judge"]


def test_spravato_counts_labelled_doses(kb: KnowledgeBase) -> None:
    rows = [("2026-01-01", 28, 20), ("2026-01-03", 56, 20), ("2026-01-06", 84, 19)]
    summary = summarize_log(parse_session_log(log(rows, "spravato"), "t.csv"), kb)
    assert summary.full_dose == (False, True, True)  # 56 mg counts although < 90% of 84


def test_therapeutic_column_overrides(kb: KnowledgeBase) -> None:
    text = "date,modality,dose,phq9_total,therapeutic\n2026-01-01,im,50,20,no\n2026-01-02,im,50,18,yes\n"
    summary = summarize_log(parse_session_log(text, "t.csv"), kb)
    assert summary.full_dose == (False, True)


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        (["severe", "mild", "mild"], "tolerable"),  # intense only early on
        (["mild", "severe", "mild"], "too_intense"),  # one of the last two
        (["mild", "mild", "too_intense"], "too_intense"),
        ([None, None, None], None),
    ],
)
def test_dissociation_from_recent_sessions(ratings: list[str | None], expected: str | None, kb: KnowledgeBase) -> None:
    lines = [HEADER] + [f"2026-02-0{i + 1},iv,0.5,20,{r or ''},\n" for i, r in enumerate(ratings)]
    assert summarize_log(parse_session_log("".join(lines), "t.csv"), kb).dissociation == expected


def test_mixed_modalities_judge_the_latest_course(kb: KnowledgeBase) -> None:
    text = HEADER + "2026-01-01,compounded,100,22,,\n2026-02-01,spravato,56,20,,\n2026-02-04,spravato,56,18,,\n"
    summary = summarize_log(parse_session_log(text, "t.csv"), kb)
    assert summary.modality == "spravato" and len(summary.sessions) == 2
    assert summary.baseline_phq9 == 20
    assert any("another modality" in n.clinician for n in summary.notes)


def test_unmeasurable_courses(kb: KnowledgeBase) -> None:
    one = summarize_log(course_of([20]), kb)
    assert one.response is None and one.change is None and one.remission is None
    zero = summarize_log(course_of([0, 3]), kb)
    assert zero.response is None
    none = summarize_log(course_of([None, None]), kb)
    assert none.response is None and none.baseline_phq9 is None
    # No response known -> the engine asks for measurements.
    assert [s.id for s in suggest_for(none.facts(), kb)] == ["no_measure"]


def test_highest_bp_and_response_line(kb: KnowledgeBase) -> None:
    text = HEADER + "2026-01-01,iv,0.5,20,,128/80\n2026-01-02,iv,0.5,15,,152/96\n2026-01-03,iv,0.5,12,,140/90\n"
    summary = summarize_log(parse_session_log(text, "t.csv"), kb)
    assert summary.highest_bp == (152, 96)
    assert summary.response_line == 10
    assert summary.definition_refs and any(r.id == "icsi_depression" for r in summary.definition_refs)


@pytest.mark.parametrize(
    ("text", "row", "field"),
    [
        (HEADER + "2026-13-01,iv,0.5,20,,\n", 1, "date"),
        (HEADER + "2026-01-01,oral,0.5,20,,\n", 1, "modality"),
        (HEADER + "2026-01-01,iv,,20,,\n", 1, "dose"),
        (HEADER + "2026-01-01,iv,-1,20,,\n", 1, "dose"),
        (HEADER + "2026-01-01,iv,nan,20,,\n", 1, "dose"),
        (HEADER + "2026-01-01,iv,0.5,20,,\n2026-01-02,iv,0.5,28,,\n", 2, "phq9_total"),
        (HEADER + "2026-01-01,iv,0.5,x,,\n", 1, "phq9_total"),
        (HEADER + "2026-01-01,iv,0.5,20,wild,\n", 1, "dissociation"),
        (HEADER + "2026-01-01,iv,0.5,20,,120\n", 1, "bp"),
        (HEADER + "2026-01-01,iv,0.5,20,,80/120\n", 1, "bp"),
        (HEADER + "2026-01-01,iv,0.5,20,,400/90\n", 1, "bp"),
        (HEADER + "2026-01-05,iv,0.5,20,,\n2026-01-01,iv,0.5,20,,\n", 2, "date"),
        (HEADER + "2026-01-01,iv,0.5,20,,,extra\n", 1, None),
    ],
)
def test_bad_rows_are_named(text: str, row: int, field: str | None) -> None:
    with pytest.raises(InputError) as info:
        parse_session_log(text, "s.csv")
    problem = info.value.problems[0]
    assert (problem.source, problem.row, problem.field) == ("s.csv", row, field)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("date,modality,dose\n2026-01-01,iv,1\n", "phq9_total"),
        (HEADER.strip() + ",mood\n", "mood"),
    ],
)
def test_bad_headers_are_named(text: str, field: str) -> None:
    with pytest.raises(InputError) as info:
        parse_session_log(text, "s.csv")
    assert field in {p.field for p in info.value.problems}


@pytest.mark.parametrize("text", ["", HEADER, HEADER + "\n,,,,,\n"])
def test_empty_logs_are_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse_session_log(text, "s.csv")


def test_all_problems_reported_at_once() -> None:
    text = HEADER + "x,iv,0.5,20,,\n2026-01-02,nope,0.5,20,,\n2026-01-03,iv,0.5,99,,\n"
    with pytest.raises(InputError) as info:
        parse_session_log(text, "s.csv")
    assert [(p.row, p.field) for p in info.value.problems] == [(1, "date"), (2, "modality"), (3, "phq9_total")]
