"""Typical mistakes in assignment 06-training-well."""

from grading_cases import Correct, Mistake

MISTAKES = [
    Mistake("06-training-well", "dropout_no_rescale",
            {"dropout_forward": "if not training:\n"
                                "    return x.copy(), np.ones_like(x)\n"
                                "mask = (rng.random(x.shape) < 1 - p).astype(float)\n"
                                "return x * mask, mask"},
            {"test_dropout_forward"}, "the kept units are not rescaled"),
    Mistake("06-training-well", "dropout_at_eval",
            {"dropout_forward": "mask = (rng.random(x.shape) < 1 - p) / (1 - p)\n"
                                "return x * mask, mask"},
            {"test_dropout_forward"}, "dropout must be off at evaluation"),
    Mistake("06-training-well", "dropout_keep_is_p",
            {"dropout_forward": "if not training:\n"
                                "    return x.copy(), np.ones_like(x)\n"
                                "mask = (rng.random(x.shape) < p) / p\n"
                                "return x * mask, mask"},
            {"test_dropout_forward"}, "p was used as the keep probability"),
    Mistake("06-training-well", "l2_penalty_bias",
            {"l2_penalty": "return lam / 2 * sum(np.sum(w ** 2) for w in params.values())"},
            {"test_l2_penalty"}, "the biases are penalised too"),
    Mistake("06-training-well", "l2_grad_2lam",
            {"l2_grad": "return {k: 2 * lam * w if k.startswith('W') else np.zeros_like(w)\n"
                        "        for k, w in params.items()}"},
            {"test_l2_grad"}, "the 1/2 in the penalty cancels the 2"),
    Mistake("06-training-well", "glorot_n_in",
            {"init_scale": "table = {'lecun_uniform': 3 / n_in, 'lecun_normal': 1 / n_in,\n"
                           "         'glorot_uniform': 6 / n_in, 'glorot_normal': 2 / n_in,\n"
                           "         'he_uniform': 6 / n_in, 'he_normal': 2 / n_in}\n"
                           "if scheme not in table:\n"
                           "    raise ValueError(scheme)\n"
                           "return float(np.sqrt(table[scheme]))"},
            {"test_init_scale", "test_init_weights"}, "Glorot uses n_in + n_out, not n_in alone"),
    Mistake("06-training-well", "normal_variance",
            {"init_weights": "s = init_scale(scheme, n_in, n_out)\n"
                             "if scheme.endswith('uniform'):\n"
                             "    return rng.uniform(-s, s, size=(n_in, n_out))\n"
                             "return rng.normal(0.0, s ** 2, size=(n_in, n_out))"},
            {"test_init_weights"}, "you passed the variance sigma^2 to rng.normal"),
    Mistake("06-training-well", "minmax_constant_column",
            {"minmax_transform": "return (X - X_min) / (X_max - X_min)"},
            {"test_minmax_transform"}, "divide it by 1 instead of 0"),
    Mistake("06-training-well", "scaler_fit_on_test",
            {"scale_train_test": "return (minmax_transform(X_train, *minmax_fit(X_train)),\n"
                                 "        minmax_transform(X_test, *minmax_fit(X_test)))"},
            {"test_scale_split"}, "the scaler was fitted on the test set"),
]


CORRECTS = [
    Correct("06-training-well", "where_and_loops",
            {"dropout_forward": "if training:\n"
                                "    keep = 1 - p\n"
                                "    mask = np.where(rng.random(x.shape) < keep, 1.0 / keep, 0.0)\n"
                                "else:\n"
                                "    mask = np.ones(x.shape)\n"
                                "return x * mask, mask",
             "dropout_backward": "return np.multiply(dout, mask)",
             "l2_penalty": "total = 0\n"
                           "for name, w in params.items():\n"
                           "    if name[0] == 'W':\n"
                           "        total += np.sum(w ** 2)\n"
                           "return lam / 2 * total",
             "l2_grad": "out = {}\n"
                        "for k in params:\n"
                        "    w = params[k]\n"
                        "    out[k] = lam * w if not k.startswith('b') else np.zeros(w.shape)\n"
                        "return out"},
            "np.where for the mask, loops over the keys, name[0] == 'W'; the penalty an int 0 "
            "times lam / 2 when there is no weight"),
    Correct("06-training-well", "parse_scheme",
            {"init_scale": "import math\n"
                           "family, _, kind = scheme.partition('_')\n"
                           "top = {'lecun': 3, 'glorot': 6, 'he': 6}.get(family)\n"
                           "if top is None or kind not in ('uniform', 'normal'):\n"
                           "    raise ValueError(scheme)\n"
                           "fan = n_in + n_out if family == 'glorot' else n_in\n"
                           "r = math.sqrt(top / fan)\n"
                           "return r if kind == 'uniform' else r / math.sqrt(3)",
             "init_weights": "s = init_scale(scheme, n_in, n_out)\n"
                             "if 'uniform' in scheme:\n"
                             "    return s * (2.0 * rng.random((n_in, n_out)) - 1.0)\n"
                             "return s * rng.standard_normal((n_in, n_out))"},
            "the scheme parsed into family and kind, math.sqrt and an import in the answer "
            "cell; U(-r, r) from rng.random, N(0, s^2) from rng.standard_normal"),
    Correct("06-training-well", "sorted_columns",
            {"minmax_fit": "s = np.sort(X, axis=0)\nreturn s[0], s[-1]",
             "minmax_transform": "out = (X - X_min).astype(float)\n"
                                 "varies = X_max != X_min\n"
                                 "out[:, varies] /= (X_max - X_min)[varies]\n"
                                 "return out",
             "scale_train_test": "lo, hi = minmax_fit(X_train)\n"
                                 "return tuple(minmax_transform(A, lo, hi) for A in (X_train, X_test))"},
            "column minimum and maximum by sorting; divide only the columns that vary"),
]
