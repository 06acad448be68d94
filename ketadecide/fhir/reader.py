"""Reading FHIR R4 bundles from files, validating them, and turning them into profiles.

``fhir.resources`` (a heavy import) is loaded only here, inside functions, so a plain
``compare --profile`` never pays for it. Validation uses its R4B models, which read R4
(4.0.1) content: the bundle's own fields, then every resource of a type the import reads
(Patient, Condition, MedicationStatement, MedicationRequest, Medication, Observation,
AllergyIntolerance). Resources of other types (Encounter, Claim, ...) are counted in the
report but not validated, so an irrelevant part of an export cannot block the import; a
resource type that FHIR R4 does not define at all is an error.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ketadecide.engine.result import RecordNotes
from ketadecide.errors import InputError, Problem
from ketadecide.fhir.common import OLDER_OBSERVATIONS_KEY, READ_TYPES
from ketadecide.fhir.mapping import BAND_WORDING, map_bundle, windows_of
from ketadecide.fhir.phq9 import Band
from ketadecide.fhir.report import MappingReport
from ketadecide.knowledge import files as data_files
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.files.codes import CodeIndex, CodesFile, check_ids
from ketadecide.profile import Profile, parse_profile
from ketadecide.safeyaml import decode, load_json, read_text

#: Patient exports (Synthea, EHRs) are far larger than profiles; this is the ceiling.
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
#: At most this many validation problems are listed for one bundle.
MAX_PROBLEMS = 20
#: Observations kept per code (the most recent ones up to the as-of date, and as many after
#: it, which the mapper reports as not used). The mapper reads the latest blood pressure and
#: PHQ-9; a record with 100,000 readings would otherwise cost a minute and a gigabyte of
#: validated models. The report says how many older ones were not read.
RECENT_OBSERVATIONS_PER_CODE = 50


INSTALL_HINT = "FHIR import needs the optional 'fhir' extra (fhir.resources): pip install 'ketadecide[fhir]'"

#: Fields that betray another FHIR version: (resource type, field) -> hint.
VERSION_HINTS: dict[tuple[str, str], str] = {
    (
        "MedicationStatement",
        "medication",
    ): "FHIR R5 (MedicationStatement.medication is a CodeableReference)",
    (
        "MedicationRequest",
        "medication",
    ): "FHIR R5 (MedicationRequest.medication is a CodeableReference)",
    ("MedicationStatement", "taken"): "FHIR STU3 (MedicationStatement.taken)",
    ("MedicationStatement", "patient"): "FHIR DSTU2 (MedicationStatement.patient)",
    ("Condition", "patient"): "FHIR DSTU2 (Condition.patient)",
    ("Condition", "clinicalStatus"): "FHIR STU3 or older (clinicalStatus as a plain code)",
    ("Condition", "verificationStatus"): "FHIR STU3 or older (verificationStatus as a plain code)",
    ("Condition", "participant"): "FHIR R5 (Condition.participant)",
    ("AllergyIntolerance", "clinicalStatus"): "FHIR STU3 (clinicalStatus as a plain code)",
    ("AllergyIntolerance", "participant"): "FHIR R5 (AllergyIntolerance.participant)",
    ("Observation", "triggeredBy"): "FHIR R5 (Observation.triggeredBy)",
    ("Bundle", "issues"): "FHIR R5 (Bundle.issues)",
}


def _fhir_models() -> tuple[Any, Any]:
    """The R4B Bundle model and the model-class lookup, or an InputError saying how to install."""
    try:
        from fhir.resources.R4B import get_fhir_model_class
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        raise InputError(Problem(INSTALL_HINT)) from None
    return Bundle, get_fhir_model_class


def read_bundle(location: str, as_of: dt.date | None = None) -> tuple[dict[str, Any], str]:
    """Read and validate one bundle file (``-`` is stdin); returns the dict and its name."""
    if location == "-":
        name = "<stdin>"
        text = decode(sys.stdin.buffer.read(MAX_BUNDLE_BYTES + 1), name, max_bytes=MAX_BUNDLE_BYTES)
    else:
        name = location
        text = read_text(Path(location), max_bytes=MAX_BUNDLE_BYTES)
    return parse_bundle(text, name, as_of), name


def parse_bundle(text: str, name: str, as_of: dt.date | None = None) -> dict[str, Any]:
    """Parse and validate bundle JSON text; :class:`InputError` names the resource and field.

    Only the most recent :data:`RECENT_OBSERVATIONS_PER_CODE` Observations of each code (on
    or before ``as_of``, today by default) are kept and validated; the number set aside is
    under :data:`OLDER_OBSERVATIONS_KEY` for the report.
    """
    data = load_json(text, name)
    if isinstance(data, dict) and isinstance(data.get("entry"), list):
        older = keep_recent_observations(data, as_of or dt.date.today())
        if older:
            data[OLDER_OBSERVATIONS_KEY] = older
    validate_bundle(data, name)
    assert isinstance(data, dict)
    return data


def _observation_key(resource: Mapping[str, Any]) -> tuple[str, str]:
    """(code, date) of an Observation from its raw JSON, without validating it."""
    code = resource.get("code")
    codings = code.get("coding") if isinstance(code, dict) else None
    first = codings[0] if isinstance(codings, list) and codings and isinstance(codings[0], dict) else {}
    key = f"{first.get('system')}|{first.get('code')}"
    when = resource.get("effectiveDateTime") or resource.get("effectiveInstant") or resource.get("issued")
    period = resource.get("effectivePeriod")
    if not when and isinstance(period, dict):
        when = period.get("start")
    return key, when if isinstance(when, str) else ""


def keep_recent_observations(data: dict[str, Any], as_of: dt.date) -> int:
    """Drop all but the most recent Observations of each code from ``data['entry']``, in place;
    returns how many were dropped. Entries that are not Observations are all kept, in order."""
    entries = data["entry"]
    groups: dict[tuple[str, bool], list[tuple[str, int]]] = {}
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "Observation":
            key, when = _observation_key(resource)
            # ISO dates compare as text; what is after the as-of date is kept apart.
            groups.setdefault((key, when[:10] > as_of.isoformat()), []).append((when, i))
    dropped: set[int] = set()
    for members in groups.values():
        if len(members) > RECENT_OBSERVATIONS_PER_CODE:
            members.sort(reverse=True)
            dropped.update(i for _, i in members[RECENT_OBSERVATIONS_PER_CODE:])
    if dropped:
        data["entry"] = [e for i, e in enumerate(entries) if i not in dropped]
    return len(dropped)


def validate_bundle(data: object, name: str) -> None:
    """Check that ``data`` is a FHIR R4 Bundle whose readable resources are valid."""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise InputError(Problem(f"expected a FHIR Bundle (a JSON object), got {kind}", name))
    rtype = data.get("resourceType")
    if rtype is None:
        raise InputError(Problem("no resourceType: this is not a FHIR resource", name, "resourceType"))
    if rtype != "Bundle":
        raise InputError(
            Problem(
                f"resourceType is {rtype!r}, expected 'Bundle' (export the record as a Bundle)",
                name,
                "resourceType",
            )
        )
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise InputError(Problem("must be a list of entries", name, "Bundle.entry"))
    bundle_model, model_for = _fhir_models()
    from pydantic import ValidationError

    problems: list[Problem] = []
    shell = {k: v for k, v in data.items() if k not in ("entry", OLDER_OBSERVATIONS_KEY)}
    shell["entry"] = [
        {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in entries
    ] or None
    if shell["entry"] is None:
        del shell["entry"]
    try:
        bundle_model.model_validate(shell)
    except ValidationError as exc:
        problems.extend(_problems(exc, name, "Bundle", "Bundle"))
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if resource is None:
            continue
        where = f"entry[{i}]"
        if not isinstance(resource, dict):
            problems.append(Problem("resource must be a JSON object", name, f"{where}.resource"))
            continue
        rtype = resource.get("resourceType")
        if not isinstance(rtype, str):
            problems.append(Problem("resource has no resourceType", name, f"{where}.resource"))
            continue
        try:
            model = model_for(rtype)
        except ValueError:
            problems.append(
                Problem(
                    f"{rtype!r} is not a FHIR R4 resource type (is this another FHIR version?)",
                    name,
                    f"{where}.resourceType",
                )
            )
            continue
        if rtype not in READ_TYPES:
            continue
        label = f"{where} {rtype}/{resource['id']}" if isinstance(resource.get("id"), str) else f"{where} {rtype}"
        try:
            model.model_validate(resource)
        except ValidationError as exc:
            problems.extend(_problems(exc, name, rtype, label))
        except (
            TypeError,
            ValueError,
            KeyError,
        ) as exc:  # fhir.resources raises these for odd input
            problems.append(Problem(f"invalid resource ({type(exc).__name__})", name, label))
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        if len(problems) > MAX_PROBLEMS:
            problems = [*problems[:MAX_PROBLEMS], Problem("... more problems not shown", name)]
        raise InputError(problems)


def _problems(exc: Any, name: str, rtype: str, label: str) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = err.get("loc", ())
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        message = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        etype = err.get("type", "")
        if etype == "extra_forbidden":
            message = "not a FHIR R4 element"
        elif "missing" in etype:
            message = "required by FHIR R4 but missing"
        elif etype == "json_invalid":
            message = "wrong type for this FHIR R4 element"
        top = str(loc[0]) if loc else ""
        hint = VERSION_HINTS.get((rtype, top))
        if hint:
            message += f"; this looks like {hint}, and ketadecide reads FHIR R4 bundles only"
        out.append(Problem(message, name, f"{label}.{path}" if path else label))
    return out


# ----------------------------------------------------------------------------- codes


_INDEX_CACHE: dict[str, CodeIndex] = {}


def check_against_kb(codes: CodesFile, kb: KnowledgeBase, *, source: str | None = None) -> list[Problem]:
    """Problems with ids in ``codes`` that the knowledge base does not define."""
    return check_ids(codes, kb.conditions, kb.medications, source or str(kb.data_dir / data_files.CODES.name))


def code_index(kb: KnowledgeBase) -> CodeIndex:
    """The code index of a knowledge base's codes.yaml, checked against its ids (cached)."""
    cached = _INDEX_CACHE.get(kb.sha256)
    if cached is not None:
        return cached
    codes = kb.codes()
    if codes is None:
        raise InputError(
            Problem(
                "this knowledge base has no codes.yaml, which FHIR import needs "
                "(copy the bundled data/codes.yaml into it and adapt it)",
                str(kb.data_dir),
            )
        )
    problems = check_against_kb(codes, kb)
    if problems:
        raise InputError(problems)
    index = CodeIndex(codes)
    _INDEX_CACHE[kb.sha256] = index
    return index


def phq9_bands(kb: KnowledgeBase) -> tuple[Band, ...]:
    """The PHQ-9 severity bands of a knowledge base's questions (its own, else the bundled)."""
    return kb.questions().phq9_bands(BAND_WORDING)


# ----------------------------------------------------------------------------- public helpers


def bundle_to_profile(
    bundle: Mapping[str, Any],
    kb: KnowledgeBase,
    as_of: dt.date | None = None,
    *,
    source: str = "<bundle>",
) -> tuple[dict[str, Any], MappingReport]:
    """Map an already validated bundle dict with the knowledge base's codes.yaml."""
    return map_bundle(
        bundle,
        code_index(kb),
        as_of=as_of or dt.date.today(),
        source=source,
        bands=phq9_bands(kb),
        windows=windows_of(kb.freshness),
    )


def profile_from_bundle_file(
    path: str | Path, kb: KnowledgeBase, as_of: dt.date | None = None
) -> tuple[dict[str, Any], MappingReport]:
    """Read, validate and map one bundle file (``-`` for stdin).

    Returns the profile *dict* (only what the record holds; ``age`` may be missing, which
    the consult can ask for) and the report. Use :func:`to_profile` to validate the dict.
    Raises :class:`InputError` for a file that is not a valid FHIR R4 Bundle.
    """
    index_first = code_index(kb)  # a bad codes.yaml is reported before the bundle is read
    day = as_of or dt.date.today()
    bands = phq9_bands(kb)
    bundle, name = read_bundle(str(path), day)
    return map_bundle(bundle, index_first, as_of=day, source=name, bands=bands, windows=windows_of(kb.freshness))


def refuse_deceased(report: MappingReport) -> None:
    """Raise :class:`InputError` for a record whose Patient is marked deceased: no comparison
    is made for it (``compare --fhir`` refuses; ``batch --fhir`` writes an error row)."""
    if report.deceased:
        raise InputError(
            Problem(
                "the record's Patient is marked deceased (deceasedBoolean or deceasedDateTime): "
                "no comparison is made for it; check that this is the right record",
                report.source,
                "Patient.deceased",
            )
        )


def to_profile(data: Mapping[str, Any], source: str) -> Profile:
    """Validate a mapped dict into a :class:`Profile`; a missing age names the bundle field."""
    if "age" not in data:
        raise InputError(
            Problem(
                "the record gives no age (no Patient with a birthDate); age is required",
                source,
                "Patient.birthDate",
            )
        )
    return parse_profile(dict(data), source=source)


def iter_bundle_profiles(
    location: str | Path, kb: KnowledgeBase, as_of: dt.date | None = None
) -> Iterator[tuple[int, dict[str, Any] | InputError]]:
    """:func:`iter_bundle_records` without the record notes (profile dicts only)."""
    for row, item in iter_bundle_records(location, kb, as_of):
        yield row, item if isinstance(item, InputError) else item[0]


def iter_bundle_records(
    location: str | Path, kb: KnowledgeBase, as_of: dt.date | None = None
) -> Iterator[tuple[int, tuple[dict[str, Any], RecordNotes] | InputError]]:
    """Profiles from many bundles: a folder of ``*.json`` files (sorted by name) or an NDJSON
    file (``.ndjson``/``.jsonl``, one bundle per line, blank lines skipped).

    Yields ``(row, profile dict)`` or ``(row, InputError)`` with ``row`` the 1-based position of
    the bundle; a bad bundle never stops the others. The dict is not validated (batch validates
    it with ``parse_profile(..., row=row)`` like any row). Raises :class:`InputError` only when
    ``location`` itself cannot be read. Each profile comes with its :class:`RecordNotes`
    (stale values, record conflicts) for ``evaluate(..., record=...)``; a deceased patient is
    an :class:`InputError` row, never a result.
    """
    index = code_index(kb)
    bands = phq9_bands(kb)
    windows = windows_of(kb.freshness)
    day = as_of or dt.date.today()
    path = Path(location)

    def mapped(bundle: Mapping[str, Any], name: str) -> tuple[dict[str, Any], RecordNotes]:
        profile, report = map_bundle(bundle, index, as_of=day, source=name, bands=bands, windows=windows)
        refuse_deceased(report)
        return profile, report.notes()

    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
        for row, file in enumerate(files, start=1):
            try:
                bundle, name = read_bundle(str(file), day)
                yield row, mapped(bundle, name)
            except InputError as exc:
                yield row, _with_row(exc, row)
        return
    text = read_text(path, max_bytes=MAX_BUNDLE_BYTES * 16)
    row = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        row += 1
        try:
            bundle = parse_bundle(line, str(path), day)
            yield row, mapped(bundle, str(path))
        except InputError as exc:
            yield row, _with_row(exc, row)


def _with_row(exc: InputError, row: int) -> InputError:
    return InputError([Problem(p.message, p.source, p.field, row) for p in exc.problems])
