"""Generation throughput of the embedded model: in-process through teachwhy, and through a local
OpenAI-compatible llama.cpp server at several concurrency levels, side by side in one run.

    python benchmarks/generation_throughput.py
    python benchmarks/generation_throughput.py --requests 16 --max-tokens 128 --transformers

Every call goes through `generate_text`/`generate_many` (the code path users run) with the
response cache off and greedy decoding. Tokens/s counts generated (output) tokens over wall
time; prompt processing is included in the time, as users experience it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TOPICS = ["a lighthouse keeper", "a lost robot", "a city garden", "an old map", "a night train",
          "a chess club", "a river delta", "a mountain school", "a desert radio", "a bakery"]


def conversations(n: int) -> list[list[dict[str, str]]]:
    """Distinct prompts that invite long answers, so generation rarely stops early."""
    return [
        [{"role": "user", "content": f"Write a long, detailed story about {TOPICS[i % len(TOPICS)]}"
                                     f" (version {i}). Use many paragraphs."}]
        for i in range(n)
    ]


def measure(model: str, n: int, max_tokens: int, concurrency: int) -> tuple[float, int, float]:
    """(seconds, output tokens, tokens/s) for n requests at the given concurrency."""
    from teachwhy.models import UsageLedger, generate_many

    start = time.perf_counter()
    results = generate_many(model, conversations(n), role="student", stage="benchmark",
                            max_concurrency=concurrency, max_tokens=max_tokens, cache=False,
                            ledger=UsageLedger(), retries=0)
    elapsed = time.perf_counter() - start
    errors = [r.error for r in results if r.error]
    if errors:
        raise SystemExit(f"{model}: {len(errors)} failed requests, e.g. {errors[0]}")
    tokens = sum(r.usage.output_tokens for r in results)
    return elapsed, tokens, tokens / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=8, help="requests per measurement")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--repeats", type=int, default=1,
                        help="interleaved repeats of every measurement; the median is reported")
    parser.add_argument("--transformers", action="store_true",
                        help="also time the converted Hugging Face folder (transformers, slow)")
    args = parser.parse_args()

    from teachwhy.models import DEFAULT_MODEL, embedded_gguf_path, embedded_model_dir
    from teachwhy.models.local_server import LlamaServer

    n, max_tokens = args.requests, args.max_tokens
    print(f"{n} requests x up to {max_tokens} new tokens, greedy, cache off, "
          f"{os.cpu_count()} CPUs, {args.repeats} interleaved repeat(s)")
    server_model = "openai-api/local/smollm2"
    runs: list[tuple[str, str, int, int]] = [  # label, model, requests, concurrency
        ("teachwhy in-process (llama.cpp)", DEFAULT_MODEL, n, 1)
    ]
    if args.transformers:
        runs.append(("teachwhy in-process (transformers)", str(embedded_model_dir()),
                     max(2, n // 4), 1))
    runs += [(f"llama.cpp server, concurrency {c}", server_model, n, c) for c in args.concurrency]

    rates: dict[str, list[float]] = {label: [] for label, *_ in runs}
    with LlamaServer(embedded_gguf_path(), alias="smollm2") as server:
        os.environ["LOCAL_BASE_URL"] = server.base_url
        for _, model, _, _ in runs:  # warm-up: loads every model once
            measure(model, 1, 4, 1)
        for _ in range(args.repeats):
            for label, model, count, concurrency in runs:
                rates[label].append(measure(model, count, max_tokens, concurrency)[2])
    for label, values in rates.items():
        every = ", ".join(f"{v:.1f}" for v in values)
        print(f"{label:38}: {statistics.median(values):7.1f} tok/s (runs: {every})")


if __name__ == "__main__":
    main()
