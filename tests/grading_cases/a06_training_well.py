"""Typical mistakes in assignment 06-training-well."""

from grading_cases import Mistake

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
