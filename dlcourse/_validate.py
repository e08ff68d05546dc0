"""Argument checks whose errors teach: each names the argument, what was
expected, and what was given."""

import numbers

import numpy as np


def as_float_array(x, name, where=""):
    """Return ``x`` as a floating NumPy array (ints become float64)."""
    try:
        arr = np.asarray(x)
    except Exception as err:  # ragged lists and the like
        raise TypeError(f"{where}argument {name!r} must be array-like, got {type(x).__name__}") from err
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{where}argument {name!r} must hold numbers, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    return arr


def check_ndim(arr, name, ndim, where="", meaning=""):
    """Fail unless ``arr.ndim == ndim``; ``meaning`` describes the axes, e.g. '(batch, features)'."""
    if arr.ndim != ndim:
        axes = f" {meaning}" if meaning else ""
        raise ValueError(
            f"{where}argument {name!r} must be a {ndim}-D array{axes}, "
            f"got {arr.ndim}-D with shape {arr.shape}"
        )


def check_same_shape(a, b, name_a, name_b, where=""):
    if a.shape != b.shape:
        raise ValueError(
            f"{where}{name_a!r} and {name_b!r} must have the same shape (no broadcasting), "
            f"got {a.shape} and {b.shape}"
        )


def check_int(value, name, where="", minimum=1):
    """Fail unless ``value`` is an integer (not a bool) >= ``minimum``; return it as an int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        what = {1: "a positive integer", 0: "a non-negative integer"}.get(
            minimum, f"an integer >= {minimum}")
        raise ValueError(f"{where}argument {name!r} must be {what}, got {value!r}")
    return int(value)


def check_positive_int(value, name, where=""):
    return check_int(value, name, where, minimum=1)


def check_number(value, name, where="", low=None, high=None, low_open=False, high_open=False):
    """Fail unless ``value`` is a real number within [low, high] (ends open if asked)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{where}argument {name!r} must be a finite number, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        lo = "(" if low_open or low is None else "["
        hi = ")" if high_open or high is None else "]"
        span = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
        raise ValueError(f"{where}argument {name!r} must lie in {span}, got {value!r}")
    return float(value)


def lookup(name, table, what):
    """Find ``name`` (case-insensitive) in ``table``; unknown names list the known ones."""
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a name (str) or an object, got {type(name).__name__}")
    key = name.lower()
    if key not in table:
        known = ", ".join(repr(k) for k in table)
        raise ValueError(f"unknown {what} {name!r}; known: {known}")
    return table[key]


def resolve(spec, table, what, base=None, **options):
    """The one lookup behind ``losses.get``, ``optim.get``, ``init.get`` and ``nn.activation``.

    ``spec`` is a name of ``table`` (case-insensitive), an object that is
    already what is wanted (an instance of ``base``; any callable when ``base``
    is None), or a subclass of ``base``. Classes (from the table or given) are
    instantiated with ``options``; an object is returned as it is.
    """
    if isinstance(spec, str):
        spec = lookup(spec, table, what)
    elif base is None and callable(spec):
        return spec
    elif base is not None and isinstance(spec, base):
        if options:
            raise TypeError(f"{what}: options {sorted(options)} only apply to a name or a class, "
                            f"got an object {spec!r}")
        return spec
    elif not (isinstance(spec, type) and base is not None and issubclass(spec, base)):
        kind = "a callable" if base is None else f"a {base.__name__}"
        raise TypeError(f"{what} must be a name (str) or {kind}, got {type(spec).__name__}")
    return spec(**options) if isinstance(spec, type) else spec
