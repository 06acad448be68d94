"""Whether a stream is a terminal: the one check behind colour, prompts, progress bars and
line editing, for every command and the consult's askers."""

from __future__ import annotations


def is_terminal(stream: object) -> bool:
    """A closed, replaced or missing stream (``None``, a ``StringIO``, a stream whose file
    descriptor is gone) is not a terminal; asking it never raises."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False
