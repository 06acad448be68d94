"""The one format of scenario files, clinical (``tests/scenarios/*.yaml``) and course-report
(``tests/troubleshoot/scenarios.yaml``) alike.

A case is a mapping with ``name``, ``profile`` (CONTRACT §1 fields: a whole profile, or the
``course_*`` fields of a course under way), ``expect`` (what must come out; its keys depend on
what the case checks) and, optionally, ``why`` (the cited rule it is written from). A file
holds one case, or a list of cases. Keys are checked strictly, so a typo cannot turn a case
into one that always passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ketadecide.safeyaml import load_yaml

REQUIRED = frozenset({"name", "profile", "expect"})
OPTIONAL = frozenset({"why"})


def load_cases(path: Path, expect_keys: frozenset[str]) -> list[dict[str, Any]]:
    """The cases of one scenario file, each checked: the envelope, then its ``expect`` keys."""
    data = load_yaml(path.read_text(), str(path))
    cases = data if isinstance(data, list) else [data]
    for case in cases:
        assert isinstance(case, dict), path
        where = f"{path.name}: {case.get('name')}"
        assert REQUIRED <= set(case) <= REQUIRED | OPTIONAL, (where, set(case) ^ REQUIRED)
        assert isinstance(case["expect"], dict) and case["expect"], (where, "a scenario must expect something")
        assert set(case["expect"]) <= expect_keys, (where, set(case["expect"]) - expect_keys)
    return cases
