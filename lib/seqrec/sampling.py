"""Training windows and negative items, sampled on the data's device for every user at once.

The authors' collator (reference notes, section 2) draws, per user and per epoch, ONE window of
length L from the left-padded training sequence x_0 = pad, x_1..x_m (m = n - 2):

    end c ~ Uniform{max(L, m) - L .. m - 1}       (m - L + 1 windows if m >= L, else one)
    input  = x_{c-L+1} .. x_c                     (indices < 1 are padding)
    target = x_{c-L+2} .. x_{c+1}                 (the input shifted by one; padding is ignored)

so the first real item x_1, with a padding input, is itself a target. Negatives are drawn uniformly
with replacement from {1..N} minus the items the user saw in the relevant prefix, by rejection
(resampling only the rejected entries, in whole-tensor rounds).

The original Caser and CosRec (their reference code's `interactions.py`, `to_sequence`) train
instead on EVERY window of L + T consecutive training items of every user, each epoch
(`sliding_windows`): the first L items are the input, the last T the targets, all scored from the
input's last position; a user with fewer than L + T training items gives one window, left-padded.
"""
from __future__ import annotations

import torch

from .errors import DataError
from .sequences import SequenceData

MAX_REJECTION_ROUNDS = 1000


def training_windows(data: SequenceData, users: torch.Tensor, lookback: int,
                     generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One random training window per user: (inputs [B, L], targets [B, L]); 0 marks padding."""
    m = data.prefix_length("train")[users - 1]                          # [B] training length
    count = (m - lookback + 1).clamp_min(1)                             # [B] number of windows
    u = torch.rand(users.shape, device=data.device, generator=generator)
    end = m - 1 - (u * count).long().clamp_max(count - 1)               # [B] last input index c
    inputs = data.windows(users, end, lookback)                         # x_{c-L+1..c}
    targets = data.windows(users, end + 1, lookback)                    # x_{c-L+2..c+1}
    return inputs, targets


def sliding_windows(data: SequenceData, lookback: int, future: int
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every window of L + T consecutive training items of every user, in user order:
    (users [W], inputs [W, L], targets [W, T]); 0 marks padding.

    A user with m >= L + T training items has m - L - T + 1 windows, the j-th (j = 0, 1, ...)
    ending at item e = L + T + j; a shorter user has one, ending at e = m, left-padded (its targets
    are padding too when m < T: the loss masks them). Input x_{e-T-L+1..e-T}, targets x_{e-T+1..e}.
    """
    m = data.prefix_length("train")                                   # [U] training length
    span = lookback + future
    count = (m - span + 1).clamp_min(1)                               # [U] windows per user
    users = torch.repeat_interleave(data.all_users(), count)          # [W]
    first = torch.cumsum(count, 0) - count                            # [U] index of a user's first
    j = torch.arange(users.shape[0], device=data.device) - first[users - 1]   # [W] 0..count-1
    end = torch.minimum(span + j, m[users - 1])                       # [W] last target e
    inputs = data.windows(users, end - future, lookback)              # [W, L] x_{e-T-L+1..e-T}
    targets = data.windows(users, end, future)                        # [W, T] x_{e-T+1..e}
    return users, inputs, targets


def sample_negatives(data: SequenceData, users: torch.Tensor, within: torch.Tensor, shape: tuple,
                     generator: torch.Generator | None = None) -> torch.Tensor:
    """[B, *shape] items uniform in 1..N (with replacement), none seen by the user in its first
    `within` items ([B]). `shape` is the per-user shape, e.g. (T,) or (100,)."""
    history = data.history_index()
    full = (users.shape[0], *shape)
    view = (-1,) + (1,) * len(shape)
    u, w = users.view(view), within.view(view)
    neg = torch.randint(1, data.num_items + 1, full, device=data.device, generator=generator)
    bad = history.seen(u, neg, w)
    for _ in range(MAX_REJECTION_ROUNDS):
        if not bool(bad.any()):
            return neg
        idx = bad.nonzero(as_tuple=True)
        redraw = torch.randint(1, data.num_items + 1, (idx[0].numel(),), device=data.device,
                               generator=generator)
        neg[idx] = redraw
        bad[idx] = history.seen(users[idx[0]], redraw, within[idx[0]])
    raise DataError(
        f"could not draw negatives for {int(bad.any(dim=tuple(range(1, bad.dim()))).sum())} users "
        f"after {MAX_REJECTION_ROUNDS} rounds: they have seen (almost) every item. Filter such "
        "users out or use the 'full' protocol.")
