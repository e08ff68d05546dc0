"""Weight initialisation (가중치 초기화), chapter 6: the slides' six schemes.

Each function is ``f(n_in, n_out, rng=None)`` and returns an (n_in, n_out)
float64 array. Uniform schemes draw from U(-r, r); normal schemes draw from
N(0, sigma^2) with the slides' sigma:

=========  ========================  ========================
scheme     uniform r                 normal sigma
=========  ========================  ========================
LeCun      sqrt(3 / n_in)            sqrt(1 / n_in)
Glorot     sqrt(6 / (n_in + n_out))  sqrt(2 / (n_in + n_out))
He         sqrt(6 / n_in)            sqrt(2 / n_in)
=========  ========================  ========================

For a convolution kernel, n_in = in_channels * kh * kw and n_out =
out_channels * kh * kw (the fan-in and fan-out); pass ``shape`` to get the
kernel's own shape.
"""

import numpy as np

from dlcourse._rng import default_rng
from dlcourse._validate import check_positive_int, resolve


def _draw(kind, scale, n_in, n_out, rng, shape, name):
    """Draw from U(-scale, scale) or N(0, scale^2); ``scale(n_in, n_out)`` is r or sigma."""
    check_positive_int(n_in, "n_in", f"{name}: ")
    check_positive_int(n_out, "n_out", f"{name}: ")
    scale = scale(n_in, n_out)
    rng = default_rng(rng)
    shape = (n_in, n_out) if shape is None else tuple(shape)
    if kind == "uniform":
        return rng.uniform(-scale, scale, size=shape)
    return rng.normal(0.0, scale, size=shape)


def lecun_uniform(n_in, n_out, rng=None, shape=None):
    """U(-r, r) with r = sqrt(3 / n_in) (LeCun et al., 1998)."""
    return _draw("uniform", lambda i, o: np.sqrt(3.0 / i), n_in, n_out, rng, shape, "lecun_uniform")


def lecun_normal(n_in, n_out, rng=None, shape=None):
    """N(0, sigma^2) with sigma = sqrt(1 / n_in) (LeCun et al., 1998)."""
    return _draw("normal", lambda i, o: np.sqrt(1.0 / i), n_in, n_out, rng, shape, "lecun_normal")


def glorot_uniform(n_in, n_out, rng=None, shape=None):
    """U(-r, r) with r = sqrt(6 / (n_in + n_out)) (Glorot and Bengio, 2010)."""
    return _draw("uniform", lambda i, o: np.sqrt(6.0 / (i + o)), n_in, n_out, rng, shape, "glorot_uniform")


def glorot_normal(n_in, n_out, rng=None, shape=None):
    """N(0, sigma^2) with sigma = sqrt(2 / (n_in + n_out)) (Glorot and Bengio, 2010)."""
    return _draw("normal", lambda i, o: np.sqrt(2.0 / (i + o)), n_in, n_out, rng, shape, "glorot_normal")


def he_uniform(n_in, n_out, rng=None, shape=None):
    """U(-r, r) with r = sqrt(6 / n_in) (He et al., 2015)."""
    return _draw("uniform", lambda i, o: np.sqrt(6.0 / i), n_in, n_out, rng, shape, "he_uniform")


def he_normal(n_in, n_out, rng=None, shape=None):
    """N(0, sigma^2) with sigma = sqrt(2 / n_in) (He et al., 2015)."""
    return _draw("normal", lambda i, o: np.sqrt(2.0 / i), n_in, n_out, rng, shape, "he_normal")


SCHEMES = {
    f.__name__: f
    for f in (lecun_uniform, lecun_normal, glorot_uniform, glorot_normal, he_uniform, he_normal)
}


def get(init):
    """An initialiser from a name (e.g. "he_normal") or a function ``f(n_in, n_out, rng)`` as it is."""
    return resolve(init, SCHEMES, "initialiser")
