"""Every record of a validated data file with its ``reviewed:`` date (the knowledge base's
review span, the loader's staleness checks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from ketadecide.knowledge.models import Cited, Source


def walk(model: BaseModel, path: str = "") -> Iterator[tuple[str, BaseModel]]:
    """Every pydantic model inside ``model`` with its dotted key path."""
    yield path, model
    for name in type(model).model_fields:
        yield from _walk_value(getattr(model, name), f"{path}.{name}" if path else name)


def _walk_value(value: Any, path: str) -> Iterator[tuple[str, BaseModel]]:
    if isinstance(value, BaseModel):
        yield from walk(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_value(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk_value(item, f"{path}[{i}]")


def reviewed_dates(model: BaseModel) -> Iterator[tuple[str, dt.date]]:
    for path, item in walk(model):
        if isinstance(item, Cited | Source):
            yield path, item.reviewed
