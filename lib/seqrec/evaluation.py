"""Candidate protocols and per-user ranks of the held-out item.

Protocols (reference notes, section 4):

- ``full``: the target is ranked among all N items (the padding id 0 is excluded), including the
  items the user has already consumed. Right where re-consumption is the norm (Foursquare: most
  test targets are revisits) and what the authors' toolkit does.
- ``full-unseen``: the target is ranked among the items the user has NOT consumed in that split's
  history (the target itself always competes, even when it is a revisit). The field's usual full
  ranking on ML-1M (RecBole, gSASRec, the SASRec cross-entropy papers), computed from the same
  scores with the user's earlier items masked out.
- ``sampled``: 1 positive + 100 negatives drawn uniformly WITH replacement from the items the user
  has not seen in that split's sequence (train + val item for val; the full sequence for test).
  This is the authors' test setting.
- ``easyrec-n``: the same with N negatives (N = catalogue size), the authors' float setting
  ``num_negatives: 1.`` (about 63% of the unseen catalogue, with duplicates).
- ``sampled-K`` / ``easyrec-K``: either with K negatives.

Tie policy: a candidate whose score equals the target's counts as ranked ABOVE it
(rank = 1 + #{score > s_target} + #{other candidates with score == s_target}), so a constant model
gets the worst rank, never the best.

Precision: scores are computed in fp32 whatever the training precision. bf16 scores (8 bits of
mantissa) tie many items with the target, and ties count against it: ranks computed from them are
biased downward.

Candidates: each user's sampled negatives are the user's own counter-based random stream
(splitmix64, seeded by a hash of evaluation seed, split, protocol and user id), so they are the same
for every batch size, device, model and epoch: per-user values are paired across models and runs.
They are drawn once per dataset object and reused (`dataset_candidates`).

Every protocol needs only the scores of the whole catalogue at the last position
(`model.score_all`), computed ONCE per batch of users; the other protocols gather or mask it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch

from .errors import ConfigError, DataError, unknown
from .sampling import MAX_REJECTION_ROUNDS
from .sequences import SequenceData

PROTOCOLS = ("full", "sampled", "easyrec-n", "full-unseen")
# the protocol whose validation metric picks a run's best epoch (`training.fit`), and the one a
# record is read under where nobody names another (tables, curves); a run must evaluate it
SELECTION_PROTOCOL = "full"


@dataclass(frozen=True)
class Protocol:
    name: str
    num_negatives: int | None   # None = full ranking
    exclude_seen: bool = False  # full ranking among the items outside the user's history

    @classmethod
    def parse(cls, name: str, num_items: int) -> "Protocol":
        if name == "full":
            return cls(name, None)
        if name == "full-unseen":
            return cls(name, None, exclude_seen=True)
        if name == "sampled":
            return cls(name, 100)
        if name == "easyrec-n":
            return cls(name, num_items)
        for prefix in ("sampled-", "easyrec-"):
            if name.startswith(prefix) and name[len(prefix):].isdigit() and int(name[len(prefix):]) > 0:
                return cls(name, int(name[len(prefix):]))
        raise unknown("protocol", name, PROTOCOLS,
                      also="sampled-K or easyrec-K (K negatives, K >= 1)")


def check_protocols(names) -> list[str]:
    """Validate protocol names early (before any training); returns them as a list."""
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ConfigError("at least one evaluation protocol is needed; valid: " + ", ".join(PROTOCOLS))
    for n in names:
        Protocol.parse(n, num_items=1)
    return names


# ------------------------------------------------------------------------------------ ranks
def rank_among(scores: torch.Tensor) -> torch.Tensor:
    """[B] 1-based rank of column 0 (the target) among the columns of scores [B, K]."""
    target = scores[:, :1]
    return 1 + (scores[:, 1:] >= target).sum(dim=1)


def rank_in_catalogue(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """[B] 1-based rank of targets [B] among all items 1..N of scores [B, N+1] (column 0 = pad)."""
    s = scores[:, 1:]
    t = scores.gather(1, targets[:, None])                          # [B, 1]
    return (s >= t).sum(dim=1)                                      # the target counts itself once


def rank_among_unseen(scores: torch.Tensor, targets: torch.Tensor, seen: torch.Tensor) -> torch.Tensor:
    """[B] 1-based rank of targets [B] among the items 1..N that the user has not seen.

    seen: [B, N+1] bool, True for the items of the user's history (column 0 is ignored). The target
    competes even when seen (a revisit): rank = 1 + #{i unseen, i != target, s_i >= s_target}."""
    t = scores.gather(1, targets[:, None])                          # [B, 1]
    competes = ~seen
    competes[:, 0] = False                                          # padding never competes
    competes.scatter_(1, targets[:, None], False)                   # the target is not its rival
    return 1 + ((scores >= t) & competes).sum(dim=1)


def seen_mask(data: SequenceData, split: str, users: torch.Tensor) -> torch.Tensor:
    """[B, N+1] bool: True where the item is in the user's `split` history (its input prefix)."""
    prefix = data.prefix_length(split)[users - 1]                   # [B]
    history = data.windows(users, prefix, int(prefix.max()))       # [B, max prefix], 0 = padding
    seen = torch.zeros(users.numel(), data.num_items + 1, dtype=torch.bool, device=data.device)
    return seen.scatter_(1, history, True)


# ------------------------------------------------------------------------------------ candidates
def _int64(c: int) -> int:
    return c - (1 << 64) if c >= (1 << 63) else c


GOLDEN = _int64(0x9E3779B97F4A7C15)        # splitmix64's increment and multipliers
_MIX1, _MIX2 = _int64(0xBF58476D1CE4E5B9), _int64(0x94D049BB133111EB)


def _shift_right(x: torch.Tensor, k: int) -> torch.Tensor:
    """Logical (unsigned) right shift of int64 values."""
    return (x >> k) & ((1 << (64 - k)) - 1)


def mix64(x: torch.Tensor) -> torch.Tensor:
    """splitmix64's finaliser on int64 tensors (wrap-around arithmetic): a bijection of 64-bit
    words whose outputs for consecutive inputs look independent and uniform."""
    x = (x ^ _shift_right(x, 30)) * _MIX1
    x = (x ^ _shift_right(x, 27)) * _MIX2
    return x ^ _shift_right(x, 31)


def stream_seed(seed: int, split: str, protocol: str) -> int:
    """A 62-bit seed for (evaluation seed, split, protocol), stable across Python runs."""
    digest = hashlib.sha256(f"{seed}/{split}/{protocol}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 2


def uniform_items(user_keys: torch.Tensor, counters: torch.Tensor, num_items: int) -> torch.Tensor:
    """Items in 1..N: the `counters`-th outputs of the splitmix64 streams seeded at user_keys
    (broadcasting). The top 53 bits modulo N: a bias below N / 2**53."""
    word = mix64(user_keys + counters * GOLDEN)
    return _shift_right(word, 11) % num_items + 1


def candidate_negatives(data: SequenceData, split: str, protocol: Protocol, users: torch.Tensor,
                        seed: int = 0) -> torch.Tensor:
    """[B, K] negatives of users [B] under a sampled protocol: uniform with replacement over the
    items outside that split's sequence (history + target), from each user's own stream.

    Entry j of user u is draw j of u's stream; an entry that hits a seen item is redrawn from
    draw j + K, j + 2K, ... (rejection), so a user's candidates depend on nothing but
    (seed, split, protocol, u) and the data."""
    K = protocol.num_negatives
    within = data.prefix_length(split)[users - 1] + 1              # [B] history + the target
    keys = mix64(stream_seed(seed, split, protocol.name) + users * GOLDEN)   # [B] one per user
    j = torch.arange(1, K + 1, device=data.device)
    neg = uniform_items(keys[:, None], j[None, :], data.num_items)  # [B, K]
    history = data.history_index()
    rows, cols = torch.nonzero(history.seen(users[:, None], neg, within[:, None]), as_tuple=True)
    for round_ in range(1, MAX_REJECTION_ROUNDS + 1):
        if rows.numel() == 0:
            return neg
        redraw = uniform_items(keys[rows], cols + 1 + round_ * K, data.num_items)
        neg[rows, cols] = redraw
        still = history.seen(users[rows], redraw, within[rows])
        rows, cols = rows[still], cols[still]
    raise DataError(
        f"could not draw {protocol.name} candidates for {int(rows.unique().numel())} users after "
        f"{MAX_REJECTION_ROUNDS} rounds: they have seen (almost) every item. Filter such users out "
        "or use the 'full' protocol.")


def dataset_candidates(data: SequenceData, split: str, protocol: Protocol, seed: int,
                       chunk: int = 1024) -> torch.Tensor:
    """[U, K] int32 negatives of every user (row u-1 = user u) under a sampled protocol.

    They depend only on (data, split, protocol, seed), never on the model, the epoch or the
    evaluation batch size, so they are drawn once per dataset object (in chunks of users, to bound
    memory) and kept on the data's device. easyrec-n on ML-1M is 6040 x 3416 draws per split."""
    cache = data.__dict__.setdefault("_eval_candidates", {})
    key = (split, protocol.name, seed)
    if key not in cache:
        cache[key] = torch.cat([candidate_negatives(data, split, protocol, users, seed).to(torch.int32)
                                for users in data.all_users().split(chunk)])
    return cache[key]


# ------------------------------------------------------------------------------------ evaluate
@torch.no_grad()
def evaluate(model, data: SequenceData, split: str, protocols, lookback: int,
             batch_size: int = 512, seed: int = 0) -> dict[str, torch.Tensor]:
    """{protocol: ranks [U] (int64, CPU)} of every user's `split` target ('val' or 'test').

    Scores are fp32 even inside an autocast region of the caller (see the module docstring)."""
    names = check_protocols(protocols)
    parsed = [Protocol.parse(n, data.num_items) for n in names]
    was_training = model.training
    model.eval()
    negatives = {p.name: dataset_candidates(data, split, p, seed)
                 for p in parsed if p.num_negatives is not None}
    ranks = {p.name: [] for p in parsed}
    for users in data.all_users().split(batch_size):
        items = data.eval_windows(split, lookback, users)           # [B, L]
        targets = data.targets(split, users)                        # [B]
        with torch.autocast(data.device.type, enabled=False):
            scores = model.score_all(users, items).float()          # [B, N+1] fp32
        seen = None
        for p in parsed:
            if p.exclude_seen:
                seen = seen_mask(data, split, users) if seen is None else seen
                r = rank_among_unseen(scores, targets, seen)
            elif p.num_negatives is None:
                r = rank_in_catalogue(scores, targets)
            else:
                cand = torch.cat([targets[:, None], negatives[p.name][users - 1].long()], dim=1)
                r = rank_among(scores.gather(1, cand))              # [B], target first
            ranks[p.name].append(r)
    model.train(was_training)
    return {name: torch.cat(r).cpu() for name, r in ranks.items()}
