"""Words shared by every renderer, so the table, Markdown and HTML say the same thing."""

from __future__ import annotations

from ketadecide.engine.result import Audience, Coverage

STATUS_SYMBOL = {"eligible": "✔", "caution": "▲", "contraindicated": "✖"}
STATUS_WORD: dict[str, dict[str, str]] = {
    "clinician": {
        "eligible": "eligible",
        "caution": "caution",
        "contraindicated": "contraindicated",
    },
    "patient": {
        "eligible": "no concerns found",
        "caution": "talk it over first",
        "contraindicated": "not advised for you",
    },
}
SEVERITY_WORD: dict[str, dict[str, str]] = {
    "clinician": {"absolute": "ABSOLUTE", "relative": "relative", "info": "info"},
    "patient": {"absolute": "rules this out", "relative": "needs care", "info": "good to know"},
}
DETAIL_LABEL: dict[str, dict[str, str]] = {
    "clinician": {
        "fda_status": "FDA status",
        "indications": "Indications",
        "route": "Route",
        "bioavailability": "Bioavailability",
        "onset": "Onset",
        "induction": "Induction",
        "maintenance": "Maintenance",
        "time_on_site": "Time on site",
        "monitoring": "Monitoring",
        "setting": "Setting",
        "driving": "Driving",
        "tradeoffs": "Trade-offs",
    },
    "patient": {
        "fda_status": "FDA approval",
        "indications": "Approved for",
        "route": "How it is given",
        "bioavailability": "How much reaches the body",
        "onset": "How fast it may help",
        "induction": "First weeks",
        "maintenance": "After that",
        "time_on_site": "Time at each visit",
        "monitoring": "Watching over you",
        "setting": "Where",
        "driving": "Getting home",
        "tradeoffs": "Good to know",
    },
}
#: The details the comparison table shows; the rest appear in `modalities ID`.
TABLE_DETAILS = ("fda_status", "route", "induction", "time_on_site", "driving", "tradeoffs")

TITLE = {
    "clinician": "Ketamine modality comparison",
    "patient": "Comparing ketamine treatments",
}


def status_text(status: str, audience: Audience) -> str:
    return f"{STATUS_SYMBOL[status]} {STATUS_WORD[audience][status]}"


def coverage_text(c: Coverage, audience: Audience) -> str:
    if c.likely_covered is True:
        head = "✔ likely covered" if audience == "clinician" else "✔ insurance likely pays"
    elif c.likely_covered is False:
        head = "✖ unlikely covered" if audience == "clinician" else "✖ insurance unlikely to pay"
    else:
        head = "? unknown"
    if c.prior_authorization and c.likely_covered is not False:
        head += " (prior auth)" if audience == "clinician" else " (needs approval first)"
    return head


def money(low: float, high: float) -> str:
    if low == high:
        return f"${low:,.0f}"
    return f"${low:,.0f}–${high:,.0f}"


class SourceIndex:
    """Numbers each distinct citation once, in order of first use."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}

    def refs(self, sources: tuple[str, ...]) -> str:
        nums: list[int] = []
        for s in sources:
            if s not in self._numbers:
                self._numbers[s] = len(self._numbers) + 1
            if self._numbers[s] not in nums:
                nums.append(self._numbers[s])
        return "".join(f"[{n}]" for n in sorted(nums))

    def items(self) -> list[tuple[int, str]]:
        return [(n, s) for s, n in self._numbers.items()]
