"""seqrec.models.check_causal: passes on the causal models, fails on the ones that are not.

test_models.py checks causality on its own (its own perturbation and tolerance), so a wrong
`check_causal` cannot make both pass."""
import pytest
import torch

from seqrec import models

U, N, L = 7, 30, 8


def window_batch(B=4):
    g = torch.Generator().manual_seed(2)
    users = torch.randint(1, U + 1, (B,), generator=g)
    items = torch.randint(1, N + 1, (B, L), generator=g)
    items[0, :3] = 0                                              # a short, left-padded history
    return users, items


@pytest.mark.parametrize("name", ["sasrec", "caser+", "cosrec+", "sasrec-original"])
def test_the_models_that_score_every_position_are_causal(name):
    torch.manual_seed(0)
    model = models.create(name, U, N, L).eval()
    gaps = models.check_causal(model, *window_batch())
    assert sorted(gaps) == [1, L // 2, L - 1]
    assert all(past <= 1e-6 < later for past, later in gaps.values())


def test_a_model_that_reads_later_items_fails():
    """CosRec+ in training mode with the authors' BatchNorm pools statistics over the whole grid:
    a later item moves earlier scores."""
    torch.manual_seed(0)
    model = models.create("cosrec+", U, N, L, dropout=0.0).train()
    with pytest.raises(AssertionError, match="not causal"):
        models.check_causal(model, *window_batch(), positions=[5])


class Constant(torch.nn.Module):
    """Scores that depend on no item at all: causal, trivially, and useless."""
    num_items = N

    def forward(self, users, items, candidates):
        return torch.zeros(candidates.shape)


def test_a_model_that_ignores_its_input_fails():
    with pytest.raises(AssertionError, match="moves no score"):
        models.check_causal(Constant(), *window_batch())


def test_the_gaps_measure_the_change_at_and_after_the_position():
    class Future(Constant):                       # position t scores the item at t + 1
        def forward(self, users, items, candidates):
            nxt = torch.cat([items[:, 1:], items[:, :1]], 1).float()     # [B, L]
            return nxt[:, :, None].expand(candidates.shape)
    past, later = models.causality_gaps(Future(), *window_batch(), 4)
    assert past > 0 and later == 0                # only position 3 reads the item at 4


def test_receptive_field_of_a_3x3_convolution_is_its_window():
    conv = torch.nn.Conv2d(2, 3, 3)                               # no padding: rows j..j+2
    field = models.receptive_field(conv, (1, 2, 6, 6), 1, 2)
    window = torch.zeros(6, 6, dtype=torch.bool)
    window[1:4, 2:5] = True
    assert torch.equal(field, window)
