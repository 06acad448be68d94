"""A resolved citation, shared by the knowledge base and the results built from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ref:
    """One cited source: the record's id, where in it, and how to find it."""

    id: str
    locator: str
    """Section, page or table, e.g. ``§4``; empty when the whole source is meant."""
    citation: str
    url: str | None
    reviewed: dt.date | None = None
    """When the source record was last checked (a list of sources prints it: issue 24, C4)."""

    @property
    def text(self) -> str:
        """The full citation as one line: ``Citation, §4. https://...``."""
        out = self.citation.rstrip(".")
        if self.locator:
            out = f"{out}, {self.locator}"
        return f"{out}. {self.url}" if self.url else out
