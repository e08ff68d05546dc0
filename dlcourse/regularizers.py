"""L1 and L2 penalties (정규화), chapter 6.

A penalty is added to the loss for a layer's weights W (never its bias):

    L1:  lambda * sum |w|          gradient  lambda * sign(w)
    L2:  lambda / 2 * sum w^2      gradient  lambda * w

The slides write L1 as (lambda / 2) |w|; the 1/2 there is only a rescaling of
lambda, and the usual form (Keras, most papers) has none, so we use lambda.
"""

import numpy as np

from dlcourse._validate import check_number


class L1:
    """L1 penalty lambda * sum |w|."""

    def __init__(self, lam=0.01):
        self.lam = check_number(lam, "lam", "L1: ", low=0)

    def __call__(self, w):
        return self.lam * float(np.sum(np.abs(w)))

    def grad(self, w):
        return self.lam * np.sign(w)

    def __repr__(self):
        return f"L1(lam={self.lam:g})"


class L2:
    """L2 penalty (weight decay) lambda / 2 * sum w^2."""

    def __init__(self, lam=0.01):
        self.lam = check_number(lam, "lam", "L2: ", low=0)

    def __call__(self, w):
        return 0.5 * self.lam * float(np.sum(w * w))

    def grad(self, w):
        return self.lam * w

    def __repr__(self):
        return f"L2(lam={self.lam:g})"
