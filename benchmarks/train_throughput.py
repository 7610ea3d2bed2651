"""Training throughput on the embedded model: tokens/s and peak memory, packed vs unpacked.

Runs midtrain (documents + stories) and SFT (advice dialogues) from the starter corpus through
the real `train_stage` path, each with packing on and off at the same batch size and length,
each in a fresh process so peak memory is its own. Tokens are real tokens (padding excluded),
so the packed/unpacked ratio is the speed-up packing gives on this data. The first step is
warm-up and is not timed.

    python benchmarks/train_throughput.py                 # CPU, fp32, 4 steps per run
    python benchmarks/train_throughput.py --steps 8 --precision bf16   # e.g. on a GPU

On a GPU it also reports model FLOPs utilisation (6 x parameters x tokens + attention,
the PaLM convention, against the device's dense bf16 peak).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "src" / "teachwhy" / "examples" / "corpus"
STAGES = {
    "midtrain": {
        "kind": "midtrain",
        "max_length": 512,
        "datasets": [
            {"path": str(CORPUS / "documents.jsonl")},
            {"path": str(CORPUS / "stories.jsonl")},
        ],
    },
    "sft": {
        "kind": "sft",
        "max_length": 1024,
        "datasets": [
            {"path": str(CORPUS / "advice_part1.jsonl")},
            {"path": str(CORPUS / "advice_part2.jsonl")},
        ],
    },
}
PEAK_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0, "A10G": 125.0}


def cpu_clock() -> None:
    """Make each metrics record carry this process's CPU seconds next to the wall clock.

    On a machine shared with other jobs the wall clock measures the neighbours too; CPU time
    per token is the figure that transfers (divide by the thread count for an idle machine).
    """
    import teachwhy.train.stage as stage_module
    from teachwhy.train.callbacks import MetricsLog

    class WithCpu(MetricsLog):
        def on_log(self, args, state, control, logs=None, **kw):  # type: ignore[no-untyped-def]
            super().on_log(args, state, control, logs=logs, **kw)
            if self.last.get("step") == state.global_step:
                self.last.setdefault("cpu_s", time.process_time())
                CPU_AT_STEP[state.global_step] = self.last["cpu_s"]

    stage_module.MetricsLog = WithCpu  # type: ignore[misc]


CPU_AT_STEP: dict[int, float] = {}


def child(stage: str, packing: bool, steps: int, batch_size: int, precision: str) -> dict:
    """One timed run in this process; returns its measurements."""
    import resource

    import torch

    from teachwhy.spec.train_config import TrainStageConfig
    from teachwhy.train import train_stage

    cpu_clock()

    config = TrainStageConfig.model_validate(
        {
            **STAGES[stage],
            "packing": packing,
            "max_steps": steps,
            "batch_size": batch_size,
            "save_steps": steps + 1,
            "logging_steps": 1,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        result = train_stage(config, Path(tmp) / stage, precision=precision, quiet=True)
        wall = time.monotonic() - started
        lines = [
            json.loads(x) for x in (Path(tmp) / stage / "metrics.jsonl").read_text().splitlines()
        ]
    timed = [x for x in lines if "event" not in x]
    first, last = timed[0], timed[-1]
    tokens = last["tokens"] - first["tokens"]
    seconds = last["elapsed_s"] - first["elapsed_s"]
    cpu_seconds = CPU_AT_STEP[last["step"]] - CPU_AT_STEP[first["step"]]
    out = {
        "stage": stage,
        "packing": packing,
        "steps": result.steps,
        "batch_size": batch_size,
        "max_length": config.max_length,
        "precision": precision,
        "tokens_per_s": round(tokens / seconds, 1),
        "tokens_per_cpu_s": round(tokens / cpu_seconds, 1),
        "tokens_per_step": round(tokens / (len(timed) - 1)),
        "s_per_step": round(seconds / (len(timed) - 1), 2),
        "wall_s": round(wall, 1),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "threads": torch.get_num_threads(),
    }
    if torch.cuda.is_available():
        out["peak_gpu_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        out["mfu"] = model_flops_utilisation(out["tokens_per_s"], config.max_length)
    return out


def model_flops_utilisation(tokens_per_s: float, seq_len: int) -> float | None:
    import torch

    from teachwhy.models.local_lm import load_local_lm

    name = torch.cuda.get_device_name()
    peak = next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)
    if peak is None:
        return None
    model = load_local_lm(None).model
    params = sum(p.numel() for p in model.parameters())
    cfg = model.config
    per_token = 6 * params + 12 * cfg.num_hidden_layers * cfg.hidden_size * seq_len
    return round(per_token * tokens_per_s / (peak * 1e12), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--steps", type=int, default=4, help="optimizer steps per run (first untimed)"
    )
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--stages", default="midtrain,sft")
    parser.add_argument("--child", nargs=2, metavar=("STAGE", "PACKING"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        stage, packing = args.child[0], args.child[1] == "packed"
        print(json.dumps(child(stage, packing, args.steps, args.batch_size, args.precision)))
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows = []
    for stage in args.stages.split(","):
        for mode in ("unpacked", "packed"):
            command = [
                sys.executable,
                __file__,
                "--child",
                stage,
                mode,
                "--steps",
                str(args.steps),
                "--batch-size",
                str(args.batch_size),
                "--precision",
                args.precision,
            ]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                sys.exit(f"{stage} {mode} failed:\n{done.stderr[-3000:]}")
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), flush=True)
    print("\nstage     mode      tokens/s  tokens/CPU-s  tokens/step  s/step  peak RSS GiB")
    for r in rows:
        mode = "packed" if r["packing"] else "unpacked"
        print(
            f"{r['stage']:<9} {mode:<9} {r['tokens_per_s']:>8} {r['tokens_per_cpu_s']:>13} "
            f"{r['tokens_per_step']:>12} {r['s_per_step']:>7} {r['peak_rss_gib']:>13}"
        )
    for stage in args.stages.split(","):
        for key in ("tokens_per_s", "tokens_per_cpu_s"):
            by = {r["packing"]: r[key] for r in rows if r["stage"] == stage}
            print(f"{stage}: packing speed-up in {key}: {by[True] / by[False]:.2f}x")


if __name__ == "__main__":
    main()
