"""Toy 2-D classification datasets, in pure Python.

Each function returns `(X, y)`: X a list of n points [x1, x2] (floats), y a
list of n int labels, either class indices 0, 1, … (`labels="index"`) or, for
two classes, −1 and +1 (`labels="sign"`, what a hinge loss wants; class 0 is
−1). `noise` is the standard deviation of Gaussian jitter added to every
coordinate. The points are shuffled. Each call draws from its own
`random.Random(seed)`, so the same seed gives the same data and the global
`random` state is never touched (`seed=None` draws a fresh one).

`DATASETS` names them all, for the command line and the explorer, and
`make_dataset(name, ...)` makes one by name.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import NamedTuple

__all__ = [
    "DATASETS",
    "LABELS",
    "Dataset",
    "Labels",
    "Points",
    "dataset_classes",
    "make_blobs",
    "make_circles",
    "make_dataset",
    "make_moons",
    "spiral",
    "to_sign",
    "xor",
]

Points = list[list[float]]
Labels = list[int]

LABELS = ("index", "sign")


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = None, labels: str = "index"
) -> tuple[Points, Labels]:
    """Two interleaving half circles: class 0 on (cos t, sin t), class 1 on
    (1 − cos t, 1/2 − sin t), t in [0, π]; n // 2 points in class 0."""
    rng = _setup("make_moons", n, noise, seed, labels, classes=2)
    n_outer = n // 2
    points: list[tuple[list[float], int]] = []
    for t in _linspace(0.0, math.pi, n_outer):
        points.append(([math.cos(t), math.sin(t)], 0))
    for t in _linspace(0.0, math.pi, n - n_outer):
        points.append(([1.0 - math.cos(t), 0.5 - math.sin(t)], 1))
    return _finish(points, noise, rng, labels)


def make_circles(
    n: int = 100,
    noise: float = 0.05,
    seed: int | None = None,
    labels: str = "index",
    factor: float = 0.5,
) -> tuple[Points, Labels]:
    """Two concentric circles: class 0 of radius 1, class 1 of radius
    `factor` (between 0 and 1); n // 2 points on the outer one."""
    rng = _setup("make_circles", n, noise, seed, labels, classes=2)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"make_circles: factor must be between 0 and 1, got {factor}")
    n_outer = n // 2
    points: list[tuple[list[float], int]] = []
    for label, radius, count in ((0, 1.0, n_outer), (1, factor, n - n_outer)):
        for i in range(count):
            t = 2.0 * math.pi * i / count
            points.append(([radius * math.cos(t), radius * math.sin(t)], label))
    return _finish(points, noise, rng, labels)


def make_blobs(
    n: int = 100,
    noise: float = 1.0,
    seed: int | None = None,
    labels: str = "index",
    centers: int | Sequence[Sequence[float]] = 3,
) -> tuple[Points, Labels]:
    """Gaussian blobs, one per class around its center: `centers` points
    [x1, x2], or a number of centers drawn uniformly from [−10, 10]²; `noise`
    is each blob's standard deviation. The n points are shared out evenly."""
    name = "make_blobs"
    if isinstance(centers, bool) or not isinstance(centers, (int, Sequence)):
        raise TypeError(f"{name}: centers must be an int or a list of points, got {centers!r}")
    count = centers if isinstance(centers, int) else len(centers)
    rng = _setup(name, n, noise, seed, labels, classes=count)
    if isinstance(centers, int):
        middles = [[rng.uniform(-10.0, 10.0), rng.uniform(-10.0, 10.0)] for _ in range(count)]
    else:
        middles = [_point(c, f"{name}: center {i}") for i, c in enumerate(centers)]
    points = [(list(middles[k]), k) for k in _share(n, count)]
    return _finish(points, noise, rng, labels)


def xor(
    n: int = 100, noise: float = 0.1, seed: int | None = None, labels: str = "index"
) -> tuple[Points, Labels]:
    """Four clusters at the corners (±1, ±1): class 1 where the two signs
    differ (x1 XOR x2), class 0 where they agree; n shared out evenly."""
    rng = _setup("xor", n, noise, seed, labels, classes=2, groups=4)
    corners = [([1.0, 1.0], 0), ([-1.0, -1.0], 0), ([1.0, -1.0], 1), ([-1.0, 1.0], 1)]
    points = [(list(corners[k][0]), corners[k][1]) for k in _share(n, 4)]
    return _finish(points, noise, rng, labels)


def spiral(
    n: int = 100,
    noise: float = 0.02,
    seed: int | None = None,
    labels: str = "index",
    classes: int = 2,
) -> tuple[Points, Labels]:
    """Interleaved spiral arms, one per class: arm k at radius r in (0, 1]
    and angle 2π(r + k/classes), one full turn from the center outwards."""
    rng = _setup("spiral", n, noise, seed, labels, classes=classes)
    points: list[tuple[list[float], int]] = []
    counts = [0] * classes
    for k in _share(n, classes):
        counts[k] += 1
    for k, count in enumerate(counts):
        for i in range(count):
            r = (i + 1) / count
            t = 2.0 * math.pi * (r + k / classes)
            points.append(([r * math.cos(t), r * math.sin(t)], k))
    return _finish(points, noise, rng, labels)


# -- by name -----------------------------------------------------------------


class Dataset(NamedTuple):
    """A dataset of `DATASETS`: the function that makes it, the keyword that
    sets its number of classes (None: it always has two), and that number
    by default."""

    make: Callable[..., tuple[Points, Labels]]
    classes_keyword: str | None
    classes: int


DATASETS: dict[str, Dataset] = {
    "moons": Dataset(make_moons, None, 2),
    "circles": Dataset(make_circles, None, 2),
    "blobs": Dataset(make_blobs, "centers", 3),
    "xor": Dataset(xor, None, 2),
    "spiral": Dataset(spiral, "classes", 2),
}


def dataset_classes(name: str, classes: int | None = None) -> int:
    """How many classes the dataset `name` has when asked for `classes`: its
    default for None. ValueError for a number other than two of a dataset
    that always has two (its message names the dataset, for a caller to
    prefix with the option it came from)."""
    dataset = _by_name(name)
    if classes is None:
        return dataset.classes
    if dataset.classes_keyword is None and classes != 2:
        raise ValueError(f"the {name} dataset has two classes, got {classes}")
    return classes


def make_dataset(
    name: str,
    n: int = 100,
    *,
    classes: int | None = None,
    noise: float | None = None,
    seed: int | None = None,
    labels: str = "index",
) -> tuple[Points, Labels]:
    """The dataset `name` of `DATASETS`, with n points of `classes` classes
    (see `dataset_classes`); `noise` None keeps the dataset's own."""
    dataset = _by_name(name)
    options: dict[str, object] = {"n": n, "seed": seed, "labels": labels}
    if noise is not None:
        options["noise"] = noise
    count = dataset_classes(name, classes)
    if dataset.classes_keyword is not None:
        options[dataset.classes_keyword] = count
    return dataset.make(**options)


def _by_name(name: str) -> Dataset:
    if name not in DATASETS:
        raise ValueError(f"no dataset {name!r}; the datasets: {', '.join(DATASETS)}")
    return DATASETS[name]


# -- helpers -----------------------------------------------------------------


def _setup(
    name: str,
    n: int,
    noise: float,
    seed: int | None,
    labels: str,
    classes: int,
    groups: int | None = None,
) -> random.Random:
    """Check the common arguments; the dataset's own random generator.

    `groups` (default: `classes`) is how many parts the n points are shared
    among; each needs at least one point.
    """
    if isinstance(classes, bool) or not isinstance(classes, int):
        raise TypeError(f"{name}: the number of classes must be an int, got {classes!r}")
    if classes < 1:
        raise ValueError(f"{name}: needs at least one class, got {classes}")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name}: n must be an int, got {type(n).__name__}: {n!r}")
    needed = groups or classes
    if n < needed:
        raise ValueError(f"{name}: n must be at least {needed}, got {n}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)):
        raise TypeError(f"{name}: noise must be a number, got {noise!r}")
    if not (math.isfinite(noise) and noise >= 0.0):
        raise ValueError(f"{name}: noise must be a finite number ≥ 0, got {noise}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"{name}: seed must be an int or None, got {seed!r}")
    if labels not in LABELS:
        raise ValueError(f"{name}: labels must be one of {LABELS}, got {labels!r}")
    if labels == "sign" and classes != 2:
        raise ValueError(f"{name}: labels='sign' needs two classes, got {classes}")
    return random.Random(seed)


def _linspace(start: float, stop: float, count: int) -> list[float]:
    """count evenly spaced numbers from start to stop, both included."""
    if count == 1:
        return [start]
    step = (stop - start) / (count - 1)
    return [start + i * step for i in range(count)]


def _share(n: int, groups: int) -> list[int]:
    """The group of each of n items shared out as evenly as can be: 0, 0, …, 1, 1, …"""
    return [i * groups // n for i in range(n)]


def _point(c: object, what: str) -> list[float]:
    if (
        isinstance(c, (str, bytes))
        or not isinstance(c, Sequence)
        or len(c) != 2
        or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in c)
    ):
        raise ValueError(f"{what} must be a point [x1, x2] of finite numbers, got {c!r}")
    return [float(c[0]), float(c[1])]


def _finish(
    points: list[tuple[list[float], int]], noise: float, rng: random.Random, labels: str
) -> tuple[Points, Labels]:
    """Jitter every coordinate, shuffle, and write the labels as asked."""
    if noise > 0.0:
        for x, _label in points:
            x[0] += rng.gauss(0.0, noise)
            x[1] += rng.gauss(0.0, noise)
    rng.shuffle(points)
    X = [x for x, _label in points]
    y = [label for _x, label in points]
    return X, to_sign(y) if labels == "sign" else y


def to_sign(y: Sequence[int]) -> Labels:
    """Class indices 0 and 1 as the labels −1 and +1."""
    if any(label not in (0, 1) for label in y):
        raise ValueError(f"to_sign: expected class indices 0 and 1, got {sorted(set(y))}")
    return [2 * label - 1 for label in y]
