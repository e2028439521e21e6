"""Our five models against the authors' own classes (PyPI easy-lightning==1.0.4, see rebuild/authors.py).

Same sizes and the paper's default hyperparameters (e = 64, 16+16 Caser filters, CosRec blocks
[128, 256], fc 128, SASRec 1 block / 1 head) at a small U, N and L; the authors' weights are copied
into ours 1:1 (`load_authors_state_dict`). Scores must agree to 1e-5 in eval mode; in training mode
(dropout 0, so BatchNorm uses batch statistics) scores and every parameter gradient must agree too.
"""
import pytest
import torch

from rebuild import authors as oracle
from seqrec import models
from seqrec.registry import MODELS as PAPER_MODELS      # the authors have no class of ours beyond these

U, N, L, B, K = 7, 30, 12, 4, 5
# their SASRec builds torch's encoder with the default enable_nested_tensor=True (a warning only)
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor")


@pytest.fixture(scope="module", autouse=True)
def authors_code():
    reason = oracle.skip_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    """CPU always; CUDA too where there is a GPU, with TF32 off (full fp32, as the tolerance needs)."""
    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    yield torch.device(request.param)
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def inputs(name, seed=0, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    users = torch.randint(1, U + 1, (B,), generator=g)
    items = torch.randint(1, N + 1, (B, L), generator=g)
    items[0, :L - 3] = 0                                       # left-padded short histories
    items[1, :L // 2] = 0
    T = L if models.CLASSES[name].scores_every_position else 1
    candidates = torch.randint(1, N + 1, (B, T, K), generator=g)
    return users.to(device), items.to(device), candidates.to(device)


def pair(name, device="cpu", dropout=None, **ours_changes):
    """(theirs, ours) with the same sizes and weights."""
    torch.manual_seed(0)
    changes = {}
    if dropout is not None:
        changes = {"drop_rate" if name.startswith("caser") else "dropout_rate": dropout}
        ours_changes["dropout"] = dropout
    theirs = oracle.authors_model(name, U, N, L, **changes)
    ours = models.create(name, U, N, L, **ours_changes)
    models.load_authors_state_dict(ours, theirs.state_dict())
    return theirs.to(device), ours.to(device)


VARIANTS = [("sasrec", {}), ("caser", {"horizontal": "loop"}), ("caser", {"horizontal": "dense"}),
            ("caser", {"horizontal": "fft"}), ("caser+", {"horizontal": "loop"}),
            ("caser+", {"horizontal": "dense"}), ("caser+", {"horizontal": "fft"}),
            ("cosrec", {}), ("cosrec+", {}), ("cosrec+", {"pairs": "materialised"}),
            ("cosrec+", {"channels_last": False})]


@pytest.mark.parametrize("name,variant", VARIANTS)
def test_same_scores_as_the_authors_in_eval_mode(name, variant, device):
    theirs, ours = pair(name, device, **variant)
    theirs.eval(), ours.eval()
    for seed in range(3):
        users, items, cands = inputs(name, seed, device)
        with torch.no_grad():
            want = oracle.authors_scores(theirs, name, users, items, cands)
            torch.testing.assert_close(ours(users, items, cands), want, atol=1e-5, rtol=0)
            if ours.scores_every_position:                     # fewer positions: the last ones
                torch.testing.assert_close(ours(users, items, cands[:, -3:]),
                                           oracle.authors_scores(theirs, name, users, items,
                                                                 cands[:, -3:]), atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", PAPER_MODELS)
def test_same_scores_and_gradients_as_the_authors_in_training_mode(name, device):
    theirs, ours = pair(name, device, dropout=0.0)
    theirs.train(), ours.train()
    users, items, cands = inputs(name, 5, device)
    weights = torch.linspace(-1, 1, cands.numel(), device=device).view(cands.shape)
    want = oracle.authors_scores(theirs, name, users, items, cands)
    got = ours(users, items, cands)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)
    (want * weights).sum().backward()
    (got * weights).sum().backward()
    their_grads = {k: p.grad for k, p in theirs.named_parameters()}
    their_grads = getattr(ours, "state_dict_from_authors", lambda d: d)(their_grads)
    for key, p in ours.named_parameters():
        torch.testing.assert_close(p.grad, their_grads[key], atol=1e-5, rtol=1e-4, msg=key)
    if name.startswith("cosrec"):                              # BN running statistics moved alike
        for key, buf in ours.named_buffers():
            if "running" in key:
                torch.testing.assert_close(buf, theirs.state_dict()[key], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("name", PAPER_MODELS)
def test_same_parameter_count_as_the_authors(name):
    theirs, ours = pair(name)
    assert models.count_parameters(ours) == sum(p.numel() for p in theirs.parameters())


def test_authors_special_pooling_equals_prefix_sum_pooling():
    module = oracle.authors_module("CosRec")
    grid = torch.randn(2, 5, 9, 9)
    want = module.SpecialPooling()(grid)                       # [B, L, C] via an L x L x L mask
    torch.testing.assert_close(models.cumulative_topleft_mean(grid, 9), want, atol=1e-6, rtol=1e-6)
