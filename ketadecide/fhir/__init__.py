"""FHIR R4 bundle import: read a patient's record into a CONTRACT §1 profile, with a report.

    from ketadecide.fhir import profile_from_bundle_file, to_profile
    data, report = profile_from_bundle_file("patient.json", kb, as_of=date(2026, 11, 23))
    profile = to_profile(data, "patient.json")
    print("\\n".join(report.lines()))

Importing this package is cheap; ``fhir.resources`` is loaded only when a bundle is read.
"""

from __future__ import annotations

from ketadecide.fhir.mapping import map_bundle
from ketadecide.fhir.reader import (
    bundle_to_profile,
    code_index,
    iter_bundle_profiles,
    iter_bundle_records,
    parse_bundle,
    phq9_bands,
    profile_from_bundle_file,
    read_bundle,
    refuse_deceased,
    to_profile,
)
from ketadecide.fhir.report import MappingReport, ReportItem
from ketadecide.knowledge.files.codes import CodeIndex

__all__ = [
    "CodeIndex",
    "MappingReport",
    "ReportItem",
    "bundle_to_profile",
    "code_index",
    "iter_bundle_profiles",
    "iter_bundle_records",
    "map_bundle",
    "parse_bundle",
    "phq9_bands",
    "profile_from_bundle_file",
    "read_bundle",
    "refuse_deceased",
    "to_profile",
]
