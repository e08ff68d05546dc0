"""One seeded source of randomness for the whole course.

Every function that draws random numbers takes ``rng`` (a NumPy ``Generator``,
an ``int`` seed, or ``None``). ``None`` means the course-wide generator, which
starts from seed 0, so two runs of the same notebook give the same numbers.
``set_seed(n)`` starts it again from ``n``.
"""

import numpy as np

_DEFAULT_SEED = 0
_global = np.random.default_rng(_DEFAULT_SEED)


def set_seed(seed=_DEFAULT_SEED):
    """Restart the course-wide generator from ``seed`` (an int)."""
    global _global
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"set_seed: argument 'seed' must be an int, got {type(seed).__name__}")
    _global = np.random.default_rng(int(seed))
    return _global


def default_rng(rng=None):
    """Turn ``rng`` (Generator, int seed or None) into a ``numpy.random.Generator``."""
    if rng is None:
        return _global
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"argument 'rng' must be a numpy.random.Generator, an int seed or None, "
        f"got {type(rng).__name__}"
    )
