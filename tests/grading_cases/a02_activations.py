"""Typical mistakes in assignment 02-activations."""

from grading_cases import Correct, Mistake

MISTAKES = [
    Mistake("02-activations", "sigmoid_naive", {"sigmoid": "return 1.0 / (1.0 + np.exp(-x))"},
            {"test_sigmoid"}, 'NumPy reported "overflow encountered in exp"'),
    Mistake("02-activations", "sigmoid_where_both_branches",
            {"sigmoid": "return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), "
                        "np.exp(x) / (1.0 + np.exp(x)))"},
            {"test_sigmoid"}, "np.where evaluates both of its branches"),
    Mistake("02-activations", "sigmoid_grad_is_sigma", {"sigmoid_grad": "return sigmoid(x)"},
            {"test_sigmoid_grad"}, "It looks like you returned sigma(x) itself"),
    Mistake("02-activations", "tanh_grad_not_squared", {"tanh_grad": "return 1.0 - np.tanh(x)"},
            {"test_tanh_grad"}, "It looks like you computed 1 - tanh(x): the tanh must be squared"),
    Mistake("02-activations", "relu_grad_ge", {"relu_grad": "return (x >= 0).astype(float)"},
            {"test_relu_grad"}, "It looks like relu_grad(0) is 1: you used x >= 0"),
    Mistake("02-activations", "relu_grad_bool", {"relu_grad": "return x > 0"},
            {"test_relu_grad"}, "expected a floating-point array, got dtype bool"),
    Mistake("02-activations", "softmax_no_max",
            {"softmax": "e = np.exp(z)\nreturn e / np.sum(e, axis=-1, keepdims=True)"},
            {"test_softmax"}, "subtract the maximum before exp"),
    Mistake("02-activations", "softmax_wrong_axis",
            {"softmax": "e = np.exp(z - np.max(z, axis=0, keepdims=True))\n"
                        "return e / np.sum(e, axis=0, keepdims=True)"},
            {"test_softmax"}, "It looks like you normalised over the wrong axis"),
    Mistake("02-activations", "softmax_global_max",
            {"softmax": "e = np.exp(z - np.max(z))\nreturn e / np.sum(e, axis=-1, keepdims=True)"},
            {"test_softmax"}, "subtract each row's own maximum"),
    Mistake("02-activations", "softmax_in_place",
            {"softmax": "z -= np.max(z, axis=-1, keepdims=True)\nnp.exp(z, out=z)\n"
                        "z /= np.sum(z, axis=-1, keepdims=True)\nreturn z"},
            {"test_softmax"}, "changed its argument number 1 in place"),
]


CORRECTS = [
    Correct("02-activations", "tanh_forms",
            {"sigmoid": "return 0.5 * (1.0 + np.tanh(0.5 * x))",
             "sigmoid_grad": "e = np.exp(-np.abs(x))\nreturn e / (1.0 + e) ** 2",
             "tanh_grad": "t = np.tanh(x)\nreturn (1.0 - t) * (1.0 + t)"},
            "sigma(x) = (1 + tanh(x / 2)) / 2 (never overflows); sigma' = e^-|x| / (1 + e^-|x|)^2 "
            "without calling sigmoid; 1 - t^2 factored"),
    Correct("02-activations", "masks",
            {"sigmoid": "out = np.empty(x.shape)\npos = x >= 0\n"
                        "out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))\n"
                        "e = np.exp(x[~pos])\nout[~pos] = e / (1.0 + e)\nreturn out",
             "relu": "return np.where(x > 0, x, 0.0)",
             "relu_grad": "return np.heaviside(x, 0.0)"},
            "boolean masks that compute each branch only where it is safe; np.where for ReLU; "
            "np.heaviside for its derivative"),
    Correct("02-activations", "logsumexp_rows",
            {"softmax": "if z.ndim == 1:\n"
                        "    m = z.max()\n"
                        "    return np.exp(z - m - np.log(np.sum(np.exp(z - m))))\n"
                        "return np.array([softmax(row) for row in z])",
             "relu": "return x * (x > 0)",
             "relu_grad": "return (x > 0) * 1.0"},
            "softmax as exp(z - logsumexp(z)), one row at a time for a batch (a loop the text "
            "does not forbid); ReLU as x * (x > 0)"),
]
