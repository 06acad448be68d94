"""The consult's questions: the data directory's own ``questions.yaml``, else the bundled one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ketadecide.engine.result import Audience
from ketadecide.errors import InputError, Problem, problems_from_pydantic
from ketadecide.knowledge.base import KnowledgeBase
from ketadecide.knowledge.files.questions import QuestionsFile
from ketadecide.knowledge.models import Cited, Source, SourcesFile
from ketadecide.safeyaml import load_yaml, read_text

QUESTIONS_FILE = "questions.yaml"


@dataclass(frozen=True)
class QuestionSet:
    """The questions and the sources their help texts cite."""

    file: QuestionsFile
    sources: dict[str, Source]
    path: Path

    def cite(self, ref: str) -> str:
        """A source reference (``kroenke_2001`` or ``spravato_pi §8.1``) as its full citation."""
        source_id, _, locator = ref.partition(" ")
        source = self.sources.get(source_id)
        if source is None:  # pragma: no cover - refs are checked when loaded
            return ref
        text = " ".join(source.citation.split()).rstrip(".")
        return f"{text}, {locator}" if locator else text

    def phq9_bands(self, audience: Audience = "clinician") -> tuple[tuple[int, int, str], ...]:
        """The PHQ-9 severity bands as ``(low, high, name)``, named for ``audience``."""
        return self.file.phq9_bands(audience)


def load_questions(kb: KnowledgeBase) -> QuestionSet:
    """The questions of ``kb``'s data directory, or the bundled ones when it has none.

    A clinic's data directory may hold its own ``questions.yaml`` (validated, with its
    sources checked, by the knowledge-base loader); without one the bundled questions are
    used, their help citing the bundled sources.
    """
    questions = kb.questions()
    path, sources = kb.questions_origin()
    return QuestionSet(questions, dict(sources), path)


def load_questions_file(path: Path, sources_path: Path | None = None) -> QuestionSet:
    """Read and validate a questions file; its source ids must be in ``sources.yaml`` beside it."""
    sources_path = sources_path or path.with_name("sources.yaml")
    try:
        questions = QuestionsFile.model_validate(load_yaml(read_text(path), str(path)))
    except ValidationError as exc:
        raise InputError(problems_from_pydantic(exc.errors(), source=str(path))) from None  # type: ignore[arg-type]
    try:
        sources = SourcesFile.model_validate(load_yaml(read_text(sources_path), str(sources_path))).sources
    except ValidationError as exc:
        raise InputError(problems_from_pydantic(exc.errors(), source=str(sources_path))) from None  # type: ignore[arg-type]
    problems = [
        Problem(f"source '{ref.partition(' ')[0]}' is not defined in sources.yaml", str(path), where)
        for where, ref in _refs(questions)
        if ref.partition(" ")[0] not in sources
    ]
    problems += questions.floor_problems(str(path))
    if problems:
        raise InputError(problems)
    return QuestionSet(questions, dict(sources), path)


def _refs(questions: QuestionsFile) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for s in questions.sections:
        for q in s.questions:
            for label, item in (("help", q.help), ("scoring", q.scoring)):
                if isinstance(item, Cited):
                    out.extend((f"{q.id}.{label}.sources", ref) for ref in item.sources)
    return out
