"""Tests for dlcourse.conv: convolution, pooling, Flatten, Residual and the networks of chapter 7."""

import tracemalloc

import numpy as np
import pytest

from dlcourse import conv, data, nn, optim
from dlcourse.gradcheck import check_layer

# Every layer here is piecewise linear, so away from a kink (ReLU, a max) the central
# difference has no truncation error at all; only rounding, about eps * |L| / h, is left.
# A step of 1e-4 instead of the default 1e-5 makes that ten times smaller.
H = 1e-4
TOL = 1e-7


def gen(seed=0):
    return np.random.default_rng(seed)


def conv_layer(c_in, c_out, k, seed=0, **kwargs):
    """A Conv2d with random (not zero) biases, so that their gradient is checked too."""
    layer = conv.Conv2d(c_in, c_out, k, rng=seed, **kwargs)
    layer.params["b"][:] = gen(seed + 100).standard_normal(c_out)
    return layer


def assert_gradients(layer, x, seed=0):
    errors = check_layer(layer, x, rng=seed, h=H)
    assert set(errors) == {"x", *layer.params}
    worst = max(errors, key=errors.get)
    assert errors[worst] < TOL, f"{layer!r}: relative error {errors[worst]:.2e} for {worst}"


# ---------------------------------------------------------------- gradient checks

CONV_CASES = [  # (x shape, out channels, kernel, stride, padding)
    ((2, 3, 7, 6), 4, 3, 1, 0),
    ((2, 3, 7, 6), 4, 3, 2, 1),
    ((2, 2, 6, 6), 3, 3, 1, 2),
    ((1, 2, 8, 7), 3, (2, 3), 3, 1),
    ((3, 1, 5, 5), 2, 1, 1, 0),
]


@pytest.mark.parametrize("padding_mode", ["zeros", "replicate"])
@pytest.mark.parametrize("shape, c_out, k, stride, padding", CONV_CASES)
def test_conv2d_gradients(padding_mode, shape, c_out, k, stride, padding):
    layer = conv_layer(shape[1], c_out, k, stride=stride, padding=padding,
                       padding_mode=padding_mode)
    assert_gradients(layer, gen(1).standard_normal(shape))


# The loops are slow under a numerical gradient (two forward passes per number), so
# they get smaller cases; test_loops_equal_im2col covers the rest.
@pytest.mark.parametrize("padding_mode", ["zeros", "replicate"])
@pytest.mark.parametrize("shape, c_out, k, stride, padding",
                         [((2, 2, 5, 4), 2, 3, 2, 1), ((1, 1, 4, 4), 2, (2, 3), 1, 2)])
def test_conv2d_loops_gradients(padding_mode, shape, c_out, k, stride, padding):
    layer = conv_layer(shape[1], c_out, k, stride=stride, padding=padding,
                       padding_mode=padding_mode, impl="loops")
    assert_gradients(layer, gen(1).standard_normal(shape))


@pytest.mark.parametrize("layer", [conv.MaxPool2d(2), conv.MaxPool2d(3, stride=2),
                                   conv.AvgPool2d(2), conv.AvgPool2d(3, stride=2),
                                   conv.AvgPool2d((2, 3), stride=1), conv.Flatten()],
                         ids=repr)
def test_pool_and_flatten_gradients(layer):
    assert_gradients(layer, gen(2).standard_normal((2, 3, 7, 7)))


def test_residual_identity_gradients():
    block = nn.Sequential([conv_layer(3, 3, 3, seed=1, padding=1), nn.ReLU(),
                           conv_layer(3, 3, 3, seed=2, padding=1)])
    assert_gradients(conv.Residual(block), gen(3).standard_normal((2, 3, 5, 5)))


def test_residual_projection_gradients():
    block = nn.Sequential([conv_layer(3, 4, 3, seed=1, stride=2, padding=1), nn.ReLU(),
                           conv_layer(4, 4, 3, seed=2, padding=1)])
    layer = conv.Residual(block, shortcut=conv_layer(3, 4, 1, seed=3, stride=2))
    assert set(layer.params) == {"block.0.W", "block.0.b", "block.2.W", "block.2.b",
                                 "shortcut.W", "shortcut.b"}
    assert_gradients(layer, gen(4).standard_normal((2, 3, 6, 6)))
    row = nn.Sequential([layer]).summary((3, 6, 6)).rows[0]
    assert row == (repr(layer), (4, 3, 3), 4 * 3 * 9 + 4 + 4 * 4 * 9 + 4 + 4 * 3 + 4)
    assert "\n" not in repr(layer)


def test_a_small_cnn_gradients():
    model = nn.Sequential([conv_layer(1, 2, 3, padding=1, padding_mode="replicate"), nn.ReLU(),
                           conv.MaxPool2d(2), conv.Flatten(), nn.Linear(8, 3, rng=0)])
    assert_gradients(model, gen(5).standard_normal((2, 1, 4, 4)))


def test_wrong_backward_is_caught():
    """The gradient check can fail: a layer that forgets the overlap of windows is caught."""
    layer = conv_layer(1, 1, 3)
    x = gen(6).standard_normal((1, 1, 5, 5))
    good = layer.backward
    layer.backward = lambda dout: good(dout) * 0.5
    assert check_layer(layer, x, h=H)["x"] > 0.1


# ---------------------------------------------------------------- two implementations, one answer

@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("padding_mode", ["zeros", "replicate"])
def test_loops_equal_im2col(seed, padding_mode):
    r = gen(seed)
    c_in, c_out = r.integers(1, 4, size=2)
    k = int(r.integers(1, 5))
    stride, padding = int(r.integers(1, 4)), int(r.integers(0, 3))
    h, w = r.integers(k, k + 6, size=2)
    x = r.standard_normal((2, c_in, h, w))
    fast = conv_layer(c_in, c_out, k, seed=seed, stride=stride, padding=padding,
                      padding_mode=padding_mode)
    slow = conv.Conv2d(c_in, c_out, k, stride=stride, padding=padding,
                       padding_mode=padding_mode, impl="loops")
    slow.params = {name: p.copy() for name, p in fast.params.items()}
    y = fast.forward(x)
    np.testing.assert_allclose(slow.forward(x), y, rtol=1e-12, atol=1e-12)
    dout = r.standard_normal(y.shape)
    np.testing.assert_allclose(slow.backward(dout), fast.backward(dout), rtol=1e-12, atol=1e-12)
    for name in ("W", "b"):
        np.testing.assert_allclose(slow.grads[name], fast.grads[name], rtol=1e-12, atol=1e-12)


def test_im2col_layout_and_col2im_is_its_adjoint():
    x = gen(7).standard_normal((2, 3, 6, 5))
    cols = conv.im2col(x, (2, 3), stride=2)                 # OH = 3, OW = 2
    assert cols.shape == (2, 3 * 2 * 3, 3 * 2)
    # cols[n, (c, u, v), (i, j)] = x[n, c, i S + u, j S + v]
    assert cols[1, 2 * 6 + 1 * 3 + 2, 2 * 2 + 1] == x[1, 2, 2 * 2 + 1, 1 * 2 + 2]
    # <im2col(x), c> = <x, col2im(c)> for every c: col2im sends gradients back correctly
    c = gen(8).standard_normal(cols.shape)
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * conv.col2im(c, x.shape, (2, 3), 2)))


def test_replicate_padding_copies_the_edges():
    x = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)             # [[1, 2], [3, 4]]
    xp = conv.pad2d(x, 1, "replicate")[0, 0]
    np.testing.assert_array_equal(xp, [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    np.testing.assert_array_equal(conv.pad2d(x, 1)[0, 0, 0], [0, 0, 0, 0])
    # each corner pixel was copied into 4 places (itself and 3 copies)
    np.testing.assert_array_equal(conv.pad2d_backward(np.ones((1, 1, 4, 4)), 1, "replicate"),
                                  np.full((1, 1, 2, 2), 4.0))


# ---------------------------------------------------------------- what is computed

def test_cross_correlation_not_convolution():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)            # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    layer = conv.Conv2d(1, 1, 3)
    layer.params["W"][...] = [[[[1, 2, 0], [0, 0, 0], [0, 0, -1]]]]
    # by hand: 1*1 + 2*2 - 1*9 = -4; a true convolution flips the kernel: -1*1 + 2*8 + 1*9 = 24
    for impl in ("im2col", "loops"):
        layer.impl = impl
        assert layer.forward(x).item() == -4.0


def test_the_slides_rgb_example():
    """Figure 4-14: a zero-padded RGB image and one 3x3x3 kernel give 9 at the corner."""
    x = np.array([[[1, 1], [2, 1]], [[2, 2], [1, 0]], [[0, 3], [1, 0]]], dtype=float)[None]
    layer = conv.Conv2d(3, 1, 3, padding=1)
    layer.params["W"][0] = [[[0, 0, 0], [0, 0, 1], [0, 1, 0]],
                            [[0, 2, 0], [0, 2, 0], [0, 2, 0]],
                            [[1, 0, 0], [0, 2, 0], [0, 0, 1]]]
    assert layer.forward(x)[0, 0, 0, 0] == 9.0


def test_stride_and_bias():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    layer = conv.Conv2d(1, 2, 1, stride=2)
    layer.params["W"][:, 0, 0, 0] = [1.0, -1.0]
    layer.params["b"][:] = [10.0, 0.0]
    y = layer.forward(x)
    np.testing.assert_array_equal(y[0, 0], x[0, 0, ::2, ::2] + 10.0)
    np.testing.assert_array_equal(y[0, 1], -x[0, 0, ::2, ::2])


def test_pooling_values():
    x = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [0, 0, 5, 6], [1, 2, 7, 8]], dtype=float)[None, None]
    np.testing.assert_array_equal(conv.MaxPool2d(2).forward(x)[0, 0], [[4, 2], [2, 8]])
    np.testing.assert_array_equal(conv.AvgPool2d(2).forward(x)[0, 0], [[2.5, 1], [0.75, 6.5]])
    np.testing.assert_array_equal(conv.MaxPool2d(3, stride=1).forward(x)[0, 0], [[5, 6], [7, 8]])


def test_output_size_formula():
    for size, k, s, p in [(28, 3, 1, 1), (227, 11, 4, 0), (7, 3, 2, 1), (8, 5, 3, 2)]:
        x = np.zeros((1, 1, size, size))
        y = conv.Conv2d(1, 1, k, stride=s, padding=p).forward(x)
        assert y.shape[2:] == ((size + 2 * p - k) // s + 1,) * 2


def test_float32_stays_float32():
    layer = conv.Conv2d(2, 3, 3, padding=1, dtype=np.float32)
    y = layer.forward(np.ones((2, 2, 5, 5)))
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    assert layer.grads["W"].dtype == np.float32


@pytest.mark.parametrize("padding_mode", ["zeros", "replicate"])
def test_matches_pytorch(padding_mode):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = gen(9).standard_normal((2, 3, 9, 8))
    layer = conv_layer(3, 4, 3, stride=2, padding=2, padding_mode=padding_mode)
    y = layer.forward(x)
    dout = gen(10).standard_normal(y.shape)
    dx = layer.backward(dout)
    tx = torch.tensor(x, requires_grad=True)
    tW = torch.tensor(layer.params["W"], requires_grad=True)
    tb = torch.tensor(layer.params["b"], requires_grad=True)
    mode = {"zeros": "constant", "replicate": "replicate"}[padding_mode]
    ty = F.conv2d(F.pad(tx, (2, 2, 2, 2), mode=mode), tW, tb, stride=2)
    ty.backward(torch.tensor(dout))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], tW.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], tb.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- parameter counts by shape alone

def test_the_slides_3200_parameters():
    assert conv.Conv2d(1, 64, 7).num_params() == (7 * 7 + 1) * 64 == 3200
    assert conv.Conv2d(3, 64, 7).num_params() == (3 * 7 * 7 + 1) * 64


def summary_without_weights(build, input_shape):
    """Build and summarise inside shapes_only; return the summary and the peak memory."""
    tracemalloc.start()
    try:
        with nn.shapes_only():
            model = build()
        summary = model.summary(input_shape)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert all(layer.params == {} for layer in model.layers)
    return summary, peak


def test_alexnet_count_by_shape():
    summary, peak = summary_without_weights(conv.alexnet, (3, 227, 227))
    assert summary.total_params == 62_378_344
    assert peak < 5_000_000          # the weights alone would be 500 MB in float64
    conv_outputs = [np.prod(shape) for name, shape, _ in summary.rows if name.startswith("Conv2d")]
    assert conv_outputs == [290_400, 186_624, 64_896, 64_896, 43_264]   # the slides' nodes
    assert summary.rows[-1][1] == (1000,)


def test_vgg16_count_by_shape():
    summary, peak = summary_without_weights(conv.vgg16, (3, 224, 224))
    assert summary.total_params == 138_357_544
    assert peak < 5_000_000          # the weights alone would be 1.1 GB in float64
    assert sum(name.startswith("Conv2d") for name, _, _ in summary.rows) == 13
    assert sum(name.startswith("Linear") for name, _, _ in summary.rows) == 3
    assert "(batch, 25088)" in str(summary)


def test_lenet5_counts():
    with nn.shapes_only():
        assert conv.lenet5().summary((1, 32, 32)).total_params == 61_706
        assert conv.lenet5(28).summary((1, 28, 28)).total_params == 61_706
        digits = conv.lenet5(8).summary((1, 8, 8))
    assert digits.total_params == 42_890
    assert digits.rows[-1][1] == (10,)
    with pytest.raises(ValueError, match="'image_size' must be 32, 28 or 8, got 16"):
        conv.lenet5(16)


def test_allocated_model_has_the_counted_parameters():
    model = conv.lenet5(8, rng=0)
    assert sum(p.size for p in model.params.values()) == model.summary((1, 8, 8)).total_params
    assert model.forward(np.zeros((3, 1, 8, 8))).shape == (3, 10)


# ---------------------------------------------------------------- errors that teach

def test_wrong_number_of_dimensions():
    layer = conv.Conv2d(1, 2, 3)
    with pytest.raises(ValueError, match=r"'x' must be a 4-D array \(batch, channels, height, "
                                         r"width\), got 3-D with shape \(1, 8, 8\); for one image"):
        layer.forward(np.zeros((1, 8, 8)))
    with pytest.raises(ValueError, match="must be a 4-D array"):
        conv.MaxPool2d(2).forward(np.zeros((8, 8)))


def test_channel_mismatch():
    with pytest.raises(ValueError, match="has 3 channels, but the layer expects in_channels=1"):
        conv.Conv2d(1, 2, 3).forward(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match="has 3 channels, but the layer expects in_channels=1"):
        nn.Sequential([conv.Conv2d(1, 2, 3)]).summary((3, 8, 8))


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"kernel 5x5 is larger than the padded input 4x4 "
                                         r"\(input 2x2, padding 1\)"):
        conv.Conv2d(1, 1, 5, padding=1).forward(np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="kernel 3x3 is larger than the padded input 2x2"):
        conv.MaxPool2d(3).forward(np.zeros((1, 1, 2, 2)))
    conv.Conv2d(1, 1, 5, padding=2).forward(np.zeros((1, 1, 1, 1)))  # 1 + 2*2 = 5 fits


@pytest.mark.parametrize("make", [lambda: conv.Conv2d(1, 1, 3, stride=0),
                                  lambda: conv.MaxPool2d(2, stride=0)])
def test_stride_zero(make):
    with pytest.raises(ValueError, match="argument 'stride' must be a positive integer, got 0"):
        make()


def test_other_bad_settings():
    with pytest.raises(ValueError, match="'padding' must be a non-negative integer, got -1"):
        conv.Conv2d(1, 1, 3, padding=-1)
    with pytest.raises(ValueError, match="unknown padding_mode 'reflect'"):
        conv.Conv2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="unknown impl 'fft'"):
        conv.Conv2d(1, 1, 3, impl="fft")
    with pytest.raises(ValueError, match="'kernel_size' must be a positive integer, got 0"):
        conv.Conv2d(1, 1, 0)
    with pytest.raises(ValueError, match=r"rectangular kernel \(2, 3\) needs an explicit 'stride'"):
        conv.MaxPool2d((2, 3))
    with pytest.raises(ValueError, match="must have the shape of the forward output"):
        layer = conv.Conv2d(1, 1, 3)
        layer.forward(np.zeros((1, 1, 4, 4)))
        layer.backward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        conv.Conv2d(1, 1, 3).backward(np.zeros((1, 1, 2, 2)))


def test_residual_shape_mismatch_asks_for_a_projection():
    layer = conv.Residual(conv.Conv2d(2, 4, 3, padding=1))
    with pytest.raises(ValueError, match=r"block gives shape \(4, 5, 5\) but the shortcut "
                                         r"gives \(2, 5, 5\); pass a projection shortcut"):
        layer.output_shape((2, 5, 5))
    with pytest.raises(ValueError, match="pass a projection shortcut"):
        layer.forward(np.zeros((1, 2, 5, 5)))


def test_layers_are_reexported_by_nn():
    assert nn.Conv2d is conv.Conv2d and nn.Residual is conv.Residual
    assert set(conv.__all__) <= set(dir(conv))


# ---------------------------------------------------------------- LeNet-5 learns the digits

def digits_images(seed=0):
    """The 8x8 digits as (n, 1, 8, 8) images in [0, 1], split 80/20 by label."""
    digits = data.load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(digits.X, digits.y, test_size=0.2,
                                                             seed=seed)
    return (X_train / 16).reshape(-1, 1, 8, 8), (X_test / 16).reshape(-1, 1, 8, 8), y_train, y_test


@pytest.mark.slow
def test_lenet5_learns_the_digits():
    X_train, X_test, y_train, y_test = digits_images()
    model = conv.lenet5(8, rng=0, dtype=np.float32)
    adam = optim.Adam(lr=0.002)
    model.compile(loss="softmax_crossentropy", optimizer=adam, metrics=["accuracy"])
    history = model.fit(X_train, y_train, epochs=10, batch_size=32, verbose=0, rng=0)
    adam.lr = 0.0003   # smaller steps at the end settle the weights
    model.fit(X_train, y_train, epochs=4, batch_size=32, verbose=0, rng=1, history=history)
    assert history["loss"][-1] < 0.1
    assert model.evaluate(X_test, y_test)["accuracy"] >= 0.97
