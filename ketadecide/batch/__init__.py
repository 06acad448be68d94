"""Batch comparisons: many profiles in (CSV, JSONL, Parquet), one result row each out.

The knowledge base's rules are compiled to SQL and run on embedded DuckDB; the single-
profile evaluator (:func:`ketadecide.engine.evaluate_modalities`) stays the reference, and every row
the SQL cannot vouch for is decided by it. DuckDB, pyarrow and sqlglot are an optional
extra (``pip install 'ketadecide[batch]'``), imported only here.
"""
