"""``ketadecide serve``: a CDS Hooks 2.0.1 service that shows the comparison as one card in the EHR.

Layout (each module small, the clinical logic stays in the engine and the data):

- :mod:`.config`   the YAML config file (issuers, audiences, origins, data dir), loaded safely
- :mod:`.store`    the small store interface for what must be shared (jti replay, link ids)
- :mod:`.auth`     JWT checks (PyJWT does the cryptography) and the per-issuer JWKS cache
- :mod:`.fetch`    prefetch templates, their meanings, and the deadline-bound FHIR fetches
- :mod:`.chart`    one path from FHIR resources to a profile (the bundle import's mapping)
- :mod:`.cards`    when a card is shown, and what it says (pure; also used by ``--simulate``)
- :mod:`.app`      the Starlette app: discovery, services, feedback, links, CORS, errors
- :mod:`.simulate` alert burden over a folder of bundles, before go-live

Importing this package is cheap; Starlette, httpx and PyJWT load when the server starts.
"""
