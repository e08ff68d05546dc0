"""Layers (층), chapters 1, 4 and 6; convolution layers live in ``dlcourse.conv``,
the networks of the slides (LeNet-5, AlexNet, VGG-16) in ``dlcourse.models``.

Every layer has ``forward(x)``, which returns its output and keeps what the
backward pass needs, and ``backward(dout)``, which takes dL/d(output) and
returns dL/d(input), storing dL/d(parameter) in ``grads``. ``params`` and
``grads`` are dicts of the layer's own arrays; optimizers update ``params`` in
place. Shapes carry the batch first: x is (batch, features).

Layers compute in the dtype of their parameters: float64 unless you ask for
float32 (``dtype=np.float32`` or ``model.astype(np.float32)``) for speed.
"""

import contextlib
import importlib
import math

import numpy as np

from dlcourse import functional as F
from dlcourse import init as initializers
from dlcourse._rng import default_rng
from dlcourse._validate import as_float_array, check_ndim, check_number, check_positive_int, resolve
from dlcourse.training import Summary, Trainable

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

    def _init_params(self, dtype, **makers):
        """Set ``params[name] = make()`` for each ``name=make``, unless inside ``shapes_only()``."""
        if _allocate:
            for name, make in makers.items():
                self.params[name] = np.asarray(make(), dtype=dtype)

    def _check_input(self, x, features, meaning):
        """x as a float array in the parameters' dtype, checked to be (batch, *features)."""
        where = f"{self!r}.forward: "
        x = as_float_array(x, "x", where)
        if self.params:
            x = x.astype(next(iter(self.params.values())).dtype, copy=False)
        check_ndim(x, "x", 1 + len(features), where, meaning)
        if x.shape[1:] != tuple(features):
            raise ValueError(f"{where}argument 'x' must have shape "
                             f"(batch, {', '.join(map(str, features))}), got {x.shape}")
        return x

    def _need_forward(self, attr):
        if getattr(self, attr, None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return getattr(self, attr)

    def _check_dout(self, dout, shape):
        """dout checked to have the forward output's shape (in the parameters' dtype, if any)."""
        dout = as_float_array(dout, "dout", f"{self!r}.backward: ")
        if self.params:
            dout = dout.astype(next(iter(self.params.values())).dtype, copy=False)
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
    ``f(n_in, n_out, rng)``); biases start at zero. ``Linear.from_weights(W, b)``
    makes one with given weights. ``regularizer`` (e.g. ``L2(1e-3)``) penalises W.
    """

    def forward(self, x):
        self.x = self._check_input(x, (self.in_features,), "(batch, in_features)")
        return self.x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        x, W = self._need_forward("x"), self.params["W"]
        dz = self._check_dout(dout, (len(x), self.out_features))
        self.grads["W"] = x.T @ dz + (0 if self.regularizer is None else self.regularizer.grad(W))
        self.grads["b"] = dz.sum(axis=0)
        return dz @ W.T

    def __init__(self, in_features, out_features, init="glorot_uniform", regularizer=None,
                 rng=None, dtype=np.float64):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features", "Linear: ")
        self.out_features = check_positive_int(out_features, "out_features", "Linear: ")
        self.regularizer, self.x = regularizer, None
        self._init_params(dtype, W=lambda: initializers.get(init)(
            self.in_features, self.out_features, rng=default_rng(rng)),
            b=lambda: np.zeros(self.out_features))

    @classmethod
    def from_weights(cls, W, b=None, regularizer=None):
        """A Linear layer holding copies of W (in, out) and b (out,) (zeros if None).

        For a network with weights of our choosing (the slides' values): no
        random numbers are drawn. ``Linear.from_weights([[1], [1]], [-1])`` is
        the AND perceptron's layer.
        """
        where = "Linear.from_weights: "
        W = as_float_array(W, "W", where)
        check_ndim(W, "W", 2, where, "(in_features, out_features)")
        b = np.zeros(W.shape[1], W.dtype) if b is None else as_float_array(b, "b", where)
        if b.shape != (W.shape[1],):
            raise ValueError(f"{where}argument 'b' must have shape ({W.shape[1]},) for W of "
                             f"shape {W.shape}, got {b.shape}")
        layer = cls(*W.shape, init=lambda n_in, n_out, rng: W, regularizer=regularizer,
                    dtype=W.dtype)
        layer.params.update(W=W.copy(), b=b.astype(W.dtype))
        return layer

    def param_shapes(self):
        return {"W": (self.in_features, self.out_features), "b": (self.out_features,)}

    def output_shape(self, input_shape):
        if tuple(input_shape) != (self.in_features,):
            raise ValueError(f"{self!r}: expects inputs of shape ({self.in_features},), "
                             f"got {tuple(input_shape)}")
        return (self.out_features,)

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


class LeakyReLU(Layer):
    """Leaky ReLU y = x where x > 0, alpha x elsewhere; backward dx = dout * (1 or alpha)."""

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = check_number(alpha, "alpha", "LeakyReLU: ", low=0)

    def forward(self, x):
        self.x = as_float_array(x, "x", "LeakyReLU.forward: ")
        return F.leaky_relu(self.x, self.alpha)

    def backward(self, dout):
        x = self._need_forward("x")
        return self._check_dout(dout, x.shape) * F.leaky_relu_grad(x, self.alpha)

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha:g})"


class ELU(Layer):
    """ELU y = x where x > 0, alpha (e^x - 1) elsewhere; backward dx = dout * (1 or alpha e^x)."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = check_number(alpha, "alpha", "ELU: ", low=0)

    def forward(self, x):
        self.x = as_float_array(x, "x", "ELU.forward: ")
        return F.elu(self.x, self.alpha)

    def backward(self, dout):
        x = self._need_forward("x")
        return self._check_dout(dout, x.shape) * F.elu_grad(x, self.alpha)

    def __repr__(self):
        return f"ELU(alpha={self.alpha:g})"


class Softplus(Layer):
    """Softplus y = log(1 + e^x), a smooth ReLU; backward dx = dout * sigmoid(x)."""

    def forward(self, x):
        self.x = as_float_array(x, "x", "Softplus.forward: ")
        return F.softplus(self.x)

    def backward(self, dout):
        x = self._need_forward("x")
        return self._check_dout(dout, x.shape) * F.softplus_grad(x)


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
    "step": Step, "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU,
    "elu": ELU, "softplus": Softplus, "identity": Identity, "linear": Identity, "softmax": Softmax,
}


def activation(name, **options):
    """A new activation layer by name ('step', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu',
    'softplus', 'identity', 'softmax'); ``options`` go to the layer, e.g. ``alpha=0.1``."""
    return resolve(name, ACTIVATIONS, "activation", Layer, **options)


def walk(layer, path=""):
    """Yield (path, layer) for ``layer`` and every layer inside it, depth first, at any depth.

    Paths name the way down, as in ``params``: "1.block.0" is child 0 of the
    block of layer 1. The layer itself has the path given (default "").
    """
    yield path, layer
    if isinstance(layer, Composite):
        for name, child in layer.children():
            yield from walk(child, f"{path}.{name}" if path else name)


class Composite(Layer):
    """A layer made of other layers, its children: ``Sequential`` and ``conv.Residual``.

    A subclass lists its children in ``children()`` as (name, layer) pairs.
    Everything else that walks a model goes through them, at any depth:
    ``params`` and ``grads`` are flat dicts "<child name>.<key>" whose arrays
    are the children's own (so an optimizer updating them updates the layers),
    and ``train``, ``penalty``, ``astype``, ``summary`` and ``walk`` recurse.
    """

    def __init__(self):
        self.training = True  # no params/grads of its own: they are the children's

    def children(self):
        raise NotImplementedError

    @property
    def params(self):
        return {f"{n}.{k}": v for n, child in self.children() for k, v in child.params.items()}

    @property
    def grads(self):
        return {f"{n}.{k}": v for n, child in self.children() for k, v in child.grads.items()}

    def param_shapes(self):
        return {f"{n}.{k}": s for n, child in self.children()
                for k, s in child.param_shapes().items()}

    def train(self, mode=True):
        self.training = bool(mode)
        for _, child in self.children():
            child.train(mode)
        return self

    def penalty(self):
        return sum(child.penalty() for _, child in self.children())

    def astype(self, dtype):
        for _, child in self.children():
            child.astype(dtype)
        return self

    def child_input_shapes(self, input_shape):
        """Each child's input shape for the composite's ``input_shape``; children in a chain."""
        shapes = []
        for _, child in self.children():
            shapes.append(input_shape)
            input_shape = None if input_shape is None else child.output_shape(input_shape)
        return shapes

    def summary(self, input_shape=None, expand_nested=False):
        """Each layer's output shape and parameter count, from shapes alone.

        ``input_shape`` is one example's shape (no batch axis), e.g. (784,) or
        (1, 28, 28); it may be left out when the first layer is Linear.
        ``expand_nested=True`` also lists the layers inside composites (a
        Residual's block, a Sequential inside a Sequential), indented, at any depth.
        """
        if input_shape is None:
            first = next((lay for _, lay in walk(self) if not isinstance(lay, Composite)), None)
            input_shape = (first.in_features,) if hasattr(first, "in_features") else None
        rows = self._summary_rows(None if input_shape is None else tuple(input_shape),
                                  expand_nested, depth=0)
        return Summary(rows, self.num_params())

    def _summary_rows(self, input_shape, expand_nested, depth):
        rows = []
        for (name, child), shape in zip(self.children(), self.child_input_shapes(input_shape)):
            out = None if shape is None else tuple(child.output_shape(shape))
            if expand_nested and isinstance(child, Composite):
                label = type(child).__name__  # its children follow on rows of their own
            else:
                label = " ".join(repr(child).split())  # one line, even for a nested Sequential
            if depth:
                label = f"{'  ' * depth}{name}: {label}"
            rows.append((label, out, child.num_params()))
            if expand_nested and isinstance(child, Composite):
                rows += child._summary_rows(shape, expand_nested, depth + 1)
        return rows


class Sequential(Composite, Trainable):
    """Layers applied in order: forward runs first to last, backward last to first.

    ``params`` and ``grads`` are flat dicts named ``"<index>.<name>"`` (e.g.
    ``"0.W"``) whose arrays are the layers' own (see ``Composite``). The
    Keras-style ``compile``/``fit``/``evaluate``/``predict`` come from ``Trainable``.
    """

    def __init__(self, layers):
        super().__init__()
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: item {i} of 'layers' must be a Layer, "
                                f"got {type(layer).__name__}")

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def children(self):
        return [(str(i), layer) for i, layer in enumerate(self.layers)]

    def output_shape(self, input_shape):
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
        return input_shape

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        inner = ",\n".join(f"  {layer!r}" for layer in self.layers)
        return f"Sequential([\n{inner},\n])"


# Names that live in a higher module, kept here for older notebooks (``nn.Conv2d``).
# They are looked up when first used, never imported by this module (see DEVELOPING.md).
_ALIASES = {name: "dlcourse.conv" for name in
            ("Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "Residual")}


def __getattr__(name):
    if name in _ALIASES:
        return getattr(importlib.import_module(_ALIASES[name]), name)
    raise AttributeError(f"module 'dlcourse.nn' has no attribute {name!r}")
