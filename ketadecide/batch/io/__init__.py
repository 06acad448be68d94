"""What every batch engine shares around its rows: reading inputs (:mod:`.readers`, with
:mod:`.lines`), the output columns (:mod:`.columns`, the one list to extend), writing files
(:mod:`.writers`) and the run's summary (:mod:`.summary`)."""
