"""The command-line shell: wiring only; no clinical logic lives here."""
