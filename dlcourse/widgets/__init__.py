"""Interactive explorers (ipywidgets 8 + matplotlib), one per big picture of the slides.

Each ``*_explorer()`` returns a live widget; each ``*_animation()`` returns a
scrubbable JavaScript animation (or a grid of states) for the static book,
where no kernel runs. Importing this module loads matplotlib and ipywidgets.
"""

from dlcourse.widgets.activations import activation_animation, activation_explorer  # noqa: F401
from dlcourse.widgets.backprop import backprop_animation, backprop_explorer  # noqa: F401
from dlcourse.widgets.convolution import convolution_animation, convolution_explorer  # noqa: F401
from dlcourse.widgets.gradient_descent import (  # noqa: F401
    gradient_descent_animation,
    gradient_descent_explorer,
)
from dlcourse.widgets.initialization import init_animation, init_explorer  # noqa: F401
from dlcourse.widgets.optimizer_race import optimizer_race_animation, optimizer_race_explorer  # noqa: F401
from dlcourse.widgets.overfitting import overfitting_animation, overfitting_explorer  # noqa: F401
from dlcourse.widgets.perceptron import (  # noqa: F401
    perceptron_animation,
    perceptron_explorer,
    perceptron_outputs,
)
from dlcourse.widgets.playground import playground, playground_animation  # noqa: F401
from dlcourse.widgets.space_warp import space_warp_animation, space_warp_explorer  # noqa: F401
