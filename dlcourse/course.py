"""Former home of the instructor's commands; they live in :mod:`dlcourse.grading` now.

Kept so that code written for ``dlcourse.course`` (an older ``nbgrader_config.py`` importing
``HideHiddenTests``, scripts calling ``course.autograde``) keeps working: every name is
looked up, when used, in the grading modules.
"""

import importlib

_MODULES = ("config", "release", "collect", "autograde", "gradebook", "feedback", "report",
            "cli")
_RENAMED = {"_add_students": ("gradebook", "add_students"),
            "_read_grade": ("gradebook", "read_grade"),
            "_annotate_gradebook": ("gradebook", "annotate")}


def __getattr__(name):
    if name in _RENAMED:
        module, attr = _RENAMED[name]
        return getattr(importlib.import_module(f"dlcourse.grading.{module}"), attr)
    for module in _MODULES:
        mod = importlib.import_module(f"dlcourse.grading.{module}")
        if name in vars(mod) and not isinstance(vars(mod)[name], type(importlib)):
            return vars(mod)[name]
    raise AttributeError(f"module 'dlcourse.course' has no attribute {name!r}")


def main(argv=None):
    """Entry point of ``dlcourse-course`` (now :func:`dlcourse.grading.cli.main`)."""
    from dlcourse.grading.cli import main as _main

    return _main(argv)
