"""Optimizers (옵티마이저), chapter 5, in the slides' notation.

Each has ``update(params, grads)``: ``params`` and ``grads`` are dicts of arrays
with the same keys, and the arrays in ``params`` are changed in place. State
(velocities, running averages) is kept per key and made on first use. eta is
the learning rate, g = grads[key] the gradient, x = params[key] the parameter.
"""

import numpy as np

from dlcourse._validate import check_number, resolve


class Optimizer:
    def __init__(self, lr):
        self.lr = check_number(lr, "lr", f"{type(self).__name__}: ", low=0, low_open=True)
        self.state = {}

    def update(self, params, grads):
        """Apply one step to every parameter that has a gradient."""
        for key, x in params.items():
            if key not in grads:
                continue
            g = grads[key]
            if g.shape != x.shape:
                raise ValueError(f"{type(self).__name__}.update: grads[{key!r}] has shape {g.shape}, "
                                 f"params[{key!r}] has shape {x.shape}")
            self.step(key, x, g)

    def step(self, key, x, g):
        raise NotImplementedError

    def _slot(self, name, key, like):
        """The state array ``name`` for parameter ``key``, zeros on first use."""
        slots = self.state.setdefault(name, {})
        if key not in slots:
            slots[key] = np.zeros_like(like)
        return slots[key]

    def __repr__(self):
        return f"{type(self).__name__}(lr={self.lr:g})"


class SGD(Optimizer):
    """Gradient descent: x <- x - eta g."""

    def __init__(self, lr=0.01):
        super().__init__(lr)

    def step(self, key, x, g):
        x -= self.lr * g


class Momentum(Optimizer):
    """Momentum (Polyak, 1964), the slides' velocity form:
    v <- gamma v + eta g,   x <- x - v   (gamma ~ 0.9)."""

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__(lr)
        self.momentum = check_number(momentum, "momentum", "Momentum: ", low=0, high=1, high_open=True)

    def step(self, key, x, g):
        v = self._slot("v", key, x)
        v *= self.momentum
        v += self.lr * g
        x -= v


class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al., 2011): h <- h + g^2,  x <- x - eta g / sqrt(h + eps).

    eps sits inside the square root, as in the slides."""

    def __init__(self, lr=0.01, eps=1e-8):
        super().__init__(lr)
        self.eps = check_number(eps, "eps", "AdaGrad: ", low=0, low_open=True)

    def step(self, key, x, g):
        h = self._slot("h", key, x)
        h += g * g
        x -= self.lr * g / np.sqrt(h + self.eps)


class RMSProp(Optimizer):
    """RMSProp (Tieleman and Hinton, 2012): an exponential average instead of a sum,
    h <- rho h + (1 - rho) g^2,  x <- x - eta g / sqrt(h + eps)."""

    def __init__(self, lr=0.001, decay=0.9, eps=1e-8):
        super().__init__(lr)
        self.decay = check_number(decay, "decay", "RMSProp: ", low=0, high=1, high_open=True)
        self.eps = check_number(eps, "eps", "RMSProp: ", low=0, low_open=True)

    def step(self, key, x, g):
        h = self._slot("h", key, x)
        h *= self.decay
        h += (1.0 - self.decay) * g * g
        x -= self.lr * g / np.sqrt(h + self.eps)


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015): momentum and RMSProp with bias correction.

        m <- beta1 m + (1 - beta1) g          v <- beta2 v + (1 - beta2) g^2
        m_hat = m / (1 - beta1^t)             v_hat = v / (1 - beta2^t)
        x <- x - eta m_hat / sqrt(v_hat + eps)

    t counts the steps taken for that parameter, starting at 1. The bias
    correction undoes the pull towards 0 of m and v, which start at 0. eps sits
    inside the square root as in the slides (the paper puts it outside; the
    difference is negligible).
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1 = check_number(beta1, "beta1", "Adam: ", low=0, high=1, high_open=True)
        self.beta2 = check_number(beta2, "beta2", "Adam: ", low=0, high=1, high_open=True)
        self.eps = check_number(eps, "eps", "Adam: ", low=0, low_open=True)

    def step(self, key, x, g):
        m, v = self._slot("m", key, x), self._slot("v", key, x)
        t = self.state.setdefault("t", {})
        t[key] = t.get(key, 0) + 1
        m *= self.beta1
        m += (1.0 - self.beta1) * g
        v *= self.beta2
        v += (1.0 - self.beta2) * g * g
        m_hat = m / (1.0 - self.beta1 ** t[key])
        v_hat = v / (1.0 - self.beta2 ** t[key])
        x -= self.lr * m_hat / np.sqrt(v_hat + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam}


def get(optimizer, **options):
    """An optimizer from a name ("sgd", "momentum", "adagrad", "rmsprop", "adam"), an
    Optimizer class or object; ``options`` go to the class (``get("adam", lr=0.01)``)."""
    return resolve(optimizer, OPTIMIZERS, "optimizer", Optimizer, **options)
