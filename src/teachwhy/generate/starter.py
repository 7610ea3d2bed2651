"""The hand-written starter corpus shipped for the example constitution.

It is both the few-shot exemplars of every generation prompt and the training data of the
offline quickstart, where the embedded teacher is too weak to write useful data.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from teachwhy.generate.deliberation import strip_reasoning
from teachwhy.generate.records import Record, read_jsonl, write_jsonl
from teachwhy.spec.errors import TeachwhyError
from teachwhy.spec.examples import example_path

CORPUS_DIR = "corpus"
STARTER_FILES: dict[str, tuple[str, ...]] = {
    "advice": ("advice_part1.jsonl", "advice_part2.jsonl"),
    "documents": ("documents.jsonl",),
    "stories": ("stories.jsonl",),
}
"""Kind -> shipped files, in order."""


def load_starter_corpus(kind: str) -> list[Path]:
    """Paths of the shipped starter files of a kind: advice, documents, stories, or midtrain
    (documents and stories together, the plain-text data read before behaviour training)."""
    kinds = ("documents", "stories") if kind == "midtrain" else (kind,)
    paths = []
    for k in kinds:
        if k not in STARTER_FILES:
            known = ", ".join([*STARTER_FILES, "midtrain"])
            raise TeachwhyError(f"starter corpus has no kind '{kind}'; kinds: {known}")
        paths += [example_path(f"{CORPUS_DIR}/{name}") for name in STARTER_FILES[k]]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise TeachwhyError(
            f"starter corpus file missing: {', '.join(missing)}; reinstall teachwhy"
        )
    return paths


@lru_cache(maxsize=8)
def _starter_records(kind: str) -> tuple[Record, ...]:
    return tuple(r for p in load_starter_corpus(kind) for r in read_jsonl(p, strict=True))


def starter_records(kind: str) -> list[Record]:
    """The starter records of a kind (copies are not made: do not modify them)."""
    return list(_starter_records(kind))


def write_starter_datasets(out_dir: str | Path) -> dict[str, Path]:
    """The starter corpus as training datasets in `out_dir`, one JSONL per dataset:

    advice (with `<think>` deliberation), advice_no_reasoning (the same dialogues without it),
    documents, stories, and midtrain (documents then stories, plain text).
    """
    out = Path(out_dir)
    advice = starter_records("advice")
    datasets = {
        "advice": advice,
        "advice_no_reasoning": [strip_reasoning(r) for r in advice],
        "documents": starter_records("documents"),
        "stories": starter_records("stories"),
        "midtrain": starter_records("midtrain"),
    }
    return {name: write_jsonl(out / f"{name}.jsonl", records) for name, records in datasets.items()}
