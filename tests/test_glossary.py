"""The glossary is generated from the termbase, and its formulas are the engine's.

book/glossary.md is written by book/_ext/make_glossary.py from book/termbase.yml; these tests
fail when the committed glossary is stale, when the termbase breaks its agreed format, and when a
formula printed in the glossary (MAPE with its factor 100, MSLE, MSE, MAE, the L1 and L2
penalties) computes something else than the dlcourse object it names.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from dlcourse import losses, regularizers

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_glossary", ROOT / "book" / "_ext" / "make_glossary.py")
make_glossary = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_glossary)

ENTRIES = make_glossary.load()
FORMULAS = {name: (entry, formula) for entry in ENTRIES
            for name, formula in (entry.get("formulas") or {}).items()}


def test_committed_glossary_is_generated_from_the_termbase():
    committed = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    assert committed == make_glossary.render(ENTRIES), (
        "book/glossary.md is out of date: run `python book/_ext/make_glossary.py`")


def test_every_formula_appears_in_the_glossary():
    committed = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    assert {"MAPE", "MSLE", "L1", "L2"} <= set(FORMULAS)
    for name, (_, formula) in FORMULAS.items():
        assert f"${formula['tex']}$" in committed, f"formula {name} is not printed in the glossary"


@pytest.mark.parametrize("name", ["MAE", "MAPE", "MSE", "MSLE"])
def test_loss_formula_equals_the_engine(name):
    _, formula = FORMULAS[name]
    assert formula["engine"] == f"losses.{name}"
    rng = np.random.default_rng(7)
    y = rng.uniform(0.5, 5.0, size=12)          # targets, never 0 (MAPE)
    yhat = y + rng.normal(0.0, 1.0, size=12)
    yhat = np.abs(yhat) + 0.1                    # MSLE needs 1 + yhat > 0
    printed = make_glossary.evaluate(formula["tex"], y=y, yhat=yhat, N=y.size)
    engine = getattr(losses, name)()(yhat[:, None], y[:, None])
    assert printed == pytest.approx(engine, rel=1e-12), (
        f"the glossary's {name} gives {printed}, the engine's {engine}")


def test_mape_is_a_percentage():
    _, formula = FORMULAS["MAPE"]
    # predictions 10 % off everywhere: MAPE must say 10, not 0.1
    y = np.array([10.0, 20.0, 40.0])
    assert make_glossary.evaluate(formula["tex"], y=y, yhat=1.1 * y, N=3) == pytest.approx(10.0)


@pytest.mark.parametrize("name", ["L1", "L2"])
def test_penalty_formula_equals_the_engine(name):
    _, formula = FORMULAS[name]
    assert formula["engine"] == f"regularizers.{name}"
    w = np.random.default_rng(3).normal(size=(4, 5))
    lam = 0.37
    printed = make_glossary.evaluate(formula["tex"], w=w, lam=lam)
    engine = getattr(regularizers, name)(lam)(w)
    assert printed == pytest.approx(engine, rel=1e-12), (
        f"the glossary's {name} penalty gives {printed}, the engine's {engine}")


def test_tex_reader_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="unsupported"):
        make_glossary.tex_to_numpy(r"\sqrt{y_i}")
    with pytest.raises(ValueError, match="one sum"):
        make_glossary.tex_to_numpy(r"\sum_i y_i \sum_j w_j")


def test_termbase_format(tmp_path):
    for entry in ENTRIES:
        assert entry["ko"], entry["en"]
        if not entry["coined"]:
            assert entry["decks"], f"{entry['en']}: not coined, so some deck must use a word"
    bad = tmp_path / "termbase.yml"
    bad.write_text("- en: x\n  ko: y\n  decks: {}\n  coined: maybe\n  definition: z\n", encoding="utf-8")
    with pytest.raises(ValueError, match="coined"):
        make_glossary.load(bad)
    bad.write_text("- en: x\n  ko: y\n  decks: {\"009\": z}\n  coined: false\n  definition: z\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="deck number"):
        make_glossary.load(bad)


def test_the_decks_own_words_come_first():
    """The issue's examples: the decks' words first, the common alternatives after."""
    by_en = {entry["en"]: entry for entry in ENTRIES}
    assert by_en["overfitting"]["ko"] == "과잉적합" and "과적합" in by_en["overfitting"]["alt"]
    assert by_en["convolution"]["ko"] == "컨볼루션" and "합성곱" in by_en["convolution"]["alt"]
    assert by_en["local minimum"]["ko"] == "국소 최적해"
    assert by_en["regularization"]["ko"] == "규제"
    for coined in ("feature scaling", "min-max scaling", "computational graph", "gradient checking"):
        assert by_en[coined]["coined"], coined
