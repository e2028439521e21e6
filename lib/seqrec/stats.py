"""Paired significance tests on per-user metric values (the paper's dagger and star marks).

The paper says only "Wilcoxon test, p < 0.05"; the authors' code has no test (reference notes,
section 4). We use the paired Wilcoxon signed-rank test over users on each metric's per-user values,
two-sided, zero differences dropped (`zero_method="wilcox"`), at alpha = 0.05.

A mark means "significantly BETTER than": the paper's marks only ever sit on improvements (Caser+
has no * although it is far from SASRec on ML-1M). `compare` gives the direction as well, from the
mean of the paired differences, so that a significantly worse model is never marked as better.
"""
from __future__ import annotations

import numpy as np
from scipy import stats as _st

ALPHA = 0.05


def wilcoxon(a, b) -> float:
    """Two-sided p-value of the paired signed-rank test between per-user values a and b.

    Returns 1.0 when every pair is equal (no evidence of a difference)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired test needs equal shapes, got {a.shape} and {b.shape}")
    if not np.any(a != b):
        return 1.0
    return float(_st.wilcoxon(a, b, zero_method="wilcox", alternative="two-sided").pvalue)


def significant(a, b, alpha: float = ALPHA) -> bool:
    """Two-sided: a and b differ significantly (in either direction)."""
    return wilcoxon(a, b) < alpha


BETTER, WORSE, NO_DIFFERENCE = "better", "worse", None


def compare(a, b, alpha: float = ALPHA) -> str | None:
    """'better' if per-user values a are significantly above b (two-sided test p < alpha and a
    positive mean paired difference), 'worse' if significantly below, None otherwise."""
    if not significant(a, b, alpha):
        return NO_DIFFERENCE
    diff = float(np.mean(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)))
    return BETTER if diff > 0 else WORSE if diff < 0 else NO_DIFFERENCE
