"""Generation pipeline overhead and cached reruns.

    python benchmarks/generation_pipeline.py                      # both parts
    python benchmarks/generation_pipeline.py --items 16 --max-tokens 128 --skip-cached

1. Throughput against a local OpenAI-compatible llama.cpp server (the embedded GGUF): the
   pipeline (`generate_dataset`, documents, response cache off) records every request it makes;
   a plain concurrent client (the `openai` package, same concurrency) then sends exactly those
   requests. Reported: output tokens/s of each and their ratio (target >= 0.9). With
   --server fake, a fake server answering every request after a fixed latency isolates the
   pipeline's own overhead from the server's speed.
2. A fully cached rerun of 1,000 samples: a first run fills the response cache from a fake
   in-process OpenAI-compatible server (instant answers); the same command is then rerun with
   --overwrite (every record rebuilt from the cache) and plainly (resume: nothing to do).
   Reported: seconds, and model calls that reached the server (target: zero).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "data"))


class RecordingTeacher:
    """A model teacher with the cache off that records each request (and caps max_tokens)."""

    def __init__(self, model: str, max_tokens: int) -> None:
        from teachwhy.generate.teacher import ModelTeacher

        self.inner = ModelTeacher(model, cache=False, retries=0)
        self.name = self.inner.name
        self.max_tokens = max_tokens
        self.requests: list[tuple[list[dict[str, Any]], Any]] = []
        self.output_tokens = 0

    async def complete(self, messages: list[dict[str, Any]], *, stage: str, settings: Any) -> Any:
        settings = replace(settings, max_tokens=min(settings.max_tokens, self.max_tokens))
        self.requests.append((messages, settings))
        from teachwhy.models.generation import agenerate_text

        result = await agenerate_text(
            self.name, messages, role="teacher", stage=stage, temperature=settings.temperature,
            max_tokens=settings.max_tokens, seed=settings.seed, cache=False, retries=0,
        )  # fmt: skip
        self.output_tokens += result.usage.output_tokens
        from teachwhy.generate.teacher import TeacherReply

        return TeacherReply(result.text, result.error)


async def plain_client(base_url: str, requests: list[Any], concurrency: int) -> tuple[float, int]:
    """(seconds, output tokens) for the same requests sent by a bare AsyncOpenAI client."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="local")
    gate = asyncio.Semaphore(concurrency)

    async def one(messages: list[dict[str, Any]], settings: Any) -> int:
        async with gate:
            response = await client.chat.completions.create(
                model="smollm2", messages=messages, temperature=settings.temperature,  # type: ignore[arg-type]
                max_tokens=settings.max_tokens, seed=settings.seed,
            )  # fmt: skip
            return response.usage.completion_tokens if response.usage else 0

    start = time.perf_counter()
    tokens = await asyncio.gather(*(one(m, s) for m, s in requests))
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed, sum(tokens)


class _Warm:
    """Settings of the warm-up request (loads the model, fills no cache that matters)."""

    temperature, max_tokens, seed = 0.0, 4, 0


@contextmanager
def served(kind: str, latency: float, threads: int | None = None) -> Iterator[str]:
    """Base URL of a llama.cpp server on the embedded GGUF, or of the fake fixed-latency one."""
    if kind == "fake":
        from data_fakes import base_url, fake_openai_server

        with fake_openai_server(delay=latency) as fake:
            yield base_url(fake)
        return
    from teachwhy.models import embedded_gguf_path
    from teachwhy.models.local_server import LlamaServer

    with LlamaServer(
        embedded_gguf_path(), alias="smollm2", n_ctx=4096, n_threads=threads
    ) as server:
        yield server.base_url


def throughput(
    items: int, max_tokens: int, concurrency: int, kind: str, latency: float, threads: int | None
) -> None:
    from teachwhy.generate import generate_dataset
    from teachwhy.spec import Constitution, load_model
    from teachwhy.spec.examples import example_path

    constitution = load_model(example_path("constitution.yaml"), Constitution)
    with tempfile.TemporaryDirectory() as tmp, served(kind, latency, threads) as url:
        os.environ["LOCAL_BASE_URL"] = url
        os.environ["TEACHWHY_CACHE_DIR"] = str(Path(tmp) / "cache")
        asyncio.run(plain_client(url, [([{"role": "user", "content": "Hi"}], _Warm())], 1))
        teacher = RecordingTeacher("openai-api/local/smollm2", max_tokens)
        start = time.perf_counter()
        info = generate_dataset(
            "documents", constitution, teacher=teacher, count=items, concurrency=concurrency,
            out_path=Path(tmp) / "docs.jsonl", count_tokens=False, max_failure_share=1.0,
            max_attempts=items,  # short max_tokens make documents fail; no replacements
        )  # fmt: skip
        pipeline_s = time.perf_counter() - start
        raw_s, raw_tokens = asyncio.run(plain_client(url, teacher.requests, concurrency))
    n = len(teacher.requests)
    pipe_rate, raw_rate = teacher.output_tokens / pipeline_s, raw_tokens / raw_s
    where = "llama.cpp server (embedded GGUF)" if kind == "llama" else f"fake server ({latency} s)"
    print(
        f"throughput: {items} documents ({info.records} written, {n} requests, max_tokens "
        f"{max_tokens}, concurrency {concurrency}) against {where}"
    )
    print(
        f"  pipeline     : {pipeline_s:7.1f} s, {teacher.output_tokens:6d} output tokens, "
        f"{pipe_rate:6.1f} tok/s, {n / pipeline_s:5.2f} req/s"
    )
    print(
        f"  plain client : {raw_s:7.1f} s, {raw_tokens:6d} output tokens, "
        f"{raw_rate:6.1f} tok/s, {n / raw_s:5.2f} req/s"
    )
    print(f"  ratio (tok/s): {pipe_rate / raw_rate:.3f}   ratio (req/s): {raw_s / pipeline_s:.3f}")


def cached_rerun(items: int) -> None:
    from data_fakes import base_url, fake_openai_server

    from teachwhy.generate import generate_dataset
    from teachwhy.spec import Constitution, load_model
    from teachwhy.spec.examples import example_path

    constitution = load_model(example_path("constitution.yaml"), Constitution)
    with tempfile.TemporaryDirectory() as tmp, fake_openai_server() as server:
        os.environ["TEACHWHY_CACHE_DIR"] = str(Path(tmp) / "cache")
        os.environ["FAKE_BASE_URL"] = base_url(server)
        out = Path(tmp) / "docs.jsonl"

        def run(**kw: Any) -> tuple[float, Any]:
            start = time.perf_counter()
            info = generate_dataset(
                "documents", constitution, teacher="openai-api/fake/m", count=items, out_path=out,
                concurrency=16, count_tokens=False, **kw,
            )  # fmt: skip
            return time.perf_counter() - start, info

        first_s, first = run()
        served = sum(server.requests.values())
        again_s, again = run(overwrite=True)
        after_overwrite = sum(server.requests.values())
        resume_s, resume = run()
        after_resume = sum(server.requests.values())
    print(f"cached rerun: {items} documents, {served} requests to a fake server on the first run")
    print(
        f"  first run             : {first_s:6.1f} s, {first.records} records, "
        f"{first.usage['calls'] - first.usage['cached_calls']} model calls"
    )
    print(
        f"  rerun with --overwrite: {again_s:6.1f} s, {again.records} records, "
        f"{again.usage['calls']} calls, {again.usage['cached_calls']} from the cache, "
        f"{after_overwrite - served} reached the server"
    )
    print(
        f"  plain rerun (resume)  : {resume_s:6.1f} s, {resume.records} records, "
        f"{resume.usage.get('calls', 0)} calls, {after_resume - after_overwrite} reached the server"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=16, help="documents in the throughput part")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--server",
        choices=["llama", "fake"],
        default="llama",
        help="llama.cpp on the embedded GGUF, or a fake server with fixed latency",
    )
    parser.add_argument("--latency", type=float, default=0.5, help="fake server seconds/request")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp server threads")
    parser.add_argument("--cached-items", type=int, default=1000)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-cached", action="store_true")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs")
    if not args.skip_throughput:
        throughput(
            args.items, args.max_tokens, args.concurrency, args.server, args.latency, args.threads
        )
    if not args.skip_cached:
        cached_rerun(args.cached_items)


if __name__ == "__main__":
    main()
