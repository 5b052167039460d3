"""micrograd: a scalar autograd engine for learning and teaching backpropagation."""

from micrograd.engine import AnomalyError, Value, detect_anomaly, no_grad

__all__ = ["AnomalyError", "Value", "detect_anomaly", "no_grad"]
__version__ = "0.2.0"
