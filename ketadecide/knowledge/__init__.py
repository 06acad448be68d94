"""The knowledge base: cited, dated clinical records loaded from a data directory.

Load one with :func:`ketadecide.floor.load_knowledge_base` (``ketadecide.load_knowledge_base``):
the strict loader here, then the clinical floor, which runs the engine and so lives above it.
"""

from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.loader import default_data_dir

__all__ = ["KnowledgeBase", "default_data_dir"]
