"""The networks of the slides, chapter 7: LeNet-5, AlexNet and VGG-16.

Each builder returns an ``nn.Sequential`` of ``dlcourse.conv`` and ``dlcourse.nn``
layers. Inside ``nn.shapes_only()`` no weights are allocated, so even VGG-16's
138 million parameters can be counted with ``model.summary(input_shape)``.
(Also reachable as ``dlcourse.conv.lenet5`` and so on, their former home.)
"""

import numpy as np

from dlcourse import nn
from dlcourse._rng import default_rng
from dlcourse.conv import Conv2d, Flatten, MaxPool2d

__all__ = ["VGG16_CHANNELS", "alexnet", "lenet5", "vgg16"]


def lenet5(image_size=32, in_channels=1, n_classes=10, rng=None, dtype=np.float64):
    """LeNet-5 (LeCun et al., 1998) in its modern form: ReLU, max pooling, logits out.

    ``image_size=32`` is the paper's layout: conv 5x5 (6) -> pool 2 -> conv 5x5
    (16) -> pool 2 -> 400 -> 120 -> 84 -> n_classes, 61,706 parameters
    (``image_size=28`` pads MNIST-sized images by 2 to get the same layout).
    The paper's C3 connected only some channel pairs, its pooling had weights
    and its output was RBF units; here every layer is the plain kind.

    ``image_size=8`` adapts it to the package's 8x8 digits (our change, not the
    paper's): conv 5x5 padding 2 (6) -> pool 2 -> conv 3x3 padding 1 (16) ->
    256 -> 120 -> 84 -> n_classes, 42,890 parameters. The second conv is 3x3
    and the second pool is left out, because a 4x4 map has no room for more;
    it reaches about 98% test accuracy on the digits (tests/test_conv.py).

    Input (N, in_channels, s, s); output logits (N, n_classes), to train with
    the "softmax_crossentropy" loss. Each conv layer is followed by ReLU.
    """
    rng = default_rng(rng)
    kw = {"rng": rng, "dtype": dtype}
    if image_size == 8:
        features = [Conv2d(in_channels, 6, 5, padding=2, **kw), nn.ReLU(), MaxPool2d(2),
                    Conv2d(6, 16, 3, padding=1, **kw), nn.ReLU()]
        n_features = 16 * 4 * 4
    elif image_size in (28, 32):
        features = [Conv2d(in_channels, 6, 5, padding=(32 - image_size) // 2, **kw), nn.ReLU(),
                    MaxPool2d(2), Conv2d(6, 16, 5, **kw), nn.ReLU(), MaxPool2d(2)]
        n_features = 16 * 5 * 5
    else:
        raise ValueError(f"lenet5: argument 'image_size' must be 32, 28 or 8, got {image_size!r}")
    return nn.Sequential(features + [
        Flatten(),
        nn.Linear(n_features, 120, init="he_normal", **kw), nn.ReLU(),
        nn.Linear(120, 84, init="he_normal", **kw), nn.ReLU(),
        nn.Linear(84, n_classes, **kw),
    ])


def alexnet(n_classes=1000, rng=None, dtype=np.float64):
    """AlexNet (Krizhevsky, Sutskever and Hinton, 2012) on (3, 227, 227) images.

    Five conv layers (96 11x11 stride 4; 256 5x5; 384, 384, 256 3x3), overlapping
    3x3 max pooling with stride 2, and FC 9216 -> 4096 -> 4096 -> n_classes with
    dropout 0.5. Feature maps 96x55x55 = 290,400, 256x27x27 = 186,624,
    384x13x13 = 64,896 (twice) and 256x13x13 = 43,264 nodes, as in the slides.

    This is the single-tower version with every kernel seeing every channel:
    62,378,344 parameters for 1000 classes, the count usually published. The
    paper split conv2, conv4 and conv5 between two GPUs, so each kernel saw only
    half the channels (60,965,224 parameters). Local response normalisation is
    left out (it has no parameters). torchvision's ``alexnet`` is a different
    variant (64-192-384-256-256 kernels, 61,100,840 parameters).
    """
    rng = default_rng(rng)
    kw = {"rng": rng, "dtype": dtype}
    return nn.Sequential([
        Conv2d(3, 96, 11, stride=4, **kw), nn.ReLU(), MaxPool2d(3, stride=2),
        Conv2d(96, 256, 5, padding=2, **kw), nn.ReLU(), MaxPool2d(3, stride=2),
        Conv2d(256, 384, 3, padding=1, **kw), nn.ReLU(),
        Conv2d(384, 384, 3, padding=1, **kw), nn.ReLU(),
        Conv2d(384, 256, 3, padding=1, **kw), nn.ReLU(), MaxPool2d(3, stride=2),
        Flatten(),
        nn.Dropout(0.5, rng=rng), nn.Linear(256 * 6 * 6, 4096, init="he_normal", **kw), nn.ReLU(),
        nn.Dropout(0.5, rng=rng), nn.Linear(4096, 4096, init="he_normal", **kw), nn.ReLU(),
        nn.Linear(4096, n_classes, **kw),
    ])


VGG16_CHANNELS = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                  512, 512, 512, "M"]


def vgg16(n_classes=1000, rng=None, dtype=np.float64):
    """VGG-16 (Simonyan and Zisserman, 2015, configuration D) on (3, 224, 224) images.

    Thirteen 3x3 conv layers with padding 1 (64, 64 | 128, 128 | 256 x 3 |
    512 x 3 | 512 x 3, each followed by ReLU; "|" is a 2x2 max pool), then FC
    25088 -> 4096 -> 4096 -> n_classes with dropout: 138,357,544 parameters for
    1000 classes, the paper's 138 million.
    """
    rng = default_rng(rng)
    kw = {"rng": rng, "dtype": dtype}
    layers, c = [], 3
    for item in VGG16_CHANNELS:
        if item == "M":
            layers.append(MaxPool2d(2))
        else:
            layers += [Conv2d(c, item, 3, padding=1, **kw), nn.ReLU()]
            c = item
    return nn.Sequential(layers + [
        Flatten(),
        nn.Linear(512 * 7 * 7, 4096, init="he_normal", **kw), nn.ReLU(), nn.Dropout(0.5, rng=rng),
        nn.Linear(4096, 4096, init="he_normal", **kw), nn.ReLU(), nn.Dropout(0.5, rng=rng),
        nn.Linear(4096, n_classes, **kw),
    ])
