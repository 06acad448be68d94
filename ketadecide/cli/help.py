"""Help text shared by the commands: the Examples section of each command's help."""

from __future__ import annotations


def examples(*lines: str) -> str:
    """An "Examples:" epilog; ``\\b`` keeps Click from re-wrapping the command lines."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def conventional_metavars() -> None:
    """Show arguments as the convention has them: ``BUNDLE`` and ``[ID]`` in the usage line
    (Typer writes ``{BUNDLE}`` and ``[[ID]]``), and without a type tag such as ``<str>`` beside
    an argument that names its own metavar. Help text only; parsing is untouched."""
    from typer.core import TyperArgument

    if getattr(TyperArgument, "_ketadecide_metavars", False):
        return
    type_of = TyperArgument.display_type_rich

    def usage_name(self: TyperArgument) -> str:
        name = self.display_name_raw
        name = name if self.required else f"[{name}]"
        return name + ("..." if self.nargs != 1 else "")

    def display_type(self: TyperArgument, ctx: object) -> str | None:
        return None if self.metavar is not None else type_of(self, ctx)  # type: ignore[arg-type]

    TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]
    TyperArgument.display_type_rich = display_type  # type: ignore[assignment,method-assign]
    TyperArgument._ketadecide_metavars = True  # type: ignore[attr-defined]
