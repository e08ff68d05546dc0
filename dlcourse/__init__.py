"""dlcourse: the engine, data and explorers of an open course in deep learning.

The submodules map onto the book's chapters:

========================  ==============================================
``dlcourse.functional``   activation functions and their derivatives (ch. 2)
``dlcourse.losses``       loss functions and their gradients (ch. 3)
``dlcourse.nn``           layers: Linear, activations, Dropout, Sequential (ch. 1, 4, 6)
``dlcourse.gradcheck``    numerical gradients and gradient checks (ch. 4)
``dlcourse.optim``        SGD, Momentum, AdaGrad, RMSProp, Adam (ch. 5)
``dlcourse.init``         LeCun, Glorot and He initialisation (ch. 6)
``dlcourse.regularizers`` L1 and L2 penalties (ch. 6)
``dlcourse.conv``         convolution and pooling (ch. 7)
``dlcourse.models``       LeNet-5, AlexNet, VGG-16 (ch. 7)
``dlcourse.data``         gates, toy 2-D sets, Iris, digits, mini-batches
``dlcourse.widgets``      interactive explorers (loads matplotlib and ipywidgets)
``dlcourse.check``        the checks graded assignments use to give feedback
``dlcourse.i18n``         the language of check messages and explorers (``set_language("ko")``)
========================  ==============================================

``import dlcourse`` loads NumPy only; matplotlib, ipywidgets and tqdm load when
something that needs them is used.
"""

import importlib

from dlcourse._rng import default_rng, set_seed
from dlcourse.i18n import get_language, set_language  # "en" or "ko" (check messages, explorers)

__version__ = "0.1.0"
__all__ = ["default_rng", "set_seed", "set_language", "get_language", "__version__"]

_SUBMODULES = {
    "functional", "losses", "nn", "gradcheck", "optim", "init", "regularizers",
    "conv", "models", "data", "widgets", "check", "training",
}


def __getattr__(name):
    # Submodules load on first use, so `import dlcourse` stays light.
    if name in _SUBMODULES:
        return importlib.import_module(f"dlcourse.{name}")
    raise AttributeError(f"module 'dlcourse' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
