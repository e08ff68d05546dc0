import numpy as np
import pytest

import dlcourse
from dlcourse import data, nn, optim
from dlcourse.training import History


def _xor_model(seed):
    return nn.Sequential([nn.Linear(2, 4, rng=seed), nn.Tanh(), nn.Linear(4, 1, rng=seed + 1),
                          nn.Sigmoid()])


def test_xor_mlp_from_random_init_reaches_full_accuracy():
    X, y = data.logic_gate("XOR")
    model = _xor_model(seed=3)
    model.compile(loss="binary_crossentropy", optimizer=optim.Adam(lr=0.05), metrics=["accuracy"])
    history = model.fit(X, y, epochs=400, batch_size=4, verbose=0)
    predicted = (model.predict(X).ravel() > 0.5).astype(int)
    np.testing.assert_array_equal(predicted, y)
    assert history["accuracy"][-1] == 1.0
    assert history["loss"][-1] < 0.1 * history["loss"][0]


@pytest.mark.slow
def test_mlp_on_digits_reaches_95_percent():
    digits = data.load_digits()
    X = digits.X / 16.0
    X_train, X_test, y_train, y_test = data.train_test_split(X, digits.y, test_size=0.25, seed=0)
    model = nn.Sequential([nn.Linear(64, 64, init="he_normal", rng=0), nn.ReLU(),
                           nn.Linear(64, 10, rng=1)])
    model.compile(loss="softmax_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.optimizer.lr = 0.005
    model.fit(X_train, y_train, epochs=30, batch_size=32, verbose=0, rng=0)
    assert model.evaluate(X_test, y_test)["accuracy"] >= 0.95


def test_iterations_per_epoch_100_rows_batch_5():
    class CountingSGD(optim.SGD):
        calls = 0

        def update(self, params, grads):
            CountingSGD.calls += 1
            super().update(params, grads)

    X = np.linspace(0, 1, 100)[:, None]
    model = nn.Sequential([nn.Linear(1, 1)])
    model.compile(loss="mse", optimizer=CountingSGD(0.1))
    model.fit(X, 2 * X, epochs=3, batch_size=5, verbose=0)
    assert CountingSGD.calls == 3 * 20
    assert data.iterations_per_epoch(100, 5) == 20


def test_keras_compile_line_from_the_slides():
    model = _xor_model(seed=0)
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    assert isinstance(model.optimizer, optim.Adam)
    assert type(model.loss).__name__ == "BinaryCrossEntropy"


def test_two_seeded_runs_agree():
    X, y = data.make_moons(100, seed=1)
    results = []
    for _ in range(2):
        model = nn.Sequential([nn.Linear(2, 8, rng=0), nn.ReLU(), nn.Dropout(0.2, rng=1),
                               nn.Linear(8, 1, rng=2), nn.Sigmoid()])
        model.compile(loss="binary_crossentropy", optimizer="sgd")
        results.append(model.fit(X, y, epochs=3, batch_size=10, verbose=0, rng=5)["loss"])
    assert results[0] == results[1]


def test_validation_data_and_history_plot():
    import matplotlib
    matplotlib.use("Agg")
    X, y = data.make_moons(120, seed=0)
    model = nn.Sequential([nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Linear(8, 1, rng=1), nn.Sigmoid()])
    model.compile(loss="binary_crossentropy", optimizer=optim.Adam(0.02), metrics=["accuracy"])
    history = model.fit(X[:80], y[:80], epochs=5, batch_size=16, verbose=0,
                        validation_data=(X[80:], y[80:]))
    assert isinstance(history, History)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history["val_loss"]) == 5
    fig = history.plot()
    assert len(fig.axes) == 2


def test_verbose_zero_is_silent(capsys):
    X, y = data.logic_gate("AND")
    model = nn.Sequential([nn.Linear(2, 1), nn.Sigmoid()])
    model.compile(loss="binary_crossentropy", optimizer="sgd")
    model.fit(X, y, epochs=2, batch_size=2, verbose=0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    model.fit(X, y, epochs=2, batch_size=2, verbose=1)
    assert "epoch" in capsys.readouterr().err  # tqdm writes its bar to stderr


def test_divergence_stops_training_with_a_message(capsys):
    X = np.linspace(0, 10, 20)[:, None]
    model = nn.Sequential([nn.Linear(1, 1)])
    model.compile(loss="mse", optimizer=optim.SGD(lr=10.0))
    history = model.fit(X, 3 * X, epochs=500, batch_size=20, verbose=1)
    assert len(history["loss"]) < 500
    assert not np.isfinite(history["loss"][-1])
    captured = capsys.readouterr()
    assert "is the learning rate too large?" in captured.out + captured.err


def test_summary_counts_parameters():
    model = nn.Sequential([nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10), nn.Softmax()])
    s = model.summary()
    assert s.total_params == 784 * 100 + 100 + 100 * 10 + 10
    assert [row[2] for row in s.rows] == [78500, 0, 1010, 0]
    assert "Total params: 79,510" in str(s)


@pytest.mark.parametrize("kwargs, match", [
    (dict(batch_size=0), "'batch_size' must be a positive integer, got 0"),
    (dict(epochs=0), "'epochs' must be a positive integer, got 0"),
])
def test_fit_argument_errors(kwargs, match):
    model = nn.Sequential([nn.Linear(2, 1)])
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match=match):
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)), **{"epochs": 1, "batch_size": 2, **kwargs})


def test_fit_before_compile_and_row_mismatch():
    model = nn.Sequential([nn.Linear(2, 1)])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.zeros((4, 2)), np.zeros(4))
    model.compile()
    with pytest.raises(ValueError, match="same number of rows, got 4 and 3"):
        model.fit(np.zeros((4, 2)), np.zeros(3))


def test_import_dlcourse_is_light():
    import subprocess
    import sys
    code = ("import sys, dlcourse, dlcourse.nn, dlcourse.losses, dlcourse.optim, dlcourse.data;"
            "heavy = [m for m in ('matplotlib', 'ipywidgets', 'tqdm', 'IPython') if m in sys.modules];"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_set_seed_restarts_the_course_generator():
    dlcourse.set_seed(7)
    a = nn.Linear(3, 3).params["W"].copy()
    dlcourse.set_seed(7)
    np.testing.assert_array_equal(nn.Linear(3, 3).params["W"], a)
    with pytest.raises(TypeError, match="'seed' must be an int"):
        dlcourse.set_seed("7")


def test_fit_is_algorithm_4_1_over_data_minibatches():
    # fit's epochs are exactly: for each (xb, yb) in data.minibatches(X, y, b, rng=rng),
    # one train_step; the same generator gives the same weights.
    X, y = data.make_moons(40, seed=1)
    fitted, by_hand = _xor_model(seed=5), _xor_model(seed=5)
    fitted.compile(loss="binary_crossentropy", optimizer=optim.SGD(lr=0.3))
    by_hand.compile(loss="binary_crossentropy", optimizer=optim.SGD(lr=0.3))
    history = fitted.fit(X, y, epochs=3, batch_size=7, verbose=0, rng=11)
    rng, losses = np.random.default_rng(11), []
    for _ in range(3):
        values = [(by_hand.train_step(xb, yb)[0], len(xb))
                  for xb, yb in data.minibatches(X, y, 7, rng=rng)]
        losses.append(sum(v * n for v, n in values) / len(X))
    assert np.allclose(history["loss"], losses, rtol=1e-12)
    for key, value in fitted.params.items():
        np.testing.assert_array_equal(value, by_hand.params[key])


def test_trainable_states_the_interface_it_needs():
    from dlcourse.training import Trainable

    class NoLayers(Trainable):
        pass

    model = NoLayers().compile(loss="mse", optimizer="sgd")
    with pytest.raises(NotImplementedError):
        model.fit(np.zeros((2, 1)), np.zeros((2, 1)), verbose=0)
