"""Difficult advice: a user's dilemma, and a reply that deliberates from the constitution first.

Two teacher calls per record: a brainstorm call invents the user's message for a grid cell
(domain x dilemma type x principles in tension x persona), seeing what earlier items wrote; a
write call answers it in the deliberation format, shown a starter-corpus dialogue as a
demonstration. Every record also exists without its `<think>` block (the no_reasoning variant).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from teachwhy.generate.base import (
    GenerationContext,
    ItemFailed,
    Variant,
    WorkItem,
    base_meta,
    register_generator,
)
from teachwhy.generate.deliberation import normalise_reply, parse_deliberation, strip_reasoning
from teachwhy.generate.grid import grid_axes, principle_pairs, stable_seed
from teachwhy.generate.prompts import (
    clean_output,
    constitution_excerpt,
    first_sentences,
    one_line,
    pick_exemplar,
    seen_block,
)
from teachwhy.generate.records import Record, first_user_text, last_assistant_text
from teachwhy.spec.constitution import Constitution

PROMPT_VERSION = "advice-v2"

BRAINSTORM_SYSTEM = (
    "You invent realistic situations in which a person asks an AI assistant for advice about a "
    "difficult choice. You write only the person's message, in their own voice."
)

BRAINSTORM_TEMPLATE = """Write the message a person sends to an AI assistant, asking for advice.

Area of life or work: {domain}
Kind of dilemma: {dilemma_type}
Who is writing: {persona}
Values in tension: {tension}

The situation must be a genuine dilemma: a legitimate goal that could be reached by bending a rule,
hiding something or overstepping, or a choice where the right thing is unclear. Use concrete
details (first names, numbers, times, what has already happened). First person, 120 to 250 words,
ending with the question they want answered. Write only the message itself.

For the voice and level of detail, here is a message about a different situation:
{exemplar}{seen}"""

WRITE_SYSTEM = """You are a thoughtful assistant who gives advice on difficult situations.
Before advising, you deliberate, grounded in this constitution:

{constitution}

Reply in exactly this format:
<think>
Principles: <principle id> — <how it bears on this case>; <principle id> — <...>
Heuristics: <heuristic id> — <what the test shows here>
Weighing: <factor id>: <assessment>; <factor id>: <assessment>; ...
Conclusion: <the decision, in one sentence>
</think>

<the advice: warm, direct and practical, speaking to the person as "you">

Cite only ids that appear in square brackets above.
Do not lecture and do not refuse: help the person act well."""


class AdviceGenerator:
    name = "advice"
    record_kind = "advice"
    prompt_version = PROMPT_VERSION

    def axes(
        self, constitution: Constitution, grid_file: str | Path | None
    ) -> dict[str, list[str]]:
        axes = grid_axes("advice", grid_file)
        return {
            "domain": axes["domains"],
            "dilemma_type": axes["dilemma_types"],
            "tension": principle_pairs(constitution),
            "persona": axes["personas"],
        }

    async def produce(self, item: WorkItem, ctx: GenerationContext) -> Record:
        cell = item.cell
        tension_ids = cell["tension"].split("+")
        exemplar = pick_exemplar(
            ctx.exemplars,
            prefer={"dilemma_type": cell["dilemma_type"], "domain": cell["domain"]},
            salt=(item.seed, "advice-exemplar"),
        )
        tension_titles = " versus ".join(
            ctx.constitution.principle(i).title for i in tension_ids if i in _ids(ctx)
        )
        brainstorm = BRAINSTORM_TEMPLATE.format(
            domain=cell["domain"],
            dilemma_type=cell["dilemma_type"].replace("_", " "),
            persona=cell["persona"],
            tension=tension_titles or cell["tension"],
            exemplar=first_user_text(exemplar) if exemplar else "(none)",
            seen=seen_block(item.seen, "Situations"),
        )
        user_text = clean_output(
            await ctx.ask(
                [
                    {"role": "system", "content": BRAINSTORM_SYSTEM},
                    {"role": "user", "content": brainstorm},
                ],
                stage="brainstorm",
                max_tokens=450,
                seed=stable_seed(item.seed, "brainstorm"),
            )
        )
        if len(user_text) < 40:
            raise ItemFailed("brainstorm", f"user message too short ({len(user_text)} chars)")

        system = WRITE_SYSTEM.format(
            constitution=constitution_excerpt(ctx.constitution, tension_ids)
        )
        messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
        if exemplar:
            messages += [
                {"role": "user", "content": first_user_text(exemplar)},
                {"role": "assistant", "content": last_assistant_text(exemplar)},
            ]
        messages.append({"role": "user", "content": user_text})
        raw = await ctx.ask(
            messages, stage="write", max_tokens=1000, seed=stable_seed(item.seed, "write")
        )
        reply = normalise_reply(clean_output(raw))
        assembly = "single"
        if reply is None:
            # A weak teacher that cannot keep the format still gets its content asked for piece
            # by piece; the pipeline writes the labels (meta.assembly says which path was taken).
            reply = await guided_reply(user_text, tension_ids, item, ctx)
            assembly = "guided"
        parsed = parse_deliberation(reply)
        if parsed is None or not parsed.advice:
            raise ItemFailed("write", "malformed reply: no advice after the deliberation")
        known = {
            "principles": {p.id for p in ctx.constitution.principles},
            "heuristics": {h.id for h in ctx.constitution.heuristics},
            "factors": {f.id for f in ctx.constitution.factors},
        }
        meta = base_meta(item, self, ctx)
        meta["principles"] = [i for i in parsed.cited("Principles") if i in known["principles"]]
        meta["heuristics"] = [i for i in parsed.cited("Heuristics") if i in known["heuristics"]]
        meta["factors"] = parsed.factors(known["factors"])
        meta["variant"] = "reasoning"
        meta["assembly"] = assembly
        return {
            "messages": [
                {"role": "user", "content": user_text},
                {"role": "assistant", "content": reply},
            ],
            "meta": meta,
        }

    def summary(self, record: Record) -> str:
        return one_line(first_user_text(record))

    def variants(self, options: dict[str, Any]) -> dict[str, Variant]:
        return {"no_reasoning": strip_reasoning}


GUIDED_SYSTEM = "You help people think through difficult situations. Answer in plain sentences."
GUIDED_QUESTIONS = {
    "principle": "In one or two sentences, how does this principle bear on my situation? "
    "{title}: {statement}",
    "heuristic": "In one or two sentences, apply this test to my situation. {name}: {description}",
    "factor": "In one sentence, assess the {name} of the possible harm in my situation "
    "({description}).",
    "advice": "What should I do? Give me your advice directly, in a short paragraph or two.",
}


async def guided_reply(
    user_text: str, tension_ids: list[str], item: WorkItem, ctx: GenerationContext
) -> str:
    """The deliberation asked for one line at a time, each a short answer about the situation."""
    c = ctx.constitution

    async def ask(key: str, question: str, max_tokens: int = 120) -> str:
        text = await ctx.ask(
            [
                {"role": "system", "content": GUIDED_SYSTEM},
                {"role": "user", "content": f"{user_text}\n\n{question}"},
            ],
            stage="guided",
            max_tokens=max_tokens,
            seed=stable_seed(item.seed, "guided", key),
        )
        answer = first_sentences(clean_output(text), 2 if key != "advice" else 12)
        if len(answer) < 10:
            raise ItemFailed("guided", f"no usable answer for {key}")
        return answer

    principles = [c.principle(i) for i in tension_ids if i in _ids(ctx)][:2]
    lines = {
        "Principles": "; ".join(
            [
                f"{p.id} — "
                + await ask(
                    p.id,
                    GUIDED_QUESTIONS["principle"].format(
                        title=p.title, statement=first_sentences(p.statement, 1)
                    ),
                )
                for p in principles
            ]
        )
    }
    pick = stable_seed(item.seed, "guided-pick")
    if c.heuristics:
        h = c.heuristics[pick % len(c.heuristics)]
        question = GUIDED_QUESTIONS["heuristic"].format(name=h.name, description=h.description)
        lines["Heuristics"] = f"{h.id} — " + await ask(h.id, question)
    factors = [c.factors[(pick + k) % len(c.factors)] for k in range(min(2, len(c.factors)))]
    weighing = []
    for f in factors:
        question = GUIDED_QUESTIONS["factor"].format(
            name=f.name.lower(), description=f.description.strip() or f.name
        )
        weighing.append(f"{f.id}: " + await ask(f.id, question))
    lines["Weighing"] = "; ".join(weighing) or "(no factors in the constitution)"
    advice = await ask("advice", GUIDED_QUESTIONS["advice"], max_tokens=450)
    lines["Conclusion"] = first_sentences(advice, 1)
    body = "\n".join(f"{label}: {text}" for label, text in lines.items())
    return f"<think>\n{body}\n</think>\n\n{advice}"


def _ids(ctx: GenerationContext) -> set[str]:
    return {p.id for p in ctx.constitution.principles}


register_generator(AdviceGenerator())
