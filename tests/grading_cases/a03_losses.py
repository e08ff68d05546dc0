"""Typical mistakes in assignment 03-losses."""

from grading_cases import Correct, Mistake

MISTAKES = [
    Mistake("03-losses", "mse_batch_mean",
            {"mse": "return float(np.sum((y_pred - y_true) ** 2) / y_pred.shape[0])"},
            {"test_mse"}, "It looks like you averaged over the batch (2 rows) only"),
    Mistake("03-losses", "mse_grad_no_2", {"mse_grad": "return (y_pred - y_true) / y_pred.size"},
            {"test_mse_grad"}, "It looks like the factor 2 is missing"),
    Mistake("03-losses", "mse_grad_no_N", {"mse_grad": "return 2.0 * (y_pred - y_true)"},
            {"test_mse_grad"}, "It looks like the 1/N is missing"),
    Mistake("03-losses", "ce_summed",
            {"cross_entropy": "return float(-np.sum(t * np.log(np.clip(p, EPS, 1.0))))"},
            {"test_cross_entropy"}, "It looks like you summed over the batch instead of averaging"),
    Mistake("03-losses", "ce_no_clip",
            {"cross_entropy": "return float(-np.sum(t * np.log(p)) / p.shape[0])"},
            {"test_cross_entropy"}, "clip the probabilities into [EPS, 1]"),
    Mistake("03-losses", "ce_grad_no_clip",
            {"cross_entropy_grad": "return -t / (p * p.shape[0])"},
            {"test_cross_entropy_grad"}, "use the clipped probabilities"),
    Mistake("03-losses", "bce_slides_sign",
            {"binary_cross_entropy":
             "q = np.clip(p, EPS, 1.0 - EPS)\n"
             "return float((-np.sum(t * np.log(q)) + np.sum((1.0 - t) * np.log(1.0 - q))) "
             "/ p.shape[0])"},
            {"test_binary_cross_entropy"}, "the minus sign covers only the first term"),
    Mistake("03-losses", "bce_grad_sign",
            {"binary_cross_entropy_grad":
             "q = np.clip(p, EPS, 1.0 - EPS)\nreturn (t - q) / (q * (1.0 - q) * p.shape[0])"},
            {"test_binary_cross_entropy_grad"}, "It looks like the sign is flipped"),
    Mistake("03-losses", "design_sigmoid_digits",
            {"design": 'TEMPERATURE = (1, "identity", "mean_squared_error")\n'
                       'SPAM = (1, "sigmoid", "binary_crossentropy")\n'
                       'DIGIT = (10, "Sigmoid", "categorical_crossentropy")'},
            {"test_digit"}, "the 10 probabilities must sum to 1", visible=False),
    Mistake("03-losses", "design_relu_softmax",
            {"design": 'TEMPERATURE = (1, "relu", "mean_squared_error")\n'
                       'SPAM = (1, "softmax", "binary_crossentropy")\n'
                       'DIGIT = (10, "softmax", "categorical_crossentropy")'},
            {"test_temperature", "test_spam"}, "softmax of a single node is always 1",
            visible=False),
]


CORRECTS = [
    Correct("03-losses", "pick_true_class",
            {"cross_entropy": "q = np.clip(p, EPS, 1.0)\n"
                              "return -np.mean(np.log(q[np.arange(len(p)), t.argmax(axis=1)]))",
             "cross_entropy_grad": "q = np.clip(p, EPS, 1.0)\n"
                                   "return np.where(t > 0, -t / q, 0.0) / len(p)",
             "mse": "d = (y_pred - y_true).ravel()\nreturn d @ d / d.size"},
            "cross-entropy as the mean of -log p at the true class (t is one-hot); np.where for "
            "its gradient; the MSE as a dot product, an np.float64"),
    Correct("03-losses", "bce_two_terms",
            {"binary_cross_entropy": "q = np.clip(p, EPS, 1.0 - EPS)\n"
                                     "terms = np.where(t > 0.5, -np.log(q), -np.log1p(-q))\n"
                                     "return terms.sum() / p.shape[0]",
             "binary_cross_entropy_grad": "q = np.clip(p, EPS, 1.0 - EPS)\n"
                                          "return (-t / q + (1.0 - t) / (1.0 - q)) / len(p)",
             "mse_grad": "return (y_pred - y_true) * (2.0 / np.size(y_pred))"},
            "binary cross-entropy picking one log per label (t is 1 or 0), log1p; its gradient "
            "as -t/p + (1 - t)/(1 - p)"),
    Correct("03-losses", "design_spelling",
            {"design": "TEMPERATURE = [1, 'Identity', 'mean_squared_error']\n"
                       "SPAM = (np.int64(1), ' sigmoid', 'binary_crossentropy')\n"
                       "DIGIT = (10.0, 'softmax', 'CATEGORICAL_CROSSENTROPY')"},
            "a list instead of a tuple, node counts as np.int64 and 10.0, names in other case "
            "and with a space"),
]
