"""Option and usage errors as one line in ketadecide's own words (CONTRACT §4 style).

The option parser's own report (a multi-line "Usage:" block, and wording such as "Input
should be a valid integer" or "Value error") never reaches users: :func:`usage_line` turns
each of its exceptions into ``ketadecide: error: <what>; <what to do>`` (exit 2). Imported
only when such an error happens, so a normal run pays nothing for it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from typer import _click as click

from ketadecide.errors import did_you_mean

_PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
#: What an option of each kind expects, in words.
_DATE = "a date as YYYY-MM-DD, e.g. 2026-11-23"
#: --format values people try that we cannot write, and what to do instead.
_FORMAT_HINTS = {
    "pdf": "write --format html (or -o FILE.html) and print it to PDF from a browser",
    "docx": "write --format markdown or html and open that in a word processor",
    "doc": "write --format markdown or html and open that in a word processor",
    "yaml": "write --format json (a profile as YAML comes from `ketadecide fhir to-profile` or consult --save)",
    "yml": "write --format json",
    "csv": "for a table of many profiles use `ketadecide batch`",
    "text": "the table is plain text; use --format table",
    "txt": "the table is plain text; use --format table",
    "md": "use --format markdown",
    "htm": "use --format html",
}


def command_path(ctx: Any) -> str:
    return str(ctx.command_path) if ctx is not None else "ketadecide"


def _help_hint(ctx: Any) -> str:
    return f" (see `{command_path(ctx)} -h`)"


def _option_name(param: Any) -> str:
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    if opts:
        return str(opts[0])
    metavar = getattr(param, "metavar", None) or str(getattr(param, "name", "value")).upper()
    return str(metavar).strip("[]")


def _given_value(exc: BaseException) -> object:
    """The value the user typed, from the coercion error behind a bad parameter."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            for err in errors():
                if "input" in err:
                    return err["input"]
        except Exception:
            return None
    return None


def _expected(param: Any) -> tuple[str, tuple[str, ...]]:
    """What the parameter takes, in words, and its choices (if it has any)."""
    desc = getattr(param, "type_descriptor", None)
    if desc is None:
        return "", ()
    choices = tuple(str(getattr(c, "value", c)) for c in (desc.choices or ()))
    if choices:
        return "one of " + ", ".join(choices), choices
    if desc.is_datetime:
        return _DATE, ()
    annotation = desc.annotation
    info = desc.parameter_info
    if annotation is int or (getattr(annotation, "__args__", None) and int in annotation.__args__):
        low, high = info.min, info.max
        if low is not None and high is not None:
            return f"a whole number from {low} to {high}", ()
        if low is not None:
            return f"a whole number, {low} or more", ()
        return "a whole number", ()
    return "", ()


def bad_parameter(exc: Any) -> str:
    param = exc.param
    name = _option_name(param) if param is not None else "a value"
    value = _given_value(exc)
    expected, choices = _expected(param)
    ctx = exc.ctx
    source = ""
    if ctx is not None and param is not None and param.name:
        from typer._click.core import ParameterSource

        if ctx.get_parameter_source(param.name) == ParameterSource.ENVIRONMENT:
            source = f" (from ${param.envvar})" if isinstance(param.envvar, str) else " (from the environment)"
    if value is None:
        value_text = ""
    else:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "...'"
        value_text = f" {shown}"
    message = str(getattr(exc, "message", "") or "")
    folder_named = re.search(r"'(.*)' is a directory", message)
    if folder_named:
        folder = folder_named.group(1).rstrip("/") or "/"
        example = f"{folder}/" + {"--output": "handout.html", "--save": "answers.yaml"}.get(name, "FILE")
        return f"{name}{source}: {folder} is a folder; give a file name in it, e.g. {name} {example}"
    if not expected:
        return f"{name}{source}: the value{value_text} is not valid{_help_hint(ctx)}"
    hint = ""
    if name == "--format" and isinstance(value, str) and value.casefold() in _FORMAT_HINTS:
        hint = "; " + _FORMAT_HINTS[value.casefold()]
    elif choices:
        hint = did_you_mean(value, choices)
    elif expected.startswith("a whole number") and isinstance(value, str):
        words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
        if value.casefold() in words:
            hint = f"; write it in digits: {name} {words[value.casefold()]}"
    return f"{name}{source}: expected {expected}, got{value_text or ' nothing'}{hint}"


#: Options people bring from another command, and how this one takes the same thing
#: (a spelling suggestion such as "--profile -> --progress" would mislead).
_TAKEN_OTHERWISE: dict[str, dict[tuple[str, ...], str]] = {
    "batch": {
        ("--profile", "-p", "--input", "-i", "--file"): "batch reads its profiles from the INPUT argument: "
        "ketadecide batch FILE.csv (or .jsonl, .parquet)",
    },
    "compare": {
        ("--input", "-i", "--file"): "give the profile with --profile FILE (many profiles: ketadecide batch FILE)",
    },
    "consult": {
        ("--input", "-i", "--file"): "pre-fill answers with --profile FILE",
    },
}


def _taken_otherwise(ctx: Any, option: str) -> str:
    name = getattr(getattr(ctx, "command", None), "name", "") or ""
    for options, said in _TAKEN_OTHERWISE.get(name, {}).items():
        if option in options:
            return said
    return ""


def _no_such_option(exc: Any) -> str:
    ctx = exc.ctx
    options: list[str] = []
    if ctx is not None:
        for param in ctx.command.params:
            options += [o for o in getattr(param, "opts", []) + getattr(param, "secondary_opts", []) if o]
        options += ["-h", "--help"]
    taken = _taken_otherwise(ctx, exc.option_name)
    if taken:
        return f"{command_path(ctx)}: no option {exc.option_name}: {taken}{_help_hint(ctx)}"
    hint = did_you_mean(exc.option_name, [o for o in options if o.startswith("--")] or options, quote="")
    if not hint and exc.possibilities:
        hint = "; did you mean " + " or ".join(exc.possibilities) + "?"
    return f"{command_path(ctx)}: no option {exc.option_name}{hint}{_help_hint(ctx)}"


def _extra_arguments(exc: Any, extras: list[str]) -> str:
    ctx = exc.ctx
    where = command_path(ctx)
    first = extras[0] if extras else ""
    takes_profile = ctx is not None and any("--profile" in getattr(p, "opts", []) for p in ctx.command.params)
    if (takes_profile and first.lower().endswith(_PROFILE_SUFFIXES)) or (takes_profile and Path(first).is_file()):
        return f"{where}: a profile is given with --profile: use --profile {first}"
    takes_log = ctx is not None and any("--log" in getattr(p, "opts", []) for p in ctx.command.params)
    if takes_log and first.lower().endswith(".csv"):
        return f"{where}: a session log is given with --log: use --log {first}"
    return f"{where}: unexpected argument {first!r} (this command takes options only){_help_hint(ctx)}"


def usage_line(exc: Any) -> str:
    """One line (without the ``ketadecide: error:`` prefix) for a usage exception."""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.exceptions.NoSuchOption):
        return _no_such_option(exc)
    if isinstance(exc, click.exceptions.MissingParameter):
        param = exc.param
        name = _option_name(param) if param is not None else "an argument"
        return f"{command_path(ctx)}: missing {name}{_help_hint(ctx)}"
    if isinstance(exc, click.exceptions.BadParameter):
        return bad_parameter(exc)
    if isinstance(exc, click.exceptions.BadOptionUsage):
        return f"{exc.option_name} needs a value{_help_hint(ctx)}"
    message = str(exc.format_message() if hasattr(exc, "format_message") else exc)
    extra = re.match(r"^Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", message)
    if extra:
        return _extra_arguments(exc, extra.group(1).split(" "))
    command = re.match(r"^No such command '([^']*)'", message)
    if command and ctx is not None:
        names = list(getattr(ctx.command, "commands", {}))
        hint = did_you_mean(command.group(1), names, quote="")
        return f"{command_path(ctx)}: no command {command.group(1)!r}{hint}{_help_hint(ctx)}"
    first = message.strip().splitlines()[0] if message.strip() else "invalid usage"
    return f"{command_path(ctx)}: {first[0].lower() + first[1:]}{_help_hint(ctx)}"
