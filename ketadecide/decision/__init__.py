"""Decision support beyond the safety screen: evidence figures, values clarification and
fit, the SURE test, choosing a clinic and who made the aid. Models of the optional data
files (``evidence.yaml``, ``values.yaml``, ``decision.yaml``) live in :mod:`ketadecide.knowledge.files`; the pure
logic (fit, SURE) in :mod:`ketadecide.engine.fit`."""
