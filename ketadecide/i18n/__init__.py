"""The knowledge base in the patient's language: its patient texts by key, checked against
the Spanish catalog (:mod:`ketadecide.lang.catalog`) and replaced (:func:`texts.localize`)."""
