"""datasets: shapes, labels, determinism, untouched global state, bad arguments."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from micrograd import datasets
from micrograd.datasets import (
    dataset_classes,
    make_blobs,
    make_circles,
    make_dataset,
    make_moons,
    spiral,
    to_sign,
    xor,
)

# Each dataset with its number of classes under default arguments.
DATASETS: dict[str, tuple[Callable[..., Any], int]] = {
    "moons": (make_moons, 2),
    "circles": (make_circles, 2),
    "blobs": (make_blobs, 3),
    "xor": (xor, 2),
    "spiral": (spiral, 2),
}


@pytest.mark.parametrize("name", list(DATASETS))
def test_shapes_types_and_balanced_labels(name: str) -> None:
    make, classes = DATASETS[name]
    X, y = make(n=31, seed=0)
    assert len(X) == len(y) == 31
    assert all(len(x) == 2 and all(type(v) is float for v in x) for x in X)
    counts = Counter(y)
    assert sorted(counts) == list(range(classes))
    assert max(counts.values()) - min(counts.values()) <= (2 if name == "xor" else 1)


@pytest.mark.parametrize("name", list(DATASETS))
def test_same_seed_same_data_and_global_random_untouched(name: str) -> None:
    make, _classes = DATASETS[name]
    random.seed(99)
    state = random.getstate()
    first = make(n=20, seed=5)
    assert random.getstate() == state
    assert make(n=20, seed=5) == first
    assert make(n=20, seed=6) != first


@pytest.mark.parametrize("name", ["moons", "circles", "xor", "spiral"])
def test_sign_labels_are_the_index_labels_mapped_to_plus_minus_one(name: str) -> None:
    make, _classes = DATASETS[name]
    X, y = make(n=40, seed=1)
    X2, signs = make(n=40, seed=1, labels="sign")
    assert X2 == X
    assert signs == [2 * label - 1 for label in y]
    assert set(signs) == {-1, 1}


def test_noise_free_shapes_follow_their_definitions() -> None:
    X, y = make_moons(n=50, noise=0.0, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        if label == 0:
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    X, y = make_circles(n=40, noise=0.0, factor=0.3, seed=0)
    for point, label in zip(X, y, strict=True):
        assert math.hypot(*point) == pytest.approx(1.0 if label == 0 else 0.3)
    X, y = xor(n=40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        assert abs(a) == abs(b) == 1.0 and label == int((a > 0) != (b > 0))


def test_noise_is_the_standard_deviation_of_the_jitter() -> None:
    X, _y = make_blobs(n=4000, noise=0.5, centers=[[2.0, -1.0]], seed=3)
    xs = [x for x, _ in X]
    mean = sum(xs) / len(xs)
    spread = math.sqrt(sum((x - mean) ** 2 for x in xs) / len(xs))
    assert mean == pytest.approx(2.0, abs=0.05)
    assert spread == pytest.approx(0.5, rel=0.05)


def test_blobs_and_spiral_take_a_number_of_classes() -> None:
    _X, y = make_blobs(n=12, centers=4, seed=0)
    assert sorted(set(y)) == [0, 1, 2, 3]
    _X, y = spiral(n=12, classes=3, seed=0)
    assert sorted(set(y)) == [0, 1, 2]


def test_to_sign_maps_classes_0_and_1_to_minus_and_plus_one() -> None:
    assert to_sign([0, 1, 1, 0]) == [-1, 1, 1, -1]
    with pytest.raises(ValueError, match=r"to_sign: expected class indices 0 and 1, got \[0, 2\]"):
        to_sign([0, 2])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: make_moons(n=1), ValueError, "make_moons: n must be at least 2, got 1"),
        (lambda: make_moons(n=-5), ValueError, "n must be at least 2"),
        (lambda: make_moons(n=10.0), TypeError, "n must be an int"),
        (lambda: make_moons(n=True), TypeError, "n must be an int"),
        (lambda: make_circles(noise=-0.1), ValueError, "noise must be a finite number"),
        (lambda: make_circles(noise=math.nan), ValueError, "noise must be a finite number"),
        (lambda: make_circles(factor=1.5), ValueError, "factor must be between 0 and 1"),
        (lambda: xor(n=3), ValueError, "xor: n must be at least 4"),
        (lambda: xor(seed="1"), TypeError, "seed must be an int or None"),
        (lambda: spiral(labels="onehot"), ValueError, "labels must be one of"),
        (lambda: spiral(classes=3, labels="sign"), ValueError, "labels='sign' needs two classes"),
        (lambda: spiral(classes=0), ValueError, "at least one class"),
        (lambda: make_blobs(centers=[[0.0, 1.0], [2.0]]), ValueError, "center 1 must be a point"),
        (lambda: make_blobs(centers=2.5), TypeError, "centers must be an int"),
    ],
)
def test_bad_arguments_raise_with_a_message(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


# -- by name ----------------------------------------------------------------------


def test_the_table_names_every_dataset_with_its_classes() -> None:
    assert {name: (d.make, d.classes) for name, d in datasets.DATASETS.items()} == DATASETS
    assert [dataset_classes(name) for name in DATASETS] == [c for _m, c in DATASETS.values()]


@pytest.mark.parametrize("name", list(DATASETS))
def test_make_dataset_is_the_dataset_s_own_function(name: str) -> None:
    make, _classes = DATASETS[name]
    assert make_dataset(name, 31, seed=4) == make(n=31, seed=4)
    assert make_dataset(name, 12, seed=4, noise=0.5) == make(n=12, seed=4, noise=0.5)
    if name != "blobs":  # blobs has three classes, too many for ±1 labels
        assert make_dataset(name, 12, seed=4, labels="sign") == make(n=12, seed=4, labels="sign")
    # Asking for the number of classes it has anyway changes nothing.
    assert make_dataset(name, 12, seed=4, classes=dataset_classes(name)) == make(n=12, seed=4)


def test_the_classes_go_to_the_keyword_of_each_dataset() -> None:
    assert make_dataset("blobs", 20, classes=4, seed=1) == make_blobs(n=20, centers=4, seed=1)
    assert make_dataset("spiral", 20, classes=3, seed=1) == spiral(n=20, classes=3, seed=1)
    assert dataset_classes("spiral", 5) == 5


@pytest.mark.parametrize("name", ["moons", "circles", "xor"])
def test_a_two_class_dataset_refuses_another_number_of_classes(name: str) -> None:
    message = f"^the {name} dataset has two classes, got 3$"
    with pytest.raises(ValueError, match=message):
        dataset_classes(name, 3)
    with pytest.raises(ValueError, match=message):
        make_dataset(name, classes=3)


def test_an_unknown_dataset_is_named() -> None:
    with pytest.raises(ValueError, match="no dataset 'iris'; the datasets: moons, circles, "):
        make_dataset("iris")
