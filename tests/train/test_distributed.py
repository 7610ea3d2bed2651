"""A real two-process CPU data-parallel run through `accelerate launch` (gloo): ranks agree."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import yaml


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_cpu_processes_train_identical_weights(tiny_model_dir, data_dir, tmp_path):
    out = tmp_path / "run"
    recipe = {
        "model": str(tiny_model_dir),
        "output_dir": str(out),
        "stages": {
            "sft": {
                "kind": "sft",
                "datasets": [{"path": str(data_dir / "chats.jsonl")}],
                "max_length": 128,
                "batch_size": 2,
                "max_steps": 3,
                "learning_rate": 1e-2,
            }
        },
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    # `--multi_gpu` picks accelerate's torchrun launcher; with no GPU (and ACCELERATE_USE_CPU)
    # teachwhy and the Trainer set up a MULTI_CPU process group over gloo.
    command = [
        sys.executable,
        "-m",
        "accelerate.commands.accelerate_cli",
        "launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--main_process_port",
        str(free_port()),
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "-m",
        "teachwhy",
        "train",
        str(path),
        "--quiet",
    ]
    env = {
        **os.environ,
        "ACCELERATE_USE_CPU": "1",
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "CUDA_VISIBLE_DEVICES": "",
    }
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((out / "sft" / "ranks" / f"rank-{i}.json").read_text()) for i in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    assert all(r["distributed_type"].endswith("MULTI_CPU") for r in ranks)
    assert ranks[0]["trainable_sha256"] == ranks[1]["trainable_sha256"]
    assert ranks[0]["steps"] == 3
    # The summary is printed once (by rank 0), and the global batch spans both processes.
    assert done.stdout.count("sft: trained, 3 steps") == 1, done.stdout
    result = json.loads((out / "result.json").read_text())[0]
    assert result["epochs"] == 1.0  # 12 dialogues / (2 per process x 2 processes x 3 steps)
