"""Typical mistakes in assignment 07-cnn."""

from grading_cases import Mistake

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
]
