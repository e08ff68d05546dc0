"""Typical mistakes in assignment 05-optimizers."""

from grading_cases import Correct, Mistake

MISTAKES = [
    Mistake("05-optimizers", "grad_b_no_2",
            {"mse_grad": "r = a * x + b - y\nreturn 2 * np.mean(r * x), np.mean(r)"},
            {"test_mse_grad"}, "the factor 2 is missing from dL/db"),
    Mistake("05-optimizers", "gd_one_by_one",
            {"gradient_descent": "for _ in range(n_steps):\n"
                                 "    a = a - lr * grad(a, b)[0]\n"
                                 "    b = b - lr * grad(a, b)[1]\n"
                                 "return a, b"},
            {"test_gradient_descent"}, "b was updated with a gradient computed after a had"),
    Mistake("05-optimizers", "iterations_floor",
            {"iterations_per_epoch": "return n_samples // batch_size"},
            {"test_iterations"}, "floor division n // batch_size forgets it"),
    Mistake("05-optimizers", "batches_unpaired",
            {"minibatches": "rows_x = rng.permutation(len(X))\n"
                            "rows_y = rng.permutation(len(y))\n"
                            "for start in range(0, len(X), batch_size):\n"
                            "    yield X[rows_x[start:start + batch_size]], "
                            "y[rows_y[start:start + batch_size]]"},
            {"test_minibatches"}, "the rows of X and y are no longer paired"),
    Mistake("05-optimizers", "momentum_uphill",
            {"momentum_update": "v = state.setdefault('v', {})\n"
                                "for key, x in params.items():\n"
                                "    v[key] = gamma * v.get(key, 0.0) - lr * grads[key]\n"
                                "    x -= v[key]"},
            {"test_momentum"}, "the step goes uphill"),
    Mistake("05-optimizers", "momentum_not_in_place",
            {"momentum_update": "v = state.setdefault('v', {})\n"
                                "for key in params:\n"
                                "    v[key] = gamma * v.get(key, 0.0) + lr * grads[key]\n"
                                "    params[key] = params[key] - v[key]"},
            {"test_momentum"}, "params was not updated in place"),
    Mistake("05-optimizers", "rmsprop_sum",
            {"rmsprop_update": "h = state.setdefault('h', {})\n"
                               "for key, x in params.items():\n"
                               "    h[key] = h.get(key, 0.0) + grads[key] ** 2\n"
                               "    x -= lr * grads[key] / np.sqrt(h[key] + eps)"},
            {"test_rmsprop"}, "h is a sum, as in AdaGrad"),
    Mistake("05-optimizers", "adam_no_correction",
            {"adam_update": "m = state.setdefault('m', {})\n"
                            "v = state.setdefault('v', {})\n"
                            "for key, x in params.items():\n"
                            "    g = grads[key]\n"
                            "    m[key] = beta1 * m.get(key, 0.0) + (1 - beta1) * g\n"
                            "    v[key] = beta2 * v.get(key, 0.0) + (1 - beta2) * g * g\n"
                            "    x -= lr * m[key] / np.sqrt(v[key] + eps)"},
            {"test_adam"}, "the bias correction is missing"),
]


CORRECTS = [
    Correct("05-optimizers", "sums_and_while",
            {"mse_grad": "n = len(x)\nr = a * x + b - y\nreturn (2 / n) * np.dot(r, x), (2 / n) * r.sum()",
             "gradient_descent": "point = [a, b]\n"
                                 "step = 0\n"
                                 "while step < n_steps:\n"
                                 "    g = grad(*point)\n"
                                 "    point = [point[0] - lr * g[0], point[1] - lr * g[1]]\n"
                                 "    step += 1\n"
                                 "return tuple(point)",
             "iterations_per_epoch": "return math.ceil(n_samples / batch_size)"},
            "sums divided by n, a while loop over a list, math.ceil (an int)"),
    Correct("05-optimizers", "shuffled_copies",
            {"minibatches": "order = rng.permutation(X.shape[0])\n"
                            "Xs, ys = X[order], y[order]\n"
                            "start = 0\n"
                            "while start < len(order):\n"
                            "    yield Xs[start:start + batch_size], ys[start:start + batch_size]\n"
                            "    start += batch_size",
             "iterations_per_epoch": "return len(range(0, n_samples, batch_size))"},
            "shuffle copies of X and y once, then slice them; the number of batch starts"),
    Correct("05-optimizers", "state_per_key",
            {"momentum_update": "vel = state.setdefault('velocity', {})\n"
                                "for key in params:\n"
                                "    vel[key] = gamma * vel.get(key, 0.0) + lr * grads[key]\n"
                                "    params[key] -= vel[key]",
             "adagrad_update": "for key, g in grads.items():\n"
                               "    state[key] = state.get(key, 0.0) + g ** 2\n"
                               "    params[key] -= lr * g / np.sqrt(state[key] + eps)",
             "rmsprop_update": "for key, g in grads.items():\n"
                               "    h = rho * state.get(key, np.zeros_like(g)) + (1 - rho) * g ** 2\n"
                               "    state[key] = h\n"
                               "    np.subtract(params[key], lr * g / np.sqrt(h + eps), out=params[key])",
             "adam_update": "t = state['t'] = state.get('t', 0) + 1\n"
                            "for key, g in grads.items():\n"
                            "    m = beta1 * state.get(('m', key), 0.0) + (1 - beta1) * g\n"
                            "    v = beta2 * state.get(('v', key), 0.0) + (1 - beta2) * g * g\n"
                            "    state[('m', key)], state[('v', key)] = m, v\n"
                            "    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)\n"
                            "    params[key] -= lr * m_hat / np.sqrt(v_hat + eps)"},
            "state laid out otherwise (one entry per key, tuple keys, started lazily at 0.0), "
            "new arrays for the averages, np.subtract(..., out=)"),
]
