"""Why an untrained SASRec is not a random ranking: the residual path.

At initialisation the encoder block adds small updates to its input (pre-LN residuals), so the
hidden state at the last position is, up to a LayerNorm, the last item's own embedding plus its
position embedding (sasrec.ipynb's equations):

    h_L = LN(X'_L),   X'_L = X_L + Attn(...) + FFN(...),   X_L = M_{x_L} + P_L.

The score of item i is h_L · M_i with the same table M (tied). With M ~ N(0, 1) in e dimensions,
M_{x_L} · M_{x_L} ≈ e while M_{x_L} · M_i for another item is noise of standard deviation ≈ √e,
so the last input item tends to come first: the untrained model is (nearly) the rule "the next
item is the last one again". On check-in data, where many users go back to the same venue, that
rule alone scores well above a random ranking.

`analyse` measures this on a dataset: where the untrained model puts the last input item, how
many test targets repeat it, and the model's full-ranking NDCG@10 with its hidden state built
three ways (the whole block; the residual path alone, h = LN(X_L); the block without the
residual path, h = LN(X'_L − X_L)), beside the Repeat floor (`seqrec.baselines`).
"""
from __future__ import annotations

import torch

from .. import metrics as M
from ..evaluation import rank_in_catalogue

HIDDEN = ("whole block", "residual path alone", "block without the residual path")


def untrained_model(rec: dict, data):
    """The model of run record `rec` at epoch 0: built as `training.run` builds it (the same
    seed, so the same initial weights as the record's epoch-0 evaluation), in eval mode."""
    from .. import models
    c = rec["config"]
    torch.manual_seed(c["seed"])
    model = models.create(c["model"], data.num_users, data.num_items, c["lookback"],
                          **c.get("model_options", {}))
    return model.eval()


@torch.no_grad()
def hidden_variants(model, items: torch.Tensor) -> dict[str, torch.Tensor]:
    """{HIDDEN name: [B, e]} the last position's hidden state of a SASRec three ways."""
    L = items.shape[1]
    x = model.item_emb(items) + model.pos_emb.weight[:L]                  # [B, L, e] X (eval)
    future = torch.ones(L, L, dtype=torch.bool, device=items.device).triu(1)
    out = model.encoder(x, mask=future, is_causal=True)                   # [B, L, e] X'
    norm = model.last_layernorm
    return {HIDDEN[0]: norm(out[:, -1]), HIDDEN[1]: norm(x[:, -1]),
            HIDDEN[2]: norm(out[:, -1] - x[:, -1])}


@torch.no_grad()
def analyse(model, data, lookback: int, split: str = "test", batch_size: int = 1024) -> dict:
    """What an untrained SASRec ranks first, measured on every user's `split` window.

    Returns: `users`; `top1 is last item` (share of users whose highest-scored item is the last
    input item); `target is last item` (share whose target repeats it); `target seen before`
    (share whose target is anywhere in their history: `baselines.seen_before_share`);
    `cosine(h, last item)` (mean cosine between the whole block's hidden state and the last
    item's embedding); `NDCG@10 (HIDDEN name)` for the three hidden states under full ranking;
    `NDCG@10 (last-item rule)`: the last input item first, the rest at random (= 1 for a repeat,
    ~0 otherwise; the expected value)."""
    from ..baselines import seen_before_share
    table = model.item_emb.weight                                          # [N+1, e] tied output
    users = data.all_users()
    top1_last, target_last, cosine, n = 0.0, 0.0, 0.0, 0
    ndcg = {name: [] for name in HIDDEN}
    for batch in users.split(batch_size):
        items = data.eval_windows(split, lookback, batch)                  # [B, L]
        targets = data.targets(split, batch)                               # [B]
        last = items[:, -1]                                                # [B] last input item
        for name, h in hidden_variants(model, items).items():
            scores = h @ table.T                                           # [B, N+1]
            ranks = rank_in_catalogue(scores, targets)                     # [B]
            ndcg[name].append(torch.as_tensor(M.per_user(ranks)["NDCG@10"]))
            if name == HIDDEN[0]:
                scores[:, 0] = float("-inf")                               # padding never ranks
                top1_last += float((scores.argmax(1) == last).sum())
                cosine += float(torch.cosine_similarity(h, table[last], dim=1).sum())
        target_last += float((targets == last).sum())
        n += len(batch)
    chance = M.chance_ndcg("full", data.num_items)
    out = {"users": n, "top1 is last item": top1_last / n, "target is last item": target_last / n,
           "target seen before": seen_before_share(data, split),
           "cosine(h, last item)": cosine / n}
    for name, values in ndcg.items():
        out[f"NDCG@10 ({name})"] = float(torch.cat(values).mean())
    out["NDCG@10 (last-item rule)"] = out["target is last item"] + (1 - out["target is last item"]) * chance
    out["NDCG@10 (Repeat floor)"] = repeat_floor(data, split)
    return out


def repeat_floor(data, split: str = "test") -> float:
    """Full-ranking NDCG@10 of the Repeat floor (`baselines.RepeatHistory`: the user's most
    repeated item first, then the most recent) reading each user's whole history."""
    from ..baselines import create
    from ..evaluation import evaluate
    ranks = evaluate(create("repeat", data), data, split, ["full"], int(data.lengths.max()))
    return float(M.per_user(ranks["full"])["NDCG@10"].mean())
