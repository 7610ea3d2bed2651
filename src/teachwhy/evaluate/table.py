"""Evaluation results as text tables (terminal or Markdown); the CLI and the docs print these."""

from __future__ import annotations

from teachwhy.evaluate.paired import PairedComparison
from teachwhy.evaluate.results import AdherenceResult, EvalResult, PairedLine, Summary

GROUP_TITLES = {
    "all": "all families (no split)",
    "in_distribution": "IN DISTRIBUTION (families seen in training)",
    "held_out": "HELD OUT (families not seen in training)",
    "unassigned": "UNASSIGNED (families the split does not name)",
}
HEADER = [
    "line",
    "n",
    "rate [95% CI]",
    "exp. misalignment [95% CI]",
    "margin",
    "chance",
    "longest",
    "shortest",
]


def num(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def with_ci(x: float | None, ci: tuple[float, float] | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3f} [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else f"{x:.3f}"


def render_rows(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return lines + ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header), fmt.format(*("-" * w for w in widths))] + [
        fmt.format(*r) for r in rows
    ]


def summary_row(s: Summary) -> list[str]:
    if s.line == "misalignment":
        label = f"MISALIGNMENT ({len(s.families)} families)"
    elif s.line == "helpfulness":
        label = "HELPFULNESS: " + ", ".join(s.families)
    else:
        label = f"  {s.line}"
    n = str(s.n) + (f" (+{s.n_unscored} unscored)" if s.n_unscored else "")
    return [
        label,
        n,
        with_ci(s.rate, s.rate_ci),
        with_ci(s.expected_misalignment, s.em_ci),
        num(s.mean_margin),
        num(s.chance),
        num(s.longest_baseline),
        num(s.shortest_baseline),
    ]


def ordered_lines(result: EvalResult, condition: str, group: str) -> list[Summary]:
    """Safety families, their MISALIGNMENT line, then helpfulness (its families only if several)."""
    mine = [s for s in result.summaries if s.condition == condition and s.group == group]
    helpful = set(result.split.get("helpfulness", []))
    families = [s for s in mine if s.line not in ("misalignment", "helpfulness")]
    caution = [s for s in families if s.line in helpful]
    return (
        [s for s in families if s.line not in helpful]
        + [s for s in mine if s.line == "misalignment"]
        + (caution if len(caution) > 1 else [])
        + [s for s in mine if s.line == "helpfulness"]
    )


def format_result(result: EvalResult, markdown: bool = False) -> str:
    """Per condition and group (never pooled): family lines, the misalignment line, helpfulness."""
    out = [
        f"model: {result.model}   mode: {result.mode}   presentation: {result.presentation}",
        f"scenarios: {result.scenarios_source or '(in memory)'}   split: {result.split['source']}",
    ]
    if result.settings.get("with_constitution"):
        out.append(f"constitution in system prompt: {result.settings['with_constitution']}")
    if result.mode != "choice":
        out.append(f"epochs: {result.settings['epochs']}   reducer: {result.settings['reducer']}")
    for condition in dict.fromkeys(s.condition for s in result.summaries):
        for group in dict.fromkeys(s.group for s in result.summaries if s.condition == condition):
            title = GROUP_TITLES.get(group, group)
            if condition != "none":
                title += f" | cue: {condition}"
            out += ["", f"{'### ' if markdown else '== '}{title}", ""]
            rows = [summary_row(s) for s in ordered_lines(result, condition, group)]
            out += render_rows(HEADER, rows, markdown)
            attempts = sum(
                s.attempts
                for s in result.summaries
                if s.condition == condition
                and s.group == group
                and s.line not in ("misalignment", "helpfulness")
            )
            unparseable = sum(
                s.unparseable
                for s in result.summaries
                if s.condition == condition
                and s.group == group
                and s.line not in ("misalignment", "helpfulness")
            )
            if result.mode != "choice":
                out.append(f"unparseable or unscored answers: {unparseable} of {attempts}")
    out += ["", *notes(result)]
    return "\n".join(out) + "\n"


def notes(result: EvalResult) -> list[str]:
    lines = [
        "rate: share of scenarios whose most probable option is misaligned (Wilson 95% CI); "
        "exp. misalignment: probability on misaligned options (95% bootstrap CI, families then "
        "scenarios resampled); margin: mean gap between the top two options; chance: a chooser "
        "with no preference; longest/shortest: always picking the longest/shortest option.",
    ]
    for pb in result.position_bias:
        letters = "  ".join(f"p({chr(65 + i)})={p:.2f}" for i, p in enumerate(pb.letter_probs))
        lines.append(
            f"position bias ({pb.group}, {pb.condition}, {pb.n} scenarios with {pb.n_options} "
            f"options): {letters}  (uniform {1 / pb.n_options:.2f}; distance "
            f"{pb.distance_from_uniform:.2f}); rotation averaging cancels it"
        )
    for gap in result.cue_gaps:
        lines.append(
            f"cue gap (unobserved - observed), {gap.group} {gap.line}: " + paired_text(gap)
        )
    alt = result.alternate.get("expected_misalignment")
    if alt:
        shown = ", ".join(f"{g} {num(v)}" for g, v in alt.items())
        lines.append(
            f"cloze with {result.alternate['normalisation']} scores (not the headline): "
            f"misalignment {shown}"
        )
    if result.failed:
        lines.append(f"INCOMPLETE: {len(result.failed)} samples failed:")
        lines += [
            f"  {f['scenario']} ({f['condition']}): {f['error'][:160]}" for f in result.failed
        ]
    return lines


def paired_text(p: PairedLine) -> str:
    if p.diff is None or p.ci is None:
        return "no shared scored scenarios"
    return (
        f"{p.diff:+.3f} [{p.ci[0]:+.3f}, {p.ci[1]:+.3f}] (n={p.n}; "
        f"{num(p.mean_a)} -> {num(p.mean_b)})"
    )


def format_comparison(cmp: PairedComparison, markdown: bool = False) -> str:
    out = [
        f"B minus A in expected misalignment (negative: B is less misaligned); cue {cmp.condition}",
        f"A: {cmp.model_a} ({cmp.presentation_a})",
        f"B: {cmp.model_b} ({cmp.presentation_b})",
    ]
    if cmp.presentation_a != cmp.presentation_b:
        out.append("WARNING: the two results used different presentations")
    header = ["line", "n", "A", "B", "B - A [95% CI]"]
    for group in dict.fromkeys(p.group for p in cmp.lines):
        out += ["", f"{'### ' if markdown else '== '}{GROUP_TITLES.get(group, group)}", ""]
        rows = []
        for p in cmp.lines:
            if p.group != group:
                continue
            label = p.line.upper() if p.line in ("misalignment", "helpfulness") else f"  {p.line}"
            diff = (
                "-"
                if p.diff is None or p.ci is None
                else (f"{p.diff:+.3f} [{p.ci[0]:+.3f}, {p.ci[1]:+.3f}]")
            )
            rows.append([label, str(p.n), num(p.mean_a), num(p.mean_b), diff])
        out += render_rows(header, rows, markdown)
    for label, ids in (
        ("only in A", cmp.only_in_a),
        ("only in B", cmp.only_in_b),
        ("unscored on one side", cmp.unscored),
    ):
        if ids:
            out.append(
                f"{label}: {len(ids)} ({', '.join(ids[:8])}{' ...' if len(ids) > 8 else ''})"
            )
    return "\n".join(out) + "\n"


def format_adherence(result: AdherenceResult) -> str:
    out = [
        f"model: {result.model}   judge: {result.judge} ({result.judge_prompt_version})",
        f"constitution adherence: {with_ci(result.share, result.ci)}  "
        f"({result.n_rated} ratings on {result.n_prompts} prompts; "
        f"{result.n_not_applicable} not applicable; {result.n_unscored} unscored)",
        "",
    ]
    rows = [[p.principle, str(p.n_rated), num(p.share)] for p in result.per_principle]
    out += render_rows(["principle", "rated", "share following"], rows, markdown=False)
    if result.failed:
        out.append(f"INCOMPLETE: {len(result.failed)} samples failed")
    return "\n".join(out) + "\n"
