"""ketadecide: decision support for choosing between ketamine treatment modalities.

The public Python API (imported lazily so ``import ketadecide`` stays cheap)::

    from ketadecide import Profile, evaluate, load_knowledge_base

    kb = load_knowledge_base()              # the bundled, cited data (or a directory)
    result = evaluate(Profile(age=45, antidepressant_trials=3), kb)
    result.modality("spravato").status      # 'no_flags' | 'caution' | 'incomplete' | 'contraindicated'

It informs; it never prescribes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ketadecide._version import SCHEMA_VERSION, __version__

if TYPE_CHECKING:
    from ketadecide.batch.api import BatchRun, BatchStream, RowError, Summary, evaluate_many, stream_many
    from ketadecide.compare import evaluate
    from ketadecide.engine import Result
    from ketadecide.errors import InputError, Problem
    from ketadecide.floor import load_knowledge_base
    from ketadecide.knowledge import KnowledgeBase
    from ketadecide.profile import Profile, parse_profile
    from ketadecide.render.json import result_to_dict

_EXPORTS = {
    "evaluate": "ketadecide.compare",
    "Result": "ketadecide.engine",
    "load_knowledge_base": "ketadecide.floor",
    "KnowledgeBase": "ketadecide.knowledge",
    "Profile": "ketadecide.profile",
    "parse_profile": "ketadecide.profile",
    "InputError": "ketadecide.errors",
    "Problem": "ketadecide.errors",
    "result_to_dict": "ketadecide.render.json",
    "evaluate_many": "ketadecide.batch.api",
    "stream_many": "ketadecide.batch.api",
    # evaluate_many's result and its parts, so a caller can annotate with them.
    "BatchRun": "ketadecide.batch.api",
    "BatchStream": "ketadecide.batch.api",
    "RowError": "ketadecide.batch.api",
    "Summary": "ketadecide.batch.api",
}

__all__ = [  # noqa: RUF022 - grouped: metadata first, then the API
    "SCHEMA_VERSION",
    "__version__",
    "BatchRun",
    "BatchStream",
    "InputError",
    "KnowledgeBase",
    "Problem",
    "Profile",
    "Result",
    "RowError",
    "Summary",
    "evaluate",
    "evaluate_many",
    "load_knowledge_base",
    "parse_profile",
    "result_to_dict",
    "stream_many",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ketadecide' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
