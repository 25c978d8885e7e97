# SPDX-License-Identifier: Apache-2.0
"""Statistics of repeated runs: median, a bootstrap interval of the median, the spread."""
import random
import statistics


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def median_ci(xs, level=0.95, resamples=4000):
    """Bootstrap confidence interval of the median (fixed seed: the same runs give the same
    interval). On this shared machine a single pair varies by +-15%; the interval says how
    far the median of N pairs itself can be trusted."""
    if len(xs) < 3:
        return float("nan"), float("nan")
    rng = random.Random(1)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(resamples))
    lo = meds[int((1 - level) / 2 * resamples)]
    hi = meds[min(resamples - 1, int((1 + level) / 2 * resamples))]
    return lo, hi


def spread(xs, fmt="{:.1f}"):
    if not xs:
        return "-"
    return (fmt + "–" + fmt).format(min(xs), max(xs))
