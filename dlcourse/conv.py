"""Convolution and pooling (합성곱과 풀링), chapter 7.

Images are NCHW arrays: x (batch, channels, height, width). A convolution
layer with F kernels of size kh x kw over C input channels has W (F, C, kh, kw)
and b (F,), so (C kh kw + 1) F parameters: the slides' 64 kernels of 7 x 7 on
a grey image need (7*7 + 1) * 64 = 3200.

Like every deep-learning library, the layers compute the cross-correlation
(the kernel is not flipped) and call it convolution, as the slides do:

    y[n, f, i, j] = b[f] + sum_{c, u, v} x_pad[n, c, i S + u, j S + v] W[f, c, u, v]

with stride S and padding P. Each spatial size goes from H to
floor((H + 2P - K) / S) + 1.

Two implementations give the same numbers: ``conv2d_loops`` walks over every
output position (read it to understand the layer), and ``im2col`` copies every
receptive field into a column so that the whole layer is one matrix product
(use it to train: it is hundreds of times faster).
"""

import importlib
import math

import numpy as np

from dlcourse import init as initializers
from dlcourse import nn
from dlcourse._rng import default_rng
from dlcourse._validate import as_float_array, check_int, check_positive_int, lookup

__all__ = [
    "AvgPool2d", "Conv2d", "Flatten", "MaxPool2d", "Residual",
    "col2im", "conv2d_loops", "conv2d_loops_backward", "conv_output_size",
    "im2col", "pad2d", "pad2d_backward",
]

PADDING_MODES = {"zeros": "constant", "replicate": "edge"}  # the slides' 0 덧대기 and 복사 덧대기


# ---------------------------------------------------------------- helpers

def _pair(value, name, where):
    """An int k or a pair (kh, kw) of positive ints, as a pair."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return tuple(check_positive_int(v, name, where) for v in value)
    k = check_positive_int(value, name, where)
    return (k, k)


def _check_images(x, where):
    x = as_float_array(x, "x", where)
    if x.ndim != 4:
        hint = "; for one image use x[None]" if x.ndim == 3 else ""
        raise ValueError(f"{where}argument 'x' must be a 4-D array (batch, channels, height, width), "
                         f"got {x.ndim}-D with shape {x.shape}{hint}")
    return x


def _check_fits(size, kernel, padding, where):
    """Fail unless the kernel (kh, kw) fits in the padded input (H + 2P, W + 2P)."""
    (h, w), (kh, kw) = size, kernel
    if kh > h + 2 * padding or kw > w + 2 * padding:
        raise ValueError(f"{where}the kernel {kh}x{kw} is larger than the padded input "
                         f"{h + 2 * padding}x{w + 2 * padding} (input {h}x{w}, padding {padding})")


def conv_output_size(size, kernel_size, stride=1, padding=0):
    """Output length along one axis: floor((size + 2 padding - kernel_size) / stride) + 1.

    >>> conv_output_size(28, 3, stride=1, padding=1)
    28
    >>> conv_output_size(227, 11, stride=4)   # AlexNet's first layer
    55
    """
    return (size + 2 * padding - kernel_size) // stride + 1


def pad2d(x, padding, mode="zeros"):
    """Pad the last two axes of x (N, C, H, W) by ``padding`` on every side.

    ``mode="zeros"`` adds zeros (0 덧대기); ``mode="replicate"`` copies the
    nearest edge value (복사 덧대기). Returns (N, C, H + 2P, W + 2P).
    """
    if padding == 0:
        return x
    p = padding
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode=PADDING_MODES[mode])


def pad2d_backward(dxp, padding, mode="zeros"):
    """dL/dx from dL/dx_pad (N, C, H + 2P, W + 2P): the inverse route of ``pad2d``.

    Zero padding: crop the border away. Replicate padding: each copied value
    came from an edge pixel, so its gradient is added back onto that pixel
    (rows first, then columns, which sends the corners to the corner pixel).
    Returns (N, C, H, W).
    """
    if padding == 0:
        return dxp
    p = padding
    if mode == "replicate":
        g = dxp.copy()
        g[:, :, p] += g[:, :, :p].sum(axis=2)
        g[:, :, -p - 1] += g[:, :, -p:].sum(axis=2)
        g[:, :, :, p] += g[:, :, :, :p].sum(axis=3)
        g[:, :, :, -p - 1] += g[:, :, :, -p:].sum(axis=3)
        dxp = g
    return dxp[:, :, p:-p, p:-p]


def im2col(x, kernel_size, stride=1):
    """Copy every kh x kw receptive field of x into a column.

    x (N, C, H, W), already padded  ->  cols (N, C kh kw, OH OW), where
    OH = floor((H - kh) / S) + 1, OW likewise, and

        cols[n, (c, u, v), (i, j)] = x[n, c, i S + u, j S + v].

    Then the convolution is one matrix product, W.reshape(F, -1) @ cols,
    of shape (N, F, OH OW). The loop runs over the kh kw kernel offsets only,
    each copying a whole strided slice of x (as Saito's ``im2col`` does).
    """
    kh, kw = _pair(kernel_size, "kernel_size", "im2col: ")
    n, c, h, w = x.shape
    oh, ow = conv_output_size(h, kh, stride), conv_output_size(w, kw, stride)
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for u in range(kh):
        for v in range(kw):
            cols[:, :, u, v] = x[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride]
    return cols.reshape(n, c * kh * kw, oh * ow)


def col2im(cols, x_shape, kernel_size, stride=1):
    """The adjoint of ``im2col``: add every column back where it was copied from.

    cols (N, C kh kw, OH OW), x_shape (N, C, H, W)  ->  (N, C, H, W). Where
    receptive fields overlap, their values add up; this is how dL/dx collects
    the gradient of every output position that saw the pixel.
    """
    kh, kw = _pair(kernel_size, "kernel_size", "col2im: ")
    n, c, h, w = x_shape
    oh, ow = conv_output_size(h, kh, stride), conv_output_size(w, kw, stride)
    cols = cols.reshape(n, c, kh, kw, oh, ow)
    x = np.zeros(x_shape, dtype=cols.dtype)
    for u in range(kh):
        for v in range(kw):
            x[:, :, u:u + stride * oh:stride, v:v + stride * ow:stride] += cols[:, :, u, v]
    return x


# ---------------------------------------------------------------- convolution with loops

def conv2d_loops(x, W, b, stride=1, padding=0, padding_mode="zeros"):
    """2-D convolution (cross-correlation) with plain loops, one output value at a time.

    x (N, C, H, W), W (F, C, kh, kw), b (F,)  ->  y (N, F, OH, OW), with
    OH = floor((H + 2P - kh) / S) + 1, OW likewise, and

        y[n, f, i, j] = sum(x_pad[n, :, i S : i S + kh, j S : j S + kw] * W[f]) + b[f].
    """
    xp = pad2d(x, padding, padding_mode)
    n_batch, _, h, w = xp.shape
    n_kernels, _, kh, kw = W.shape
    oh, ow = conv_output_size(h, kh, stride), conv_output_size(w, kw, stride)
    y = np.empty((n_batch, n_kernels, oh, ow), dtype=W.dtype)
    for n in range(n_batch):
        for f in range(n_kernels):
            for i in range(oh):
                for j in range(ow):
                    window = xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    y[n, f, i, j] = np.sum(window * W[f]) + b[f]
    return y


def conv2d_loops_backward(dout, x, W, stride=1, padding=0, padding_mode="zeros"):
    """Gradients of ``conv2d_loops`` with the same loops, for dout = dL/dy (N, F, OH, OW).

    Each output y[n, f, i, j] used one window of x_pad and the kernel W[f], so

        dL/dW[f]        += dout[n, f, i, j] * window
        dL/dwindow      += dout[n, f, i, j] * W[f]
        dL/db[f]         = sum of dout[:, f]

    Returns dx (N, C, H, W), dW (F, C, kh, kw), db (F,).
    """
    xp = pad2d(x, padding, padding_mode)
    n_batch, n_kernels, oh, ow = dout.shape
    kh, kw = W.shape[2:]
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for n in range(n_batch):
        for f in range(n_kernels):
            for i in range(oh):
                for j in range(ow):
                    rows = slice(i * stride, i * stride + kh)
                    cols = slice(j * stride, j * stride + kw)
                    dW[f] += dout[n, f, i, j] * xp[n, :, rows, cols]
                    dxp[n, :, rows, cols] += dout[n, f, i, j] * W[f]
    db = dout.sum(axis=(0, 2, 3))
    return pad2d_backward(dxp, padding, padding_mode), dW, db


# ---------------------------------------------------------------- layers

class Conv2d(nn.Layer):
    """Convolution layer (합성곱층) on NCHW images.

        y[n, f, i, j] = b[f] + sum_{c, u, v} x_pad[n, c, i S + u, j S + v] W[f, c, u, v]

    Shapes: x (N, C, H, W), W (F, C, kh, kw), b (F,), y (N, F, OH, OW) with
    OH = floor((H + 2P - kh) / S) + 1 and OW likewise; C = in_channels,
    F = out_channels, S = stride, P = padding. Parameters: (C kh kw + 1) F.

    Backward, with dy = dL/dy and cols = im2col(x_pad):
        dL/dW = dy @ cols^T (summed over the batch),   dL/db = sum of dy over n, i, j,
        dL/dx = col2im(W^T @ dy), then un-padded.

    ``padding_mode`` is "zeros" (0 덧대기) or "replicate" (복사 덧대기: the edge
    values are copied). ``impl`` is "im2col" (fast, the default) or "loops"
    (``conv2d_loops``, for reading; the same numbers). ``init`` names a scheme
    of ``dlcourse.init`` with fan-in C kh kw and fan-out F kh kw; biases start at 0.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 padding_mode="zeros", impl="im2col", init="he_normal", rng=None,
                 dtype=np.float64):
        super().__init__()
        where = "Conv2d: "
        self.in_channels = check_positive_int(in_channels, "in_channels", where)
        self.out_channels = check_positive_int(out_channels, "out_channels", where)
        self.kernel_size = _pair(kernel_size, "kernel_size", where)
        self.stride = check_positive_int(stride, "stride", where)
        self.padding = check_int(padding, "padding", where, 0)
        lookup(padding_mode, PADDING_MODES, "padding_mode")
        self.padding_mode = padding_mode.lower()
        self.impl = lookup(impl, {"im2col": "im2col", "loops": "loops"}, "impl")
        self.x = None
        kh, kw = self.kernel_size
        fan_in, fan_out = self.in_channels * kh * kw, self.out_channels * kh * kw
        self._init_params(dtype, W=lambda: initializers.get(init)(
            fan_in, fan_out, rng=default_rng(rng), shape=self.param_shapes()["W"]),
            b=lambda: np.zeros(self.out_channels))

    def param_shapes(self):
        return {"W": (self.out_channels, self.in_channels, *self.kernel_size),
                "b": (self.out_channels,)}

    def output_shape(self, input_shape):
        _, h, w = self._check_input(tuple(input_shape), "input_shape", f"{self!r}: ")
        kh, kw = self.kernel_size
        return (self.out_channels, conv_output_size(h, kh, self.stride, self.padding),
                conv_output_size(w, kw, self.stride, self.padding))

    def _check_input(self, shape, name, where):
        """Check one example's shape (C, H, W) against the layer's settings."""
        if len(shape) != 3:
            raise ValueError(f"{where}{name} must be (channels, height, width), got {shape}")
        if shape[0] != self.in_channels:
            raise ValueError(f"{where}{name} {shape} has {shape[0]} channels, but the layer "
                             f"expects in_channels={self.in_channels}")
        _check_fits(shape[1:], self.kernel_size, self.padding, where)
        return shape

    def forward(self, x):
        where = f"{self!r}.forward: "
        W, b = self.params["W"], self.params["b"]
        x = _check_images(x, where).astype(W.dtype, copy=False)
        self._check_input(x.shape[1:], "the example shape of 'x'", where)
        self.x = x
        if self.impl == "loops":
            return conv2d_loops(x, W, b, self.stride, self.padding, self.padding_mode)
        xp = pad2d(x, self.padding, self.padding_mode)
        self.xp_shape = xp.shape
        self.cols = im2col(xp, self.kernel_size, self.stride)   # (N, C kh kw, OH OW)
        y = W.reshape(self.out_channels, -1) @ self.cols          # (N, F, OH OW)
        y += b[:, None]
        return y.reshape(len(x), *self.output_shape(x.shape[1:]))

    def backward(self, dout):
        x = self._need_forward("x")
        W = self.params["W"]
        shape = (len(x), *self.output_shape(x.shape[1:]))
        dy = self._check_dout(dout, shape).astype(W.dtype, copy=False)
        if self.impl == "loops":
            dx, self.grads["W"], self.grads["b"] = conv2d_loops_backward(
                dy, x, W, self.stride, self.padding, self.padding_mode)
            return dx
        dy = dy.reshape(len(x), self.out_channels, -1)                    # (N, F, OH OW)
        self.grads["b"] = dy.sum(axis=(0, 2))
        # sum over n of dy[n] @ cols[n]^T; a batched matmul is faster here than tensordot
        self.grads["W"] = (dy @ self.cols.transpose(0, 2, 1)).sum(axis=0).reshape(W.shape)
        dcols = W.reshape(self.out_channels, -1).T @ dy                   # (N, C kh kw, OH OW)
        dxp = col2im(dcols, self.xp_shape, self.kernel_size, self.stride)
        return pad2d_backward(dxp, self.padding, self.padding_mode)

    def __repr__(self):
        kh, kw = self.kernel_size
        extra = "".join([
            f", stride={self.stride}" if self.stride != 1 else "",
            f", padding={self.padding}" if self.padding else "",
            f", padding_mode={self.padding_mode!r}" if self.padding_mode != "zeros" else "",
            f", impl={self.impl!r}" if self.impl != "im2col" else "",
        ])
        k = kh if kh == kw else (kh, kw)
        return f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={k}{extra})"


class _Pool2d(nn.Layer):
    """Shared part of the pooling layers: k x k windows every S pixels, channel by channel."""

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        where = f"{type(self).__name__}: "
        self.kernel_size = _pair(kernel_size, "kernel_size", where)
        if stride is None and self.kernel_size[0] != self.kernel_size[1]:
            raise ValueError(f"{where}a rectangular kernel {self.kernel_size} needs an explicit "
                             f"'stride' (the default, the kernel size, is one number)")
        self.stride = self.kernel_size[0] if stride is None else check_positive_int(stride, "stride",
                                                                                    where)
        self.x_shape = None

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) != 3:
            raise ValueError(f"{self!r}: input_shape must be (channels, height, width), got {shape}")
        _check_fits(shape[1:], self.kernel_size, 0, f"{self!r}: ")
        (kh, kw), s = self.kernel_size, self.stride
        return (shape[0], conv_output_size(shape[1], kh, s), conv_output_size(shape[2], kw, s))

    def _windows(self, x):
        """x (N, C, H, W) -> windows (N C, kh kw, OH OW): each channel is pooled on its own."""
        x = _check_images(x, f"{self!r}.forward: ")
        out_shape = (len(x), *self.output_shape(x.shape[1:]))
        self.x_shape = x.shape
        n, c, h, w = x.shape
        return im2col(x.reshape(n * c, 1, h, w), self.kernel_size, self.stride), out_shape

    def _to_image(self, dcols):
        n, c, h, w = self.x_shape
        return col2im(dcols, (n * c, 1, h, w), self.kernel_size, self.stride).reshape(self.x_shape)

    def __repr__(self):
        kh, kw = self.kernel_size
        k = kh if kh == kw else (kh, kw)
        stride = f", stride={self.stride}" if self.stride != kh else ""
        return f"{type(self).__name__}({k}{stride})"


class MaxPool2d(_Pool2d):
    """Max pooling (최대 풀링): y[n, c, i, j] = max of x over the window at (i S, j S).

    Shapes: x (N, C, H, W) -> y (N, C, OH, OW), OH = floor((H - kh) / S) + 1.
    The stride S defaults to the kernel size (windows side by side). No
    parameters; the number of channels is kept. Backward: the gradient goes
    to the position of each window's maximum (the first one, on ties).
    """

    def forward(self, x):
        cols, out_shape = self._windows(x)               # (N C, kh kw, OH OW)
        self.argmax = cols.argmax(axis=1)[:, None]       # (N C, 1, OH OW)
        return np.take_along_axis(cols, self.argmax, axis=1).reshape(out_shape)

    def backward(self, dout):
        argmax = self._need_forward("argmax")
        dout = self._check_dout(dout, (self.x_shape[0], *self.output_shape(self.x_shape[1:])))
        dcols = np.zeros((argmax.shape[0], math.prod(self.kernel_size), argmax.shape[2]),
                         dtype=dout.dtype)
        np.put_along_axis(dcols, argmax, dout.reshape(argmax.shape), axis=1)
        return self._to_image(dcols)


class AvgPool2d(_Pool2d):
    """Average pooling (평균 풀링): y[n, c, i, j] = mean of x over the window at (i S, j S).

    Shapes: x (N, C, H, W) -> y (N, C, OH, OW), OH = floor((H - kh) / S) + 1;
    S defaults to the kernel size. Backward: each of the kh kw inputs of a
    window gets dout / (kh kw).
    """

    def forward(self, x):
        cols, out_shape = self._windows(x)
        self.size = cols.shape[1]
        return cols.mean(axis=1).reshape(out_shape)

    def backward(self, dout):
        size = self._need_forward("size")
        dout = self._check_dout(dout, (self.x_shape[0], *self.output_shape(self.x_shape[1:])))
        n, c = self.x_shape[:2]
        dcols = np.broadcast_to(dout.reshape(n * c, 1, -1) / size, (n * c, size, dout[0, 0].size))
        return self._to_image(dcols)


class Flatten(nn.Layer):
    """Flatten each example into a vector: x (N, C, H, W) -> (N, C H W), before Linear layers."""

    def forward(self, x):
        x = as_float_array(x, "x", "Flatten.forward: ")
        if x.ndim < 2:
            raise ValueError(f"Flatten.forward: argument 'x' must have a batch axis and at least "
                             f"one more, got shape {x.shape}")
        self.shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        shape = self._need_forward("shape")
        return self._check_dout(dout, (shape[0], math.prod(shape[1:]))).reshape(shape)

    def output_shape(self, input_shape):
        return (math.prod(input_shape),)


class Residual(nn.Composite):
    """Residual block (잔류 학습), as in He et al. (2016): y = ReLU(F(x) + shortcut(x)).

    F is ``block`` (e.g. conv -> ReLU -> conv). The shortcut is the identity,
    so the block only learns the residual F(x) = H(x) - x; when F changes the
    shape (more channels, stride 2), pass a projection ``shortcut`` such as
    ``Conv2d(c_in, c_out, 1, stride=2)`` (the paper's option B). The ReLU comes
    after the addition, as in the 2016 CVPR paper.

    Backward, with dz = dy where F(x) + shortcut(x) > 0 and 0 elsewhere:
        dL/dx = F.backward(dz) + shortcut.backward(dz)   (dz itself for the identity).
    ``params`` are named "block.<name>" and "shortcut.<name>" (see ``nn.Composite``).
    """

    def forward(self, x):
        x = as_float_array(x, "x", "Residual.forward: ")
        fx = self.block.forward(x)
        sx = x if self.shortcut is None else self.shortcut.forward(x)
        self._same(fx.shape, sx.shape, "Residual.forward: ")
        return self.relu.forward(fx + sx)

    def backward(self, dout):
        dz = self.relu.backward(dout)
        dx = self.block.backward(dz)
        return dx + (dz if self.shortcut is None else self.shortcut.backward(dz))

    def __init__(self, block, shortcut=None):
        super().__init__()
        for name, layer in (("block", block), ("shortcut", shortcut)):
            if layer is not None and not isinstance(layer, nn.Layer):
                raise TypeError(f"Residual: argument {name!r} must be a Layer, "
                                f"got {type(layer).__name__}")
        self.block, self.shortcut, self.relu = block, shortcut, nn.ReLU()

    def children(self):
        shortcut = [] if self.shortcut is None else [("shortcut", self.shortcut)]
        return [("block", self.block)] + shortcut

    def child_input_shapes(self, input_shape):
        return [input_shape for _ in self.children()]  # block and shortcut both see x

    def output_shape(self, input_shape):
        shape = tuple(input_shape)
        fx = self.block.output_shape(shape)
        sx = shape if self.shortcut is None else self.shortcut.output_shape(shape)
        self._same(tuple(fx), tuple(sx), f"{self!r}: ")
        return fx

    def _same(self, fx_shape, sx_shape, where):
        if fx_shape != sx_shape:
            raise ValueError(f"{where}the block gives shape {fx_shape} but the shortcut gives "
                             f"{sx_shape}; pass a projection shortcut (e.g. a 1x1 Conv2d) "
                             f"that maps x to the block's output shape")

    def __repr__(self):  # one line, so that it fits a row of model.summary()
        block = " -> ".join(map(repr, getattr(self.block, "layers", [self.block])))
        shortcut = "" if self.shortcut is None else f", shortcut={self.shortcut!r}"
        return f"Residual({block}{shortcut})"


# The networks of the slides moved to ``dlcourse.models``; these names keep older
# notebooks working (``conv.lenet5``). Looked up when first used, never imported here.
_ALIASES = {name: "dlcourse.models" for name in ("lenet5", "alexnet", "vgg16", "VGG16_CHANNELS")}


def __getattr__(name):
    if name in _ALIASES:
        return getattr(importlib.import_module(_ALIASES[name]), name)
    raise AttributeError(f"module 'dlcourse.conv' has no attribute {name!r}")
