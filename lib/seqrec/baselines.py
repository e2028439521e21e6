"""Non-learned floors every model must clear: popularity and repeat-history.

- `pop`: items ranked by how often they occur in the TRAINING part of all sequences.
- `repeat`: the user's own previous items first (more frequent first, then more recent first), then
  the rest by popularity. On check-in data many next items are revisits.

Both follow the model contract (`forward`, `score_all`), have no parameters and take no training
epochs, so they go through exactly the same evaluation code and run records as the neural models.
"""
from __future__ import annotations

import torch
from torch import nn

from .errors import unknown
from .sequences import SequenceData


def train_popularity(data: SequenceData) -> torch.Tensor:
    """[N+1] float64 count of every item in the training prefixes (x_1..x_{n-2}); index 0 = 0."""
    pos = torch.arange(data.num_interactions, device=data.device)
    user = torch.repeat_interleave(torch.arange(data.num_users, device=data.device), data.lengths)
    in_train = (pos - data.offsets[user]) < data.prefix_length("train")[user]
    counts = torch.bincount(data.items[in_train], minlength=data.num_items + 1).to(torch.float64)
    counts[0] = 0
    return counts


class _Baseline(nn.Module):
    scores_every_position = False
    original = None                # registry attributes (`seqrec.registry`), as for the models
    chapter = "evaluation"         # the book chapter that runs the floors
    cost = 0                       # no training: a cell costs its evaluation only

    def __init__(self, popularity: torch.Tensor):
        super().__init__()
        self.register_buffer("popularity", popularity)            # [N+1]

    def forward(self, users, items, candidates):                  # -> [B, T, K]
        scores = self.score_all(users, items)                     # [B, N+1]
        B, T, K = candidates.shape
        return scores.gather(1, candidates.reshape(B, T * K)).reshape(B, T, K)


class Popularity(_Baseline):
    name = "pop"
    label = "Pop"

    def score_all(self, users, items):                            # -> [B, N+1]
        return self.popularity.expand(items.shape[0], -1)


class RepeatHistory(_Baseline):
    """score = count * (L+1) * P + last_position * P + popularity, with P = max popularity + 1:
    lexicographic (count, recency, popularity) in exact float64 arithmetic. `items` must hold the
    user's WHOLE history (use a lookback of at least the longest sequence)."""

    name = "repeat"
    label = "Repeat"

    def score_all(self, users, items):                            # items [B, L] -> [B, N+1]
        B, L = items.shape
        n1 = self.popularity.numel()
        real = (items > 0).to(torch.float64)
        count = torch.zeros(B, n1, dtype=torch.float64, device=items.device)
        count.scatter_add_(1, items, real)                        # [B, N+1] occurrences
        position = torch.arange(1, L + 1, device=items.device, dtype=torch.float64).expand(B, L)
        last = torch.zeros_like(count).scatter_reduce_(1, items, position * real, "amax")
        P = float(self.popularity.max()) + 1.0
        return count * (L + 1) * P + last * P + self.popularity[None, :]


CLASSES = {cls.name: cls for cls in (Popularity, RepeatHistory)}
NAMES = tuple(CLASSES)


def create(name: str, data: SequenceData) -> nn.Module:
    if name not in CLASSES:
        raise unknown("baseline", name, CLASSES)
    return CLASSES[name](train_popularity(data))


def seen_before_share(data: SequenceData, split: str = "test") -> float:
    """Fraction of users whose `split` target already occurs earlier in their own sequence."""
    users = data.all_users()
    within = data.prefix_length(split)          # items strictly before the target
    seen = data.history_index().seen(users, data.targets(split, users), within)
    return float(seen.double().mean())
