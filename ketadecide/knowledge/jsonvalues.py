"""Reading FHIR JSON defensively: a value of the wrong shape reads as absent, never raises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _codings(concept: Any) -> list[Mapping[str, Any]]:
    return [c for c in _list(_map(concept).get("coding")) if isinstance(c, Mapping)]
