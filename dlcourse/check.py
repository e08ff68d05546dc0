"""Checks for graded assignments: every failure says what was expected, what came back, and a hint.

The test cells of every assignment (``solutions/*/``) use these functions, so all of them
speak the same way. A failing check raises :class:`CheckFailed`, an ``AssertionError``, with a
message such as::

    step at x = 0: 1 of 2 entries are wrong (first at index (0,): got 1.0).
    Hint: step(0) must be 0: the slides set y = 1 only for x > 0 (use >, not >=).

A stub that still raises ``NotImplementedError``, or an answer variable still set to ``None``,
raises :class:`NotAttempted` instead ("not attempted yet" rather than "wrong").

How a test cell uses them::

    from dlcourse.check import call, check_array, passed
    got = call(step, np.array([-2.0, 0.5]))       # runs the student's function
    check_array(got, np.array([0.0, 1.0]), name="step([-2.0, 0.5])",
                hint="step(x) is 1 where x > 0 and 0 elsewhere.")
    passed("step")

Rules the checks keep, so that a passing check means a correct answer:

* Types are strict: an array answer must be a real ``numpy.ndarray`` (not a list, not a
  subclass) holding numbers; a number must be an ``int``, a ``float`` or a NumPy number. An
  object whose ``==`` always says True is rejected before anything is compared.
* Numbers are compared with tolerances (``rtol``, ``atol``), never with ``==``.
* ``reveal=False`` (use it in hidden tests) keeps the expected values out of the message: it
  says what property failed and gives the hint, but prints no answer.
* The NumPy functions used for comparing are looked up once, when this module is imported, so
  rebinding ``np.isclose`` or ``np.abs`` in a notebook cannot change a verdict.

Every sentence a student reads is built by the few ``_msg_*`` functions below ("expected ...,
got ...", "It looks like ...", "Hint: ...", "not attempted yet ...", "... raised ..."), so
that a translation (``dlcourse.i18n``) has one place to hook in.
"""

import contextlib

import numpy as np

from dlcourse.i18n import N_, _

__all__ = [
    "CheckFailed", "NotAttempted", "call", "call_mutating", "check_array", "check_close",
    "check_equal", "check_numbers", "check_pair", "check_raises", "check_shape", "check_true",
    "check_type", "passed",
]

# NumPy pieces captured at import time (see the module docstring).
_ndarray = np.ndarray
_array = np.array
_float64 = np.float64
_absolute = np.absolute
_subtract = np.subtract
_multiply = np.multiply
_add = np.add
_less_equal = np.less_equal
_equal = np.equal
_isnan = np.isnan
_isfinite = np.isfinite
_logical_and = np.logical_and
_logical_or = np.logical_or
_logical_not = np.logical_not
_count_nonzero = np.count_nonzero
_flatnonzero = np.flatnonzero
_unravel_index = np.unravel_index
_array2string = np.array2string
_errstate = np.errstate
_dtype = np.dtype

# Set by the grading kernel (dlcourse.sandbox.guard): refuses a function that is the course's
# reference implementation. None outside grading.
_refuse_reference = None

# Set to True by the grading kernel: then passed() does not announce checks still to come.
_grading = False

# Exact types accepted as "a real number" (bool is not a number here).
_REAL_SCALARS = frozenset(
    [int, float]
    + [np.dtype(code).type for code in "bBhHiIlLqQefdg"]
)
_INT_SCALARS = frozenset([int] + [np.dtype(code).type for code in "bBhHiIlLqQ"])
_BOOL_SCALARS = frozenset([bool, np.bool_])
_NUMERIC_KINDS = "biuf"  # bool, signed int, unsigned int, float

#: Arrays with at most this many entries are printed in full when ``reveal=True``.
SHOW_MAX = 16


class CheckFailed(AssertionError):
    """An answer is wrong. The message says what was expected, what came back, and a hint."""


class NotAttempted(CheckFailed):
    """An answer is still the stub (``raise NotImplementedError()`` or ``None``)."""


# ---------------------------------------------------------------- formatting

def _fmt(value):
    """A short, readable description of ``value`` for a message."""
    if type(value) is _ndarray:
        if value.size <= SHOW_MAX and value.dtype.kind in _NUMERIC_KINDS:
            text = _array2string(value, separator=", ", formatter={"float_kind": _num})
            return text.replace("\n", "")
        return _("an array of shape {shape} and dtype {dtype}").format(shape=value.shape, dtype=value.dtype)
    if type(value) in _INT_SCALARS:
        return repr(int(value))
    if type(value) in _REAL_SCALARS:
        return _num(value)
    text = repr(value) if type(value) in (str, bool, type(None), tuple) else None
    if text is not None and len(text) <= 80:
        return text
    return _("an object of type {type}").format(type=type(value).__name__)


def _num(value):
    """A float as a person writes it: 0.5, 3.0, 1e-12, inf (six significant digits)."""
    text = f"{float(value):.6g}"
    return text + ".0" if text.lstrip("-").isdigit() else text


# ---------------------------------------------------------------- the sentences a student reads

def _msg_expected_got(expected, got):
    """"expected <expected>, got <got>": both already described (see :func:`_fmt`)."""
    return _("expected {expected}, got {got}").format(expected=expected, got=got)


def _msg_got_wrong(got):
    """What a hidden check says instead of the expected value."""
    return _("got {got}, which is not the right value").format(got=got)


def _msg_entries_wrong(n_bad, size, where, got, expected=None):
    if expected is None:
        return _("{bad} of {size} entries are wrong (first at index {where}: got {got})").format(
            bad=n_bad, size=size, where=where, got=got)
    return _("{bad} of {size} entries differ (first at index {where}: expected {expected}, "
             "got {got})").format(bad=n_bad, size=size, where=where, expected=expected, got=got)


def _msg_message(name, problem, mistake=None, hint=None):
    """The whole message: "name: problem. It looks like mistake. Hint: hint".

    The check cell's own words (``hint``, ``mistake``) are translated here, from the catalog
    that ``make catalogs`` extracts from the assignments' check cells."""
    message = f"{name}: {_sentence(problem)}"
    if mistake:
        message += " " + _("It looks like {mistake}").format(mistake=_sentence(_(mistake)))
    if hint:
        message += " " + _("Hint: {hint}").format(hint=_(hint))
    return message


def _msg_not_attempted(label, stub):
    return _("{label}: not attempted yet: {stub} still raises NotImplementedError. Replace "
             "`raise NotImplementedError()` in its cell with your code, run that cell, then "
             "run this check again.").format(label=label, stub=stub)


def _msg_still_none():
    return (_("not attempted yet: it is still None"),
            _("set it to your answer and run its cell again."))


def _msg_raised(label, err):
    return _("{label} raised {error}: {message}. To see the full traceback, run it in a new cell "
             "of your own: cells you add are kept, and graded with your answers.").format(
                 label=label, error=type(err).__name__, message=err)


def _msg_passed(what):
    if _grading:
        return _("OK: {what}: the visible checks pass.").format(what=what)
    return _("OK: {what}: the visible checks pass. When your work is graded, hidden checks "
             "test the same rules on more inputs.").format(what=what)


def _fail(name, problem, hint=None, mistake=None, exc=CheckFailed):
    """Raise ``exc`` with the message "name: problem. It looks like ... Hint: hint"."""
    raise exc(_msg_message(name, problem, mistake, hint))


def _sentence(text):
    return text if text.endswith((".", "?", "!")) else text + "."


def passed(what):
    """Print that the visible checks of ``what`` pass (hidden checks follow at grading)."""
    print(_msg_passed(what))


# ---------------------------------------------------------------- calling student code

def _stub_name(err):
    """Name of the function whose ``raise NotImplementedError()`` was hit."""
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "a function"
    code = tb.tb_frame.f_code
    return _short(getattr(code, "co_qualname", code.co_name))


def _short(qualname):
    """``Linear.forward`` stays, ``test.<locals>.step`` becomes ``step``."""
    return qualname.rsplit("<locals>.", 1)[-1]


def _label(fn, args, kwargs):
    fname = _short(str(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "the function")))
    parts = [_fmt(a) for a in args] + [f"{k}={_fmt(v)}" for k, v in kwargs.items()]
    return f"{fname}({', '.join(parts)})"


def _call(fn, args, kwargs, may_modify_inputs):
    if not callable(fn):
        _fail(_("the check"), _msg_expected_got(_("a function to call"), _fmt(fn)),
              N_("did a later cell give its name to something else?"))
    label = _label(fn, args, kwargs)
    if _refuse_reference is not None:
        _refuse_reference(fn, label)
    snapshots = [(i, a.copy()) for i, a in enumerate(args) if type(a) is _ndarray]
    try:
        result = fn(*args, **kwargs)
    except NotImplementedError as err:
        raise NotAttempted(_msg_not_attempted(label, _stub_name(err))) from None
    except CheckFailed:
        raise
    except Exception as err:
        raise CheckFailed(_msg_raised(label, err)) from err
    if not may_modify_inputs:
        for i, before in snapshots:
            if not _same(args[i], before):
                _fail(label, _("it changed its argument number {n} in place").format(n=i + 1),
                      N_("work on a copy (x.copy(), or build a new array with np.where) and "
                         "return it; the caller's array must stay as it was."))
    return result


def call(fn, *args, **kwargs):
    """Return ``fn(*args, **kwargs)``, turning failures into messages that teach.

    * ``NotImplementedError`` (the stub) -> :class:`NotAttempted` naming the unfinished function;
    * any other exception -> :class:`CheckFailed` naming the call and the exception;
    * an array argument changed in place -> :class:`CheckFailed` (use :func:`call_mutating`
      for methods that are meant to update their arguments, such as an optimizer's step).
    """
    return _call(fn, args, kwargs, may_modify_inputs=False)


def call_mutating(fn, *args, **kwargs):
    """Like :func:`call`, for functions meant to change their array arguments in place."""
    return _call(fn, args, kwargs, may_modify_inputs=True)


@contextlib.contextmanager
def check_raises(exception, *, name, hint=None):
    """Check that the block raises ``exception`` (a class or a tuple of classes).

    >>> with check_raises(ValueError, name="step('a')"):
    ...     step("a")
    """
    try:
        yield
    except NotImplementedError as err:
        raise NotAttempted(_msg_not_attempted(name, _stub_name(err))) from None
    except exception:
        return
    except Exception as err:  # noqa: BLE001 -- any other exception is the answer being wrong
        _fail(name, _msg_expected_got(_exc_name(exception),
                                      f"{type(err).__name__}: {err}"), hint)
    _fail(name, _msg_expected_got(_exc_name(exception), _("no exception")), hint)


def _exc_name(exception):
    if isinstance(exception, tuple):
        return " or ".join(e.__name__ for e in exception)
    return exception.__name__


# ---------------------------------------------------------------- comparing numbers

def _same(a, b):
    """Exact equality of two ndarrays of the same type, NaN equal to NaN."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind not in _NUMERIC_KINDS:
        return bool(_equal(a, b).all())
    eq = _logical_or(_equal(a, b), _logical_and(_isnan_safe(a), _isnan_safe(b)))
    return bool(eq.all())


def _isnan_safe(a):
    return _isnan(a) if a.dtype.kind == "f" else _array(False)


def _close_mask(got, expected, rtol, atol):
    """Boolean array: where float64 arrays ``got`` and ``expected`` agree within tolerance.

    |got - expected| <= atol + rtol * |expected|; equal infinities agree; NaN agrees with NaN.
    """
    with _errstate(invalid="ignore", over="ignore"):
        diff = _absolute(_subtract(got, expected))
        ok = _less_equal(diff, _add(atol, _multiply(rtol, _absolute(expected))))
    ok = _logical_or(ok, _logical_and(_equal(got, expected), _logical_not(_isnan(expected))))
    return _logical_or(ok, _logical_and(_isnan(got), _isnan(expected)))


def _as_float64(arr):
    return _array(arr, dtype=_float64)


def _numeric_array(got, name):
    """Reject anything that is not a plain ndarray of real numbers."""
    if got is None:
        _fail(name, _msg_expected_got(_("a NumPy array"), _("None")),
              N_("did the function end without `return`?"))
    if type(got) is not _ndarray:
        if isinstance(got, (list, tuple)):
            _fail(name, _msg_expected_got(_("a NumPy array"), _("a {type}").format(type=type(got).__name__)),
                  N_("wrap the result in np.asarray(...) or build it with NumPy operations."))
        _fail(name, _msg_expected_got(_("a NumPy array (numpy.ndarray)"), _fmt(got)))
    if got.dtype.kind not in _NUMERIC_KINDS:
        _fail(name, _msg_expected_got(_("an array of real numbers"), f"dtype {got.dtype}"))


def _shape_hint(got_shape, expected_shape):
    if tuple(reversed(got_shape)) == expected_shape:
        return "the axes look swapped: is something transposed?"
    size = 1
    for n in got_shape:
        size *= n
    want = 1
    for n in expected_shape:
        want *= n
    if size == want:
        return ("the number of entries is right but the shape is not: an extra axis of "
                "length 1, or a missing one? (look at keepdims, reshape, ravel)")
    if len(got_shape) != len(expected_shape):
        return "the number of axes differs: did a sum or mean reduce the wrong axis?"
    return None


def check_shape(got, shape, *, name, hint=None):
    """Check that ``got`` is a NumPy array of shape ``shape``."""
    _numeric_array(got, name)
    shape = tuple(shape)
    if got.shape != shape:
        _fail(name, _msg_expected_got(_("shape {shape}").format(shape=shape), f"{got.shape}"),
              _shape_hint(got.shape, shape) or hint)


def _check_dtype(got, dtype, name, hint):
    if dtype is None:
        return
    if dtype == "float":
        if got.dtype.kind != "f":
            _fail(name, _msg_expected_got(_("a floating-point array"), f"dtype {got.dtype}"),
                  N_("convert with .astype(float), or use float constants such as 1.0 and 0.0."))
    elif got.dtype != _dtype(dtype):
        _fail(name, _msg_expected_got(f"dtype {_dtype(dtype)}", f"{got.dtype}"), hint)


def _find_mistake(got, mistakes, rtol, atol):
    """The description of the first known mistake whose value ``got`` reproduces."""
    for description, wrong in mistakes:
        wrong = _as_float64(wrong)
        if wrong.shape == got.shape and bool(_close_mask(got, wrong, rtol, atol).all()):
            return description
    return None


def check_array(got, expected, *, name, hint=None, rtol=1e-7, atol=1e-9, dtype=None,
                reveal=True, mistakes=()):
    """Check that ``got`` is a NumPy array equal to ``expected`` within tolerances.

    Parameters
    ----------
    got : the student's answer; must be a ``numpy.ndarray`` of real numbers.
    expected : array-like, the right answer; fixes the shape.
    name : what is being checked, as the student would write it, e.g. ``"step(x)"``.
    hint : what to look at when it fails (a formula, a common cause).
    rtol, atol : entries agree when ``|got - expected| <= atol + rtol * |expected|``.
    dtype : ``None`` (any real dtype), ``"float"`` (any floating dtype) or an exact dtype.
    reveal : print expected values in the message (False in hidden tests).
    mistakes : pairs ``(description, wrong_value)``; when ``got`` equals a wrong value the
        message says "It looks like <description>".
    """
    _numeric_array(got, name)
    expected = _as_float64(expected)
    check_shape(got, expected.shape, name=name, hint=hint)
    _check_dtype(got, dtype, name, hint)
    g = _as_float64(got)
    ok = _close_mask(g, expected, rtol, atol)
    n_bad = int(_count_nonzero(_logical_not(ok)))
    if n_bad == 0:
        return
    first = int(_flatnonzero(_logical_not(ok))[0])
    where = tuple(int(i) for i in _unravel_index(first, g.shape)) if g.ndim else ()
    if reveal and expected.size <= SHOW_MAX:
        problem = _msg_expected_got(_fmt(expected), _fmt(got))
    elif reveal:
        problem = _msg_entries_wrong(n_bad, g.size, where, _num(g[where]), _num(expected[where]))
    else:
        problem = _msg_entries_wrong(n_bad, g.size, where, _num(g[where]))
    if not bool(_isfinite(g).all()) and bool(_isfinite(expected).all()):
        problem += "; the result holds inf or NaN (an overflow, or 0/0?)"
    _fail(name, problem, hint, _find_mistake(g, mistakes, rtol, atol))


def _real_number(got, name):
    if got is None:
        _fail(name, _msg_expected_got(_("a number"), _("None")),
              N_("did the function end without `return`?"))
    if type(got) is _ndarray and got.shape == () and got.dtype.kind in "iuf":
        return float(got)
    if type(got) not in _REAL_SCALARS:
        _fail(name, _msg_expected_got(_("a number (int or float)"), _fmt(got)))
    return float(got)


def check_close(got, expected, *, name, hint=None, rtol=1e-7, atol=1e-9, reveal=True,
                mistakes=()):
    """Check that ``got`` is a real number within tolerance of ``expected``.

    Same parameters as :func:`check_array`; ``got`` may be an ``int``, a ``float``, a NumPy
    number or a 0-d array.
    """
    value = _real_number(got, name)
    g, e = _as_float64(value), _as_float64(expected)
    if bool(_close_mask(g, e, rtol, atol)):
        return
    problem = (_msg_expected_got(_num(expected), _num(value)) if reveal
               else _msg_got_wrong(_num(value)))
    _fail(name, problem, hint, _find_mistake(g, mistakes, rtol, atol))


def check_equal(got, expected, *, name, hint=None, reveal=True):
    """Check exact equality for a bool, int, str or tuple of these, with strict types.

    A NumPy integer counts as an int, ``np.bool_`` as a bool; nothing else is converted.
    """
    if not _same_kind(got, expected):
        _fail(name, _msg_expected_got(_(_KIND_NAMES[type(expected)]), _fmt(got)), hint)
    if isinstance(expected, tuple):
        for i, (g, e) in enumerate(zip(got, expected)):
            check_equal(g, e, name=f"{name}[{i}]", hint=hint, reveal=reveal)
        return
    same = bool(got) == expected if type(expected) is bool else (
        int(got) == expected if type(expected) is int else got == expected)
    if not same:
        problem = (_msg_expected_got(repr(expected), _fmt(got)) if reveal
                   else _msg_got_wrong(_fmt(got)))
        _fail(name, problem, hint)


_KIND_NAMES = {bool: N_("True or False"), int: N_("an int"),
               tuple: N_("a tuple of the same length"), str: N_("a str"), type(None): "None"}


def _same_kind(got, expected):
    if type(expected) is bool:
        return type(got) in _BOOL_SCALARS
    if type(expected) is int:
        return type(got) in _INT_SCALARS
    if type(expected) is tuple:
        return type(got) is tuple and len(got) == len(expected)
    if type(expected) in (str, type(None)):
        return type(got) is type(expected)
    raise TypeError(f"check_equal compares bool, int, str, None or tuples; "
                    f"use check_array or check_close for {type(expected).__name__}")


def _leaves(value):
    """The numbers in a nested list/tuple of numbers, or None if something else is inside."""
    if type(value) in (list, tuple):
        out = []
        for item in value:
            sub = _leaves(item)
            if sub is None:
                return None
            out.append(sub)
        return out
    if type(value) is _ndarray and value.shape == () and value.dtype.kind in "iuf":
        return value.item()
    return value if type(value) in _REAL_SCALARS else None


def check_numbers(got, *, shape, name, hint=None):
    """Check an answer given as numbers (a variable, not a function); return it as float64.

    ``got`` may be a number (``shape=()``), a nested list/tuple of numbers (NumPy numbers and
    0-d arrays included) or a NumPy array of real numbers, with the given ``shape``, every
    entry finite. ``None`` (the starting value
    of an answer variable) raises :class:`NotAttempted`.
    """
    if got is None:
        _fail(name, *_msg_still_none(), exc=NotAttempted)
    if type(got) is _ndarray:
        if got.dtype.kind not in "iuf":
            got_text = _("an array of dtype {dtype}").format(dtype=got.dtype)
            _fail(name, _msg_expected_got(_("numbers"), got_text), hint)
        values = _as_float64(got)
    elif type(got) in _REAL_SCALARS:
        values = _as_float64(got)
    else:
        leaves = _leaves(got)
        if leaves is None:
            wanted = _("numbers of shape {shape}").format(shape=tuple(shape))
            _fail(name, _msg_expected_got(wanted, _fmt(got)), hint)
        try:
            values = _as_float64(leaves)
        except ValueError:  # ragged nesting such as [[1, 2], [3]]
            _fail(name, _msg_expected_got(_("numbers of shape {shape}").format(shape=tuple(shape)),
                                          "rows of different lengths"), hint)
    if values.shape != tuple(shape):
        _fail(name, _msg_expected_got(_("shape {shape}").format(shape=tuple(shape)), f"{values.shape}"), hint)
    if not bool(_isfinite(values).all()):
        _fail(name, _("every number must be finite (no inf or nan)"), hint)
    return values


def check_true(condition, *, name, hint=None):
    """Check a property computed by the test, e.g. ``np.all(p >= 0)``; the name says which."""
    if type(condition) not in _BOOL_SCALARS:
        _fail(name, _("could not be checked: ")
              + _msg_expected_got(_("True or False"), _fmt(condition)),
              hint)
    if not bool(condition):
        _fail(name, _("does not hold"), hint)


# ---------------------------------------------------------------- floating-point warnings

def call_quietly(fn, *args, hint=None, **kwargs):
    """Like :func:`call`, but a NumPy floating-point warning inside ``fn`` fails the check.

    Overflow (``np.exp(1000.0)``), an invalid operation (``0 / 0``, ``inf - inf``) or a
    division by zero, which NumPy reports only as a ``RuntimeWarning`` while the returned
    values may still look right, raises :class:`CheckFailed` naming the warning, with
    ``hint`` (keyword-only, so ``fn`` cannot take an argument named ``hint``). Underflow
    (``np.exp(-1000.0)`` is 0.0) is allowed. Use it where a task promises a stable
    computation, e.g. a sigmoid that must not overflow at x = -1000.
    """
    import functools
    import warnings

    if not callable(fn):
        return _call(fn, args, kwargs, may_modify_inputs=False)
    label = _label(fn, args, kwargs)

    @functools.wraps(fn)
    def guarded(*a, **k):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with _errstate(over="raise", invalid="raise", divide="raise"):
                    result = fn(*a, **k)
            except FloatingPointError as err:
                _fail(label, _('NumPy reported "{error}" while computing it (shown as a '
                                "RuntimeWarning when you run it yourself), even if the values it "
                                "returns look right").format(error=err), hint)
        for w in caught:
            if issubclass(w.category, RuntimeWarning):
                _fail(label, _('it gave the warning "{warning}"').format(warning=w.message), hint)
        return result

    return _call(guarded, args, kwargs, may_modify_inputs=False)


__all__ += ["call_quietly"]


# ---------------------------------------------------------------- answers chosen from a list

def check_choice(got, options, *, name, hint=None, reveal=True):
    """Check that ``got`` is one of the strings ``options``; return it as spelled in ``options``.

    Case and surrounding spaces are ignored (``" ReLU"`` matches ``"relu"``). ``None`` (the
    starting value of an answer variable) raises :class:`NotAttempted`. Use it for answers
    picked from a list, such as an activation or a loss by name; then compare the returned
    string with :func:`check_equal`. ``reveal=False`` leaves the options out of the message.
    """
    if got is None:
        _fail(name, *_msg_still_none(), exc=NotAttempted)
    wanted = (_("one of {options}").format(options=", ".join(repr(o) for o in options)) if reveal
              else _("one of the options"))
    if type(got) is not str:
        _fail(name, _msg_expected_got(_("a str, {wanted}").format(wanted=wanted), _fmt(got)), hint)
    key = got.strip().lower()
    for option in options:
        if option.lower() == key:
            return option
    _fail(name, _msg_expected_got(wanted, _fmt(got)), hint)


__all__ += ["check_choice"]


# ---------------------------------------------------------------- pairs and objects

def check_pair(got, *, name, length=2, hint=None):
    """Check that ``got`` is a tuple (or list) of ``length`` items; return it as a tuple.

    For functions that "return the pair (a, b)": ``return a, b`` makes a tuple, and a list of
    the same length is accepted too. Anything else (a generator, a dict, an array, an object
    pretending to be a sequence) is refused before its items are looked at.
    """
    if got is None:
        _fail(name, _msg_expected_got(_("a tuple of {length}").format(length=length), _("None")),
              N_("did the function end without `return`?"))
    if type(got) not in (tuple, list) or len(got) != length:
        _fail(name, _msg_expected_got(_("a tuple of {length}").format(length=length), _fmt(got)),
              hint or _("end with `return {names}`.").format(names=", ".join("abcdefgh"[:length])))
    return tuple(got)


def check_type(got, cls, *, name, hint=None):
    """Check that ``got`` is exactly of class ``cls`` (not a subclass, not a lookalike)."""
    if type(got) is not cls:
        _fail(name, _msg_expected_got(f"a {cls.__module__.split('.')[-1]}.{cls.__name__}",
                                      _fmt(got)), hint)
    return got

