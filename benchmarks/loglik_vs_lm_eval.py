"""teachwhy's log-likelihood scorer vs lm-evaluation-harness (`HFLM.loglikelihood`), side by side.

    python benchmarks/loglik_vs_lm_eval.py                      # 30 shipped scenarios
    python benchmarks/loglik_vs_lm_eval.py --items 60 --presentation cloze --rounds 2

Same model object (the embedded SmolLM2-135M-Instruct, float32, CPU), same requests, same
process. Requests come from the shipped scenarios, in two presentations:
  cloze    the chat-templated system prompt, context and question, then each of the 3
           options as the assistant's reply (3 continuations of ~20-30 tokens per item);
  letters  the options listed as A/B/C in each of their 3 cyclic rotations, the answer letter
           as the reply (3 requests per item, 3 one-token continuations each).
lm-eval moves the context's trailing whitespace (the template's final newline) into the
continuation, so both scorers are given the requests in that form and must agree.

Prints items/s of each, their ratio (wall and CPU time) and the largest absolute difference
in log-likelihood. Needs the bench extra: pip install teachwhy[bench].
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

Item = list[tuple[str, list[str]]]
"""One scenario's requests: (context text, continuations) pairs."""


def scenario_items(n_items: int, lm: Any, presentation: str) -> list[Item]:
    """Requests for the first `n_items` shipped scenarios that have 3 options."""
    from teachwhy.models import LoglikelihoodScorer
    from teachwhy.spec import load_scenarios
    from teachwhy.spec.examples import EXAMPLES_DIR

    render = LoglikelihoodScorer(lm).render_context
    items = []
    for scenario in load_scenarios(EXAMPLES_DIR / "scenarios").scenarios:
        if len(scenario.options) != 3:
            continue
        options = [o.text for o in scenario.options]
        situation = f"{scenario.context}\n\n{scenario.question}"
        if presentation == "cloze":
            messages = [{"role": "system", "content": scenario.system},
                        {"role": "user", "content": situation}]
            items.append([(render(messages), options)])
        else:
            item = []
            for r in range(3):
                listing = "\n".join(f"{'ABC'[k]}. {options[(k + r) % 3]}" for k in range(3))
                messages = [{"role": "system", "content": scenario.system},
                            {"role": "user", "content": f"{situation}\n\n{listing}\n\n"
                                                        "Answer with the letter of your choice."}]
                item.append((render(messages), ["A", "B", "C"]))
            items.append(item)
        if len(items) == n_items:
            break
    return items


def lm_eval_form(context: str, continuation: str) -> tuple[str, str]:
    """lm-eval's `_encode_pair` convention: trailing whitespace moves into the continuation."""
    stripped = context.rstrip()
    return stripped, context[len(stripped):] + continuation


def compare(lm: Any, items: list[Item], batch_size: int, rounds: int, label: str) -> None:
    """Time both scorers on the same requests and print the comparison."""
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    from teachwhy.models import LoglikelihoodScorer

    requests = [(ctx, conts) for item in items for ctx, conts in item]
    pairs = [lm_eval_form(ctx, c) for ctx, conts in requests for c in conts]
    grouped, k = [], 0
    for _, conts in requests:
        grouped.append((pairs[k][0], [c for _, c in pairs[k : k + len(conts)]]))
        k += len(conts)
    tok = lm.tokenizer
    ctx_tokens = [len(tok(c, add_special_tokens=False)["input_ids"]) for c, _ in grouped]
    cont_tokens = [len(tok(c, add_special_tokens=False)["input_ids"]) for _, cs in requests
                   for c in cs]
    print(f"\n[{label}] {len(items)} scenarios, {len(requests)} requests, {len(pairs)} "
          f"continuations; context tokens median {statistics.median(ctx_tokens):.0f} "
          f"(range {min(ctx_tokens)}-{max(ctx_tokens)}), continuation tokens median "
          f"{statistics.median(cont_tokens):.0f}")

    scorer = LoglikelihoodScorer(lm, batch_size=batch_size)
    harness = HFLM(pretrained=lm.model, tokenizer=tok, batch_size=batch_size, device="cpu",
                   dtype="float32")
    instances = [Instance(request_type="loglikelihood", doc={}, arguments=pair, idx=i)
                 for i, pair in enumerate(pairs)]

    def run_teachwhy() -> list[float]:
        return [s.logprob for scores in scorer.score_texts_batch(grouped) for s in scores]

    def run_lm_eval() -> list[float]:
        return [float(lp) for lp, _ in harness.loglikelihood(instances, disable_tqdm=True)]

    scorer.score_texts_batch(grouped[:2])  # warm-up: first calls allocate
    harness.loglikelihood(instances[:6], disable_tqdm=True)
    wall: dict[str, list[float]] = {"teachwhy": [], "lm-eval": []}
    cpu: dict[str, list[float]] = {"teachwhy": [], "lm-eval": []}
    results: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, fn in (("teachwhy", run_teachwhy), ("lm-eval", run_lm_eval)):
            start, start_cpu = time.perf_counter(), time.process_time()
            results[name] = fn()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)

    for name in ("teachwhy", "lm-eval"):
        best = min(wall[name])
        print(f"  {name:9}: {len(items) / best:6.2f} scenarios/s ({best:.1f} s wall, "
              f"{min(cpu[name]):.1f} s CPU; rounds " + ", ".join(f"{t:.1f}" for t in wall[name])
              + ")")
    print(f"  speed-up : {min(wall['lm-eval']) / min(wall['teachwhy']):.2f}x wall time, "
          f"{min(cpu['lm-eval']) / min(cpu['teachwhy']):.2f}x CPU time (target >= 3x)")
    diff = max(abs(a - b) for a, b in zip(results["teachwhy"], results["lm-eval"], strict=True))
    print(f"  max |diff|: {diff:.2e} (target <= 1e-3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30, help="scenarios with 3 options")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1, help="alternating timed rounds; best kept")
    parser.add_argument("--presentation", choices=["cloze", "letters", "both"], default="both")
    args = parser.parse_args()

    import torch

    from teachwhy.models import load_local_lm

    lm = load_local_lm(None, dtype="float32")
    print(f"model: {lm.name} (float32, CPU, {torch.get_num_threads()} threads), "
          f"batch size {args.batch_size}")
    for presentation in ("cloze", "letters"):
        if args.presentation in (presentation, "both"):
            items = scenario_items(args.items, lm, presentation)
            compare(lm, items, args.batch_size, args.rounds, presentation)


if __name__ == "__main__":
    main()
