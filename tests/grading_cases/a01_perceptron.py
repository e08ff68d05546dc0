"""Typical mistakes in assignment 01-perceptron."""

from grading_cases import Mistake

MISTAKES = [
    Mistake("01-perceptron", "step_ge", {"step": "return (x >= 0).astype(float)"},
            {"test_step", "test_perceptron", "test_two_layer"}, "use >, not >="),
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
