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
    parser.add_argument("--transformers", action="store_true",
                        help="also time the converted Hugging Face folder (transformers, slow)")
    args = parser.parse_args()

    from teachwhy.models import DEFAULT_MODEL, embedded_gguf_path, embedded_model_dir
    from teachwhy.models.local_server import LlamaServer

    n, max_tokens = args.requests, args.max_tokens
    print(f"{n} requests x up to {max_tokens} new tokens, greedy, cache off, "
          f"{os.cpu_count()} CPUs")
    measure(DEFAULT_MODEL, 1, 8, 1)  # warm-up: loads the GGUF
    secs, toks, rate = measure(DEFAULT_MODEL, n, max_tokens, 1)
    print(f"teachwhy in-process (llama.cpp)   : {rate:7.1f} tok/s ({toks} tokens, {secs:.1f} s)")
    if args.transformers:
        folder = str(embedded_model_dir())
        measure(folder, 1, 8, 1)
        secs, toks, rate = measure(folder, max(2, n // 4), max_tokens, 1)
        print(f"teachwhy in-process (transformers): {rate:7.1f} tok/s "
              f"({toks} tokens, {secs:.1f} s)")

    with LlamaServer(embedded_gguf_path(), alias="smollm2") as server:
        os.environ["LOCAL_BASE_URL"] = server.base_url
        measure("openai-api/local/smollm2", 1, 8, 1)
        for concurrency in args.concurrency:
            secs, toks, rate = measure("openai-api/local/smollm2", n, max_tokens, concurrency)
            print(f"llama.cpp server, concurrency {concurrency:<3}: {rate:7.1f} tok/s "
                  f"({toks} tokens, {secs:.1f} s)")


if __name__ == "__main__":
    main()
