"""`SequenceData`: every user's time-ordered item sequence as compact tensors.

Ids are dense and 1-based (0 is padding), as in the authors' toolkit. Sequences are stored as one
flat item tensor plus offsets, so the whole dataset is two int tensors that can live on the GPU, and
every window or candidate set is built by vectorised indexing (no Python loop over users).

The leave-one-out split (Section 3 of the reference notes) is implicit in the lengths:
for a user with n items x_1..x_n, training = x_1..x_{n-2}, validation target = x_{n-1},
test target = x_n.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .errors import unknown

SPLITS = ("train", "val", "test")


@dataclass
class SequenceData:
    """All users' sequences. User u (1..U) owns items[offsets[u-1]:offsets[u]]."""

    items: torch.Tensor          # [sum n_u] int64, dense item ids in 1..num_items, time order per user
    offsets: torch.Tensor        # [U + 1] int64, offsets[0] = 0
    num_items: int               # N: item ids are 1..N, 0 is padding
    name: str = "dataset"
    user_ids: list | None = None  # original user id of dense user u at index u-1 (for reports)
    item_ids: list | None = None  # original item id of dense item i at index i-1
    info: dict = field(default_factory=dict)  # counts before/after filtering, provenance

    # ------------------------------------------------------------------ shape
    @property
    def num_users(self) -> int:
        return int(self.offsets.numel() - 1)

    @property
    def num_interactions(self) -> int:
        return int(self.items.numel())

    @property
    def lengths(self) -> torch.Tensor:
        """[U] full sequence length n_u of each user (index u-1)."""
        return self.offsets[1:] - self.offsets[:-1]

    @property
    def device(self) -> torch.device:
        return self.items.device

    def to(self, device) -> "SequenceData":
        return SequenceData(self.items.to(device), self.offsets.to(device), self.num_items,
                            self.name, self.user_ids, self.item_ids, dict(self.info))

    # ------------------------------------------------------------------ split
    def prefix_length(self, split: str) -> torch.Tensor:
        """[U] number of items visible as history for `split` (train: n-2, val: n-2, test: n-1).

        For `val` the input is the training prefix and the target is x_{n-1}; for `test` the input
        also contains the validation item and the target is x_n.
        """
        n = self.lengths
        if split in ("train", "val"):
            return n - 2
        if split == "test":
            return n - 1
        raise unknown("split", split, SPLITS)

    def targets(self, split: str, users: torch.Tensor | None = None) -> torch.Tensor:
        """[B] held-out item of `split` ('val' or 'test') for users (1-based; default all)."""
        if split not in ("val", "test"):
            raise ValueError(f"split {split!r} has no single target; use 'val' or 'test'")
        users = self.all_users() if users is None else users
        pos = self.offsets[users - 1] + self.prefix_length(split)[users - 1]
        return self.items[pos]

    def all_users(self) -> torch.Tensor:
        return torch.arange(1, self.num_users + 1, device=self.device)

    def windows(self, users: torch.Tensor, end: torch.Tensor, length: int) -> torch.Tensor:
        """[B, length] items x_{end-length+1}..x_{end} of each user, 0 where the index is < 1.

        users: [B] 1-based; end: [B] 1-based index of the last item of the window (0 = empty).
        """
        k = torch.arange(length, device=self.device)
        idx = end[:, None] - length + 1 + k[None, :]                     # [B, L] 1-based positions
        valid = idx >= 1
        flat = self.offsets[users - 1][:, None] + (idx - 1).clamp_min(0)
        return torch.where(valid, self.items[flat], torch.zeros_like(flat))

    def eval_windows(self, split: str, length: int, users: torch.Tensor | None = None) -> torch.Tensor:
        """[B, length] the input window just before the `split` target, left-padded with 0."""
        users = self.all_users() if users is None else users
        return self.windows(users, self.prefix_length(split)[users - 1], length)

    # ------------------------------------------------------------------ membership
    def history_index(self) -> "HistoryIndex":
        """Lazily built index answering 'did user u see item i among their first k items?'."""
        if getattr(self, "_history", None) is None or self._history.device != self.device:
            self._history = HistoryIndex.build(self)
        return self._history


class HistoryIndex:
    """Vectorised membership queries over user histories.

    For every distinct (user, item) pair we keep the 1-based position of its FIRST occurrence, in a
    sorted key array (key = user * (N + 1) + item). `seen(users, items, k)` is then one
    `searchsorted`: item i was seen by u within the first k items iff first_pos(u, i) <= k.
    Memory is O(#distinct pairs), independent of the catalogue size.
    """

    def __init__(self, keys: torch.Tensor, first_pos: torch.Tensor, stride: int):
        self.keys, self.first_pos, self.stride = keys, first_pos, stride

    @property
    def device(self):
        return self.keys.device

    @classmethod
    def build(cls, data: SequenceData) -> "HistoryIndex":
        lengths = data.lengths
        users = torch.repeat_interleave(torch.arange(1, data.num_users + 1, device=data.device), lengths)
        pos = torch.arange(data.num_interactions, device=data.device) - data.offsets[users - 1] + 1
        stride = data.num_items + 1
        keys = users * stride + data.items
        # sort by key, then by position, and keep the first position of every key
        order = torch.argsort(keys * (int(lengths.max()) + 1) + pos)
        keys, pos = keys[order], pos[order]
        first = torch.ones_like(keys, dtype=torch.bool)
        first[1:] = keys[1:] != keys[:-1]
        return cls(keys[first].contiguous(), pos[first].contiguous(), stride)

    def seen(self, users: torch.Tensor, items: torch.Tensor, within: torch.Tensor) -> torch.Tensor:
        """Bool tensor shaped like items: item seen by user among their first `within` items.

        users and within broadcast against items (e.g. users [B, 1], items [B, K], within [B, 1]).
        """
        q = (users * self.stride + items).reshape(-1)
        i = torch.searchsorted(self.keys, q).clamp_max(self.keys.numel() - 1)
        found = self.keys[i] == q
        first = self.first_pos[i]
        within = torch.broadcast_to(within, items.shape).reshape(-1)
        return (found & (first <= within)).reshape(items.shape)
