"""The one renderer that turns a constitution into the text models see in prompts."""

from __future__ import annotations

from teachwhy.spec.constitution import Constitution


def render_constitution(constitution: Constitution, with_rationale: bool = True) -> str:
    """Markdown-like plain text: principles (with their why), heuristics, then factors."""
    lines = [f"# {constitution.name} (version {constitution.version})"]
    if constitution.description:
        lines += ["", constitution.description.strip()]
    lines += ["", "## Principles"]
    for number, p in enumerate(constitution.principles, 1):
        lines += ["", f"{number}. {p.title} [{p.id}]", f"   What: {p.statement.strip()}"]
        if with_rationale:
            lines.append(f"   Why: {p.rationale.strip()}")
    if constitution.heuristics:
        lines += ["", "## Heuristics"]
        lines += [f"- {h.name} [{h.id}]: {h.description.strip()}" for h in constitution.heuristics]
    if constitution.factors:
        lines += ["", "## Factors to weigh"]
        for f in constitution.factors:
            desc = f": {f.description.strip()}" if f.description else ""
            lines.append(f"- {f.name} [{f.id}]{desc}")
    return "\n".join(lines) + "\n"
