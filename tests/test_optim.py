import numpy as np
import pytest

from dlcourse import init, optim


def _run(opt, steps, x0=(1.0, -2.0), grad=lambda x: np.array([2 * x[0], 20 * x[1]])):
    """Minimise the bowl f = x0^2 + 10 x1^2 and return the path."""
    params = {"x": np.array(x0)}
    path = [params["x"].copy()]
    for _ in range(steps):
        opt.update(params, {"x": grad(params["x"])})
        path.append(params["x"].copy())
    return np.array(path)


def test_sgd_step_is_minus_lr_times_gradient():
    params, grads = {"w": np.array([1.0, 2.0])}, {"w": np.array([0.5, -1.0])}
    optim.SGD(lr=0.1).update(params, grads)
    np.testing.assert_allclose(params["w"], [0.95, 2.1])


def test_momentum_velocity_form_by_hand():
    g = np.array([1.0])
    params = {"w": np.array([0.0])}
    opt = optim.Momentum(lr=0.1, momentum=0.9)
    opt.update(params, {"w": g})   # v = 0.1, w = -0.1
    opt.update(params, {"w": g})   # v = 0.09 + 0.1 = 0.19, w = -0.29
    np.testing.assert_allclose(params["w"], [-0.29])


def test_adagrad_and_rmsprop_by_hand():
    p = {"w": np.array([1.0])}
    optim.AdaGrad(lr=0.5, eps=1e-8).update(p, {"w": np.array([2.0])})
    np.testing.assert_allclose(p["w"], [1.0 - 0.5 * 2 / np.sqrt(4 + 1e-8)])
    p = {"w": np.array([1.0])}
    optim.RMSProp(lr=0.5, decay=0.9, eps=1e-8).update(p, {"w": np.array([2.0])})
    np.testing.assert_allclose(p["w"], [1.0 - 0.5 * 2 / np.sqrt(0.1 * 4 + 1e-8)])


def test_adam_first_step_has_bias_correction():
    # With bias correction the first step is lr * g / |g| whatever the scale of g.
    for g in (0.1, 1.0, 1e3):  # (eps inside the root shows only for |g| near 1e-4)
        p = {"w": np.array([0.0])}
        optim.Adam(lr=0.01).update(p, {"w": np.array([g])})
        assert p["w"][0] == pytest.approx(-0.01, rel=1e-3)


def test_adam_matches_formula_over_steps(rng):
    grads = rng.standard_normal((5, 3))
    p = {"w": np.zeros(3)}
    opt = optim.Adam(lr=0.1, beta1=0.8, beta2=0.9, eps=1e-8)
    m = v = np.zeros(3)
    w = np.zeros(3)
    for t, g in enumerate(grads, start=1):
        opt.update(p, {"w": g})
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        w = w - 0.1 * (m / (1 - 0.8 ** t)) / np.sqrt(v / (1 - 0.9 ** t) + 1e-8)
    np.testing.assert_allclose(p["w"], w, rtol=1e-12)


@pytest.mark.parametrize("opt", [optim.SGD(0.04), optim.Momentum(0.02), optim.AdaGrad(0.5),
                                 optim.RMSProp(0.05), optim.Adam(0.1)])
def test_every_optimizer_minimises_a_bowl(opt):
    path = _run(opt, 300)
    assert np.linalg.norm(path[-1]) < 0.05 * np.linalg.norm(path[0])


def test_update_is_in_place():
    w = np.array([1.0])
    params = {"w": w}
    optim.Adam().update(params, {"w": np.array([1.0])})
    assert params["w"] is w and w[0] != 1.0


def test_unknown_optimizer_lists_known():
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'; known: 'sgd', 'momentum'"):
        optim.get("adamw")


@pytest.mark.parametrize("lr", [0, -1, float("nan")])
def test_bad_learning_rate(lr):
    with pytest.raises(ValueError, match="'lr'"):
        optim.SGD(lr)


def test_gradient_shape_mismatch_is_named():
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(2,\)"):
        optim.SGD(0.1).update({"w": np.zeros(3)}, {"w": np.zeros(2)})


# --- initialisation ----------------------------------------------------------------------

@pytest.mark.parametrize("name, kind, scale", [
    ("lecun_uniform", "uniform", lambda i, o: np.sqrt(3 / i)),
    ("glorot_uniform", "uniform", lambda i, o: np.sqrt(6 / (i + o))),
    ("he_uniform", "uniform", lambda i, o: np.sqrt(6 / i)),
    ("lecun_normal", "normal", lambda i, o: np.sqrt(1 / i)),
    ("glorot_normal", "normal", lambda i, o: np.sqrt(2 / (i + o))),
    ("he_normal", "normal", lambda i, o: np.sqrt(2 / i)),
])
def test_init_schemes_follow_the_slides(name, kind, scale):
    n_in, n_out = 400, 300
    w = getattr(init, name)(n_in, n_out, rng=0)
    assert w.shape == (n_in, n_out) and w.dtype == np.float64
    r = scale(n_in, n_out)
    if kind == "uniform":
        assert np.abs(w).max() <= r and np.abs(w).max() > 0.99 * r
        assert w.std() == pytest.approx(r / np.sqrt(3), rel=0.02)  # std of U(-r, r)
    else:
        assert w.std() == pytest.approx(r, rel=0.02)
    assert abs(w.mean()) < 0.01 * r * 10


def test_init_is_seeded():
    np.testing.assert_array_equal(init.he_normal(3, 4, rng=5), init.he_normal(3, 4, rng=5))


def test_init_rejects_bad_sizes():
    with pytest.raises(ValueError, match="'n_in' must be a positive integer"):
        init.he_normal(0, 3)
