"""One training loop for every model (reference notes, section 2).

Per epoch (the toolkit's regime, `windows: random`): users are shuffled and each gets ONE random
window of length L (`sampling.training_windows`); a model that `scores_every_position` is trained
on every position of the window (`targets: every`; `targets: last` keeps the last one only), the
others (Caser, CosRec) on the last one only; each target gets one negative drawn uniformly from
the items outside the user's training sequence; the loss is binary cross-entropy with logits,
averaged over all non-padding (positive and negative) entries; Adam at lr 1e-3. The original Caser
and CosRec train on every sliding window of L + T items instead (`windows: sliding`,
`sampling.sliding_windows`), T targets and n negatives per window scored from its last position,
the loss a sum of two means (`bce_reduction: means`); each of these fields is 'auto' by default:
the model's own regime (`training_regime` of its class), the toolkit's for the paper's five.
Everything stays on the training device. Every `eval_every` epochs the model ranks the
validation and test targets under each protocol; the model is SELECTED on validation only (under `SELECTION_PROTOCOL`), and the
record keeps the test metrics both at the best-validation epoch and at the last epoch (the authors'
shipped loop tests the last-epoch weights). Checkpoints every `checkpoint_every` epochs make a
killed run resumable to the same result.

Speed: an epoch draws all its windows and negatives at once on the device, and the step itself
(`seqrec.steps`) never reads a value back, so the host only waits once per epoch; Adam is the
fused kernel; training runs under bf16 autocast on CUDA and on CPUs with native bf16 units (AMX or
AVX512-BF16: `cpu_has_native_bf16`), while evaluation always scores in fp32; on CUDA, TF32 and
cuDNN autotuning are on, and `cuda_graphs` / `compile` switch on graph replay or `torch.compile`
(execution switches, not part of the config hash; the training precision is part of it).

One module per job, every public name re-exported here: `config` (`TrainConfig`, validated where
it is made, and its identity), `checkpoints` (what a checkpoint holds, saved and loaded), `budget`
(the pace of a run against its deadline: `BudgetExhausted`) and `loop` (`train_epoch`, `fit`, `run`).
"""
from __future__ import annotations

from .budget import (UNFINISHABLE_MARGIN, BudgetExhausted, evaluations_after,
                     projected_seconds_left)
from .checkpoints import CHECKPOINT_NAME
from .config import (COMPILE_MODES, CPU_EVAL_BATCH, EXECUTION_ONLY, GPU_EVAL_BATCH, LABEL_FIELDS,
                     LOSSES, REGIME_FIELDS, TrainConfig, cpu_has_native_bf16)
from .loop import (epoch_windows, fit, make_optimizer, make_step, run, train_epoch,
                   use_fast_kernels)

__all__ = ["TrainConfig", "fit", "run", "train_epoch", "epoch_windows", "make_step", "make_optimizer",
           "use_fast_kernels", "cpu_has_native_bf16", "BudgetExhausted", "projected_seconds_left",
           "evaluations_after", "CHECKPOINT_NAME", "EXECUTION_ONLY", "LABEL_FIELDS", "LOSSES",
           "COMPILE_MODES", "GPU_EVAL_BATCH", "CPU_EVAL_BATCH", "UNFINISHABLE_MARGIN",
           "REGIME_FIELDS"]
