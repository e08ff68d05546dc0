"""Kernel isolation: bubblewrap when it works, today's protections when it does not (issue 18).

Four small batches of 01-perceptron submissions, each in a temporary course copy, graded by
``dlcourse-course autograde``:

* **bubblewrap, as root** (kernels as a sandbox uid inside bwrap) and **bubblewrap, as an
  unprivileged user** (the grader itself is an ordinary user: a throwaway account made with
  ``useradd`` when the tests run as root; when they do not, the current user, and the root
  run is skipped). The hostile answers go around the in-kernel guard first, through
  ``numpy.ctypeslib`` and libc (spelled so the static scan does not see ``ctypes``):
  ``connect`` to a server the test listens with on 127.0.0.1, ``open``/``read`` another
  student's notebook and the solution, ``creat`` a file in the course, ``fork`` a thousand
  children that stay alive; then they try the same in plain Python, which the guard
  refuses. The operating system must stop the first (nothing reached, read, written, left
  running), and the guard's refusal gives the task 0 with the reason.
* **plain (forced with ``DLCOURSE_ISOLATION=plain``), as root and as the unprivileged user**:
  the same behaviours in plain Python only (what the fallback promises), each 0 with the
  reason; the summary says which isolation was used.

In every batch an honest student keeps all points and the other tasks of the hostile
students keep theirs.
"""

import contextlib
import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path

import pytest
from test_grading import fill_in, read_nb

from dlcourse import course
from dlcourse.grading.sandbox import bwrap, scan

pytestmark = pytest.mark.grading

REPO = Path(__file__).resolve().parents[1]
A = "01-perceptron"
ALL = {"test_step", "test_perceptron", "test_and", "test_or", "test_nand", "test_two_layer",
       "test_xor_weights"}
GATES = {"test_and", "test_or", "test_nand"}
GOOD_GATES = ("AND_WEIGHTS = (1.0, 1.0, -1.0)\nOR_WEIGHTS = (2.0, 2.0, -1.0)\n"
              "NAND_WEIGHTS = (-2.0, -2.0, 3.0)\n")
SECRET = "SECRET-OF-I_GOOD-7f3a"     # in the honest student's notebook only
LEFT = "dlcleft"                     # name of the processes the fork answer leaves behind
USER = "dlcgrader18"                 # throwaway unprivileged grader (made when root)
LIBC_DIR = next((os.path.dirname(p) for p in sorted(glob.glob("/lib/*/libc.so.6") + glob.glob(
    "/usr/lib/*/libc.so.6") + glob.glob("/lib64/libc.so.6"))), "/lib")

#: libc through numpy.ctypeslib, spelled so the static scan does not see the word.
LIBC = ("_nc = getattr(np, 'ctypes' + 'lib')\n"
        f"_libc = _nc.load_library('libc.so.6', {LIBC_DIR!r})\n")


#: A network connection in plain Python (the scan refuses ``import socket`` itself).
URLOPEN = "import urllib.request\nurllib.request.urlopen('http://127.0.0.1:{port}/', timeout=2)\n"


def _net(port):
    return (LIBC + "_s = _libc.socket(2, 1, 0)\n"
            f"_addr = (2).to_bytes(2, 'little') + ({port}).to_bytes(2, 'big') + bytes([127, 0, 0, 1])"
            " + bytes(8)\n"
            "print('ctypes connect', _libc.connect(_s, _addr, 16))\n"
            + URLOPEN.format(port=port))


def _reads(root):
    other = root / "submitted" / "i_good" / A / f"{A}.ipynb"
    sol = root / "solutions" / A / f"{A}.ipynb"
    code = LIBC + "_buf = bytes(200000)  # read() fills it in place\n"
    for name, path in (("other", other), ("solution", sol)):
        code += (f"_fd = _libc.open({str(path).encode()!r}, 0, 0)\n"
                 f"print('ctypes open {name}', _fd)\n"
                 "if _fd >= 0:\n    _n = _libc.read(_fd, _buf, 200000)\n"
                 "    print(_buf[:max(_n, 0)].decode('utf-8', 'replace'))\n")
    code += (f"_d = _libc.opendir({str(root / 'submitted').encode()!r})\n"
             "print('ctypes opendir', _d or 0)\n"
             f"import os\nprint(os.listdir({str(root / 'submitted')!r}))\n")
    return code


def _writes(root):
    return (LIBC + f"print('ctypes creat', _libc.open({str(root / 'hacked-ctypes.txt').encode()!r},"
            " 0o101, 0o644))\n"
            f"open({str(root / 'hacked.txt')!r}, 'w').write('x')\n")


FORKS = (LIBC + "_ok = 0\nfor _i in range(1000):\n    _pid = _libc.fork()\n"
         "    if _pid == 0:\n"
         f"        _libc.prctl(15, {LEFT.encode()!r}, 0, 0, 0)\n"
         "        while True:\n            _libc.pause()\n"
         "    _ok += _pid > 0\n"
         "print('children', _ok)\nimport os\nos.fork()\n")


def cases(root, port, ctypes_routes):
    """{student: (gate_weights cell, fragment of the reason)}."""
    plain = {
        "i_network": (URLOPEN.format(port=port), "open network connections"),
        "i_reads": (f"import os\nprint(os.listdir({str(root / 'submitted')!r}))\n"
                    f"open({str(root / 'solutions' / A / (A + '.ipynb'))!r}).read()\n",
                    "submitted"),
        "i_writes": (f"open({str(root / 'hacked.txt')!r}, 'w').write('x')\n", "hacked.txt"),
        "i_forks": ("import os\nfor _ in range(1000):\n    os.fork()\n", "start other programs"),
    }
    if ctypes_routes:
        plain = {"i_network": (_net(port), "open network connections"),
                 "i_reads": (_reads(root), "submitted"),
                 "i_writes": (_writes(root), "hacked.txt"),
                 "i_forks": (FORKS, "start other programs")}
    return {s: (GOOD_GATES + code, says) for s, (code, says) in plain.items()}


# ---------------------------------------------------------------- who grades

def _bwrap_works():
    plan, line = bwrap.decide("auto", sys.executable, [], None, [], str(REPO / "dlcourse"))
    return plan is not None, line


def _unprivileged_user():
    """(name, uid) of the throwaway grader; made with useradd when root (removed at exit)."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        p = pwd.getpwnam(USER)
        return USER, p.pw_uid
    if not shutil.which("useradd"):
        return None
    r = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        USER], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        return None
    return USER, pwd.getpwnam(USER).pw_uid


@pytest.fixture(scope="module")
def grader_user():
    user = _unprivileged_user()
    yield user
    if user and os.geteuid() == 0:
        subprocess.run(["userdel", USER], capture_output=True, check=False)


def _python_for(uid):
    """A Python the user ``uid`` can run: the grader's own, else the system's same version."""
    def drop():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)

    system = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    for python in (sys.executable, system):
        with contextlib.suppress(OSError):
            if subprocess.run([python, "-c", "pass"], preexec_fn=drop, cwd="/",
                              capture_output=True, check=False).returncode == 0:
                return python
    pytest.skip(f"the unprivileged user cannot run {sys.executable} (a Python under a private "
                f"home) and {system} does not exist")


class Listener:
    """A TCP server on 127.0.0.1 in the test's own network namespace: counts connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def _left_processes():
    out = []
    for comm in glob.glob("/proc/[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if Path(comm).read_text().strip() == LEFT:
                out.append(comm.split("/")[2])
    return out


def grade_batch(isolation, as_user, ctypes_routes):
    """Grade a fresh course copy; return (root, {student: (score, lost, reasons)}, summary)."""
    base = Path(tempfile.mkdtemp(prefix="dlcourse-isolation-"))
    os.chmod(base, 0o755)
    root = base / "course"
    root.mkdir()
    shutil.copy2(REPO / course.CONFIG_FILE, root / course.CONFIG_FILE)
    with open(root / course.CONFIG_FILE, "a", encoding="utf-8") as f:
        f.write("\nc.DlCourse.sandbox_uid_base = 64900\nc.Execute.timeout = 20\n")
    for folder in ("solutions", "exercises"):
        shutil.copytree(REPO / folder / A, root / folder / A)
    course.release(root, A)
    rel = read_nb(root / "exercises" / A / f"{A}.ipynb")
    sol = read_nb(root / "solutions" / A / f"{A}.ipynb")
    listener = Listener()
    hostile = cases(root, listener.port, ctypes_routes)
    subs = {"i_good": fill_in(rel, sol, {})}
    for cell in subs["i_good"]["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "gate_weights":
            cell["source"] = GOOD_GATES + f"# {SECRET}\n"
    for student, (code, _says) in hostile.items():
        nb = fill_in(rel, sol, {})
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") == "gate_weights":
                cell["source"] = code
                assert not scan.scan_cell(code), f"the scan must not see {student}'s route"
        subs[student] = nb
    for student, nb in subs.items():
        path = root / "submitted" / student / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(nb), encoding="utf-8")
    env = {**os.environ, "DLCOURSE_ISOLATION": isolation}
    env.pop("DLCOURSE_CELL_TIMEOUT", None)
    python = sys.executable
    preexec = None
    if as_user is not None:
        name, uid = as_user
        python = _python_for(uid)
        if python != sys.executable:  # the system's Python with this checkout's packages
            site = sysconfig.get_paths()["purelib"]
            env["PYTHONPATH"] = os.pathsep.join([str(REPO), site])
        home = base / "home"
        home.mkdir()
        for path in [base, *base.rglob("*")]:
            os.chown(path, uid, uid)
        env.update(HOME=str(home), USER=name, LOGNAME=name)

        def preexec():
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
    cmd = [python, "-c", "import sys; from dlcourse.grading.cli import main; "
           "sys.exit(main(sys.argv[1:]))", "--course", str(root), "autograde", A, "--jobs", "2"]
    try:
        r = subprocess.run(cmd, env=env, preexec_fn=preexec, capture_output=True, text=True,
                           timeout=1200, cwd=str(root), check=False)
        summary = r.stdout + r.stderr
        assert r.returncode == 0, summary[-3000:]
        api = course.open_api(root)
        grades = {s: course._read_grade(api, A, s) for s in subs}
        texts = {s: (root / "autograded" / s / A / f"{A}.ipynb").read_text(encoding="utf-8")
                 for s in subs}
        reports = {s: json.loads((root / "autograded" / s / A / "dlcourse-grading.json")
                                 .read_text(encoding="utf-8")) for s in subs}
        return {"root": root, "grades": grades, "texts": texts, "reports": reports,
                "summary": summary, "hostile": hostile, "accepted": listener.accepted,
                "left": _left_processes(),
                "written": sorted(p.name for p in root.glob("hacked*"))}
    finally:
        listener.close()
        shutil.rmtree(base, ignore_errors=True)


def check_batch(out, bubblewrap):
    summary = out["summary"]
    assert ("Isolation: bubblewrap" in summary) == bubblewrap, summary[-1500:]
    if not bubblewrap:
        assert "Isolation: plain" in summary, summary[-1500:]
    good = out["grades"]["i_good"]
    assert good.score == good.max_score == 10 and not good.lost, "the honest student keeps all"
    for student, (_code, says) in out["hostile"].items():
        g = out["grades"][student]
        assert set(g.lost) == GATES, (student, g.lost)          # 0 for that task, the rest kept
        why = json.dumps(out["reports"][student]).lower()
        assert says.lower() in why, (student, why[:2000])
        assert "refused" in why, student
    # what the operating system (bubblewrap) or the guard stopped
    assert out["accepted"] == 0, "a kernel reached the grader's network"
    assert out["written"] == [], f"a kernel wrote into the course: {out['written']}"
    assert out["left"] == [], f"processes left running: {out['left']}"
    for student, text in out["texts"].items():
        if student != "i_good":
            assert SECRET not in text, f"{student} read another student's notebook"
            assert "### BEGIN SOLUTION" not in text, f"{student} read the solution"


def outputs(text):
    """The printed output of the gate_weights cell of a graded notebook (JSON text)."""
    for cell in json.loads(text)["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "gate_weights":
            return "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
    return ""


def check_ctypes_routes(out):
    texts = {s: outputs(t) for s, t in out["texts"].items()}
    assert "ctypes connect -1" in texts["i_network"], texts["i_network"][-2000:]
    assert "ctypes open other -1" in texts["i_reads"]
    assert "ctypes open solution -1" in texts["i_reads"]
    assert "ctypes opendir 0" in texts["i_reads"]
    assert "ctypes creat -1" in texts["i_writes"]
    children = int(texts["i_forks"].split("children", 1)[1].split()[0])
    assert children < 1000, "RLIMIT_NPROC did not stop the fork bomb"


# ---------------------------------------------------------------- the tests

def _need_bwrap():
    ok, line = _bwrap_works()
    if not ok:
        pytest.skip(f"bubblewrap cannot be used here: {line}")


@pytest.mark.skipif(os.geteuid() != 0, reason="grading as root needs root")
def test_bubblewrap_as_root():
    _need_bwrap()
    out = grade_batch("bwrap", None, ctypes_routes=True)
    check_batch(out, bubblewrap=True)
    check_ctypes_routes(out)
    assert "separate unprivileged users" in out["summary"]


def _as_user(grader_user):
    if os.geteuid() == 0:
        if grader_user is None:
            pytest.skip("cannot create a throwaway user (useradd failed or is missing)")
        return grader_user
    return None  # not root: the tests themselves run as an ordinary user


def test_bubblewrap_as_an_unprivileged_user(grader_user):
    """The issue's spy: numpy.ctypeslib + libc open/read of another student's notebook."""
    _need_bwrap()
    out = grade_batch("bwrap", _as_user(grader_user), ctypes_routes=True)
    check_batch(out, bubblewrap=True)
    check_ctypes_routes(out)
    assert "grader's own user" in out["summary"]


@pytest.mark.skipif(os.geteuid() != 0, reason="grading as root needs root")
def test_fallback_as_root():
    out = grade_batch("plain", None, ctypes_routes=False)
    check_batch(out, bubblewrap=False)


def test_fallback_as_an_unprivileged_user(grader_user):
    out = grade_batch("plain", _as_user(grader_user), ctypes_routes=False)
    check_batch(out, bubblewrap=False)
    assert "run as root for full isolation" in out["summary"]


def test_bwrap_never_mounts_the_course(tmp_path):
    """A folder holding a private path is never bound: only the package folder is."""
    clone = tmp_path / "clone"
    (clone / "dlcourse").mkdir(parents=True)
    (clone / "submitted").mkdir()
    (clone / ".venv" / "lib").mkdir(parents=True)
    private = [str(clone / "submitted"), str(clone / "solutions"), str(clone / ".git")]
    binds = bwrap.mounts(str(clone / ".venv" / "bin" / "python"), [str(clone)], private,
                         str(clone / "dlcourse"), [str(clone), "/", str(tmp_path)])
    sources = [s for s, _ in binds]
    assert str(clone / "dlcourse") in sources and str(clone / ".venv") in sources
    for s in sources:
        assert not any(p == s or p.startswith(s + "/") for p in private), s
    assert "/" not in sources and str(clone) not in sources


def test_isolation_setting_is_checked(monkeypatch):
    monkeypatch.setenv(bwrap.ENV, "plain")
    assert bwrap.mode("bwrap") == "plain"
    plan, line = bwrap.decide("auto", sys.executable, [], None, [], str(REPO / "dlcourse"))
    assert plan is None and "plain" in line
    monkeypatch.setenv(bwrap.ENV, "chroot")
    with pytest.raises(ValueError, match="isolation must be one of auto, bwrap, plain; got 'chroot'"):
        bwrap.mode()
