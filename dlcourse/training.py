"""Training as the slides show it in Keras, chapter 5:

    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(X, y, epochs=100, batch_size=5)

``fit`` is Algorithm 4-1 of the slides (mini-batch SGD for a deep MLP): for
each epoch, shuffle, cut into mini-batches, and for each batch run forward,
the loss, backward, and one optimizer update.
"""

import math

import numpy as np

from dlcourse import data, optim
from dlcourse import losses as losses_module
from dlcourse._rng import default_rng
from dlcourse._validate import as_float_array, check_positive_int, lookup


def accuracy(y_pred, y_true):
    """Fraction right: argmax over classes when there are several outputs,
    probability > 0.5 when there is one. ``y_true`` is labels or one-hot."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true)
    if y_pred.ndim == 2 and y_pred.shape[1] > 1:
        predicted = y_pred.argmax(axis=1)
        truth = y_true.argmax(axis=1) if y_true.ndim == 2 else y_true
    else:
        predicted = (y_pred.reshape(len(y_pred)) > 0.5).astype(int)
        truth = y_true.reshape(len(y_true))
    return float(np.mean(predicted == truth))


METRICS = {"accuracy": accuracy, "acc": accuracy}


class History:
    """What ``fit`` recorded: ``history.history["loss"]`` is the training loss per epoch,
    and likewise "accuracy", "val_loss", "val_accuracy"."""

    def __init__(self):
        self.history = {}
        self.epoch = []

    def record(self, epoch, values):
        self.epoch.append(epoch)
        for key, value in values.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        return self.history[key]

    def plot(self, axes=None):
        """Loss curves (and metric curves) per epoch; returns the matplotlib figure."""
        import matplotlib.pyplot as plt

        names = [k for k in self.history if not k.startswith("val_")]
        if axes is None:
            fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.2), squeeze=False)
            axes = axes[0]
        else:
            axes = np.atleast_1d(axes)
            fig = axes[0].figure
        epochs = np.arange(1, len(self.epoch) + 1)
        for ax, name in zip(axes, names):
            ax.plot(epochs, self.history[name], label=f"training {name}", color="#0072B2")
            if f"val_{name}" in self.history:
                ax.plot(epochs, self.history[f"val_{name}"], label=f"validation {name}",
                        color="#D55E00", linestyle="--")
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.legend()
        fig.tight_layout()
        return fig

    def __repr__(self):
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items())
        return f"History({len(self.epoch)} epochs: {last})"


class Summary:
    """A model's layers with output shape and parameter count; ``str()`` is a table."""

    def __init__(self, rows, total):
        self.rows = rows  # (name, output shape, number of parameters)
        self.total_params = total

    def __str__(self):
        width = max([len(r[0]) for r in self.rows] + [5])
        lines = [f"{'Layer':<{width}}  {'Output shape':<20} {'Param #':>12}", "-" * (width + 35)]
        for name, shape, count in self.rows:
            shown = "(batch, " + ", ".join(map(str, shape)) + ")" if shape is not None else "?"
            lines.append(f"{name:<{width}}  {shown:<20} {count:>12,}")
        lines += ["-" * (width + 35), f"Total params: {self.total_params:,}"]
        return "\n".join(lines)

    __repr__ = __str__


class Trainable:
    """Keras-style training (compile, fit, evaluate, predict) mixed into a model.

    It uses only the layer interface, which the model supplies (``nn.Sequential``
    gets it from ``nn.Composite``): ``forward(x)``, ``backward(dout)``,
    ``params``, ``grads``, ``penalty()``, ``train(mode)`` and ``training``.
    """

    loss = None        # set by compile
    optimizer = None
    metrics = ()
    training = True

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def penalty(self):
        raise NotImplementedError

    def train(self, mode=True):
        raise NotImplementedError

    def compile(self, loss="mean_squared_error", optimizer="sgd", metrics=()):
        """Choose the loss and optimizer by name (the slides' table) or as objects."""
        self.loss = losses_module.get(loss)
        self.optimizer = optim.get(optimizer)
        self.metrics = []
        for m in metrics:
            if callable(m):
                self.metrics.append((m.__name__, m))
            else:
                self.metrics.append((m, lookup(m, METRICS, "metric")))
        return self

    def _check_compiled(self, what):
        if self.loss is None:
            raise RuntimeError(f"{what}: call model.compile(loss=..., optimizer=...) first")

    def _loss_on(self, y_pred, y_true):
        y_true = np.asarray(y_true)
        if y_true.ndim == 1 and y_pred.ndim == 2 and y_pred.shape[1] == 1:
            y_true = y_true[:, None]  # labels (batch,) for a single output unit
        return self.loss.forward(y_pred, y_true)

    def train_step(self, X_batch, y_batch):
        """One update: forward, loss (+ penalties), backward, optimizer step. Returns the loss."""
        y_pred = self.forward(X_batch)
        value = self._loss_on(y_pred, y_batch) + self.penalty()
        self.backward(self.loss.backward())
        self.optimizer.update(self.params, self.grads)
        return value, y_pred

    def fit(self, X, y, epochs=1, batch_size=32, validation_data=None, verbose=1, shuffle=True,
            rng=None, history=None):
        """Train for ``epochs`` passes over (X, y) in mini-batches of ``batch_size``.

        One epoch has ceil(n / batch_size) iterations. Returns a ``History``
        (pass ``history`` to keep appending to an earlier one).
        """
        self._check_compiled("fit")
        X = as_float_array(X, "X", "fit: ")
        y = np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"fit: 'X' and 'y' must have the same number of rows, "
                             f"got {len(X)} and {len(y)}")
        epochs = check_positive_int(epochs, "epochs", "fit: ")
        batch_size = check_positive_int(batch_size, "batch_size", "fit: ")
        rng = default_rng(rng)
        history = History() if history is None else history
        bar = _progress(epochs, verbose)
        for epoch in range(epochs):
            self.train(True)
            total, seen, outputs = 0.0, 0, []
            # A diverging run overflows; it is reported below instead of warning at every step.
            with np.errstate(over="ignore", invalid="ignore"):
                for X_batch, y_batch in data.minibatches(X, y, batch_size, shuffle, rng=rng):
                    value, y_pred = self.train_step(X_batch, y_batch)
                    total += value * len(X_batch)
                    seen += len(X_batch)
                    outputs.append((y_pred, y_batch))
                    if not math.isfinite(value):
                        break
            values = {"loss": total / seen}
            if not math.isfinite(values["loss"]):
                history.record(len(history.epoch) + 1, values)
                message = (f"epoch {epoch + 1}: the loss is {values['loss']}; training stopped "
                           "(is the learning rate too large?)")
                if bar is not None:
                    bar.write(message)
                break
            for name, fn in self.metrics:
                values[name] = float(np.average([fn(p, t) for p, t in outputs],
                                                weights=[len(t) for _, t in outputs]))
            if validation_data is not None:
                val = self.evaluate(*validation_data)
                values.update({f"val_{k}": v for k, v in val.items()})
            history.record(len(history.epoch) + 1, values)
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in values.items()}, refresh=False)
                bar.update(1)
        if bar is not None:
            bar.close()
        self.train(False)
        return history

    def predict(self, X, batch_size=256):
        """Outputs for X in evaluation mode (dropout off), computed batch by batch."""
        X = as_float_array(X, "X", "predict: ")
        batch_size = check_positive_int(batch_size, "batch_size", "predict: ")
        was_training = self.training
        self.train(False)
        try:
            parts = [self.forward(X[i:i + batch_size]) for i in range(0, len(X), batch_size)]
        finally:
            self.train(was_training)
        return np.concatenate(parts, axis=0)

    def evaluate(self, X, y, batch_size=256):
        """Loss and metrics on (X, y) in evaluation mode, as a dict."""
        self._check_compiled("evaluate")
        y_pred = self.predict(X, batch_size)
        result = {"loss": self._loss_on(y_pred, y) + self.penalty()}
        for name, fn in self.metrics:
            result[name] = fn(y_pred, y)
        return result

def _progress(epochs, verbose):
    if not verbose:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=epochs, desc="epochs", unit="epoch", leave=True)
