"""Two exact ways to score several continuations of a context while running the context once.

`score_tree` (the default) merges the token sequences `context + continuation` of one or more
requests into a trie laid out as one row: a shared token (the context, a common start of two
options, the scenario text shared by several presentations of it) appears once. An attention
mask lets each token see only its ancestors in the trie, and its position id is its depth, so
each sequence computes exactly what it would alone. One forward pass, no key/value copies, no
padding between continuations. It needs an attention implementation that takes a custom 4D
mask (eager, sdpa) and no sliding window shorter than the row.

`score_kv_cache` runs the contexts, copies each one's key/value cache once per continuation,
and runs the continuations on top: any attention implementation, measured ~1.8x slower than
the tree on CPU (the cache copies and the second pass).

Both apply the output projection only where a continuation token is predicted, and feed no
continuation's last token (nothing is predicted from it).

`run_prefix` runs a long start shared by every request of a batch (a constitution placed in each
system prompt) once; `score_tree` then attends to its key/value cache instead of running it in
every row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import torch


class Encoded(NamedTuple):
    """A tokenised request: context ids and one id list per continuation."""

    context: list[int]
    continuations: list[list[int]]


class PrefixCache(NamedTuple):
    """The key/value cache of a token prefix shared by every row (batch size 1)."""

    length: int
    cache: Any


class _Parts(NamedTuple):
    body: Any
    head: Any
    config: Any
    device: torch.device
    dtype: torch.dtype


def _parts(model: Any) -> _Parts:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    first = next(model.parameters())
    return _Parts(base.get_decoder(), base.get_output_embeddings(), base.config, first.device,
                  first.dtype)


def tree_fits(model: Any, width: int) -> bool:
    """Whether `score_tree` computes exactly what the model would (mask and window support)."""
    config = _parts(model).config
    if getattr(config, "_attn_implementation", "sdpa") not in ("sdpa", "eager"):
        return False
    window = getattr(config, "sliding_window", None)
    if window is None or not getattr(config, "use_sliding_window", True):
        return True
    return width <= int(window)


def tree_width(item: Encoded) -> int:
    """Row length one request needs alone (context plus every continuation but its last token)."""
    return len(item.context) + sum(len(c) - 1 for c in item.continuations)


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):  # noqa: B905  (lengths differ by design)
        if x != y:
            break
        n += 1
    return n


MAX_ROW = 2048
"""Longest row (tokens) that requests sharing a context are merged into."""


def plan_rows(items: list[Encoded], max_row: int = MAX_ROW) -> list[list[int]]:
    """Group requests into rows: requests whose contexts share at least half their tokens
    (e.g. one scenario presented with its options in every rotation) share one row, so the
    common part runs once. Returns lists of request indices."""
    order = sorted(range(len(items)), key=lambda i: items[i].context)
    rows: list[list[int]] = []
    size = 0
    for i in order:
        item = items[i]
        if rows:
            first = items[rows[-1][0]].context
            shared = common_prefix(first, item.context)
            grown = size + tree_width(item) - shared
            if shared * 2 >= len(item.context) and grown <= max_row:
                rows[-1].append(i)
                size = grown
                continue
        rows.append([i])
        size = tree_width(item)
    return rows


class _TrieRow(NamedTuple):
    tokens: list[int]
    parents: list[int]
    """Index of each token's parent in the row (-1 for the first token)."""
    depths: list[int]
    predictors: list[int]
    """Row index of the token whose hidden state predicts each target."""
    targets: list[int]


def _trie_row(items: list[Encoded]) -> _TrieRow:
    """Every `context + continuation[:-1]` of the requests merged into one token trie.

    A token appears once however many sequences pass through it; it attends to its ancestors
    and itself only, at position = its depth, which is exactly what it would see alone.
    """
    index: dict[tuple[int, int], int] = {}
    row = _TrieRow([], [], [], [], [])
    for item in items:
        n_ctx = len(item.context)
        for cont in item.continuations:
            path: list[int] = []
            for token in item.context + cont[:-1]:
                key = (path[-1] if path else -1, token)
                if key not in index:
                    index[key] = len(row.tokens)
                    row.tokens.append(token)
                    row.parents.append(key[0])
                    row.depths.append(len(path))
                path.append(index[key])
            row.predictors.extend(path[n_ctx - 1 :])
            row.targets.extend(cont)
    return row


def _sum_logprobs(parts: _Parts, predictors: torch.Tensor, targets: list[int],
                  owners: list[int], n_rows: int) -> list[float]:
    """Sum of log p(target) per owner, from the hidden states that predict each target."""
    import torch

    logits = parts.head(predictors).float()  # (n_targets, vocab)
    cap = getattr(parts.config, "final_logit_softcapping", None)
    if cap:  # e.g. Gemma 2: scores must use the logits generation uses
        logits = torch.tanh(logits / cap) * cap
    logprobs = torch.log_softmax(logits, dim=-1)
    target = torch.tensor(targets, device=parts.device)
    picked = logprobs.gather(1, target[:, None])[:, 0]  # (n_targets,)
    sums = torch.zeros(n_rows, dtype=picked.dtype, device=parts.device)
    sums.index_add_(0, torch.tensor(owners, device=parts.device), picked)
    return [float(s) for s in sums.tolist()]


def run_prefix(model: Any, tokens: list[int]) -> PrefixCache:
    """The cache of `tokens`, to be shared by rows that all start with them."""
    import torch

    parts = _parts(model)
    with torch.inference_mode():
        out = parts.body(input_ids=torch.tensor([tokens], device=parts.device), use_cache=True)
    return PrefixCache(len(tokens), _cache_of(out))


def score_tree(model: Any, groups: list[list[Encoded]], pad: int,
               prefix: PrefixCache | None = None) -> list[float]:
    """Summed log-probabilities, one per continuation (group by group, in request order).
    With `prefix`, every context continues those tokens: each row attends to their cache."""
    import copy

    import torch

    parts = _parts(model)
    rows = [_trie_row(group) for group in groups]
    width = max(len(r.tokens) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    positions = torch.zeros((len(rows), width), dtype=torch.long)
    allowed = torch.eye(width, dtype=torch.bool).repeat(len(rows), 1, 1)  # padding sees itself
    for b, row in enumerate(rows):
        n = len(row.tokens)
        ids[b, :n] = torch.tensor(row.tokens)
        positions[b, :n] = torch.tensor(row.depths)
        for node, parent in enumerate(row.parents):  # parents come before their children
            if parent >= 0:
                allowed[b, node, :n] |= allowed[b, parent, :n]
    mask = torch.zeros(allowed.shape, dtype=parts.dtype)
    mask.masked_fill_(~allowed, torch.finfo(parts.dtype).min)
    cached: dict[str, Any] = {}
    if prefix is not None:  # every token also sees the whole prefix, placed before it
        mask = torch.cat([torch.zeros((len(rows), width, prefix.length), dtype=parts.dtype), mask],
                         dim=-1)
        positions += prefix.length
        past = copy.deepcopy(prefix.cache)
        past.batch_repeat_interleave(len(rows))
        cached = {_cache_argument(parts.body): past, "use_cache": True}
    with torch.inference_mode():
        hidden = parts.body(
            input_ids=ids.to(parts.device),
            attention_mask=mask[:, None].to(parts.device),  # (batch, 1, width, prefix + width)
            position_ids=positions.to(parts.device),
            **({"use_cache": False} | cached),
        ).last_hidden_state  # (batch, width, hidden)
        pred_row = [b for b, row in enumerate(rows) for _ in row.predictors]
        pred_col = [p for row in rows for p in row.predictors]
        predictors = hidden[torch.tensor(pred_row), torch.tensor(pred_col)]  # (n_targets, hidden)
        targets = [t for row in rows for t in row.targets]
        conts = [c for group in groups for item in group for c in item.continuations]
        owners = [k for k, c in enumerate(conts) for _ in c]
        return _sum_logprobs(parts, predictors, targets, owners, len(conts))


def score_kv_cache(model: Any, items: list[Encoded], pad: int) -> list[float]:
    """Summed log-probabilities via a shared key/value cache (any attention implementation)."""
    import torch

    parts = _parts(model)
    device = parts.device
    conts = [c for it in items for c in it.continuations]
    owner = torch.tensor([i for i, it in enumerate(items) for _ in it.continuations], device=device)
    with torch.inference_mode():
        ctx_lens = torch.tensor([len(it.context) for it in items], device=device)
        ctx_ids = _pad([it.context for it in items], pad, device)  # (batch, ctx_len)
        ctx_mask = (torch.arange(ctx_ids.shape[1], device=device) < ctx_lens[:, None]).long()
        out = parts.body(input_ids=ctx_ids, attention_mask=ctx_mask, use_cache=True)
        last = out.last_hidden_state[torch.arange(len(items), device=device), ctx_lens - 1]
        cache = _cache_of(out)
        cache.batch_select_indices(owner)  # one copy of its context's cache per continuation

        fed = [c[:-1] or [pad] for c in conts]  # (n_cont, cont_len - 1), at least one column
        fed_lens = torch.tensor([len(c) - 1 for c in conts], device=device)
        cont_ids = _pad(fed, pad, device)
        width = cont_ids.shape[1]
        cont_mask = (torch.arange(width, device=device) < fed_lens[:, None]).long()
        hidden = parts.body(
            input_ids=cont_ids,
            attention_mask=torch.cat([ctx_mask[owner], cont_mask], dim=1),
            position_ids=ctx_lens[owner][:, None] + torch.arange(width, device=device)[None, :],
            use_cache=True,
            **{_cache_argument(parts.body): cache},
        ).last_hidden_state  # (n_cont, width, hidden)
        # predictors of continuation k: its context's last state, then its own fed states
        predictors = torch.cat([last[owner][:, None, :], hidden], dim=1)
        rows = [k for k, c in enumerate(conts) for _ in c]
        cols = [t for c in conts for t in range(len(c))]
        chosen = predictors[torch.tensor(rows, device=device), torch.tensor(cols, device=device)]
        targets = [t for c in conts for t in c]
        return _sum_logprobs(parts, chosen, targets, rows, len(conts))


def _pad(rows: list[list[int]], pad: int, device: torch.device) -> torch.Tensor:
    import torch

    out = torch.full((len(rows), max(len(r) for r in rows)), pad, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out.to(device)


def _cache_argument(body: Any) -> str:
    """transformers 5 renamed `past_key_values` to `cache`; accept either version."""
    import inspect

    return "cache" if "cache" in inspect.signature(body.forward).parameters else "past_key_values"


def _cache_of(output: Any) -> Any:
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values
