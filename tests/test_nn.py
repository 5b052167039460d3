"""nn: classic-compatible Neuron, Layer, MLP; parameters, state_dict."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.engine import Value, topological_order
from micrograd.nn import ACTIVATIONS, MLP, Layer, Module, Neuron

finite = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False)


def classic_initial_parameters(nin: int, nouts: list[int]) -> list[float]:
    """The classic package's initial parameters, drawn from the global
    `random` in its order: per layer, per neuron, nin weights then bias 0."""
    sizes = [nin, *nouts]
    out: list[float] = []
    for fan_in, fan_out in zip(sizes, sizes[1:], strict=False):
        for _ in range(fan_out):
            out += [random.uniform(-1, 1) for _ in range(fan_in)]
            out.append(0.0)
    return out


class ClassicNeuron:
    """The classic neuron, with this package's binary ops: a chain of `+`."""

    def __init__(self, w: list[Value], b: Value, nonlin: bool) -> None:
        self.w, self.b, self.nonlin = w, b, nonlin

    def __call__(self, x: list[Value]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.relu() if self.nonlin else act


def classic_twin(model: MLP) -> tuple[list[list[ClassicNeuron]], list[Value]]:
    """Classic-style layers sharing nothing with `model` but its numbers."""
    layers = []
    params = []
    for i, layer in enumerate(model.layers):
        neurons = []
        for n in layer.neurons:
            w = [Value(wi.data) for wi in n.w]
            b = Value(n.b.data)
            neurons.append(ClassicNeuron(w, b, nonlin=i != len(model.layers) - 1))
            params += [*w, b]
        layers.append(neurons)
    return layers, params


def test_initial_parameters_follow_the_classic_draws() -> None:
    random.seed(7)
    model = MLP(3, [4, 4, 1])
    random.seed(7)
    expected = classic_initial_parameters(3, [4, 4, 1])
    assert [p.data for p in model.parameters()] == expected
    assert all(type(p.data) is float and p.grad == 0.0 for p in model.parameters())


def test_rng_draws_the_same_numbers_and_leaves_global_state_alone() -> None:
    random.seed(3)
    classic = MLP(2, [5, 1])
    state = random.getstate()
    own = MLP(2, [5, 1], rng=random.Random(3))
    assert random.getstate() == state
    assert own.state_dict() == classic.state_dict()


def test_reprs_read_like_the_classic_ones() -> None:
    model = MLP(2, [3, 1])
    assert repr(model) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], "
        "Layer of [LinearNeuron(3)]]"
    )
    assert repr(Neuron(4, nonlin=False)) == "LinearNeuron(4)"
    assert repr(Neuron(2, activation="tanh")) == "TanhNeuron(2)"
    assert repr(Neuron(2, activation="sigmoid")) == "SigmoidNeuron(2)"
    assert repr(Neuron(2, activation="leaky_relu")) == "LeakyReLUNeuron(2)"
    assert repr(MLP(1, [2, 1], activation="tanh").layers[0]) == (
        "Layer of [TanhNeuron(1), TanhNeuron(1)]"
    )


def test_parameter_order_is_classic_and_names_follow_it() -> None:
    model = MLP(2, [2, 1])
    n00, n01 = model.layers[0].neurons
    (n10,) = model.layers[1].neurons
    expected = [*n00.w, n00.b, *n01.w, n01.b, *n10.w, n10.b]
    assert all(a is b for a, b in zip(model.parameters(), expected, strict=True))
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1", "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0", "layers.1.neurons.0.w.1", "layers.1.neurons.0.b",
    ]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=6), finite)
def test_fused_preactivation_equals_the_classic_sum_bit_for_bit(
    pairs: list[tuple[float, float]], bias: float
) -> None:
    neuron = Neuron(len(pairs), nonlin=False)
    for wi, (weight, _x) in zip(neuron.w, pairs, strict=True):
        wi.data = weight
    neuron.b.data = bias
    xs = [Value(x) for _w, x in pairs]
    fused = neuron(xs)
    assert fused._op == "dot"
    fused.backward()
    fused_grads = [p.grad for p in [*neuron.parameters(), *xs]]

    ws = [Value(weight) for weight, _x in pairs]
    b = Value(bias)
    xs2 = [Value(x) for _w, x in pairs]
    chain = ClassicNeuron(ws, b, nonlin=False)(xs2)
    chain.backward()
    assert fused.data == chain.data
    assert fused_grads == [p.grad for p in [*ws, b, *xs2]]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_activation_is_applied_to_one_dot_node(activation: str) -> None:
    neuron = Neuron(2, activation=activation, rng=random.Random(1))
    neuron.b.data = -0.3
    out = neuron([0.5, -2.0])
    pre = out if activation == "linear" else out._prev[0]
    assert pre._op == "dot"
    expected = {"relu": max(pre.data, 0.0), "tanh": math.tanh(pre.data),
                "sigmoid": 1.0 / (1.0 + math.exp(-pre.data)),
                "leaky_relu": pre.data if pre.data > 0 else 0.01 * pre.data,
                "linear": pre.data}[activation]
    assert out.data == pytest.approx(expected, rel=1e-15)


def test_mlp_forward_and_gradients_equal_the_classic_network() -> None:
    model = MLP(2, [4, 3, 1], rng=random.Random(5))
    layers, params = classic_twin(model)
    x = [0.7, -1.2]

    out = model(x)
    assert isinstance(out, Value)
    (out * out).backward()

    h: list[Value] = [Value(v) for v in x]
    for neurons in layers:
        h = [n(h) for n in neurons]
    (h[0] * h[0]).backward()
    assert out.data == h[0].data
    assert [p.grad for p in model.parameters()] == [p.grad for p in params]


def test_mlp_graph_has_one_dot_node_per_neuron() -> None:
    model = MLP(2, [3, 2])
    outputs = model([1.0, 2.0])
    assert isinstance(outputs, list) and len(outputs) == 2
    nodes = topological_order(outputs[0])
    assert sum(n._op == "dot" for n in nodes) == 3 + 1


def test_layer_returns_a_value_for_one_neuron_and_a_list_otherwise() -> None:
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    many = Layer(2, 3)([1.0, 2.0])
    assert isinstance(many, list) and len(many) == 3


def test_a_one_neuron_hidden_layer_feeds_the_next_layer() -> None:
    out = MLP(2, [1, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2


def test_last_layer_is_linear_whatever_the_activation() -> None:
    model = MLP(2, [3, 2], activation="sigmoid")
    assert [n.activation for n in model.layers[0].neurons] == ["sigmoid"] * 3
    assert [n.activation for n in model.layers[-1].neurons] == ["linear"] * 2
    assert [n.nonlin for n in model.layers[-1].neurons] == [False, False]


def test_zero_grad_sets_float_zeros() -> None:
    model = MLP(2, [2, 1])
    out = model([1.0, -1.0])
    assert isinstance(out, Value)
    (out + sum(model.parameters())).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(type(p.grad) is float and p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip() -> None:
    source = MLP(2, [3, 1], rng=random.Random(1))
    target = MLP(2, [3, 1], rng=random.Random(2))
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert list(source.state_dict()) == [name for name, _ in source.named_parameters()]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda s: s.pop("layers.0.neurons.0.b"), ValueError),
        (lambda s: s.update({"layers.9.neurons.0.b": 1.0}), ValueError),
        (lambda s: s.update({"layers.1.neurons.0.b": "1.0"}), TypeError),
        (lambda s: s.update({"layers.1.neurons.0.b": True}), TypeError),
        (lambda s: s.update({"layers.1.neurons.0.b": math.nan}), ValueError),
        # Checked by the engine's _as_float, whose message names the parameter.
        (lambda s: s.update({"layers.1.neurons.0.b": 10**400}), OverflowError),
    ],
)
def test_bad_state_dict_raises_and_changes_nothing(
    change: Callable[[dict[str, object]], object], error: type[Exception]
) -> None:
    model = MLP(2, [3, 1], rng=random.Random(1))
    before = model.state_dict()
    state: dict[str, object] = dict(MLP(2, [3, 1], rng=random.Random(2)).state_dict())
    change(state)
    with pytest.raises(error, match="load_state_dict"):
        model.load_state_dict(state)  # type: ignore[arg-type]
    assert model.state_dict() == before


def test_module_defaults_suit_a_classic_subclass() -> None:
    class Pair(Module):
        def __init__(self) -> None:
            self.a, self.b = Value(1.0), Value(2.0)

        def parameters(self) -> list[Value]:
            return [self.a, self.b]

    pair = Pair()
    pair.a.grad = 3.0
    pair.zero_grad()
    assert pair.a.grad == 0.0
    assert Module().parameters() == []


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Neuron(0), ValueError, "nin must be at least 1"),
        (lambda: Neuron(2.0), TypeError, "nin must be an int"),
        (lambda: Neuron(2, activation="swish"), ValueError, "unknown activation 'swish'"),
        (lambda: Layer(2, 0), ValueError, "nout must be at least 1"),
        (lambda: MLP(2, []), ValueError, "nouts must be a non-empty list"),
        (lambda: MLP(2, [3, 0]), ValueError, "every layer size"),
        (lambda: MLP(2, [3, 1], activation="gelu"), ValueError, "MLP: unknown activation"),
    ],
)
def test_bad_arguments_raise_typed_errors(
    build: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        build()


def test_wrong_number_of_inputs_is_an_error() -> None:
    with pytest.raises(ValueError, match="dot: 2 weights but 3 inputs"):
        Neuron(2)([1.0, 2.0, 3.0])


# -- the network of the "building micrograd" lecture ---------------------------

# The lecture's four examples and their targets.
LECTURE_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_YS = [1.0, -1.0, -1.0, 1.0]
# The seed the README's and the docstrings' example is checked with.
LECTURE_SEED = 1337


def lecture_mlp(rng: random.Random | None = None) -> MLP:
    return MLP(
        3, [4, 4, 1], activation="tanh", output_activation="tanh", bias_init="uniform", rng=rng
    )


def lecture_training(n: MLP, steps: int = 20) -> list[float]:
    """The lecture's loop, as written there: the loss of each step, before its update."""
    losses = []
    for _k in range(steps):
        # forward pass
        ypred = [n(x) for x in LECTURE_XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(LECTURE_YS, ypred, strict=True))
        assert isinstance(loss, Value)
        # backward pass
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        # update
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)
    return losses


class LectureNeuron:
    """The lecture's neuron: tanh of a chain of `+`, bias first."""

    def __init__(self, w: list[Value], b: Value) -> None:
        self.w, self.b = w, b

    def __call__(self, x: list[Value]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return act.tanh()


def test_the_lecture_network_learns_the_lecture_dataset_in_20_steps() -> None:
    random.seed(LECTURE_SEED)  # the lecture draws from the global random module
    losses = lecture_training(lecture_mlp())
    assert losses[-1] < 0.05
    assert losses == sorted(losses, reverse=True)  # steadily down, no collapse


def test_the_classic_network_stalls_on_it_as_the_readme_says() -> None:
    random.seed(LECTURE_SEED)
    classic = MLP(3, [4, 4, 1])
    losses = lecture_training(classic)
    # Every ReLU is dead on all four examples, so the output is its bias alone.
    assert losses[-1] == pytest.approx(4.0, abs=1e-6)
    hidden = [classic.layers[1].outputs(classic.layers[0].outputs(x)) for x in LECTURE_XS]
    assert all(h.data == 0.0 for row in hidden for h in row)


def test_the_lecture_network_learns_it_from_most_starting_points() -> None:
    # The claim is about the network, not one lucky draw: 96 of these 100
    # seeds end below 0.05; the other four are still on their way down and
    # pass it by step 30.
    finals = [lecture_training(lecture_mlp(random.Random(seed)))[-1] for seed in range(100)]
    assert sum(final < 0.05 for final in finals) >= 90


def test_the_lecture_network_draws_each_neurons_weights_then_its_bias() -> None:
    random.seed(11)
    model = lecture_mlp()
    random.seed(11)
    expected = [random.uniform(-1, 1) for _ in model.parameters()]
    assert [p.data for p in model.parameters()] == expected


def test_the_lecture_network_computes_what_the_lecture_network_computes() -> None:
    model = lecture_mlp(random.Random(4))
    assert repr(model) == (
        "MLP of [Layer of [TanhNeuron(3), TanhNeuron(3), TanhNeuron(3), TanhNeuron(3)], "
        "Layer of [TanhNeuron(4), TanhNeuron(4), TanhNeuron(4), TanhNeuron(4)], "
        "Layer of [TanhNeuron(4)]]"
    )
    params: list[Value] = []
    layers = []
    for layer in model.layers:
        neurons = []
        for n in layer.neurons:
            w, b = [Value(wi.data) for wi in n.w], Value(n.b.data)
            neurons.append(LectureNeuron(w, b))
            params += [*w, b]
        layers.append(neurons)
    out = model(LECTURE_XS[0])
    assert isinstance(out, Value)
    out.backward()
    h = [Value(v) for v in LECTURE_XS[0]]
    for neurons in layers:
        h = [n(h) for n in neurons]
    h[0].backward()
    assert out.data == h[0].data
    assert [p.grad for p in model.parameters()] == pytest.approx([p.grad for p in params])


def test_the_options_are_kept_on_the_model_and_each_neuron() -> None:
    model = lecture_mlp()
    assert (model.activation, model.output_activation, model.bias_init) == (
        "tanh", "tanh", "uniform"
    )
    assert all(n.bias_init == "uniform" for layer in model.layers for n in layer.neurons)
    classic = MLP(2, [3, 1])
    assert (classic.output_activation, classic.bias_init) == ("linear", "zeros")
    assert all(n.b.data == 0.0 for layer in classic.layers for n in layer.neurons)
    neuron = Neuron(3, activation="tanh", bias_init="uniform", rng=random.Random(2))
    assert neuron.b.data != 0.0 and repr(neuron) == "TanhNeuron(3)"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: MLP(2, [3, 1], output_activation="softmax"), "output_activation: unknown"),
        (lambda: MLP(2, [3, 1], bias_init="normal"), "MLP: unknown bias_init 'normal'"),
        (lambda: Neuron(2, bias_init="ones"), "Neuron: unknown bias_init 'ones'"),
    ],
)
def test_unknown_options_are_refused(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


# -- a number where a list of inputs belongs -------------------------------------


@pytest.mark.parametrize(
    ("module", "name", "expects"),
    [
        (MLP(3, [4, 1]), "MLP", "a list of 3 inputs"),
        (Layer(2, 3), "Layer", "a list of 2 inputs"),
        (Neuron(2), "Neuron", "a list of 2 inputs"),
    ],
)
@pytest.mark.parametrize("x", [1.0, None, "ab"])
def test_a_module_called_on_a_non_list_says_what_it_expects(
    module: Callable[[object], object], name: str, expects: str, x: object
) -> None:
    with pytest.raises(TypeError, match=rf"^{name}: expected {expects} \(numbers or Values\), "
                                        rf"got {type(x).__name__}: "):
        module(x)


def test_a_one_input_model_called_on_a_number_is_told_to_wrap_it() -> None:
    with pytest.raises(TypeError, match=r"a list of 1 input .* for one number write \[0\.5\]"):
        MLP(1, [2, 1])(0.5)


def test_a_bad_element_of_a_list_is_still_named() -> None:
    with pytest.raises(TypeError, match="Layer: expected a Value or a real number, got str: 'a'"):
        MLP(2, [2, 1])([1.0, "a"])
    with pytest.raises(TypeError, match="dot: expected a Value or a real number, got str"):
        Neuron(2)([1.0, "a"])
