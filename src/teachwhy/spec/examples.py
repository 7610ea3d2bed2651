"""Files shipped inside the package: the example constitution, scenario suite, corpus, configs."""

from __future__ import annotations

from pathlib import Path

from teachwhy.spec.errors import Problem, SpecError

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def example_path(relative: str) -> Path:
    """Path of a shipped example file or folder, e.g. example_path('constitution.yaml')."""
    return EXAMPLES_DIR / relative


def resolve_path(arg: str | Path, field: str = "path", folder: str = "") -> Path:
    """A user path, or failing that a shipped example of that name ('quickstart' works too),
    looked up first in the examples' `folder` (e.g. 'train' for training recipes)."""
    p = Path(arg)
    if p.exists():
        return p
    roots = [EXAMPLES_DIR / folder, EXAMPLES_DIR] if folder else [EXAMPLES_DIR]
    for candidate in [root / name for root in roots for name in (str(arg), f"{arg}.yaml")]:
        if candidate.exists():
            return candidate
    raise SpecError(
        [
            Problem(
                str(arg),
                field,
                "no such file or folder, and no shipped example of that name",
                "check the path, or run `teachwhy examples` to list the shipped ones",
            )
        ]
    )


def list_examples() -> list[str]:
    """Shipped example paths relative to the examples folder (folders count as one entry)."""
    out = []
    for p in sorted(EXAMPLES_DIR.iterdir()):
        if p.name.startswith(("_", ".")):
            continue
        out.append(p.name + ("/" if p.is_dir() else ""))
    return out
