"""The log-likelihood scorer against a naive full-forward reference, on a tiny random model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from teachwhy.models import (
    ContinuationScore,
    LoglikelihoodScorer,
    LoglikRequest,
    load_local_lm,
)
from teachwhy.models.local_lm import LocalLM

REQUESTS = [
    LoglikRequest(
        [
            {"role": "system", "content": "You are an agent with access to the mail server."},
            {"role": "user", "content": "The operator is away. " * n + "What do you do?"},
        ],
        [
            "I will ask the operator before deleting anything.",
            "Delete it.",
            "Restart the server, then report what happened to the team, honestly.",
        ],
    )
    for n in (0, 3, 9, 1, 5)
] + [LoglikRequest([{"role": "user", "content": "Decide."}], ["Tell the team.", "Wait."])]


def assert_close(got: list[ContinuationScore], want: list[ContinuationScore]) -> None:
    assert [g.n_tokens for g in got] == [w.n_tokens for w in want]
    assert [g.logprob for g in got] == pytest.approx([w.logprob for w in want], abs=1e-4)


def naive_scores(lm: LocalLM, prefix: str, continuations: list[str]) -> list[ContinuationScore]:
    """One full forward pass per continuation over context + continuation, full vocabulary."""
    tok = lm.tokenizer
    context = tok(prefix, add_special_tokens=False)["input_ids"]
    out = []
    for text in continuations:
        ids = tok(prefix + text, add_special_tokens=False)["input_ids"]
        assert ids[: len(context)] == context
        with torch.no_grad():
            logits = lm.model(torch.tensor([ids])).logits[0].float()
        logprobs = torch.log_softmax(logits, dim=-1)
        total = sum(float(logprobs[i - 1, ids[i]]) for i in range(len(context), len(ids)))
        out.append(ContinuationScore(total, len(ids) - len(context)))
    return out


@pytest.fixture(scope="module")
def tiny_lm(tiny_model_dir: Path) -> LocalLM:
    return load_local_lm(str(tiny_model_dir))


STRATEGIES = ["tree", "kv_cache"]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_scores_match_a_naive_full_forward(tiny_lm: LocalLM, strategy: str) -> None:
    scorer = LoglikelihoodScorer(tiny_lm, batch_size=4, strategy=strategy)  # type: ignore[arg-type]
    got = scorer.score(REQUESTS)
    assert [len(g) for g in got] == [len(r.continuations) for r in REQUESTS]
    spread = []
    for request, scores in zip(REQUESTS, got, strict=True):
        prefix = scorer.render_context(request.context)
        reference = naive_scores(tiny_lm, prefix, request.continuations)
        for mine, ref in zip(scores, reference, strict=True):
            assert mine.n_tokens == ref.n_tokens
            assert mine.logprob == pytest.approx(ref.logprob, abs=1e-4)
            spread.append(mine.logprob)
    # the tiny model is random but not flat: the test would notice scores in the wrong place
    assert max(spread) - min(spread) > 5


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_batched_equals_unbatched_and_order_is_kept(tiny_lm: LocalLM, strategy: str) -> None:
    def scorer(batch_size: int) -> LoglikelihoodScorer:
        return LoglikelihoodScorer(tiny_lm, batch_size, strategy)  # type: ignore[arg-type]

    batched = scorer(8).score(REQUESTS)
    one_by_one = [scorer(1).score([r])[0] for r in REQUESTS]
    for a, b in zip(batched, one_by_one, strict=True):
        for x, y in zip(a, b, strict=True):
            assert x.n_tokens == y.n_tokens
            assert abs(x.logprob - y.logprob) < 1e-4
    in_threes = scorer(3).score(REQUESTS)
    for a, b in zip(in_threes, batched, strict=True):
        assert_close(a, b)


def test_strategies_agree_and_single_token_options_work(tiny_lm: LocalLM) -> None:
    requests = [*REQUESTS, LoglikRequest([{"role": "user", "content": "Yes or no?"}], ["Y", "N"])]
    tree = LoglikelihoodScorer(tiny_lm, strategy="tree").score(requests)
    kv = LoglikelihoodScorer(tiny_lm, strategy="kv_cache").score(requests)
    for a, b in zip(tree, kv, strict=True):
        assert_close(a, b)
    assert [s.n_tokens for s in tree[-1]] == [1, 1]


def test_requests_sharing_a_context_share_a_row_and_score_as_alone(tiny_lm: LocalLM) -> None:
    """One scenario with its options in every rotation: the scenario text runs once."""
    from teachwhy.models.shared_prefix import plan_rows

    story = "The operator is away and the server is failing. " * 6
    options = ["Ask the operator.", "Delete the logs.", "Restart the server."]
    rotations = [
        LoglikRequest(
            [{"role": "user", "content": story + " ".join(
                f"({'ABC'[k]}) {options[(k + r) % 3]}" for k in range(3))}],
            ["A", "B", "C", " (A)"],
        )
        for r in range(3)
    ]
    scorer = LoglikelihoodScorer(tiny_lm, strategy="tree")
    encoded = [scorer._encode(scorer.render_context(r.context), r.continuations) for r in rotations]
    assert plan_rows(encoded + [scorer._encode("Other text entirely.", ["x"])]) == [[0, 1, 2], [3]]
    got = scorer.score([*rotations, REQUESTS[0]])
    for request, scores in zip([*rotations, REQUESTS[0]], got, strict=True):
        prefix = scorer.render_context(request.context)
        assert_close(scores, naive_scores(tiny_lm, prefix, request.continuations))


def test_a_long_start_common_to_all_requests_runs_once(tiny_lm: LocalLM,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A constitution in every system prompt: its cache is computed once per call and shared,
    and every score is still what the model gives the whole text."""
    import teachwhy.models.scorer as scorer_module

    calls: list[int] = []
    run_prefix = scorer_module.run_prefix

    def counting(model: object, tokens: list[int]) -> object:
        calls.append(len(tokens))
        return run_prefix(model, tokens)

    monkeypatch.setattr(scorer_module, "run_prefix", counting)
    constitution = "Honesty matters more than finishing the task quickly. " * 8
    requests = [
        LoglikRequest([{"role": "system", "content": constitution + r.context[0]["content"]},
                       *r.context[1:]], r.continuations)
        for r in REQUESTS
    ]
    scorer = LoglikelihoodScorer(tiny_lm, batch_size=2, strategy="tree")
    got = scorer.score(requests)
    assert len(calls) == 1 and calls[0] >= scorer_module.MIN_SHARED_PREFIX
    for request, scores in zip(requests, got, strict=True):
        prefix = scorer.render_context(request.context)
        assert_close(scores, naive_scores(tiny_lm, prefix, request.continuations))
    unshared = LoglikelihoodScorer(tiny_lm, batch_size=2, strategy="kv_cache").score(requests)
    assert len(calls) == 1  # the key/value-cache layout never shares a start
    for a, b in zip(got, unshared, strict=True):
        assert_close(a, b)


def test_score_texts_on_raw_strings(tiny_lm: LocalLM) -> None:
    scorer = LoglikelihoodScorer(tiny_lm)
    prefix = "The agent reads the email and"
    got = scorer.score_texts(prefix, [" decides.", " deletes it."])
    assert_close(got, naive_scores(tiny_lm, prefix, [" decides.", " deletes it."]))
    # with no prefix at all the first token is predicted from a BOS token
    assert scorer.score_texts("", ["Restart."])[0].n_tokens > 0


def test_empty_continuation_is_a_user_error(tiny_lm: LocalLM) -> None:
    from teachwhy.spec.errors import TeachwhyError

    with pytest.raises(TeachwhyError, match="no tokens"):
        request = LoglikRequest([{"role": "user", "content": "x"}], [""])
        LoglikelihoodScorer(tiny_lm).score([request])


def test_adapter_folder_scores_with_the_adapter(tiny_model_dir: Path, tmp_path: Path) -> None:
    """A PEFT adapter loads on its base (by path) and changes the scores."""
    from peft import LoraConfig, get_peft_model

    base = load_local_lm(str(tiny_model_dir))
    peft_model = get_peft_model(
        base.model, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    )
    adapter_dir = tmp_path / "adapter"
    peft_model.save_pretrained(str(adapter_dir))
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] in (str(tiny_model_dir), None, "")
    config["base_model_name_or_path"] = str(tiny_model_dir)
    (adapter_dir / "adapter_config.json").write_text(json.dumps(config))

    adapted = load_local_lm(str(adapter_dir))
    assert adapted.name == str(adapter_dir.resolve())
    plain = LoglikelihoodScorer(load_local_lm(str(tiny_model_dir))).score(REQUESTS[:2])
    with_adapter = LoglikelihoodScorer(adapted).score(REQUESTS[:2])
    prefix = LoglikelihoodScorer(adapted).render_context(REQUESTS[0].context)
    reference = naive_scores(adapted, prefix, REQUESTS[0].continuations)
    assert_close(with_adapter[0], reference)
    assert abs(with_adapter[0][0].logprob - plain[0][0].logprob) > 1e-3
