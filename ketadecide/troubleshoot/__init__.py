"""Troubleshooting a course under way: rules from data, a session-log reader, and a report.

``suggest(profile, kb)`` is the hook :func:`ketadecide.engine.evaluate` calls;
``summarize_log`` derives a course (response, full-dose sessions, dissociation) from a
session log; ``build_report`` puts either together for ``ketadecide troubleshoot``.
"""

from __future__ import annotations
