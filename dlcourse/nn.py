"""Layers (층), chapters 1, 4 and 6; convolution layers live in ``dlcourse.conv``.

Every layer has ``forward(x)``, which returns its output and keeps what the
backward pass needs, and ``backward(dout)``, which takes dL/d(output) and
returns dL/d(input), storing dL/d(parameter) in ``grads``. ``params`` and
``grads`` are dicts of the layer's own arrays; optimizers update ``params`` in
place. Shapes carry the batch first: x is (batch, features).

Layers compute in the dtype of their parameters: float64 unless you ask for
float32 (``dtype=np.float32`` or ``model.astype(np.float32)``) for speed.
"""

import contextlib
import math

import numpy as np

from dlcourse import functional as F
from dlcourse import init as initializers
from dlcourse._rng import default_rng
from dlcourse._validate import as_float_array, check_ndim, check_number, check_positive_int

_allocate = True


@contextlib.contextmanager
def shapes_only():
    """Build layers without allocating their weights, to count parameters by shape.

    >>> with shapes_only():
    ...     big = Linear(25088, 4096)   # no 800 MB array is made
    >>> big.num_params()
    102764544
    """
    global _allocate
    previous, _allocate = _allocate, False
    try:
        yield
    finally:
        _allocate = previous


class Layer:
    """Base class: a layer maps x to y = f(x) and back-propagates dL/dy to dL/dx."""

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.training = True

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def train(self, mode=True):
        """Switch to training mode (dropout active); ``train(False)`` is ``eval()``."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Switch to evaluation mode (dropout off)."""
        return self.train(False)

    def param_shapes(self):
        """Shapes of the parameters, known from the layer's settings alone."""
        return {name: p.shape for name, p in self.params.items()}

    def num_params(self):
        return sum(math.prod(shape) for shape in self.param_shapes().values())

    def output_shape(self, input_shape):
        """Shape of one example's output (batch axis left out) for one example's input shape."""
        return tuple(input_shape)

    def penalty(self):
        """Regularisation added to the loss (0 unless the layer has a regularizer)."""
        return 0.0

    def astype(self, dtype):
        """Convert the parameters to ``dtype`` in place (e.g. np.float32 for speed)."""
        for name, p in self.params.items():
            self.params[name] = p.astype(dtype)
        self.grads = {}
        return self

    def _need_forward(self, attr):
        if getattr(self, attr, None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return getattr(self, attr)

    def _check_dout(self, dout, shape):
        dout = as_float_array(dout, "dout", f"{self!r}.backward: ")
        if dout.shape != shape:
            raise ValueError(
                f"{self!r}.backward: argument 'dout' must have the shape of the forward "
                f"output {shape}, got {dout.shape}"
            )
        return dout

    def __repr__(self):
        return f"{type(self).__name__}()"


class Linear(Layer):
    """Fully connected layer (완전연결층): z = x @ W + b.

    Shapes: x (batch, in_features), W (in_features, out_features),
    b (out_features,), z (batch, out_features).

    Backward, with dz = dL/dz:
        dL/dW = x^T dz,   dL/db = sum over the batch of dz,   dL/dx = dz W^T.

    ``init`` is the name of a scheme in ``dlcourse.init`` (or a function
    ``f(n_in, n_out, rng)``); biases start at zero. ``regularizer`` (e.g.
    ``L2(1e-3)``) penalises W.
    """

    def __init__(self, in_features, out_features, init="glorot_uniform", regularizer=None,
                 rng=None, dtype=np.float64):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features", "Linear: ")
        self.out_features = check_positive_int(out_features, "out_features", "Linear: ")
        self.init = init
        self.regularizer = regularizer
        self.x = None
        if _allocate:
            W = initializers.get(init)(self.in_features, self.out_features, rng=default_rng(rng))
            self.params["W"] = np.asarray(W, dtype=dtype)
            self.params["b"] = np.zeros(self.out_features, dtype=dtype)

    def param_shapes(self):
        return {"W": (self.in_features, self.out_features), "b": (self.out_features,)}

    def output_shape(self, input_shape):
        if tuple(input_shape) != (self.in_features,):
            raise ValueError(f"{self!r}: expects inputs of shape ({self.in_features},), "
                             f"got {tuple(input_shape)}")
        return (self.out_features,)

    def forward(self, x):
        W, b = self.params["W"], self.params["b"]
        x = as_float_array(x, "x", f"{self!r}.forward: ").astype(W.dtype, copy=False)
        check_ndim(x, "x", 2, f"{self!r}.forward: ", "(batch, in_features)")
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"{self!r}.forward: argument 'x' must have shape (batch, {self.in_features}), "
                f"got {x.shape}: {x.shape[1]} features where {self.in_features} were expected"
            )
        self.x = x
        return x @ W + b

    def backward(self, dout):
        x = self._need_forward("x")
        dz = self._check_dout(dout, (x.shape[0], self.out_features)).astype(x.dtype, copy=False)
        W = self.params["W"]
        self.grads["W"] = x.T @ dz
        self.grads["b"] = dz.sum(axis=0)
        if self.regularizer is not None:
            self.grads["W"] = self.grads["W"] + self.regularizer.grad(W)
        return dz @ W.T

    def penalty(self):
        return 0.0 if self.regularizer is None else self.regularizer(self.params["W"])

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features})"


class Step(Layer):
    """Step activation y = 1 if x > 0 else 0. Its derivative is 0 wherever it
    exists, so no gradient flows back: the reason backpropagation needs smooth
    activations."""

    def forward(self, x):
        self.shape = np.shape(x)
        return F.step(x)

    def backward(self, dout):
        dout = self._check_dout(dout, self._need_forward("shape"))
        return np.zeros_like(dout)


class Sigmoid(Layer):
    """Sigmoid activation y = 1 / (1 + e^-x); backward dx = dout * y (1 - y)."""

    def forward(self, x):
        self.y = F.sigmoid(x)
        return self.y

    def backward(self, dout):
        y = self._need_forward("y")
        return self._check_dout(dout, y.shape) * y * (1.0 - y)


class Tanh(Layer):
    """tanh activation y = tanh(x); backward dx = dout * (1 - y^2)."""

    def forward(self, x):
        self.y = F.tanh(x)
        return self.y

    def backward(self, dout):
        y = self._need_forward("y")
        return self._check_dout(dout, y.shape) * (1.0 - y * y)


class ReLU(Layer):
    """ReLU activation y = max(0, x); backward dx = dout where x > 0, else 0."""

    def forward(self, x):
        x = as_float_array(x, "x", "ReLU.forward: ")
        self.mask = x > 0
        return np.where(self.mask, x, 0).astype(x.dtype, copy=False)

    def backward(self, dout):
        mask = self._need_forward("mask")
        return np.where(mask, self._check_dout(dout, mask.shape), 0)  # a new array: dout is not touched


class Identity(Layer):
    """Identity activation y = x (regression outputs); backward dx = dout."""

    def forward(self, x):
        x = as_float_array(x, "x", "Identity.forward: ")
        self.shape = x.shape
        return x.copy()

    def backward(self, dout):
        return self._check_dout(dout, self._need_forward("shape")).copy()


class Softmax(Layer):
    """Softmax over the last axis, y_k = e^{x_k} / sum_i e^{x_i}.

    Backward (the Jacobian dy_k/dx_j = y_k (delta_kj - y_j) applied to dout):
        dx = y * (dout - sum_k dout_k y_k).
    """

    def forward(self, x):
        self.y = F.softmax(x, axis=-1)
        return self.y

    def backward(self, dout):
        y = self._need_forward("y")
        dout = self._check_dout(dout, y.shape)
        return y * (dout - np.sum(dout * y, axis=-1, keepdims=True))


class Dropout(Layer):
    """Inverted dropout (드롭아웃) with drop probability ``p`` (Srivastava et al., 2014).

    Training: each unit is kept with probability 1 - p and the kept ones are
    scaled by 1 / (1 - p), y = x * m / (1 - p) with m ~ Bernoulli(1 - p), so the
    expected output equals x and evaluation needs no rescaling.
    Evaluation (``eval()``): y = x.  Backward: dx = dout * m / (1 - p).
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        self.p = check_number(p, "p", "Dropout: ", low=0, high=1, high_open=True)
        self.rng = default_rng(rng)
        self.mask = None

    def forward(self, x):
        x = as_float_array(x, "x", "Dropout.forward: ")
        if not self.training or self.p == 0:
            self.mask = np.ones_like(x)
            return x.copy()
        keep = 1.0 - self.p
        self.mask = (self.rng.random(x.shape) < keep).astype(x.dtype) / keep
        return x * self.mask

    def backward(self, dout):
        mask = self._need_forward("mask")
        return self._check_dout(dout, mask.shape) * mask

    def __repr__(self):
        return f"Dropout(p={self.p:g})"


ACTIVATIONS = {
    "step": Step, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU,
    "identity": Identity, "linear": Identity, "softmax": Softmax,
}


def activation(name):
    """A new activation layer by name: 'step', 'sigmoid', 'tanh', 'relu', 'identity', 'softmax'."""
    from dlcourse._validate import lookup
    return lookup(name, ACTIVATIONS, "activation")()


from dlcourse.training import Trainable  # noqa: E402  (Trainable needs the layers above)


class Sequential(Trainable, Layer):
    """Layers applied in order: forward runs first to last, backward last to first.

    ``params`` and ``grads`` are flat dicts named ``"<index>.<name>"`` (e.g.
    ``"0.W"``) whose arrays are the layers' own, so an optimizer updating them
    in place updates the layers. The Keras-style ``compile``/``fit``/
    ``evaluate``/``predict`` and ``summary`` come from ``Trainable``.
    """

    def __init__(self, layers):
        Layer.__init__(self)
        Trainable.__init__(self)
        layers = list(layers)
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item {i} of 'layers' must be a Layer, "
                                f"got {type(layer).__name__}")
        self.layers = layers

    @property
    def params(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @params.setter
    def params(self, value):  # Layer.__init__ assigns {}; a Sequential owns no arrays itself
        pass

    @property
    def grads(self):
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    @grads.setter
    def grads(self, value):
        pass

    def param_shapes(self):
        return {f"{i}.{k}": s for i, layer in enumerate(self.layers)
                for k, s in layer.param_shapes().items()}

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def train(self, mode=True):
        self.training = bool(mode)
        for layer in self.layers:
            layer.train(mode)
        return self

    def output_shape(self, input_shape):
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
        return input_shape

    def penalty(self):
        return sum(layer.penalty() for layer in self.layers)

    def astype(self, dtype):
        for layer in self.layers:
            layer.astype(dtype)
        return self

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Sequential([\n{inner},\n])"


def __getattr__(name):
    # Convolution layers belong to chapter 7's module; expose them here too.
    from dlcourse import conv
    if name in getattr(conv, "__all__", ()):
        return getattr(conv, name)
    raise AttributeError(f"module 'dlcourse.nn' has no attribute {name!r}")
