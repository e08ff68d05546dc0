"""Typical mistakes in assignment 04-backprop."""

from grading_cases import Correct, Mistake

_BACKWARD = """X, Z1 = cache["X"], cache["Z1"]
dW2 = Z1.T @ dout
db2 = dout.sum(axis=0)
dZ1 = dout @ params["W2"].T
dS1 = dZ1 * Z1 * (1.0 - Z1)
dW1 = X.T @ dS1
db1 = dS1.sum(axis=0)
return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}"""


def _backward_with(old, new):
    """The solution's backward with one line changed."""
    assert old in _BACKWARD
    return {"backward": _BACKWARD.replace(old, new)}


MISTAKES = [
    Mistake("04-backprop", "numgrad_forward_difference",
            {"numerical_gradient": "grad = np.zeros(x.shape)\n"
                                   "f0 = f(x)\n"
                                   "for i in np.ndindex(x.shape):\n"
                                   "    old = x[i]\n"
                                   "    x[i] = old + h\n"
                                   "    grad[i] = (f(x) - f0) / h\n"
                                   "    x[i] = old\n"
                                   "return grad"},
            {"test_numerical_gradient"}, "It looks like you used the forward difference"),
    Mistake("04-backprop", "numgrad_not_restored",
            {"numerical_gradient": "grad = np.zeros(x.shape)\n"
                                   "for i in np.ndindex(x.shape):\n"
                                   "    x[i] += h\n"
                                   "    f_plus = f(x)\n"
                                   "    x[i] -= 2 * h\n"
                                   "    grad[i] = (f_plus - f(x)) / (2 * h)\n"
                                   "return grad"},
            {"test_numerical_gradient"}, "changed its argument number 2 in place"),
    Mistake("04-backprop", "relerr_no_abs",
            {"relative_error": "return float(np.max((a - b) / np.maximum(np.abs(a) + np.abs(b), "
                               "1e-12)))"},
            {"test_relative_error"}, "It looks like the absolute value of a - b is missing"),
    Mistake("04-backprop", "relerr_no_floor",
            {"relative_error": "return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))"},
            {"test_relative_error"}, "avoids 0 / 0 = nan"),
    Mistake("04-backprop", "forward_no_sigmoid",
            {"forward": 'Z1 = X @ params["W1"] + params["b1"]\n'
                        'out = Z1 @ params["W2"] + params["b2"]\n'
                        'return out, {"X": X, "Z1": Z1}'},
            {"test_forward", "test_train_xor"}, "It looks like the hidden layer has no sigmoid"),
    Mistake("04-backprop", "backward_no_sigmoid_grad",
            _backward_with("dS1 = dZ1 * Z1 * (1.0 - Z1)", "dS1 = dZ1"),
            {"test_backward"}, "the sigmoid's derivative Z1 * (1 - Z1) is missing"),
    Mistake("04-backprop", "backward_W2_not_transposed",
            _backward_with('dZ1 = dout @ params["W2"].T', 'dZ1 = dout @ params["W2"]'),
            {"test_backward", "test_train_xor"}, "you used W2 where W2.T belongs"),
    Mistake("04-backprop", "backward_db_wrong_axis",
            _backward_with("db1 = dS1.sum(axis=0)", "db1 = dS1.sum(axis=1)"),
            {"test_backward"}, "db1 = dS1.sum(axis=0), one number per hidden unit"),
    Mistake("04-backprop", "train_plus_gradient",
            {"train_xor": "params = init_params(2, XOR_HIDDEN, 1, seed)\n"
                          "losses = []\n"
                          "for _ in range(XOR_EPOCHS):\n"
                          "    out, cache = forward(XOR_X, params)\n"
                          "    loss, dout = mse_loss(out, XOR_Y)\n"
                          "    grads = backward(dout, params, cache)\n"
                          "    for k in params:\n"
                          "        params[k] = params[k] + XOR_LR * grads[k]\n"
                          "    losses.append(loss)\n"
                          "return params, losses"},
            {"test_train_xor"}, "an update with + instead of -"),
]


CORRECTS = [
    Correct("04-backprop", "cache_s1",
            {"forward": "S1 = X @ params['W1'] + params['b1']\n"
                        "Z1 = sigmoid(S1)\n"
                        "out = Z1 @ params['W2'] + params['b2']\n"
                        "return out, {'X': X, 'S1': S1, 'Z1': Z1, 'out': out}",
             "backward": "s = sigmoid(cache['S1'])\n"
                         "dZ1 = dout @ params['W2'].T\n"
                         "dS1 = dZ1 * s * (1.0 - s)\n"
                         "return {'W1': cache['X'].T @ dS1, 'b1': dS1.sum(axis=0),\n"
                         "        'W2': cache['Z1'].T @ dout, 'b2': dout.sum(axis=0)}"},
            "the issue's case: the cache holds more keys (\"you may add more\") and backward "
            "reads the cached pre-activation S1"),
    Correct("04-backprop", "copies",
            {"numerical_gradient": "base = x.astype(float)\n"
                                   "grad = np.empty(x.shape)\n"
                                   "for i in np.ndindex(x.shape):\n"
                                   "    e = np.zeros(x.shape)\n"
                                   "    e[i] = h\n"
                                   "    grad[i] = (f(base + e) - f(base - e)) / (2 * h)\n"
                                   "return grad",
             "relative_error": "num = np.abs(a - b)\n"
                               "den = np.abs(a) + np.abs(b)\n"
                               "den[den < 1e-12] = 1e-12\n"
                               "return (num / den).max()"},
            "numerical gradient on copies (x never changes); relative error with a floored "
            "denominator by a mask, returning an np.float64"),
    Correct("04-backprop", "train_in_place",
            {"xor_settings": "XOR_HIDDEN = 6\nXOR_LR = 0.4\nXOR_EPOCHS = 3000",
             "train_xor": "params = init_params(2, XOR_HIDDEN, 1, seed=seed)\n"
                          "losses = []\n"
                          "epoch = 0\n"
                          "while epoch < XOR_EPOCHS:\n"
                          "    out, cache = forward(XOR_X, params)\n"
                          "    loss, dout = mse_loss(out, XOR_Y)\n"
                          "    losses.append(loss)\n"
                          "    for k, g in backward(dout, params, cache).items():\n"
                          "        params[k] -= XOR_LR * g\n"
                          "    epoch += 1\n"
                          "return params, losses"},
            "other settings, a while loop, in-place updates params[k] -= lr * g"),
]
