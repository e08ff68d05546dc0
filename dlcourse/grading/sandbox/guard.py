"""IPython extension loaded in every grading kernel, before any student code runs.

The launcher starts the kernel with ``--ext=dlcourse.grading.sandbox.guard`` and passes settings in
``$DLCOURSE_GUARD`` (JSON). The guard

* caps what a cell can print or display (``output_bytes`` per cell): the rest is dropped
  with one "[output truncated by the grader]" line, so hundreds of megabytes of output cost
  neither time nor memory in the grader, the gradebook or the feedback;
* installs an audit hook (:func:`sys.addaudithook`, which cannot be removed) that refuses
  writing outside the kernel's own scratch folder, reading the course's private folders
  (submissions, gradebook, solutions) and the grader's folders, starting processes,
  signalling other processes and opening network connections;
* snapshots NumPy, ``numpy.testing``, ``numpy.linalg``, ``math``, ``builtins`` and
  ``dlcourse.check`` (every attribute, the code of every Python function, their
  ``sys.modules`` entries) and after every cell compares, restores what a cell changed, and
  reports it;
* notices ``exit()`` / ``quit()`` (which IPython turns into a request to stop the kernel);
* lets :func:`dlcourse.check.call` refuse a reference implementation from ``dlcourse``.

After each cell that changed something, the guard adds one output of mime type
:data:`dlcourse.grading.sandbox.REPORT_MIME` to that cell: ``{"changed": [...], "blocked": [...],
"exit": bool}``. The grader reads these reports, gives the concerned checks 0 points with
the reason, and removes the reports from the notebook.

None of this is a security boundary on its own (code in the same process can undo much of
it); the static scan refuses the means, and the operating system (an unprivileged user,
resource limits) is the boundary.
"""

import json
import os
import sys

from dlcourse.grading.sandbox import REPORT_MIME

GUARDED_MODULES = ("numpy", "numpy.testing", "numpy.linalg", "math", "builtins", "dlcourse.check")
#: Builtins that IPython and ipykernel themselves set while running cells.
IPYTHON_BUILTINS = frozenset({"input", "raw_input", "get_ipython", "display", "exit", "quit",
                              "_", "__", "___", "help", "copyright", "credits", "license"})
TRUNCATED = "\n[output truncated by the grader: a cell may print at most {} kB]\n"

_EVENTS_PROCESS = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
                             "os.spawn", "os.fork", "os.forkpty", "pty.spawn", "os.startfile"})
_EVENTS_NET = frozenset({"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"})
_EVENTS_PATH_WRITE = {  # event -> indices of path arguments that are written
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
    "os.chmod": (0,), "os.chown": (0,), "os.symlink": (1,), "os.link": (1,),
    "os.truncate": (0,), "os.utime": (0,), "shutil.rmtree": (0,), "os.removexattr": (0,),
    "os.setxattr": (0,),
}
_EVENTS_LIST = frozenset({"os.listdir", "os.scandir", "glob.glob"})


class _State:
    def __init__(self, settings):
        self.settings = settings
        self.written = 0
        self.truncated = False
        self.blocked = []


def load_ipython_extension(ip):
    settings = json.loads(os.environ.pop("DLCOURSE_GUARD", "{}") or "{}")
    state = _State(settings)
    _cap_output(ip, state, int(settings.get("output_bytes", 1_000_000)))
    _install_reference_policy(ip, settings)
    snapshot = _Snapshot(GUARDED_MODULES)
    publish = ip.display_pub.publish
    asked_exit = []

    def ask_exit():
        # exit() / quit() only note it: ipykernel's own ask_exit stops the kernel's event loop
        # 0.1 s later, a race with the next cells that a loaded machine loses
        asked_exit.append(True)

    ip.ask_exit = ask_exit

    def pre_run_cell(*_args):
        state.written, state.truncated = 0, False
        state.blocked.clear()

    def post_run_cell(*_args):
        report = {}
        changed = snapshot.restore()
        if changed:
            report["changed"] = changed
        if state.blocked:
            report["blocked"] = list(dict.fromkeys(state.blocked))[:10]
        if state.truncated:
            report["truncated"] = True
        if asked_exit or getattr(ip, "exit_now", False):
            asked_exit.clear()
            ip.exit_now = False
            report["exit"] = True
        if report:
            publish(data={REPORT_MIME: report, "text/plain": "(grader report)"}, metadata={})

    ip.events.register("pre_run_cell", pre_run_cell)
    ip.events.register("post_run_cell", post_run_cell)
    _install_audit_hook(state, settings)  # last: from here on, file access is policed


# ---------------------------------------------------------------- output cap

def _cap_output(ip, state, limit):
    notice = TRUNCATED.format(limit // 1000)

    def capped(write):
        def write_capped(text):
            if state.truncated:
                return len(text) if isinstance(text, str) else 0
            size = len(text) if isinstance(text, str) else 0
            if state.written + size > limit:
                state.truncated = True
                keep = max(0, limit - state.written)
                state.written = limit
                return write(text[:keep] + notice)
            state.written += size
            return write(text)

        return write_capped

    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "write"):
            stream.write = capped(stream.write)

    publish = ip.display_pub.publish

    def publish_capped(data, metadata=None, *args, **kwargs):
        size = sum(len(v) if isinstance(v, (str, bytes)) else len(json.dumps(v, default=str))
                   for v in (data or {}).values())
        if state.truncated or state.written + size > limit:
            state.truncated = True
            state.written = limit
            data = {"text/plain": notice.strip()}
        else:
            state.written += size
        return publish(data, metadata, *args, **kwargs)

    ip.display_pub.publish = publish_capped
    hook = ip.displayhook
    if hasattr(hook, "write_format_data"):
        write_format_data = hook.write_format_data

        def write_format_data_capped(format_dict, md_dict=None):
            size = sum(len(v) if isinstance(v, (str, bytes)) else 0 for v in format_dict.values())
            if state.truncated or state.written + size > limit:
                state.truncated = True
                state.written = limit
                format_dict = {"text/plain": notice.strip()}
            else:
                state.written += size
            return write_format_data(format_dict, md_dict)

        hook.write_format_data = write_format_data_capped
    showtraceback = ip._showtraceback

    def showtraceback_capped(etype, evalue, stb):
        stb = [line if len(line) <= 4000 else line[:4000] + " ...[cut]" for line in stb[:200]]
        evalue = evalue if len(str(evalue)) <= 4000 else str(evalue)[:4000] + " ...[cut]"
        return showtraceback(etype, evalue, stb)

    ip._showtraceback = showtraceback_capped


# ---------------------------------------------------------------- file, process and network policy

def _install_audit_hook(state, settings):
    realpath, fspath, join, getcwd = os.path.realpath, os.fspath, os.path.join, os.getcwd
    sep, getpid = os.sep, os.getpid
    writable = tuple(realpath(p).rstrip(sep) + sep for p in settings.get("writable", []))
    private = tuple(realpath(p).rstrip(sep) for p in settings.get("private", []))
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    devices = ("/dev/null",)
    blocked = state.blocked

    def resolve(path):
        try:
            path = fspath(path)
        except TypeError:
            return None
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            return None
        try:
            return realpath(path if path.startswith(sep) else join(getcwd(), path))
        except (OSError, ValueError):
            return path

    def is_private(path):
        return any(path == p or path.startswith(p + sep) for p in private)

    def can_write(path):
        return path in devices or (path + sep).startswith(writable) or path.startswith(writable)

    def refuse(what):
        blocked.append(what)
        raise PermissionError(f"the grading sandbox does not allow answers to {what}")

    def hook(event, args):
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None, None))[:3]
            if isinstance(path, int):
                return
            full = resolve(path)
            if full is None:
                return
            writing = (isinstance(mode, str) and any(m in mode for m in "wax+")) or (
                isinstance(flags, int) and mode is None and flags & write_flags)
            if is_private(full):
                refuse(f"open {full}")
            if writing and not can_write(full):
                refuse(f"write to {full}")
        elif event in _EVENTS_LIST:
            full = resolve(args[0]) if args and args[0] is not None else None
            if full is not None and is_private(full):
                refuse(f"list {full}")
        elif event in _EVENTS_PATH_WRITE:
            for i in _EVENTS_PATH_WRITE[event]:
                full = resolve(args[i]) if len(args) > i and not isinstance(args[i], int) else None
                if full is not None and not can_write(full):
                    refuse(f"change {full}")
        elif event in _EVENTS_PROCESS:
            refuse("start other programs")
        elif event in ("os.kill", "os.killpg"):
            if event == "os.killpg" or args[0] != getpid():
                refuse("signal other processes")
        elif event in _EVENTS_NET:
            refuse("open network connections")
        elif event == "sys.addaudithook":
            refuse("add audit hooks")

    sys.addaudithook(hook)


# ---------------------------------------------------------------- the reference implementation

def cell_key(source):
    """The key of a cell in the guard's settings: a hash of its source."""
    import hashlib

    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _install_reference_policy(ip, settings):
    """``dlcourse.check.call`` refuses the reference implementation, however it is reached.

    Two parts. The function handed to ``call`` must not itself be an engine function. And
    while ``call`` runs it, a profiler watches every Python call: a call from the student's
    code of the task being checked (its answer cell and the cells the student added for it)
    into an engine module the task may not use fails the check, whatever route led there
    (a name the setup cell imported, ``getattr``, ``object.__subclasses__()``, ...). The
    allowed modules are per check cell (``allowed_by_cell``: the task's ``allow_imports`` and
    what those modules build on).
    """
    import dlcourse.check as check
    from dlcourse.grading.sandbox import ENGINE_MODULES, engine_files

    def norm(mods):
        return frozenset(a if a.startswith("dlcourse.") else f"dlcourse.{a}" for a in mods)

    pkg = os.path.dirname(os.path.abspath(check.__file__))
    files = {}
    for path, module in engine_files(ENGINE_MODULES, pkg).items():
        files[path] = module
        files[os.path.join(pkg, os.path.relpath(path, os.path.realpath(pkg)))] = module
    default = norm(settings.get("allowed_modules", []))
    by_cell = {k: norm(v) for k, v in (settings.get("allowed_by_cell") or {}).items()}
    task_by_cell = settings.get("task_by_cell") or {}
    student_keys = settings.get("student_cells") or {}  # cell key -> the task it counts for
    student_files = {}  # code file of a student's cell -> its task
    state = {"refused": frozenset(f for f, m in files.items() if m not in default),
             "allowed": default}
    setprofile, getframe, getprofile = sys.setprofile, sys._getframe, sys.getprofile

    def pre_run_cell(info):
        raw = getattr(info, "raw_cell", None) or ""
        key = cell_key(raw)
        allowed = by_cell.get(key, default)
        state["allowed"] = allowed
        state["refused"] = frozenset(f for f, m in files.items() if m not in allowed)
        state["task"] = task_by_cell.get(key)
        if key in student_keys:
            try:
                name = ip.compile.get_code_name(raw, raw, ip.execution_count)
                student_files[name] = student_keys[key]
            except Exception:  # noqa: BLE001 -- an IPython without get_code_name: no profiling
                pass

    ip.events.register("pre_run_cell", pre_run_cell)

    def fail(label, module):
        return check.CheckFailed(
            f"{label}: uses the reference implementation from dlcourse ({module}); this task "
            "asks you to write it.")

    def refuse_reference(fn, label):
        refused = state["refused"]
        module = getattr(fn, "__module__", None) or ""
        code = getattr(getattr(fn, "__func__", fn), "__code__", None)
        filename = getattr(code, "co_filename", "") or ""
        names = {module.split(".")[0] + "." + module.split(".")[1]} if module.count(".") else set()
        if filename in refused:
            names.add(files[filename])
        hit = sorted(n for n in names if n in files.values() and n not in state["allowed"])
        if hit:
            raise fail(label, hit[0])
        task = state.get("task")
        if not refused or task is None or getprofile() is not None:
            return
        caller = getframe(1)  # dlcourse.check.call: watch until it returns

        def profile(frame, event, _arg):
            if event == "call":
                name = frame.f_code.co_filename
                if name in refused:
                    back = frame.f_back
                    if back is not None and student_files.get(back.f_code.co_filename) == task:
                        setprofile(None)
                        raise fail(label, files[name])
            elif event == "return" and frame is caller:
                setprofile(None)

        setprofile(profile)

    check._refuse_reference = refuse_reference
    check._grading = True  # graded feedback: no "hidden checks follow at grading" sentence


# ---------------------------------------------------------------- snapshot and restore

class _Snapshot:
    """Every attribute of some modules, and the code of their Python functions."""

    def __init__(self, names):
        import importlib

        self.modules = {}
        for name in names:
            try:
                self.modules[name] = importlib.import_module(name)
            except ImportError:
                pass
        self.take()

    def take(self):
        self.attrs, self.codes = {}, {}
        for name, module in self.modules.items():
            items = dict(vars(module))
            self.attrs[name] = items
            for attr, value in items.items():
                code = getattr(value, "__code__", None) if type(value).__name__ == "function" else None
                if code is not None:
                    self.codes[(name, attr)] = (value, code, value.__defaults__,
                                                value.__kwdefaults__)

    def restore(self):
        """Put back everything that changed; return what was changed, for the report."""
        changed = []
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                changed.append(f"sys.modules['{name}']")
                sys.modules[name] = module
            current = vars(module)
            for attr, value in self.attrs[name].items():
                if attr.startswith("__") and attr.endswith("__") and attr != "__import__":
                    continue
                if name == "builtins" and attr in IPYTHON_BUILTINS:
                    continue
                if current.get(attr, _MISSING) is not value:
                    changed.append(f"{name}.{attr}")
                    setattr(module, attr, value)
        for (name, attr), (fn, code, defaults, kwdefaults) in self.codes.items():
            if fn.__code__ is not code or fn.__defaults__ is not defaults or (
                    fn.__kwdefaults__ is not kwdefaults):
                changed.append(f"{name}.{attr} (its code)")
                fn.__code__, fn.__defaults__, fn.__kwdefaults__ = code, defaults, kwdefaults
        return changed


_MISSING = object()
