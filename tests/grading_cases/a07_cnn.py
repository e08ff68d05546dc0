"""Typical mistakes in assignment 07-cnn."""

from grading_cases import Correct, Mistake

MISTAKES = [
    Mistake("07-cnn", "output_size_no_padding",
            {"conv_output_size": "return (size - kernel_size) // stride + 1"},
            {"test_conv_output_size"}, "did you forget the padding"),
    Mistake("07-cnn", "kernel_flipped",
            {"conv2d_single": "xp = np.pad(x, padding)\n"
                              "kf = k[::-1, ::-1]\n"
                              "kh, kw = k.shape\n"
                              "oh = (xp.shape[0] - kh) // stride + 1\n"
                              "ow = (xp.shape[1] - kw) // stride + 1\n"
                              "y = np.zeros((oh, ow))\n"
                              "for i in range(oh):\n"
                              "    for j in range(ow):\n"
                              "        r, c = i * stride, j * stride\n"
                              "        y[i, j] = np.sum(xp[r:r + kh, c:c + kw] * kf)\n"
                              "return y"},
            {"test_conv2d_single", "test_conv2d"}, "the kernel is flipped"),
    Mistake("07-cnn", "max_pool_mean",
            {"max_pool2d": "s = stride or k\n"
                           "oh, ow = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1\n"
                           "y = np.zeros(x.shape[:2] + (oh, ow))\n"
                           "for i in range(oh):\n"
                           "    for j in range(ow):\n"
                           "        y[:, :, i, j] = x[:, :, i*s:i*s+k, j*s:j*s+k].mean(axis=(2, 3))\n"
                           "return y"},
            {"test_max_pool"}, "max pooling took the mean of each window"),
    Mistake("07-cnn", "params_no_bias",
            {"conv_params": "return kh * kw * c_in * c_out"},
            {"test_conv_params"}, "7*7*64 = 3136 forgets it"),
    Mistake("07-cnn", "im2col_channel_last",
            {"im2col": "n, c, h, w = x.shape\n"
                       "oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1\n"
                       "cols = np.zeros((n, c * kh * kw, oh * ow))\n"
                       "for i in range(oh):\n"
                       "    for j in range(ow):\n"
                       "        win = x[:, :, i*stride:i*stride+kh, j*stride:j*stride+kw]\n"
                       "        cols[:, :, i * ow + j] = win.transpose(0, 2, 3, 1).reshape(n, -1)\n"
                       "return cols"},
            {"test_im2col", "test_conv2d_im2col"}, "the rows are in the order (row, column, channel)"),
    Mistake("07-cnn", "always_equal",  # issue 12: once scored "100 %" on test_cnn
            {"build_cnn": "class Anything:\n"
                          "    def __eq__(self, other):\n"
                          "        return True\n"
                          "    def __getattr__(self, name):\n"
                          "        return lambda *args, **kwargs: Anything()\n"
                          "    def __getitem__(self, key):\n"
                          "        return Anything()\n"
                          "return Anything()",
             "train_cnn": "return model"},
            {"test_build_cnn", "test_cnn"}, "expected a nn.Sequential, got an object of type Anything"),
]


CORRECTS = [
    Correct("07-cnn", "sliding_windows",
            {"conv_output_size": "import math\n"
                                 "return int(math.floor((size + 2 * padding - kernel_size) / stride)) + 1",
             "conv2d_single": "xp = np.pad(x, padding)\n"
                              "win = np.lib.stride_tricks.sliding_window_view(xp, k.shape)"
                              "[::stride, ::stride]\n"
                              "return np.einsum('ijuv,uv->ij', win, k)",
             "max_pool2d": "s = stride or k\n"
                           "win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))\n"
                           "return win[:, :, ::s, ::s].max(axis=(-2, -1))"},
            "sliding_window_view and einsum instead of loops; math.floor"),
    Correct("07-cnn", "accumulate",
            {"conv2d": "n_img, n_ch = x.shape[:2]\n"
                       "oh = conv_output_size(x.shape[2], W.shape[2], stride, padding)\n"
                       "ow = conv_output_size(x.shape[3], W.shape[3], stride, padding)\n"
                       "y = np.zeros((n_img, W.shape[0], oh, ow))\n"
                       "for n in range(n_img):\n"
                       "    for f in range(W.shape[0]):\n"
                       "        for c in range(n_ch):\n"
                       "            y[n, f] += conv2d_single(x[n, c], W[f, c], stride, padding)\n"
                       "        y[n, f] += b[f]\n"
                       "return y",
             "avg_pool2d": "s = k if stride is None else stride\n"
                           "oh, ow = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1\n"
                           "acc = np.zeros(x.shape[:2] + (oh, ow))\n"
                           "for u in range(k):\n"
                           "    for v in range(k):\n"
                           "        acc += x[:, :, u:u + s * (oh - 1) + 1:s, v:v + s * (ow - 1) + 1:s]\n"
                           "return acc / (k * k)",
             "conv_params": "return c_out * kh * kw * c_in + c_out"},
            "accumulate channel by channel into zeros; average pooling as a sum of k * k strided "
            "slices"),
    Correct("07-cnn", "columns_einsum_small_net",
            {"im2col": "n, c, h, w = x.shape\n"
                       "oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1\n"
                       "cols = np.zeros((n, c * kh * kw, oh * ow))\n"
                       "for i in range(oh):\n"
                       "    for j in range(ow):\n"
                       "        win = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]\n"
                       "        cols[:, :, i * ow + j] = win.reshape(n, -1)\n"
                       "return cols",
             "conv2d_im2col": "F, _, kh, kw = W.shape\n"
                              "xp = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)])\n"
                              "cols = im2col(xp, kh, kw, stride)\n"
                              "oh = (xp.shape[2] - kh) // stride + 1\n"
                              "y = np.einsum('fk,nkp->nfp', W.reshape(F, -1), cols) + b[None, :, None]\n"
                              "return y.reshape(x.shape[0], F, oh, -1)",
             "build_cnn": "return nn.Sequential([Conv2d(1, 6, 3, rng=rng), nn.ReLU(), MaxPool2d(2),\n"
                          "                      Flatten(), nn.Linear(6 * 3 * 3, 10, rng=rng)])",
             "train_cnn": "model.compile(loss='softmax_crossentropy', optimizer=optim.Momentum(lr=0.05))\n"
                          "history = model.fit(X_train, y_train, epochs=6, batch_size=16, rng=rng,\n"
                          "                    verbose=0)\n"
                          "return history"},
            "im2col by output position; einsum for the product; a network without padding "
            "(6 kernels, 6x6 -> 3x3) trained with Momentum"),
]
