"""The knowledge base: cited, dated clinical records loaded from a data directory."""

from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.loader import default_data_dir, load_knowledge_base

__all__ = ["KnowledgeBase", "default_data_dir", "load_knowledge_base"]
