"""A catalogue of hostile inputs, shared by the per-surface matrix and the fuzz tests.

Every entry is bytes as they would sit in a file or arrive on a pipe. None of them is a
valid input: each must be refused with exit 2 and one clear line naming the file, quickly
and with bounded memory. ``MARKER`` is replaced by a path that must never be created (the
proof that a YAML object tag did not run).
"""

from __future__ import annotations

MARKER = b"@MARKER@"

_LAUGHS = b"a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n" + b"".join(
    b"%s: &%s [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n" % ((chr(c).encode(),) * 2 + (chr(c - 1).encode(),) * 9)
    for c in range(ord("b"), ord("j"))
)

#: Documents wrong at the level of bytes, syntax or shape: hostile for every document surface.
DOCUMENTS: dict[str, bytes] = {
    # nothing there
    "empty": b"",
    "whitespace_only": b"   \n\n\t\n",
    "comment_only": b"# nothing but a comment\n",
    "null_document": b"null\n",
    # the wrong shape
    "top_level_list": b"- age: 40\n- age: 41\n",
    "top_level_string": b"just some text\n",
    "top_level_number": b"42\n",
    "multi_document": b"age: 40\n---\nage: 41\n",
    # syntax
    "malformed_yaml": b"age: [40\nsuicidality: none\n",
    "bad_indentation": b"age: 40\n  suicidality: none\n bp_systolic: 120\n",
    "tab_indentation": b"age: 40\nphq9:\n\t- 1\n",
    "malformed_json": b'{"age": 40, "suicidality": "none"',
    "unterminated_string": b'{"age": 40, "id": "abc}',
    "control_character": b"age: 40\nid: \x1b[2Jcleared\x07\n",
    # keys
    "duplicate_key": b"age: 40\nsuicidality: none\nage: 41\n",
    "duplicate_key_json": b'{"age": 40, "age": 41}',
    "merge_key": b"base: &b {age: 40}\n<<: *b\n",
    "complex_key": b"? [age]\n: 40\n",
    "null_key": b"age: 40\n~: 1\n",
    # code execution attempts: must never run
    "python_object_apply": b'!!python/object/apply:os.system ["touch @MARKER@"]\n',
    "python_object_new": b"!!python/object/new:subprocess.Popen [[touch, '@MARKER@']]\n",
    "python_name_value": b"age: !!python/name:os.system\n",
    "python_module_value": b"age: !!python/module:os\n",
    "python_tuple": b"age: 40\nphq9: !!python/tuple [1, 1, 1, 1, 1, 1, 1, 1, 1]\n",
    "local_tag": b"age: !evil 40\n",
    "int_tag_on_text": b"age: !!int 12a\n",
    "set_tag_on_scalar": b"!!set age: 0\n",
    "verbatim_tag": b"age: !<tag:yaml.org,2002:python/object:os.system> {}\n",
    # bombs and depth
    "alias_bomb": _LAUGHS,
    "recursive_alias": b"a: &a [*a]\n",
    "deep_flow_sequence": b"[" * 100_000 + b"]" * 100_000,
    "deep_flow_mapping": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "deep_block_sequence": b"- " * 50_000 + b"x\n",
    "deep_block_mapping": b"".join(b" " * i + b"a:\n" for i in range(3000)) + b" " * 3000 + b"1\n",
    # size
    "huge_comment": b"# " + b"x" * (3 * 1024 * 1024) + b"\nage: 40\n",
    "huge_mapping": b"".join(b"k%d: %d\n" % (i, i) for i in range(120_000)),
    "dense_under_limits": b"{" + b", ".join(b"k%d: {b: 1}" % i for i in range(12_000)) + b"}\n",
    "huge_value": b"age: 40\nid: " + b"x" * (2 * 1024 * 1024) + b"\n",
    # encoding
    "latin1": b"age: 40\nid: caf\xe9\n",
    "nul_bytes": b"age: 40\x00\n",
    "random_binary": bytes(range(256)) * 16,
    "utf16": "age: 40\n".encode("utf-16"),
    "gzip_magic": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(200),
    "lone_surrogate_escape": b'{"age": 40, "id": "\\ud800"}',
}

#: Parseable profiles with a wrong value: hostile for profile surfaces (YAML and JSON).
PROFILE_VALUES: dict[str, bytes] = {
    "age_missing": b"suicidality: none\n",
    "age_string": b"age: '42'\n",
    "age_bool": b"age: true\n",
    "age_float": b"age: 42.5\n",
    "age_negative": b"age: -1\n",
    "age_too_old": b"age: 121\n",
    "age_huge": b"age: 1000000000000000000000000000000000000000\n",
    "age_date": b"age: 2020-01-01\n",
    "age_null": b"age: null\n",
    "age_list": b"age: [40]\n",
    "bp_systolic_out_of_range": b"age: 40\nbp_systolic: 10000\n",
    "bp_diastolic_negative": b"age: 40\nbp_diastolic: -5\n",
    "budget_nan": b"age: 40\nbudget_per_session: .nan\n",
    "budget_inf": b"age: 40\nbudget_per_session: .inf\n",
    "budget_string": b"age: 40\nbudget_per_session: '$300'\n",
    "phq9_short": b"age: 40\nphq9: [1, 2]\n",
    "phq9_item_out_of_range": b"age: 40\nphq9: [1, 1, 1, 1, 1, 1, 1, 1, 9]\n",
    "phq9_string": b"age: 40\nphq9: '123456789'\n",
    "unknown_field": b"age: 40\nfavourite_colour: blue\n",
    "misspelt_field": b"age: 40\nsuicidalty: none\n",
    "unknown_condition": b"age: 40\nconditions: [not_a_condition]\n",
    "unknown_medication": b"age: 40\nmedications: [ketamine_but_wrong]\n",
    "condition_not_a_list": b"age: 40\nconditions: psychosis_history\n",
    "condition_set_tag": b"age: 40\nconditions: !!set {psychosis_history: null}\n",
    "condition_nested_list": b"age: 40\nconditions: [[psychosis_history]]\n",
    "bad_enum": b"age: 40\nsuicidality: maybe\n",
    "enum_wrong_case": b"age: 40\nsuicidality: NONE\n",
    "bool_as_string": b"age: 40\nhas_driver: 'yes'\n",
    "bool_as_int": b"age: 40\nhas_driver: 1\n",
    "binary_tag": b"age: 40\nid: !!binary aGVsbG8=\n",
    "timestamp_id": b"age: 40\nid: 2020-01-01T10:00:00\n",
    "id_too_long": b"age: 40\nid: " + b"x" * 5000 + b"\n",
    "id_mapping": b"age: 40\nid: {a: 1}\n",
    "id_terminal_escape": b'age: 40\nid: "\\e[2J\\e]0;owned\\a"\n',
    "id_bidi_override": b'age: 40\nid: "p-\\u202e1000"\n',
    "id_lone_surrogate": b'age: 40\nid: "\\ud800"\n',
    "many_unknown_fields": b"age: 40\n" + b"".join(b"f%d: 1\n" % i for i in range(5000)),
    "course_sessions_negative": b"age: 40\ncourse_modality: iv\ncourse_sessions: -1\n",
}

#: Session-log CSVs (troubleshoot --log) that must be refused.
SESSION_LOGS: dict[str, bytes] = {
    "empty": b"",
    "header_only": b"date,modality,dose,phq9_total,dissociation,bp\n",
    "unknown_column": b"date,modality,dose,phq9_total,dissociation,bp,ssn\n2026-01-05,iv,0.5,20,mild,120/80,x\n",
    "missing_column": b"date,modality\n2026-01-05,iv\n",
    "duplicate_column": b"date,date,modality,dose,phq9_total,dissociation,bp\n",
    "bad_date": b"date,modality,dose,phq9_total,dissociation,bp\n2026-13-45,iv,0.5,20,mild,120/80\n",
    "dates_out_of_order": (
        b"date,modality,dose,phq9_total,dissociation,bp\n"
        b"2026-01-08,iv,0.5,20,mild,120/80\n2026-01-05,iv,0.5,18,mild,120/80\n"
    ),
    "bad_number": b"date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,iv,lots,20,mild,120/80\n",
    "nan_dose": b"date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,iv,nan,20,mild,120/80\n",
    "phq9_out_of_range": b"date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,iv,0.5,99,mild,120/80\n",
    "bad_bp": b"date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,iv,0.5,20,mild,120-80\n",
    "unknown_modality": b"date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,ayahuasca,0.5,20,mild,120/80\n",
    "extra_cells": b"date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,iv,0.5,20,mild,120/80,x,y\n",
    "unterminated_quote": b'date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,iv,"0.5,20,mild,120/80\n',
    "huge_cell": b'date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,iv,"' + b"9" * 200_000 + b'",20,mild,1\n',
    "too_many_rows": b"date,modality,dose,phq9_total,dissociation,bp\n"
    + b"".join(b"2026-01-05,iv,0.5,20,mild,120/80\n" for _ in range(2500)),
    "formula_injection": b"date,modality,dose,phq9_total,dissociation,bp\n=cmd|' /C calc'!A0,iv,0.5,20,mild,120/80\n",
    "latin1": b"date,modality,dose,phq9_total,dissociation,bp\n2026-01-05,iv,0.5,20,l\xe9g\xe8re,120/80\n",
    "nul_bytes": b"date,modality\x00,dose\n",
    "random_binary": bytes(range(256)) * 16,
    "huge_file": b"date,modality,dose,phq9_total,dissociation,bp\n" + b"#" * (2 * 1024 * 1024),
    "yaml_instead": b"age: 40\n",
}

#: JSON that parses but is not a FHIR R4 bundle (on top of every entry in DOCUMENTS).
FHIR_BUNDLES: dict[str, bytes] = {
    "trailing_comma": b'{"resourceType": "Bundle", "type": "collection",}',
    "not_a_bundle": b'{"resourceType": "Patient", "id": "p1"}',
    "no_resource_type": b'{"type": "collection", "entry": []}',
    "entry_not_a_list": b'{"resourceType": "Bundle", "type": "collection", "entry": {"a": 1}}',
    "entry_resource_wrong_type": b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": 42}]}',
    "unknown_resource_type": (
        b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Spaceship"}}]}'
    ),
    "patient_bad_birthdate": (
        b'{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": '
        b'{"resourceType": "Patient", "id": "p", "birthDate": "yesterday"}}]}'
    ),
    "nan_value": b'{"resourceType": "Bundle", "type": "collection", "total": NaN}',
    "huge_number": b'{"resourceType": "Bundle", "type": "collection", "total": 1e400}',
    "bundle_is_a_list": b'[{"resourceType": "Bundle"}]',
}

#: Paths that are not readable profile files. "{tmp}" is the test's temporary directory.
PATHS: dict[str, str] = {
    "missing_file": "{tmp}/no-such-file.yaml",
    "directory": "{tmp}",
    "missing_parent": "{tmp}/nowhere/p.yaml",
    "dev_zero": "/dev/zero",
    "dev_urandom": "/dev/urandom",
    "empty_name": "",
}

#: A representative dozen of DOCUMENTS for surfaces whose reading code another surface
#: already covers with the full list (the same function reads both).
SAMPLE = (
    "empty",
    "null_document",
    "top_level_list",
    "malformed_yaml",
    "control_character",
    "duplicate_key",
    "python_object_apply",
    "int_tag_on_text",
    "alias_bomb",
    "deep_flow_sequence",
    "huge_comment",
    "latin1",
    "nul_bytes",
    "random_binary",
)

#: The entries whose memory use is measured (the expensive ones, if any were).
HEAVY = (
    "alias_bomb",
    "deep_flow_sequence",
    "deep_flow_mapping",
    "deep_block_sequence",
    "deep_block_mapping",
    "huge_comment",
    "huge_mapping",
    "dense_under_limits",
    "huge_value",
    "random_binary",
)
