"""Everything the batch engines say in SQL: the rules (:mod:`.compile`), the validation that
mirrors the Python reference (:mod:`.validate`), the dialect forms (:mod:`.dialects`),
``--emit-sql`` (:mod:`.emit`), the findings decoder for the rule bit masks (:mod:`.decode`)
and the Spark engine's two queries (:mod:`.spark`). Written once in DuckDB's dialect;
other dialects are translated by sqlglot."""
