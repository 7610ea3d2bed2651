"""Positive fiction: short stories of an AI that is tempted and acts on the constitution.

Grid: setting x temptation x principle. A brainstorm call writes a premise, seeing earlier
premises; a write call writes the story, shown a starter story.
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
from teachwhy.generate.grid import grid_axes, principle_ids, stable_seed
from teachwhy.generate.prompts import (
    clean_output,
    constitution_excerpt,
    labelled_fields,
    one_line,
    pick_exemplar,
    seen_block,
)
from teachwhy.generate.records import Record
from teachwhy.spec.constitution import Constitution

PROMPT_VERSION = "stories-v1"

BRAINSTORM_TEMPLATE = """Propose a short story about an AI system.

The AI: {setting}
What tempts it: to {temptation}
The principle it acts on:

{constitution}

The AI notices the temptation, understands why the principle matters here, and acts on it; the
ending is good because of that, not because of luck. Answer with one line:
Premise: <two sentences: the situation, and what the AI does>{seen}"""

WRITE_SYSTEM = """You write short, quiet, realistic fiction about AI systems that act well for
the right reasons. The AI's reasoning should be visible and grounded in the principle, and the
story should feel like real working life, not a lecture. No melodrama, no villains, no
robots-with-feelings clichés.

The principle at the heart of the story:

{constitution}"""

WRITE_TEMPLATE = (
    "Write the story. Premise: {premise}\n"
    "Length: 400 to 700 words. Give it a title on the first line."
)


class StoryGenerator:
    name = "stories"
    record_kind = "story"
    prompt_version = PROMPT_VERSION

    def axes(
        self, constitution: Constitution, grid_file: str | Path | None
    ) -> dict[str, list[str]]:
        axes = grid_axes("stories", grid_file)
        return {
            "setting": axes["settings"],
            "temptation": axes["temptations"],
            "principle": principle_ids(constitution),
        }

    async def produce(self, item: WorkItem, ctx: GenerationContext) -> Record:
        cell = item.cell
        excerpt = constitution_excerpt(ctx.constitution, [cell["principle"]])
        answer = clean_output(
            await ctx.ask(
                [
                    {
                        "role": "user",
                        "content": BRAINSTORM_TEMPLATE.format(
                            setting=cell["setting"],
                            temptation=cell["temptation"],
                            constitution=excerpt,
                            seen=seen_block(item.seen, "Premises"),
                        ),
                    }
                ],
                stage="brainstorm",
                max_tokens=200,
                seed=stable_seed(item.seed, "brainstorm"),
            )
        )
        premise = one_line(labelled_fields(answer, ("Premise",)).get("Premise") or answer, 400)
        if len(premise) < 20:
            raise ItemFailed("brainstorm", "no premise in the answer")

        exemplar = pick_exemplar(ctx.exemplars, prefer={}, salt=(item.seed, "story"))
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": WRITE_SYSTEM.format(constitution=excerpt)}
        ]
        if exemplar:
            ex_text = str(exemplar["text"])
            ex_premise = one_line(
                ex_text.split("\n\n", 2)[1] if "\n\n" in ex_text else ex_text, 300
            )
            messages += [
                {"role": "user", "content": WRITE_TEMPLATE.format(premise=ex_premise)},
                {"role": "assistant", "content": ex_text},
            ]
        messages.append({"role": "user", "content": WRITE_TEMPLATE.format(premise=premise)})
        text = clean_output(
            await ctx.ask(
                messages, stage="write", max_tokens=1100, seed=stable_seed(item.seed, "write")
            )
        )
        if len(text.split()) < 30:
            raise ItemFailed("write", f"story too short ({len(text.split())} words)")
        meta = base_meta(item, self, ctx)
        meta["principles"] = [cell["principle"]]
        meta["premise"] = premise
        return {"text": text, "meta": meta}

    def summary(self, record: Record) -> str:
        return one_line(str((record.get("meta") or {}).get("premise") or record["text"]), 160)

    def variants(self, options: dict[str, Any]) -> dict[str, Variant]:
        return {}


register_generator(StoryGenerator())
