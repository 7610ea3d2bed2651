"""Synthetic documents about the constitution, for plain language-model training (midtraining).

Grid: document type x topic (an angle) x principle. A brainstorm call proposes a title and an
angle, seeing the titles already written; a write call writes the document, shown a starter
document of the same type.
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

PROMPT_VERSION = "documents-v1"

BRAINSTORM_TEMPLATE = """Propose one {doc_type} about this principle of an AI constitution:

{constitution}

Angle: {topic}

Answer with two lines:
Title: <the document's title>
Angle: <one sentence on what the document argues or shows>{seen}"""

WRITE_SYSTEM = """You write realistic documents (memos, reports, articles, lectures, FAQs)
about how AI systems should behave and why. Write like a careful, well-informed person: concrete,
specific, no hype, no bullet-point filler. The documents explain the reasons behind a principle,
not just the rule.

The constitution the documents discuss:

{constitution}"""

WRITE_TEMPLATE = """Write a {doc_type} titled "{title}".
It is about the principle [{principle}]: {angle}
Length: 400 to 700 words. Write only the document."""


class DocumentGenerator:
    name = "documents"
    record_kind = "document"
    prompt_version = PROMPT_VERSION

    def axes(
        self, constitution: Constitution, grid_file: str | Path | None
    ) -> dict[str, list[str]]:
        axes = grid_axes("documents", grid_file)
        return {
            "doc_type": axes["doc_types"],
            "topic": axes["topics"],
            "principle": principle_ids(constitution),
        }

    async def produce(self, item: WorkItem, ctx: GenerationContext) -> Record:
        cell = item.cell
        doc_type = cell["doc_type"].replace("_", " ")
        excerpt = constitution_excerpt(ctx.constitution, [cell["principle"]])
        answer = await ctx.ask(
            [
                {
                    "role": "user",
                    "content": BRAINSTORM_TEMPLATE.format(
                        doc_type=doc_type,
                        constitution=excerpt,
                        topic=cell["topic"],
                        seen=seen_block(item.seen, "Titles"),
                    ),
                }
            ],
            stage="brainstorm",
            max_tokens=200,
            seed=stable_seed(item.seed, "brainstorm"),
        )
        fields = labelled_fields(clean_output(answer), ("Title", "Angle"))
        title = one_line(fields.get("Title") or clean_output(answer).split("\n")[0], 120)
        title = title.strip("\"'*# ")
        if len(title) < 4:
            raise ItemFailed("brainstorm", "no title in the answer")
        angle = fields.get("Angle") or cell["topic"]

        exemplar = pick_exemplar(
            ctx.exemplars, prefer={"doc_type": cell["doc_type"]}, salt=(item.seed, "doc")
        )
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": WRITE_SYSTEM.format(constitution=excerpt)}
        ]
        if exemplar:
            ex_meta = exemplar.get("meta") or {}
            ex_title = str(exemplar["text"]).split("\n", 1)[0]
            messages += [
                {
                    "role": "user",
                    "content": WRITE_TEMPLATE.format(
                        doc_type=str(
                            (ex_meta.get("grid") or {}).get("doc_type", "document")
                        ).replace("_", " "),
                        title=ex_title,
                        principle=", ".join(ex_meta.get("principles") or []),
                        angle=str((ex_meta.get("grid") or {}).get("topic", "")).replace("-", " "),
                    ),
                },
                {"role": "assistant", "content": exemplar["text"]},
            ]
        messages.append(
            {
                "role": "user",
                "content": WRITE_TEMPLATE.format(
                    doc_type=doc_type, title=title, principle=cell["principle"], angle=angle
                ),
            }
        )
        text = clean_output(
            await ctx.ask(
                messages, stage="write", max_tokens=1100, seed=stable_seed(item.seed, "write")
            )
        )
        if len(text.split()) < 30:
            raise ItemFailed("write", f"document too short ({len(text.split())} words)")
        meta = base_meta(item, self, ctx)
        meta["principles"] = [cell["principle"]]
        meta["title"] = title
        return {"text": text, "meta": meta}

    def summary(self, record: Record) -> str:
        meta = record.get("meta") or {}
        return one_line(str(meta.get("title") or record["text"].split("\n", 1)[0]), 120)

    def variants(self, options: dict[str, Any]) -> dict[str, Variant]:
        return {}


register_generator(DocumentGenerator())
