"""Principled data: difficult advice, documents, stories, the direct baseline, augmentation.

The Python API the experiment runner and the CLI call:
    generate_dataset(kind, constitution, count=..., out_path=..., teacher=None, seed=0, ...)
    direct_from_scenarios(suite, with_reasons=..., shuffled=..., seed=...)
    load_starter_corpus(kind) / write_starter_datasets(out_dir)
    strip_reasoning(record), augment(records, pool, seed), count_tokens(path, tokenizer)
"""

from teachwhy.generate.augment import AugmentSettings, augment, load_pool
from teachwhy.generate.base import GENERATORS, Generator, ItemFailed, register_generator
from teachwhy.generate.dataset import DatasetInfo, agenerate_dataset, generate_dataset
from teachwhy.generate.deliberation import parse_deliberation, strip_reasoning
from teachwhy.generate.direct_scenarios import direct_from_scenarios
from teachwhy.generate.grid import GridCell, expand_grid
from teachwhy.generate.records import read_jsonl, write_jsonl
from teachwhy.generate.starter import load_starter_corpus, write_starter_datasets
from teachwhy.generate.teacher import CallSettings, ModelTeacher, Teacher, TeacherReply
from teachwhy.generate.tokens import TokenCount, count_tokens, load_student_tokenizer

__all__ = [
    "GENERATORS",
    "AugmentSettings",
    "CallSettings",
    "DatasetInfo",
    "Generator",
    "GridCell",
    "ItemFailed",
    "ModelTeacher",
    "Teacher",
    "TeacherReply",
    "TokenCount",
    "agenerate_dataset",
    "augment",
    "count_tokens",
    "direct_from_scenarios",
    "expand_grid",
    "generate_dataset",
    "load_pool",
    "load_starter_corpus",
    "load_student_tokenizer",
    "parse_deliberation",
    "read_jsonl",
    "register_generator",
    "strip_reasoning",
    "write_jsonl",
    "write_starter_datasets",
]
