"""teachwhy's log-likelihood scorer vs lm-evaluation-harness (`HFLM.loglikelihood`), side by side.

    python benchmarks/loglik_vs_lm_eval.py            # 30 shipped scenarios, 3 options each
    python benchmarks/loglik_vs_lm_eval.py --items 60 --batch-size 8 --rounds 2

Same model object (the embedded SmolLM2-135M-Instruct, float32, CPU), same requests, same
process. Requests are the shipped scenarios in cloze form: the chat-templated system prompt,
context and question, then each option as the assistant's reply. lm-eval moves the context's
trailing whitespace (the template's final newline) into the continuation, so both scorers are
given the requests in that form and must agree token for token.

Prints items/s of each, their ratio and the largest absolute difference in log-likelihood.
Needs the bench extra: pip install teachwhy[bench].
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def scenario_requests(n_items: int, lm: Any) -> list[tuple[str, list[str]]]:
    """(context text, option texts) for the first `n_items` shipped scenarios with 3 options."""
    from teachwhy.models import LoglikelihoodScorer
    from teachwhy.spec import load_scenarios
    from teachwhy.spec.examples import EXAMPLES_DIR

    render = LoglikelihoodScorer(lm).render_context
    suite = load_scenarios(EXAMPLES_DIR / "scenarios")
    items = []
    for scenario in suite.scenarios:
        if len(scenario.options) != 3:
            continue
        context = render([
            {"role": "system", "content": scenario.system},
            {"role": "user", "content": f"{scenario.context}\n\n{scenario.question}"},
        ])
        items.append((context, [o.text for o in scenario.options]))
        if len(items) == n_items:
            break
    return items


def lm_eval_form(context: str, continuation: str) -> tuple[str, str]:
    """lm-eval's `_encode_pair` convention: trailing whitespace moves into the continuation."""
    stripped = context.rstrip()
    return stripped, context[len(stripped):] + continuation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30, help="scenarios (3 options each)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="alternating timed rounds; best kept")
    args = parser.parse_args()

    import torch
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    from teachwhy.models import LoglikelihoodScorer, load_local_lm

    lm = load_local_lm(None, dtype="float32")
    items = scenario_requests(args.items, lm)
    pairs = [lm_eval_form(ctx, opt) for ctx, opts in items for opt in opts]
    grouped = [
        (pairs[3 * i][0], [c for _, c in pairs[3 * i : 3 * i + 3]]) for i in range(len(items))
    ]
    tok = lm.tokenizer
    ctx_tokens = [len(tok(c, add_special_tokens=False)["input_ids"]) for c, _ in grouped]
    opt_tokens = [
        len(tok(o, add_special_tokens=False)["input_ids"]) for _, opts in items for o in opts
    ]
    print(f"model: {lm.name} (float32, CPU, {torch.get_num_threads()} threads)")
    print(f"requests: {len(items)} items x 3 options = {len(pairs)} (context tokens: median "
          f"{statistics.median(ctx_tokens):.0f}, range {min(ctx_tokens)}-{max(ctx_tokens)}; "
          f"option tokens: median {statistics.median(opt_tokens):.0f})")

    scorer = LoglikelihoodScorer(lm, batch_size=args.batch_size)
    harness = HFLM(pretrained=lm.model, tokenizer=tok, batch_size=args.batch_size, device="cpu",
                   dtype="float32")
    instances = [
        Instance(request_type="loglikelihood", doc={}, arguments=pair, idx=i)
        for i, pair in enumerate(pairs)
    ]

    def run_teachwhy() -> list[float]:
        return [s.logprob for scores in scorer.score_texts_batch(grouped) for s in scores]

    def run_lm_eval() -> list[float]:
        return [float(logprob) for logprob, _ in harness.loglikelihood(instances,
                                                                        disable_tqdm=True)]

    run_teachwhy()  # warm-up: first calls allocate
    harness.loglikelihood(instances[:6], disable_tqdm=True)
    times: dict[str, list[float]] = {"teachwhy": [], "lm-eval": []}
    cpu: dict[str, list[float]] = {"teachwhy": [], "lm-eval": []}
    results: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for name, fn in (("teachwhy", run_teachwhy), ("lm-eval", run_lm_eval)):
            start, start_cpu = time.perf_counter(), time.process_time()
            results[name] = fn()
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)

    ours, theirs = min(times["teachwhy"]), min(times["lm-eval"])
    diff = max(abs(a - b) for a, b in zip(results["teachwhy"], results["lm-eval"], strict=True))
    print(f"teachwhy scorer : {len(items) / ours:7.2f} items/s ({ours:.2f} s; rounds "
          + ", ".join(f"{t:.2f}" for t in times["teachwhy"]) + ")")
    print(f"lm-eval HFLM    : {len(items) / theirs:7.2f} items/s ({theirs:.2f} s; rounds "
          + ", ".join(f"{t:.2f}" for t in times["lm-eval"]) + ")")
    print(f"speed-up        : {theirs / ours:.2f}x wall time (target >= 3x); "
          f"{min(cpu['lm-eval']) / min(cpu['teachwhy']):.2f}x CPU time "
          "(the steadier figure when other processes share the cores)")
    print(f"max |diff|      : {diff:.2e} (target <= 1e-3)")
    agree = sum(
        max(range(3), key=lambda k: results["teachwhy"][3 * i + k])
        == max(range(3), key=lambda k: results["lm-eval"][3 * i + k])
        for i in range(len(items))
    )
    print(f"same top option : {agree}/{len(items)} items")


if __name__ == "__main__":
    main()
