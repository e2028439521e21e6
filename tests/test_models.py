"""The five models: the `create` contract, causality, and the fast paths against naive loops.

Fidelity against the authors' own classes is in test_models_fidelity.py.
"""
import pytest
import torch
import torch.nn.functional as F

from seqrec import models
from seqrec.errors import ConfigError, SeqrecError
from seqrec.models.base import Dropout
from seqrec.models import (HorizontalBank, count_parameters, cumulative_topleft_mean,
                           pair_grid_factorised, pair_grid_materialised)

U, N = 9, 40
SMALL = {  # small sizes where the sizes do not matter (speed), one per model
    "sasrec": dict(emb_size=16, num_heads=2),
    "caser": dict(emb_size=8, num_ver_filters=3, num_hor_filters=4),
    "caser+": dict(emb_size=8, num_ver_filters=3, num_hor_filters=4),
    "cosrec": dict(emb_size=8, block_dims=(6, 10), fc_dim=7),
    "cosrec+": dict(emb_size=8, block_dims=(6, 10), fc_dim=7),
    "sasrec-original": dict(emb_size=16, num_heads=2),
    "caser-original": dict(emb_size=8, num_ver_filters=3, num_hor_filters=4),
    "cosrec-original": dict(emb_size=8, block_dims=(6, 10), fc_dim=7),
}
EVERY_POSITION = ("sasrec", "caser+", "cosrec+", "sasrec-original")


def small(name, lookback=9, **changes):
    torch.manual_seed(0)
    return models.create(name, U, N, lookback, **dict(SMALL[name], **changes))


def batch(B=5, L=9, T=1, K=4, seed=1):
    g = torch.Generator().manual_seed(seed)
    users = torch.randint(1, U + 1, (B,), generator=g)
    items = torch.randint(1, N + 1, (B, L), generator=g)
    items[0, :L - 2] = 0                                   # a short, left-padded history
    items[1, :L // 2] = 0
    candidates = torch.randint(1, N + 1, (B, T, K), generator=g)
    return users, items, candidates


# ------------------------------------------------------------------------------------ create
def test_names_and_registry():
    assert models.NAMES == ("sasrec", "caser", "caser+", "cosrec", "cosrec+", "sasrec-original",
                            "caser-original", "cosrec-original")
    assert [n for n in models.NAMES if models.CLASSES[n].in_paper] == list(models.NAMES[:5])
    for name in models.NAMES:
        model = small(name)
        assert model.name == name
        assert model.scores_every_position == (name in EVERY_POSITION)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ConfigError) as err:
        models.create("gru4rec", U, N, 9)
    for name in models.NAMES:
        assert name in str(err.value)


def test_unknown_override_lists_valid_parameters():
    with pytest.raises(ConfigError) as err:
        models.create("caser+", U, N, 9, drop_rate=0.3)        # the authors' name, not ours
    assert "dropout" in str(err.value) and "num_hor_filters" in str(err.value)
    with pytest.raises(ConfigError):
        models.create("sasrec", U, N, 9, block_dims=[4])


@pytest.mark.parametrize("bad", [dict(norm="layer"), dict(pairs="dense"), dict(act_fc="tanhh"),
                                 dict(padding_embedding="none"), dict(dropout=1.0)])
def test_bad_variant_values_raise_config_error(bad):
    with pytest.raises(ConfigError):
        models.create("cosrec+", U, N, 9, **bad)


def test_bad_sizes_raise_config_error():
    with pytest.raises(ConfigError):
        models.create("sasrec", 0, N, 9)
    with pytest.raises(ConfigError):
        models.create("caser", U, N, 9, horizontal="winograd")
    with pytest.raises(ConfigError):
        models.create("sasrec", U, N, 9, emb_size=10, num_heads=3)


def test_defaults_are_the_papers_hyperparameters():
    assert models.defaults("caser+") == dict(emb_size=64, num_ver_filters=16, num_hor_filters=16,
                                             dropout=0.5, act_conv="Tanh", act_fc="Tanh",
                                             padding_embedding="learned", horizontal="auto",
                                             init="torch", l2=0.0)
    cos = models.defaults("cosrec+")
    assert (cos["emb_size"], tuple(cos["block_dims"]), cos["fc_dim"], cos["dropout"],
            cos["norm"]) == (64, (128, 256), 128, 0.5, "batch")
    sas = models.defaults("sasrec")
    assert (sas["emb_size"], sas["num_blocks"], sas["num_heads"], sas["dropout"]) == (64, 1, 1, 0.2)


@pytest.mark.parametrize("name", models.NAMES)
def test_output_shapes(name):
    model = small(name).eval()
    T = 9 if name in EVERY_POSITION else 1
    users, items, cands = batch(T=T, K=3)
    assert model(users, items, cands).shape == (5, T, 3)
    assert model.score_all(users, items).shape == (5, N + 1)
    if name in EVERY_POSITION:                                  # any 1 <= T <= L
        assert model(users, items, cands[:, -4:]).shape == (5, 4, 3)


@pytest.mark.parametrize("name", models.NAMES)
def test_score_all_equals_forward_on_every_candidate(name):
    model = small(name).eval()
    users, items, _ = batch()
    every = torch.arange(N + 1).expand(5, 1, N + 1)            # [B, 1, N+1] all ids
    with torch.no_grad():
        torch.testing.assert_close(model.score_all(users, items), model(users, items, every)[:, 0],
                                   atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", models.NAMES)
def test_shape_errors_say_what_to_pass(name):
    model = small(name)
    users, items, cands = batch()
    with pytest.raises(SeqrecError):
        model(users, items[:, None], cands)                    # items must be [B, L]
    with pytest.raises(SeqrecError):
        model(users[:2], items, cands)                         # B mismatch
    with pytest.raises(SeqrecError):
        model(users, items, cands[..., 0])                     # candidates must be [B, T, K]
    with pytest.raises(SeqrecError):
        model(users, torch.zeros(5, 12, dtype=torch.long), cands)   # longer than lookback
    if name in EVERY_POSITION:
        with pytest.raises(SeqrecError):
            model(users, items, torch.ones(5, 10, 2, dtype=torch.long))   # T > L
    else:
        with pytest.raises(SeqrecError, match="last position"):
            model(users, items, torch.ones(5, 2, 2, dtype=torch.long))


def test_caser_needs_exactly_lookback_columns():
    with pytest.raises(ConfigError, match="exactly lookback"):
        small("caser+")(*batch(L=7))


def test_windows_shorter_than_lookback_for_sasrec_and_cosrec():
    for name in ("sasrec", "cosrec+", "cosrec", "sasrec-original"):
        model = small(name).eval()
        users, items, cands = batch(L=6)
        assert model(users, items, cands).shape == (5, 1, 4)
    with pytest.raises(ConfigError, match="at least 5"):
        small("cosrec")(*batch(L=4))


# ------------------------------------------------------------------------------------ causality
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", EVERY_POSITION)
def test_scores_before_a_changed_item_do_not_change(name, device):
    """Eval mode: changing the item at position s leaves every score at t < s unchanged."""
    L = 9
    model = small(name, lookback=L).eval().to(device)
    users, items, cands = (t.to(device) for t in batch(B=6, L=L, T=L, K=3, seed=3))
    g = torch.Generator().manual_seed(4)
    with torch.no_grad():
        before = model(users, items, cands)
        for s in (1, 4, 7, 8):
            changed = items.clone()
            changed[:, s] = torch.randint(1, N + 1, (6,), generator=g).to(device)
            after = model(users, changed, cands)
            torch.testing.assert_close(after[:, :s], before[:, :s], atol=1e-6, rtol=0)
            assert not torch.allclose(after[:, s:], before[:, s:])     # and later ones do change


def test_cosrec_plus_batchnorm_in_training_is_non_causal_and_cell_norm_is_causal():
    """The authors' quirk: BN batch statistics pool all L x L cells, so in training mode a later
    item moves earlier scores. `norm="cell"` normalises each cell on its own and is causal."""
    users, items, cands = batch(B=6, L=9, T=9, K=2, seed=5)
    changed = items.clone()
    changed[:, 7] = (changed[:, 7] % N) + 1
    for norm, causal in (("batch", False), ("cell", True)):
        model = small("cosrec+", dropout=0.0, norm=norm).train()
        with torch.no_grad():
            diff = (model(users, changed, cands) - model(users, items, cands))[:, :7].abs().max()
        assert (diff < 1e-6) == causal, (norm, float(diff))


# ------------------------------------------------------------------------------------ Caser+
def naive_horizontal(emb, bank):
    """Python loops over h, c, t of the definition y[h, c, t] = b + sum_s W_h[c, s]·E[t-h+1+s]."""
    B, L, e = emb.shape
    out = torch.zeros(B, L, bank.num_filters, L)               # [B, h, c, t]
    for h in range(1, L + 1):
        w = bank.height_weight(h)                              # [nh, h, e]
        for c in range(bank.num_filters):
            for t in range(L):
                acc = bank.bias[h - 1, c].expand(B).clone()
                for s in range(h):
                    if t - h + 1 + s >= 0:
                        acc += emb[:, t - h + 1 + s] @ w[c, s]
                out[:, h - 1, c, t] = acc
    return out


@pytest.mark.parametrize("order", ["filter_major", "height_major"])
def test_horizontal_bank_equals_its_definition_in_every_method(order):
    torch.manual_seed(0)
    bank = HorizontalBank(lookback=5, emb_size=3, num_filters=2, channel_order=order)
    emb = torch.randn(2, 5, 3)
    ref = naive_horizontal(emb, bank)                          # [B, h, c, t]
    ref = (ref.transpose(1, 2) if order == "filter_major" else ref).reshape(2, 10, 5).transpose(1, 2)
    with torch.no_grad():
        for method in ("loop", "dense", "fft"):
            bank.method = method
            torch.testing.assert_close(bank(emb), ref, atol=1e-5, rtol=1e-5)


def test_horizontal_bank_methods_agree_at_larger_sizes_and_in_gradients():
    torch.manual_seed(0)
    bank = HorizontalBank(lookback=24, emb_size=16, num_filters=4)
    emb = torch.randn(6, 24, 16, requires_grad=True)
    outs, grads = {}, {}
    for method in ("loop", "dense", "fft"):
        bank.method = method
        y = bank(emb)                                           # [B, L, O]
        (y.tanh() * torch.linspace(-1, 1, y.numel()).view_as(y)).sum().backward()
        outs[method] = y.detach()
        grads[method] = [emb.grad.clone(), bank.weight.grad.clone(), bank.bias.grad.clone()]
        emb.grad = bank.weight.grad = bank.bias.grad = None
    for method in ("dense", "fft"):
        torch.testing.assert_close(outs[method], outs["loop"], atol=2e-5, rtol=1e-5)
        for got, want in zip(grads[method], grads["loop"]):
            torch.testing.assert_close(got, want, atol=2e-5, rtol=1e-4)


def test_horizontal_bank_picks_its_evaluation_method_by_window_alone():
    """'auto' in training follows batch·L (a partial last batch may take the other method); in
    evaluation only L decides, so a user's scores never depend on who shares the batch."""
    for lookback, method in ((20, "fft"), (8, "dense")):
        bank = HorizontalBank(lookback=lookback, emb_size=4, num_filters=2).eval()
        assert {bank.choose_method(b) for b in (1, 59, 128, 4096)} == {method}
    bank = HorizontalBank(lookback=20, emb_size=4, num_filters=2)
    assert bank.choose_method(1) == "dense" and bank.choose_method(128) == "fft"   # training


def test_horizontal_bank_fft_is_causal_up_to_rounding():
    torch.manual_seed(0)
    bank = HorizontalBank(lookback=32, emb_size=8, num_filters=3, method="fft")
    emb = torch.randn(4, 32, 8)
    changed = emb.clone()
    changed[:, 20] += 5.0
    with torch.no_grad():
        diff = (bank(changed) - bank(emb)).abs()
    assert diff[:, :20].max() < 1e-5 and diff[:, 20:].max() > 1e-2


def test_caser_plus_cumulative_max_equals_naive_loop():
    model = small("caser+").eval()
    emb = model.item_embeddings(batch()[1])
    with torch.no_grad():
        a = torch.tanh(model.horizontal(emb))                   # [B, L, O]
        got = model.horizontal_features(emb, 9)                 # [B, T, O]
    want = torch.stack([a[:, :t + 1].max(dim=1).values for t in range(9)], 1)
    torch.testing.assert_close(got, want, atol=0, rtol=0)


def test_caser_horizontal_pooling_uses_only_unpadded_positions():
    """Baseline Caser: max over t >= h-1, i.e. the plain (unpadded) Conv2d of each height."""
    model = small("caser").eval()
    emb = model.item_embeddings(batch()[1])
    with torch.no_grad():
        got = model.horizontal_features(emb, 1)[:, 0]           # [B, L·nh] (h-1)·nh + c
        want = []
        for h in range(1, 10):
            conv = F.conv2d(emb[:, None], model.horizontal.height_weight(h)[:, None],
                            model.horizontal.bias[h - 1])       # [B, nh, L-h+1, 1]
            want.append(torch.tanh(conv).amax(dim=(2, 3)))
    torch.testing.assert_close(got, torch.cat(want, 1), atol=1e-5, rtol=1e-5)


def test_caser_plus_vertical_equals_zero_padded_conv():
    model = small("caser+").eval()
    emb = model.item_embeddings(batch()[1])                     # [B, L, e]
    with torch.no_grad():
        conv = model.conv_v(F.pad(emb[:, None], (0, 0, 8, 0)))  # [B, nv, L, e] authors' padding
        want = conv.permute(0, 2, 1, 3).reshape(5, 9, -1)
        torch.testing.assert_close(model.vertical_features(emb, 9), want, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(model.vertical_features(emb, 3), want[:, -3:], atol=1e-5, rtol=1e-5)


# ------------------------------------------------------------------------------------ CosRec+
def test_topleft_average_pooling_equals_naive_loop():
    torch.manual_seed(0)
    grid = torch.randn(3, 4, 7, 7)
    want = torch.stack([grid[..., :t + 1, :t + 1].mean(dim=(2, 3)) for t in range(7)], 1)
    torch.testing.assert_close(cumulative_topleft_mean(grid, 7), want, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(cumulative_topleft_mean(grid, 2), want[:, -2:], atol=1e-6, rtol=1e-6)


def test_factorised_first_layer_equals_concatenated_pairs():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(2 * 5, 6, 1)
    emb = torch.randn(3, 7, 5)
    naive = torch.empty(3, 6, 7, 7)                             # cell (j, k) = conv([E_k; E_j])
    for j in range(7):
        for k in range(7):
            naive[:, :, j, k] = conv(torch.cat([emb[:, k], emb[:, j]], 1)[:, :, None, None])[..., 0, 0]
    with torch.no_grad():
        torch.testing.assert_close(pair_grid_materialised(emb, conv), naive, atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(pair_grid_factorised(emb, conv), naive, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", ["cosrec", "cosrec+"])
def test_cosrec_factorised_model_equals_materialised_model(name):
    users, items, _ = batch(B=4, L=9, seed=7)
    T = 9 if name == "cosrec+" else 1
    cands = batch(B=4, L=9, T=T, K=3, seed=7)[2]
    outs = {}
    for pairs in ("factorised", "materialised"):
        for channels_last in (True, False):
            model = small(name, pairs=pairs, channels_last=channels_last, dropout=0.0).train()
            outs[pairs, channels_last] = model(users, items, cands)      # BN batch statistics too
    ref = outs["materialised", False]
    for out in outs.values():
        torch.testing.assert_close(out, ref, atol=1e-5, rtol=1e-5)


# ------------------------------------------------------------------------------------ variants
@pytest.mark.parametrize("name", ["caser", "caser+", "cosrec", "cosrec+"])
def test_padding_embedding_variants(name):
    learned = small(name)
    zero = small(name, padding_embedding="zero")
    table = "item_embeddings" if name.startswith("caser") else "in_item_embeddings"
    assert getattr(learned, table).weight[0].abs().sum() > 0    # authors: id 0 is learnable
    assert getattr(zero, table).weight[0].abs().sum() == 0
    users, items, cands = batch(T=1)
    zero(users, items, cands).sum().backward()
    assert getattr(zero, table).weight.grad[0].abs().sum() == 0
    assert count_parameters(learned) == count_parameters(zero)


def test_sasrec_output_is_tied_and_padding_is_zero():
    model = small("sasrec")
    weight, bias = model.output_table()
    assert weight is model.item_emb.weight and bias is None
    assert model.item_emb.weight[0].abs().sum() == 0


def test_user_embedding_is_used_except_by_sasrec():
    for name in models.NAMES:
        model = small(name).eval()
        users, items, cands = batch()
        with torch.no_grad():
            moved = model(users % U + 1, items, cands) - model(users, items, cands)
        assert (moved.abs().max() > 1e-4) == (not name.startswith("sasrec")), name


# ------------------------------------------------------------------------------------ sizes
def original_sasrec_parameters(N, L, e=50, blocks=2):
    """The reference code's count: item table (N+1) e, positions L e, per block two LayerNorms
    (4e), W_Q, W_K, W_V with biases (3(e^2 + e)) and the point-wise FFN (2(e^2 + e)), and the
    last LayerNorm (2e)."""
    return (N + 1) * e + L * e + blocks * (4 * e + 5 * (e * e + e)) + 2 * e


def original_caser_parameters(U, N, L, e=50, nv=4, nh=16):
    """caser_pytorch's count (one padding row more in the user table: our ids start at 1): user
    and item tables, the vertical conv (nv L + nv), the horizontal convs of heights 1..L
    (nh h e + nh each), fc1 ((nv e + nh L) e + e), W2 (2e per item) and b2."""
    horizontal = sum(nh * h * e + nh for h in range(1, L + 1))
    return ((U + 1) * e + (N + 1) * e + nv * L + nv + horizontal + (nv * e + nh * L) * e + e
            + (N + 1) * (2 * e + 1))


def original_cosrec_parameters(U, N, e=50, fc=150, widths=(128, 256)):
    """zzxslp/CosRec's count: user and item tables, per block a 1x1 and a 3x3 conv with biases
    and two BatchNorms (2 C each), fc1, and the output rows and biases (fc + e + 1 per item)."""
    blocks, c_in = 0, 2 * e
    for c in widths:
        blocks += c_in * c + c + 9 * c * c + c + 4 * c
        c_in = c
    return (U + 1) * e + (N + 1) * e + blocks + widths[-1] * fc + fc + (N + 1) * (fc + e + 1)


REFERENCE_PARAMETERS = {"caser": 6_388_521, "caser+": 6_388_521, "cosrec": 2_086_425,
                        "cosrec+": 2_086_425, "sasrec": 275_200,
                        "sasrec-original": original_sasrec_parameters(3416, 100),
                        "caser-original": original_caser_parameters(6040, 3416, 100),
                        "cosrec-original": original_cosrec_parameters(6040, 3416)}


@pytest.mark.parametrize("name", models.NAMES)
def test_parameter_counts_at_ml1m_sizes(name):
    """U = 6040, N = 3416, L = 100 with the paper's hyperparameters (reference counts)."""
    model = models.create(name, 6040, 3416, 100)
    assert count_parameters(model) == REFERENCE_PARAMETERS[name]


def test_wrong_authors_weights_raise_config_error():
    model = small("cosrec+")
    with pytest.raises(ConfigError, match="same sizes"):
        models.load_authors_state_dict(model, small("cosrec+", fc_dim=5).state_dict())


# ------------------------------------------------------------------------------------ dropout
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_cpu_dropout_drops_a_share_p_and_scales_the_rest_like_torch(dtype):
    """The CNN models' CPU dropout (uniform draw + compare) has torch's distribution and scaling:
    about p of the entries dropped, the kept ones multiplied by 1/(1-p) in x's dtype, the same mask
    in the backward, the identity in eval mode."""
    torch.manual_seed(0)
    x = (torch.rand(400, 500) + 0.5).to(dtype).requires_grad_()   # no zeros of its own
    drop = Dropout(0.3).train()
    y = drop(x)
    kept = y != 0
    assert y.dtype == dtype
    assert abs(1 - kept.float().mean().item() - 0.3) < 0.005       # 200,000 draws: sd 0.001
    scale = torch.tensor(1 / 0.7, dtype=dtype)
    assert torch.equal(y[kept], x.detach()[kept] * scale)
    y.sum().backward()
    assert torch.equal(x.grad, kept.to(dtype) * scale)
    assert torch.equal(drop.eval()(x), x)
    assert torch.equal(Dropout(0.0).train()(x), x)


@pytest.mark.parametrize("name", ["caser", "caser+", "cosrec", "cosrec+"])
def test_the_cnn_models_drop_features_with_the_cpu_dropout(name):
    assert isinstance(small(name).dropout, Dropout)


# ------------------------------------------------------------------------------------ SASRec, original
def test_the_original_sasrec_is_the_toolkit_class_with_every_switch_flipped():
    toolkit, original = models.defaults("sasrec"), models.defaults("sasrec-original")
    assert set(toolkit) == set(original)
    flipped = {k for k in toolkit if toolkit[k] != original[k]}
    assert flipped == {"emb_size", "num_blocks", "input_scale", "padding_mask", "block", "init",
                       "adam_beta2"}
    assert isinstance(small("sasrec-original"), models.SASRec)


@pytest.mark.parametrize("bad, match", [(dict(block="post-ln"), "valid SASRec blocks: toolkit, reference"),
                                        (dict(init="kaiming"), "valid SASRec inits: torch, xavier"),
                                        (dict(adam_beta2=1.5), "adam_beta2"),
                                        (dict(padding_mask="yes"), "padding_mask must be true or false")])
def test_bad_sasrec_switches_say_what_is_valid(bad, match):
    with pytest.raises(ConfigError, match=match):
        small("sasrec-original", **bad)


@pytest.mark.parametrize("block", ["reference", "toolkit"])
def test_with_the_padding_mask_padded_positions_leave_no_trace(block):
    """The reference code zeroes pad rows and masks pad keys: the position embeddings of padded
    columns then cannot reach a real item's score; without the mask (the toolkit) they do."""
    users, items, cands = batch(B=6, L=9, T=9, K=3, seed=5)
    for mask in (True, False):
        model = small("sasrec-original", lookback=9, block=block, padding_mask=mask).eval()
        with torch.no_grad():
            before = model(users, items, cands)
            model.pos_emb.weight[:5] += torch.randn(5, 16)   # rows 0-4: padding in row 0
            after = model(users, items, cands)
        real = (items[0] != 0).nonzero().squeeze(1)          # row 0 is padded up to column 6
        same = torch.allclose(after[0, real], before[0, real], atol=1e-5)
        assert same == mask, (block, mask)


def test_padding_rows_of_the_original_are_finite_even_when_no_key_is_left():
    model = small("sasrec-original").eval()
    users, items, cands = batch()
    items[2] = 0
    items[2, -1] = 3                                         # only the last column is an item
    with torch.no_grad():
        assert torch.isfinite(model(users, items, cands)).all()


def test_the_original_trains_with_adam_beta2_0_98():
    from seqrec.training import TrainConfig, make_optimizer
    cfg = TrainConfig(model="sasrec-original")
    for name, beta2 in (("sasrec", 0.999), ("sasrec-original", 0.98)):
        opt = make_optimizer(small(name), cfg, torch.device("cpu"))
        assert opt.param_groups[0]["betas"] == (0.9, beta2)


def test_xavier_init_keeps_the_padding_row_zero_and_norms_at_one():
    model = small("sasrec-original")
    assert model.item_emb.weight[0].abs().sum() == 0
    assert model.item_emb.weight[1:].std() < 0.5            # Glorot, not N(0, 1)
    assert torch.equal(model.last_layernorm.weight, torch.ones_like(model.last_layernorm.weight))
