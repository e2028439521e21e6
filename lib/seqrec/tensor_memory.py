"""Peak memory of the tensors a block of PyTorch code creates, on any device (CPU included):

    with PeakTensorMemory() as mem:
        model(users, items, candidates).mean().backward()
    mem.peak                     # bytes held at once, at most, by tensors created in the block

A dispatch mode sees every operation's outputs; a weak reference to each output's storage says
when it is freed. Views share their base's storage and count once. Parameters and inputs made
before the block are not counted.
"""
from __future__ import annotations

import torch
from torch.multiprocessing.reductions import StorageWeakRef   # is a tensor's memory freed yet?
from torch.utils._python_dispatch import TorchDispatchMode     # sees every operation's outputs
from torch.utils._pytree import tree_leaves


class PeakTensorMemory(TorchDispatchMode):
    """Largest number of bytes held at once by tensors created inside the `with` block."""

    def __enter__(self):
        self.live, self.peak = {}, 0
        return super().__enter__()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.live = {p: v for p, v in self.live.items() if not v[0].expired()}   # drop freed
        for t in (x for x in tree_leaves(out) if isinstance(x, torch.Tensor)):
            s = t.untyped_storage()                                # views share their base's
            self.live.setdefault(s.data_ptr(), (StorageWeakRef(s), s.nbytes()))
        self.peak = max(self.peak, sum(n for _, n in self.live.values()))
        return out
