"""Validating answers field by field now lives in :mod:`ketadecide.knowledge.fields` (the
questions file's model uses it). Re-exported here so existing imports keep working."""

from ketadecide.knowledge.fields import check_fields, field_problems, parse_partial, partial_facts

__all__ = ["check_fields", "field_problems", "parse_partial", "partial_facts"]
