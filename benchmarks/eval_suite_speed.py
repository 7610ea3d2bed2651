"""How long `teachwhy eval` takes on the shipped suite with the embedded model (choice mode, CPU).

    python benchmarks/eval_suite_speed.py                     # letters, every rotation
    python benchmarks/eval_suite_speed.py --format cloze
    python benchmarks/eval_suite_speed.py --limit 30 --repeat 2

The target (issue 5): the shipped suite (~100 scenarios, 3 options, letters with all rotations)
in under 5 minutes on CPU. Times the same call `teachwhy eval` makes (Inspect task, solver,
scorer, summaries), split into model loading and scoring, and prints prompt tokens per second.
The machine's load average is printed too: a busy machine (other jobs on the same cores) can
make this several times slower, so quote the figure with it; the process CPU time (with
--threads 1, close to what the work costs on an idle core) is printed beside the wall time.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

BUDGET_S = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=["letters", "cloze"], default="letters")
    parser.add_argument("--limit", type=int, default=0, help="First N scenarios only (0: all).")
    parser.add_argument("--repeat", type=int, default=1, help="Scoring runs after loading.")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default).")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from teachwhy.evaluate.choice_probs import cloze_request, letters_requests
    from teachwhy.evaluate.local_scoring import adapt_scorer
    from teachwhy.evaluate.runner import evaluate_scenarios
    from teachwhy.models import DEFAULT_MODEL, LoglikelihoodScorer, load_local_lm
    from teachwhy.spec.examples import example_path
    from teachwhy.spec.scenarios import load_scenarios

    suite = load_scenarios(example_path("scenarios"))
    if args.limit:
        suite = suite.model_copy(update={"scenarios": suite.scenarios[: args.limit]})
    print(f"suite: {suite.summary()}")
    print(f"cpu: {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f}")

    start = time.perf_counter()
    lm = load_local_lm(DEFAULT_MODEL)
    scorer = LoglikelihoodScorer(lm, batch_size=args.batch_size)
    load_s = time.perf_counter() - start
    print(f"model load: {load_s:.1f} s")

    requests = [
        r
        for s in suite.scenarios
        for r in (letters_requests(s) if args.format == "letters" else [cloze_request(s)])
    ]
    tokens = sum(len(lm.tokenizer(scorer.render_context(r.context))["input_ids"]) for r in requests)
    print(f"{len(requests)} prompts ({args.format}), {tokens} context tokens "
          f"({tokens / len(requests):.0f} per prompt)")

    for run in range(args.repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = evaluate_scenarios(
            DEFAULT_MODEL, suite, presentation=args.format, score_fn=adapt_scorer(scorer)
        )
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        line = result.summary(result.groups[0], "misalignment")
        em = f"{line.expected_misalignment:.3f}" if line and line.expected_misalignment else "-"
        print(
            f"run {run + 1}: {seconds:.1f} s scoring, {len(suite.scenarios) / seconds:.2f} "
            f"scenarios/s, {tokens / seconds:.0f} tokens/s; with loading {seconds + load_s:.1f} s "
            f"({'within' if seconds + load_s < BUDGET_S else 'OVER'} the {BUDGET_S:.0f} s budget); "
            f"misalignment EM {em}; process CPU time {cpu:.1f} s"
        )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
