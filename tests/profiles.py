"""Synthetic profiles the tests build on (never a real person's answers)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml


def screened_adult(**fields: Any) -> dict[str, Any]:
    """Someone with major depression after 3 antidepressant trials whose safety questions were
    all asked and answered "none" (so nothing is flagged), with ``fields`` added or replacing
    those. A fresh dict with fresh lists on every call: no test can change another's."""
    return {
        "pregnancy": "none",
        "diagnoses": ["mdd"],
        "antidepressant_trials": 3,
        "suicidality": "none",
        "conditions": [],
        "medications": [],
        **fields,
    }


def write_profile(path: Path, fields: Mapping[str, Any]) -> str:
    """``fields`` written to ``path`` as a YAML profile file; its path as text, for the CLI."""
    path.write_text(yaml.safe_dump(dict(fields), sort_keys=False), encoding="utf-8")
    return str(path)
