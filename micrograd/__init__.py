"""micrograd: a scalar autograd engine for learning and teaching backpropagation.

`Value` records the operations that produce it; `backward()` applies the
chain rule through them. `nn` builds neurons, layers and MLPs on top; `viz`
and `trace` show the graph and the backward pass step by step; `explore`
shows it live in a notebook, sliders and all.
"""

from micrograd import checkpoint, datasets, functional, losses, train
from micrograd.engine import (
    AnomalyError,
    Value,
    detect_anomaly,
    dot,
    grad,
    no_gc,
    no_grad,
    sum_values,
)
from micrograd.gradcheck import (
    GradcheckError,
    gradcheck,
    gradgradcheck,
    hessian,
    jacobian,
    numerical_grad,
)
from micrograd.nn import MLP, Layer, Module, Neuron
from micrograd.notebook import explore
from micrograd.optim import SGD, Adam
from micrograd.trace import explain, trace_backward
from micrograd.viz import draw_dot, to_dot

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "AnomalyError",
    "GradcheckError",
    "Layer",
    "Module",
    "Neuron",
    "Value",
    "checkpoint",
    "datasets",
    "detect_anomaly",
    "dot",
    "draw_dot",
    "explain",
    "explore",
    "functional",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "hessian",
    "jacobian",
    "losses",
    "no_gc",
    "no_grad",
    "numerical_grad",
    "sum_values",
    "to_dot",
    "trace_backward",
    "train",
]
__version__ = "0.2.0"
