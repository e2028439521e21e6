"""What every model shares: the scoring contract and input checks.

A model turns users `[B]` and left-padded item windows `[B, L]` (0 = padding) into one hidden state
per scored position (`hidden_states`, `[B, T, D]`, the LAST T positions) and owns an output table
(`output_table`: one weight row of size D per item id, optionally one bias per id). A score is

    score(t, i) = W_out[i] · h_t  (+ b_out[i])

`forward` scores a given candidate set per position by gathering only the candidates' rows (the
authors' CosRec computes all N+1 logits and then gathers; the numbers are the same). `score_all`
scores every id at the last position with one matmul against the table, without building a
candidate tensor. Column 0 is the padding id; callers mask it.
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError, unknown


class Difference(NamedTuple):
    """One difference between the authors' toolkit version of a model (the paper's baseline) and the
    model as its own paper and reference code build it: the switch that turns it, with its value
    on each side. Each model module keeps one table of them (`DIFFERENCES`), which its chapter
    prints and its ablation profile turns one at a time."""

    component: str
    toolkit: object          # the authors' toolkit (the paper's baseline): its class's default
    original: object         # the original paper and its reference code: its class's default
    toolkit_does: str
    original_does: str
    source: str              # where the original says so (reference code line, paper section)
    where: str = "model"     # the switch's home: "model" (a model option), "train" (TrainConfig)


# the training-loop switches of a model's own regime (TrainConfig fields of the same names)
REGIME_SWITCHES = ("windows", "future_targets", "negatives", "bce_reduction")


def sliding_window_regime(repo: str, windows: str, targets: str, negatives: str,
                          loss: str) -> dict[str, Difference]:
    """The four training-loop differences that Caser's and CosRec's reference code share (the same
    `interactions.py` and training loop in both repositories), each with the line of `repo` that
    says so. Their switches are TrainConfig fields (`seqrec.training`)."""
    return {
        "windows": Difference(
            "training windows per epoch", "random", "sliding",
            "one random window of L items per user per epoch (`sampling.training_windows`)",
            "every sliding window of L + T items of every user, every epoch",
            f"{repo} {windows}", "train"),
        "future_targets": Difference(
            "targets per window", 1, 3,
            "the item after the window's last position (the toolkit's `keep_last.train: 1`)",
            "the T = 3 items after the window, all scored from its last position",
            f"{repo} {targets}", "train"),
        "negatives": Difference(
            "negatives per window", 1, 3, "one negative per target",
            "`neg_samples` = 3 per window, none tied to a target (the class docstring's 'per "
            "target, 9 in all' disagrees with the code)", f"{repo} {negatives}", "train"),
        "bce_reduction": Difference(
            "loss reduction", "entries", "means",
            "binary cross-entropy averaged over every positive and negative entry",
            "mean over the positives + mean over the negatives (twice the toolkit's at T = 3, "
            "3 negatives)", f"{repo} {loss}", "train"),
    }


def reference_settings(repo: str, lookback: str, batch: str, epochs: tuple[int, str]
                       ) -> dict[str, Difference]:
    """The three run settings in which Caser's and CosRec's reference code differ from the
    toolkit's (TrainConfig fields): L = 5, batch 512, and the code's own epoch count `epochs` =
    (value, source), each with the line of `repo` that sets it."""
    n, where = epochs
    return {
        "lookback": Difference("window L", 100, 5, "100 (the paper's final config; the book's runs: "
                               "20)", "5", f"{repo} {lookback}", "train"),
        "batch_size": Difference("batch", 128, 512, "128", "512", f"{repo} {batch}", "train"),
        "epochs": Difference("epochs", 2000, n, "2000", str(n), f"{repo} {where}", "train"),
    }


class SequentialRecommender(nn.Module):
    """Base class of the five models: the shared `forward` / `score_all` contract."""

    name: str = "model"
    scores_every_position: bool = True
    # registry attributes (`seqrec.registry` derives every table of names from them)
    label: str = "Model"           # name in tables and figures
    chapter: str = ""              # the book chapter (notebook stem) that builds and runs it
    cost: int = 1                  # relative CPU cost of one grid cell (longest cells start first)
    original: str | None = None    # a "+" model: the name of the original it makes causal
    in_paper: bool = True          # one of the paper's five (False: a reference point of ours)
    # the authors' class of the same model in easy-lightning's easy_rec/model/sequential:
    # (file stem, class name); None when they have none (`rebuild.authors`)
    authors_class: tuple[str, str] | None = None
    # our alternative code paths: overrides that compute the same model another way
    # (`rebuild.benchmark --variants` times each)
    alternatives: tuple[dict, ...] = ()
    # a model of ours that is not in the paper (`in_paper` False): the paper's model it is the
    # faithful original of ("sasrec-original" -> "sasrec"), None otherwise
    reference_for: str | None = None
    # the training regime the model's own paper uses, where it differs from the toolkit's: values
    # of TrainConfig's regime fields ('auto' resolves to them; `seqrec.training`), e.g.
    # {"windows": "sliding", "future_targets": 3, "negatives": 3, "bce_reduction": "means"}
    training_regime: dict = {}
    # Adam's betas and coupled L2 weight decay, read by `training.make_optimizer`
    adam_betas: tuple[float, float] = (0.9, 0.999)
    adam_weight_decay: float = 0.0

    def __init__(self, num_users: int, num_items: int, lookback: int):
        super().__init__()
        for what, value, low in (("num_users", num_users, 1), ("num_items", num_items, 1),
                                 ("lookback", lookback, 1)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
                raise ConfigError(f"{what} must be an integer >= {low}, got {value!r}; pass the "
                                  "dataset's dense user/item count and the window length")
        self.num_users, self.num_items, self.lookback = int(num_users), int(num_items), int(lookback)

    # ------------------------------------------------------------------ to implement
    def hidden_states(self, users: torch.Tensor, items: torch.Tensor, last: int) -> torch.Tensor:
        """[B, last, D] hidden state of the last `last` positions of the window."""
        raise NotImplementedError

    def output_table(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(weight [N+1, D], bias [N+1, 1] or None): the rows candidates are scored against."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the contract
    def forward(self, users: torch.Tensor, items: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
        """Scores [B, T, K] of candidates [B, T, K] at the last T positions of items [B, L]."""
        self.check_inputs(users, items, candidates)
        h = self.hidden_states(users, items, candidates.shape[1])     # [B, T, D]
        weight, bias = self.output_table()
        w = F.embedding(candidates, weight)                            # [B, T, K, D] only the candidates
        scores = (w * h.unsqueeze(2)).sum(-1)                          # [B, T, K] as the authors sum
        if bias is not None:
            scores = scores + F.embedding(candidates, bias).squeeze(-1)
        return scores

    def score_all(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """[B, N+1] scores of every id (column 0 = padding, mask it) at the last position."""
        self.check_inputs(users, items)
        h = self.hidden_states(users, items, 1)[:, 0]                  # [B, D]
        weight, bias = self.output_table()
        if bias is None:
            return h @ weight.T                                        # [B, N+1]
        return torch.addmm(bias.T, h, weight.T)                        # [B, N+1]

    def score_positions(self, users: torch.Tensor, items: torch.Tensor, last: int) -> torch.Tensor:
        """[B, last, N+1] scores of every id at each of the last `last` positions (for a full
        softmax cross-entropy loss; one matmul against the output table)."""
        self.check_inputs(users, items)
        if not self.scores_every_position and last != 1:
            raise ConfigError(f"{self.name} scores only the last position; ask for last=1")
        h = self.hidden_states(users, items, last)                     # [B, T, D]
        weight, bias = self.output_table()
        scores = h @ weight.T                                          # [B, T, N+1]
        return scores if bias is None else scores + bias.T

    # ------------------------------------------------------------------ checks
    def check_length(self, length: int) -> None:
        """Raise if this model cannot read windows of `length` items (override per model)."""
        if length > self.lookback:
            raise ConfigError(f"{self.name}: item windows have {length} columns but the model was "
                              f"built with lookback={self.lookback}; build it with the window length")

    def check_inputs(self, users, items, candidates=None) -> None:
        """Shape checks with messages that say what to pass (cheap: no device sync)."""
        if items.dim() != 2:
            raise ConfigError(f"{self.name}: items must be [B, L] (left-padded with 0), got shape "
                              f"{tuple(items.shape)}")
        if users.dim() != 1 or users.shape[0] != items.shape[0]:
            raise ConfigError(f"{self.name}: users must be [B] with B = items.shape[0] = "
                              f"{items.shape[0]}, got shape {tuple(users.shape)}")
        self.check_length(items.shape[1])
        if candidates is None:
            return
        if candidates.dim() != 3 or candidates.shape[0] != items.shape[0]:
            raise ConfigError(f"{self.name}: candidates must be [B, T, K] with B = {items.shape[0]}, "
                              f"got shape {tuple(candidates.shape)}")
        steps = candidates.shape[1]
        if not self.scores_every_position and steps != 1:
            raise ConfigError(f"{self.name} scores only the last position; pass candidates of shape "
                              f"[B, 1, K], got T = {steps}")
        if not 1 <= steps <= items.shape[1]:
            raise ConfigError(f"{self.name}: candidates cover T = {steps} positions, but the window "
                              f"has L = {items.shape[1]}; pass 1 <= T <= L")

    def extra_repr(self) -> str:
        return f"name={self.name!r}, num_users={self.num_users}, num_items={self.num_items}, " \
               f"lookback={self.lookback}"


PADDING_EMBEDDINGS = ("learned", "zero")


def item_embedding(num_items: int, emb_size: int, padding_embedding: str) -> nn.Embedding:
    """Input item table with N+1 rows; `padding_embedding` says what id 0 looks like.

    'learned' (authors' Caser/CosRec): no padding_idx, so id 0 has a trainable vector that the
    convolutions see inside short windows. 'zero': padding_idx=0, id 0 is a fixed zero vector.
    """
    if padding_embedding == "learned":
        return nn.Embedding(num_items + 1, emb_size)
    if padding_embedding == "zero":
        return nn.Embedding(num_items + 1, emb_size, padding_idx=0)
    raise unknown("padding_embedding", padding_embedding, PADDING_EMBEDDINGS)


def activation(name: str) -> nn.Module:
    """torch.nn activation by class name, as the authors' configs spell it ('Tanh', 'ReLU', ...)."""
    module = getattr(nn, name, None) if isinstance(name, str) else None
    if not (isinstance(module, type) and issubclass(module, nn.Module)):
        raise ConfigError(f"unknown activation {name!r}; give a torch.nn class name such as "
                          "'Tanh', 'ReLU', 'GELU', 'Sigmoid'")
    return module()


class Dropout(nn.Dropout):
    """`nn.Dropout` whose CPU mask is one uniform draw and a comparison (keep where u >= p, scale
    the kept entries by 1/(1-p)): the same distribution as torch's, from another random stream.

    torch's CPU dropout draws its mask with `bernoulli_`, about 3x slower than `rand` + compare on
    2 cores (128 x 50 x 1,824 features: 171 vs 58 ms), and Caser+ drops a feature vector at every
    position: at L = 50 the mask was a quarter of its CPU epoch. On other devices torch's fused
    dropout kernel is used as is. SASRec keeps `nn.Dropout`: most of its dropouts live inside
    `nn.TransformerEncoderLayer`, and its masks are L x e, not L x (nv·e + nh·L).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type != "cpu" or not self.training or self.p == 0:
            return F.dropout(x, self.p, self.training)
        keep = torch.rand(x.shape, device=x.device) >= self.p            # float32 draw at any dtype
        return x * keep.to(x.dtype).mul_(1.0 / (1.0 - self.p))   # as torch: mask/(1-p) in x.dtype


CNN_INITS = ("torch", "reference")


@torch.no_grad()
def init_tables(kind: str, inputs: tuple[nn.Embedding, ...], output_weight: torch.Tensor,
                output_bias: torch.Tensor) -> None:
    """Initialise the embedding tables and the output layer of Caser or CosRec.

    'torch': as created (the toolkit: N(0, 1) embeddings; CosRec's output layer a torch Linear).
    'reference': as graytowne/caser_pytorch `caser.py` and zzxslp/CosRec `model.py` do,
    `weight.data.normal_(0, 1.0 / embedding_dim)`: every input table N(0, std 1/d) with d its
    width, the output rows N(0, std 1/D) with D their width, the output bias zero."""
    if kind not in CNN_INITS:
        raise unknown("init", kind, CNN_INITS)
    if kind == "torch":
        return
    for table in inputs:
        table.weight.normal_(0.0, 1.0 / table.embedding_dim)
    output_weight.normal_(0.0, 1.0 / output_weight.shape[1])
    output_bias.zero_()


def check_weight_decay(l2) -> float:
    if not isinstance(l2, (int, float)) or isinstance(l2, bool) or not 0 <= l2 < 1:
        raise ConfigError(f"l2 (Adam's weight decay) must be a number in [0, 1), got {l2!r}")
    return float(l2)


def check_dropout(p) -> float:
    if not isinstance(p, (int, float)) or not 0 <= p < 1:
        raise ConfigError(f"dropout must be a number in [0, 1), got {p!r}")
    return float(p)


def check_positive_int(what: str, value) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{what} must be an integer >= 1, got {value!r}")
    return int(value)
