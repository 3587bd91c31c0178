"""Statistical process control for monthly counts of reports: the run chart's median, the
control chart's limits and the signal rules. Pure arithmetic on lists of counts; no Django.

The chart is a **c′ chart**: a c-chart (Poisson counts of events per month with no known
denominator) whose sigma is widened by Laney's overdispersion factor. With the same area of
opportunity every month (the denominator, e.g. the number of people served, is not recorded)
Laney's u′ chart reduces to this: z-scores ``(c_i - c̄)/√c̄``, their spread ``σ_z`` from the
mean moving range (``MR̄/1.128``), limits ``c̄ ± 3·σ_z·√c̄``. ``σ_z`` is never taken below 1:
a count varies at least as much as Poisson does, and a short series' moving range can
underestimate it (docs/signals.md says why this chart and how often it alarms on noise).

The rules, each returning ``Signal(rule, first, last, direction)`` with indexes into the series:

* ``run``: ``RUN_LENGTH`` (8) or more points in a row on the same side of the median; points
  on the median are skipped (they neither count nor break the run);
* ``trend``: ``TREND_LENGTH`` (6) or more points in a row each higher (or each lower) than the
  one before; a point equal to the one before is skipped;
* ``beyond``: a point above the upper limit or below the lower one (when that is above 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

RUN_LENGTH = 8
TREND_LENGTH = 6
SIGMAS = 3.0
D2 = 1.128  # the bias of the moving range of two points (d2 for n = 2)

RUN, TREND, BEYOND, CLUSTER = "run", "trend", "beyond", "cluster"
UP, DOWN = "up", "down"


@dataclass(frozen=True)
class Signal:
    rule: str
    first: int  # index of the first point of the signal
    last: int  # index of the last point
    direction: str  # UP or DOWN


@dataclass
class Chart:
    counts: list[float]
    median: float
    mean: float
    sigma_z: float
    lower: float
    upper: float
    signals: list[Signal] = field(default_factory=list)


def median(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def limits(counts: list[float], sigmas: float = SIGMAS) -> tuple[float, float, float, float]:
    """(mean, σ_z, lower, upper) of the c′ chart of ``counts``, limits ``sigmas`` wide."""
    n = len(counts)
    if not n:
        return 0.0, 1.0, 0.0, 0.0
    mean = sum(counts) / n
    if mean <= 0:
        return 0.0, 1.0, 0.0, 0.0
    root = math.sqrt(mean)
    sigma_z = 1.0
    if n > 1:
        moving = sum(abs(counts[i] - counts[i - 1]) for i in range(1, n)) / (n - 1)
        sigma_z = max(1.0, moving / root / D2)
    spread = sigmas * sigma_z * root
    return mean, sigma_z, max(0.0, mean - spread), mean + spread


def runs(counts: list[float], centre: float, length: int = RUN_LENGTH) -> list[Signal]:
    """Maximal runs of ``length`` or more points on one side of ``centre``."""
    found = []
    side, first, last, size = 0, -1, -1, 0
    for i, value in enumerate(counts):
        here = (value > centre) - (value < centre)
        if here == 0:
            continue  # on the median: neither counts nor breaks
        if here == side:
            last, size = i, size + 1
            continue
        if size >= length:
            found.append(Signal(RUN, first, last, UP if side > 0 else DOWN))
        side, first, last, size = here, i, i, 1
    if size >= length:
        found.append(Signal(RUN, first, last, UP if side > 0 else DOWN))
    return found


def trends(counts: list[float], length: int = TREND_LENGTH) -> list[Signal]:
    """Maximal sequences of ``length`` or more points each higher (or each lower) than the last."""
    found = []
    points = [(i, v) for i, v in enumerate(counts) if i == 0 or v != counts[i - 1]]
    direction, first, last, size = 0, -1, -1, 0
    for k in range(1, len(points)):
        (i0, v0), (i1, v1) = points[k - 1], points[k]
        step = 1 if v1 > v0 else -1
        if step == direction:
            last, size = i1, size + 1
            continue
        if size >= length:
            found.append(Signal(TREND, first, last, UP if direction > 0 else DOWN))
        direction, first, last, size = step, i0, i1, 2
    if size >= length:
        found.append(Signal(TREND, first, last, UP if direction > 0 else DOWN))
    return found


def beyond(counts: list[float], lower: float, upper: float) -> list[Signal]:
    found = []
    for i, value in enumerate(counts):
        if value > upper:
            found.append(Signal(BEYOND, i, i, UP))
        elif lower > 0 and value < lower:
            found.append(Signal(BEYOND, i, i, DOWN))
    return found


def chart(
    counts: list[float],
    *,
    run_length: int = RUN_LENGTH,
    trend_length: int = TREND_LENGTH,
    sigmas: float = SIGMAS,
) -> Chart:
    """The run chart's median, the c′ limits and every signal of one series."""
    centre = median(counts)
    mean, sigma_z, lower, upper = limits(counts, sigmas)
    signals = [
        *runs(counts, centre, run_length),
        *trends(counts, trend_length),
        *beyond(counts, lower, upper),
    ]
    return Chart(list(counts), centre, mean, sigma_z, lower, upper, signals)


def clusters(counts_by_type: dict[str, list[float]], window: int, min_types: int) -> list[Signal]:
    """Windows of ``window`` consecutive points in which at least ``min_types`` of the series
    (the types of report about one unit) have a count: reports about one unit across types.
    Overlapping windows make one signal."""
    if not counts_by_type:
        return []
    length = max(len(v) for v in counts_by_type.values())
    found: list[Signal] = []
    for end in range(window - 1, length):
        start = end - window + 1
        types = sum(1 for values in counts_by_type.values() if any(values[start : end + 1]))
        if types < min_types:
            continue
        if found and found[-1].last >= start - 1:
            found[-1] = Signal(CLUSTER, found[-1].first, end, UP)
        else:
            found.append(Signal(CLUSTER, start, end, UP))
    return found
