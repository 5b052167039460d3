"""Neurons, layers and multi-layer perceptrons built from `Value`s.

Drop-in compatible with the classic micrograd `nn` module: the same classes,
the same weight initialisation (uniform in [−1, 1) from the global `random`
module, in the same order), the same parameter order and reprs, so a classic
training loop prints the same numbers. A neuron computes

    out = activation(b + w1·x1 + w2·x2 + …)

with the weighted sum as one fused `dot` node, summed in the classic order.

The classic network has ReLU hidden layers, a linear output and biases that
start at 0. The network of the "building micrograd" lecture has tanh on every
layer, the output included, and biases drawn like the weights:

    MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", bias_init="uniform")
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from micrograd.engine import Value, _as_float, _value, dot

__all__ = ["ACTIVATIONS", "BIAS_INITS", "MLP", "Layer", "Module", "Neuron"]

# Each activation: the word in the neuron's repr, and the op applied to the sum.
_ACTIVATIONS: dict[str, tuple[str, Callable[[Value], Value]]] = {
    "relu": ("ReLU", Value.relu),
    "tanh": ("Tanh", Value.tanh),
    "sigmoid": ("Sigmoid", Value.sigmoid),
    "leaky_relu": ("LeakyReLU", Value.leaky_relu),
    "linear": ("Linear", lambda v: v),
}
ACTIVATIONS = tuple(_ACTIVATIONS)

# How a neuron's bias starts: at 0 (classic), or drawn uniformly from [−1, 1)
# right after its weights (the lecture's network).
BIAS_INITS = ("zeros", "uniform")


class Module:
    """Anything with parameters: a torch-shaped `parameters()`, `zero_grad()`
    and a `state_dict()` of plain numbers keyed by parameter name.

    Subclasses list their parameters in `named_parameters()`; a classic-style
    subclass that overrides only `parameters()` still gets `zero_grad()`.
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs, in `parameters()` order."""
        return []

    def parameters(self) -> list[Value]:
        """Every weight and bias, as the Values an optimizer updates."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0.0, as each training step must
        before its backward(): leaf gradients add up across passes."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Every parameter's number, keyed by its name."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from `state`, which must name exactly the
        parameters of this module with finite numbers. Checked in full first:
        a bad `state` raises ValueError or TypeError and changes nothing."""
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise TypeError(f"{where}: expected a mapping, got {type(state).__name__}")
        named = self.named_parameters()
        names = [name for name, _ in named]
        known = set(names)
        missing = [name for name in names if name not in state]
        unexpected = [key for key in state if key not in known]
        if missing or unexpected:
            raise ValueError(
                f"{where}: missing parameters {missing[:5]}, unexpected {unexpected[:5]!r}"
                f" ({len(missing)} missing, {len(unexpected)} unexpected)"
            )
        numbers_by_name = {name: _parameter_number(state[name], name, where) for name in names}
        for name, p in named:
            p.data = numbers_by_name[name]


def _parameter_number(x: object, name: str, where: str) -> float:
    """A parameter's new value: a finite real number (not a bool)."""
    if isinstance(x, bool):
        raise TypeError(f"{where}: parameter {name!r} must be a number, got {x!r}")
    return _as_float(x, f"{where}: parameter {name!r}")


def _numbered(kind: str, parts: Sequence[Module]) -> list[tuple[str, Value]]:
    """The named parameters of each part in turn, as "kind.i.name"."""
    return [
        (f"{kind}.{i}.{name}", p)
        for i, part in enumerate(parts)
        for name, p in part.named_parameters()
    ]


def _check_size(x: object, what: str) -> None:
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"{what} must be an int, got {type(x).__name__}: {x!r}")
    if x < 1:
        raise ValueError(f"{what} must be at least 1, got {x}")


def _check_activation(name: object, where: str) -> None:
    if name not in _ACTIVATIONS:
        raise ValueError(f"{where}: unknown activation {name!r}; choose one of {ACTIVATIONS}")


def _check_bias_init(name: object, where: str) -> None:
    if name not in BIAS_INITS:
        raise ValueError(f"{where}: unknown bias_init {name!r}; choose one of {BIAS_INITS}")


def _refuse_a_non_list(x: object, nin: int, where: str) -> None:
    """Raise a TypeError that says what a module reads, if `x` is not a list
    of inputs at all (a number, None, a string). Called only once reading `x`
    has failed, so a good call pays nothing for it."""
    if isinstance(x, (str, bytes)) or not hasattr(x, "__iter__"):
        inputs = "1 input" if nin == 1 else f"{nin} inputs"
        hint = f"; for one number write [{x!r}]" if nin == 1 else ""
        raise TypeError(
            f"{where}: expected a list of {inputs} (numbers or Values), "
            f"got {type(x).__name__}: {x!r}{hint}"
        ) from None


class Neuron(Module):
    """activation(b + Σ wi·xi), with nin weights drawn uniformly from [−1, 1)
    and a bias starting at 0 (classic) or drawn the same way.

    `nonlin=False` (classic) means a linear neuron; `activation` names one of
    relu (default), tanh, sigmoid, leaky_relu, linear and takes precedence.
    `bias_init="uniform"` draws the bias from [−1, 1) too, after the weights,
    as the lecture's neuron does: `Neuron(3, activation="tanh", bias_init="uniform")`.
    `rng` (a `random.Random`) draws the numbers without touching the global
    `random` state.

    Called on a list of nin inputs (numbers or Values), it returns a Value.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        activation: str | None = None,
        rng: random.Random | None = None,
        *,
        bias_init: str = "zeros",
    ) -> None:
        _check_size(nin, "Neuron: nin")
        if activation is None:
            activation = "relu" if nonlin else "linear"
        _check_activation(activation, "Neuron")
        _check_bias_init(bias_init, "Neuron")
        uniform = rng.uniform if rng is not None else random.uniform
        self.w = [Value(uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(uniform(-1, 1) if bias_init == "uniform" else 0.0)
        self.activation = activation
        self.nonlin = activation != "linear"
        self.bias_init = bias_init

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """activation(b + Σ wi·xi) for x, a list of nin numbers or Values."""
        act = _ACTIVATIONS[self.activation][1]
        try:
            return act(dot(self.w, x, self.b))
        except TypeError:
            _refuse_a_non_list(x, len(self.w), "Neuron")
            raise

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [*((f"w.{i}", wi) for i, wi in enumerate(self.w)), ("b", self.b)]

    def __repr__(self) -> str:
        return f"{_ACTIVATIONS[self.activation][0]}Neuron({len(self.w)})"


class Layer(Module):
    """nout neurons that all read the same nin inputs; `kwargs` go to each
    `Neuron`. Called on inputs it returns a list of Values, or a single Value
    when nout is 1 (as the classic layer does)."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        _check_size(nout, "Layer: nout")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def outputs(self, x: Sequence[Value | float]) -> list[Value]:
        """Every neuron's output, always as a list."""
        # Plain numbers become Values once here, not once per neuron.
        try:
            inputs = [_value(v, "Layer") for v in x]
        except TypeError:
            _refuse_a_non_list(x, len(self.neurons[0].w), "Layer")
            raise
        return [n(inputs) for n in self.neurons]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """Every neuron's output for x, a list of nin numbers or Values: a
        list of nout Values, or one Value when nout is 1."""
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _numbered("neurons", self.neurons)

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """Layers of sizes nin → nouts[0] → … → nouts[-1]: the hidden layers apply
    `activation`, the last layer `output_activation` (linear by default, so
    the outputs are raw scores), and every neuron's bias starts as `bias_init`
    says (zeros by default).

    The defaults are the classic network (ReLU, linear output, zero biases).
    The lecture's network, tanh everywhere and random biases, is

        MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh", bias_init="uniform")

    Called on a list of nin inputs (numbers or Values), it returns a Value,
    or a list of Values when the last layer has more than one neuron.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        rng: random.Random | None = None,
        *,
        output_activation: str = "linear",
        bias_init: str = "zeros",
    ) -> None:
        _check_size(nin, "MLP: nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer sizes, got {nouts!r}")
        for size in nouts:
            _check_size(size, "MLP: every layer size in nouts")
        _check_activation(activation, "MLP")
        _check_activation(output_activation, "MLP: output_activation")
        _check_bias_init(bias_init, "MLP")
        self.nin = nin
        self.nouts = list(nouts)
        self.activation = activation
        self.output_activation = output_activation
        self.bias_init = bias_init
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=output_activation if i == last else activation,
                rng=rng,
                bias_init=bias_init,
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        """The network's output for x, a list of nin numbers or Values: one
        Value, or a list when the last layer has more than one neuron."""
        # Layer.outputs keeps a one-neuron hidden layer's output a list, so
        # the next layer can read it; only the last output is unwrapped.
        try:
            out = self.layers[0].outputs(x)
        except TypeError:
            _refuse_a_non_list(x, self.nin, "MLP")
            raise
        for layer in self.layers[1:]:
            out = layer.outputs(out)
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return _numbered("layers", self.layers)

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
