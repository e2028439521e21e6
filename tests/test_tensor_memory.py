"""seqrec.tensor_memory.PeakTensorMemory: the largest total size of live tensors made in a block."""
import torch

from seqrec.tensor_memory import PeakTensorMemory

MiB = 2 ** 20


def test_the_peak_counts_what_is_alive_at_once_not_what_was_ever_made():
    with PeakTensorMemory() as mem:
        a = torch.zeros(MiB // 4)                  # 1 MiB of float32
        b = torch.zeros(MiB // 4)                  # 2 MiB alive
        del a, b
        c = torch.zeros(MiB // 4)                  # 1 MiB again: freed ones do not add up
        view = c[:10]                              # a view shares c's storage: no new bytes
    assert mem.peak == 2 * MiB
    assert view.shape == (10,)


def test_tensors_made_before_the_block_are_not_counted():
    before = torch.zeros(MiB)
    with PeakTensorMemory() as mem:
        (before * 0).sum()                         # 4 MiB product, then a scalar
    assert 4 * MiB <= mem.peak < 4 * MiB + 1024
