"""Typical mistakes in assignment 01-perceptron."""

from grading_cases import Correct, Mistake

MISTAKES = [
    Mistake("01-perceptron", "step_ge", {"step": "return (x >= 0).astype(float)"},
            {"test_step", "test_perceptron", "test_two_layer"}, "use >, not >="),
    Mistake("01-perceptron", "greater_equal",  # issue 12: once 4/10 with every visible check OK
            {"step": "return np.greater_equal(x, 0).astype(float)"},
            {"test_step", "test_perceptron", "test_two_layer"}, "step(0) is 1: you used >="),
    Mistake("01-perceptron", "step_int", {"step": "return np.array(x > 0, dtype=int)"},
            {"test_step"}, "expected dtype float64, got int64"),
    Mistake("01-perceptron", "step_in_place",
            {"step": "x[x > 0] = 1.0\nx[x <= 0] = 0.0\nreturn x"},
            {"test_step"}, "changed its argument number 1 in place"),
    Mistake("01-perceptron", "no_bias", {"perceptron": "return step(X @ w)"},
            {"test_perceptron"}, "It looks like the bias b is missing"),
    Mistake("01-perceptron", "or_nand_swapped",
            {"gate_weights": "AND_WEIGHTS = (1.0, 1.0, -1.0)\nOR_WEIGHTS = (-2.0, -2.0, 3.0)\n"
                             "NAND_WEIGHTS = (2.0, 2.0, -1.0)"},
            {"test_or", "test_nand"}, "these weights compute NAND, not OR"),
    Mistake("01-perceptron", "no_hidden_step",
            {"two_layer": "H = X @ W1 + b1\nreturn step(H @ W2 + b2)"},
            {"test_two_layer"}, "the hidden layer has no step"),
    Mistake("01-perceptron", "xor_b2_sign",
            {"xor_weights": "XOR_W1 = [[-2.0, 2.0], [-2.0, 2.0]]\nXOR_b1 = [3.0, -1.0]\n"
                            "XOR_W2 = [1.0, 1.0]\nXOR_b2 = 1.0"},
            {"test_xor_weights"}, "every output is 1"),
]


CORRECTS = [
    Correct("01-perceptron", "heaviside",
            {"step": "return np.heaviside(x, 0.0)",
             "perceptron": "return step(np.einsum('nd,d->n', X, w) + b)"},
            "np.heaviside with value 0.0 at 0 instead of np.where; einsum for X @ w"),
    Correct("01-perceptron", "greater_mask",
            {"step": "y = np.zeros(x.shape)\ny[np.greater(x, 0)] = 1.0\nreturn y",
             "two_layer": "H = np.stack([step(X @ W1[:, j] + b1[j]) for j in range(W1.shape[1])],"
                          " axis=1)\nreturn step(H @ W2 + b2)"},
            "a boolean mask on a new array of zeros; a loop over the hidden units (the text "
            "forbids loops only in step)"),
    Correct("01-perceptron", "int_weights",
            {"gate_weights": "AND_WEIGHTS = (1, 1, -1)\nOR_WEIGHTS = [1, 1, 0]\n"
                             "NAND_WEIGHTS = np.array([-1, -1, 2])",
             "xor_weights": "XOR_W1 = np.array([[1, -1], [1, -1]])  # OR, NAND\n"
                            "XOR_b1 = (0, 2)\nXOR_W2 = np.array([1.0, 1.0])\nXOR_b2 = -1"},
            "int weights (\"numbers\"), a list and an int array for the gates, weights whose "
            "weighted sums hit exactly 0 (step(0) = 0 does the work), hidden units in the other "
            "order"),
    Correct("01-perceptron", "sign_clip",
            {"step": "return np.clip(np.sign(x), 0.0, None)",
             "perceptron": "return step(np.dot(X, w) + float(b))"},
            "step from np.sign clipped at 0 (a float64 array, 0 at x = 0); np.dot"),
]
