"""The grading kernel's launcher: ``python -m dlcourse.grading.sandbox.launch SETTINGS CONNECTION [ARGS]``.

The kernelspec the worker writes (``kernel.json``) starts this module instead of
``ipykernel_launcher``. It runs as the grader's user, prepares and then replaces itself
(``os.execve``, same process id) with an IPython kernel that has:

* resource limits (``resource.setrlimit``, like ``prlimit``): address space
  (``memory_bytes``: a memory bomb gets ``MemoryError`` or dies, not the machine), CPU time,
  size of written files (SIGXFSZ ignored, so a big write fails with an error instead of
  killing the kernel), no core files, and a process count when it has its own user;
* a fresh scratch folder as working directory, ``HOME`` and ``TMPDIR``, owned by the kernel's
  user and readable by nobody else;
* when the grader runs as root: the unprivileged user ``uid``/``gid`` (no supplementary
  groups, ``no_new_privs``), so the operating system refuses reading the course's private
  folders (the grader removed their permissions for "others") and writing into the course;
* a clean environment: one BLAS thread, no user site-packages, no byte-code writing;
* the guard extension (:mod:`dlcourse.grading.sandbox.guard`), with its settings in
  ``$DLCOURSE_GUARD``;
* when the batch found bubblewrap usable (settings ``bwrap``): namespaces of its own, with
  no network, its own PID namespace, a read-only system and Python, only the scratch folder
  and the job's socket folder writable, the course not mounted
  (:mod:`dlcourse.grading.sandbox.bwrap`). The kernel then runs as ``bwrap``'s child; the
  process id written to ``pidfile`` is ``bwrap``'s, and killing it ends the whole sandbox.

It writes the kernel's process id and scratch folder to ``pidfile`` (JSON) first, so the
worker can remove every trace afterwards.
"""

import json
import os
import resource
import shutil
import signal
import sys
import tempfile

# imported before the privileges are dropped (the grader's Python may be private to it)
from dlcourse.grading.sandbox import bwrap


def _limit(which, value):
    if value is None:
        return
    soft, hard = resource.getrlimit(which)
    value = int(value)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def _no_new_privs():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    except (OSError, AttributeError):
        pass


def main(argv):
    settings_path, connection_file, extra = argv[0], argv[1], argv[2:]
    with open(settings_path, encoding="utf-8") as f:
        s = json.load(f)
    uid, gid = s.get("uid"), s.get("gid")
    drop = uid is not None and os.geteuid() == 0

    scratch = tempfile.mkdtemp(prefix="dlcourse-kernel-", dir=s.get("scratch_parent"))
    os.chmod(scratch, 0o700)
    conn = os.path.join(scratch, "kernel.json")
    shutil.copyfile(connection_file, conn)
    os.chmod(conn, 0o600)
    for sub in (".ipython", ".config", ".cache", "tmp"):
        os.mkdir(os.path.join(scratch, sub))
    if drop:
        for dirpath, dirnames, filenames in os.walk(scratch):
            for name in [dirpath] + [os.path.join(dirpath, n) for n in dirnames + filenames]:
                os.chown(name, uid, gid)
    with open(s["pidfile"], "w", encoding="utf-8") as f:
        json.dump({"pid": os.getpid(), "scratch": scratch, "uid": uid if drop else None}, f)

    guard = dict(s.get("guard", {}))
    guard["writable"] = [scratch] + list(guard.get("writable", []))
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch, "TMPDIR": os.path.join(scratch, "tmp"),
        "IPYTHONDIR": os.path.join(scratch, ".ipython"),
        "MPLCONFIGDIR": os.path.join(scratch, ".config"),
        "XDG_CACHE_HOME": os.path.join(scratch, ".cache"),
        "JUPYTER_RUNTIME_DIR": scratch, "JUPYTER_PLATFORM_DIRS": "1",
        "MPLBACKEND": "Agg", "LANG": "C.UTF-8", "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "DLCOURSE_GRADING": "1", "DLCOURSE_GUARD": json.dumps(guard),
    }
    for key in ("PYTHONPATH", "VIRTUAL_ENV"):
        if key in os.environ:
            env[key] = os.environ[key]

    _limit(resource.RLIMIT_AS, s.get("memory_bytes"))
    _limit(resource.RLIMIT_CPU, s.get("cpu_seconds"))
    _limit(resource.RLIMIT_FSIZE, s.get("fsize_bytes"))
    _limit(resource.RLIMIT_CORE, 0)
    plan = s.get("bwrap")
    if drop and not plan:  # in bubblewrap the limit is set inside, where the count is its own
        _limit(resource.RLIMIT_NPROC, s.get("nproc"))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big write fails instead of killing

    os.chdir(scratch)
    if drop:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        _no_new_privs()
        try:
            os.listdir(s["pidfile_dir"])
        except PermissionError:
            pass
        else:  # the grader's folder must not be readable after dropping privileges
            sys.exit("dlcourse.grading.sandbox.launch: privileges were not dropped")
    os.umask(0o077)
    if plan:
        writable = [scratch] + ([s["ipc_dir"]] if s.get("ipc_dir") else [])
        start = [*bwrap.command(plan["bwrap"], [tuple(b) for b in plan["binds"]], writable,
                                scratch),
                 *bwrap.kernel_command(s["python"], s.get("site_dirs"), s.get("nproc"))]
    else:
        start = kernel_command(s["python"], s.get("site_dirs"))
    args = [*start, "-f", conn, "--ext=dlcourse.grading.sandbox.guard", *extra]
    os.execve(args[0], args, env)


#: Runs ipykernel with another interpreter of the same Python version (for example Debian's
#: /usr/bin/python3.11 when the grader's own Python lives in a home folder the sandbox user
#: cannot enter), with the grader's site-packages added (their .pth files included).
BOOT = ("import runpy, site, sys; n = int(sys.argv[1]); "
        "[site.addsitedir(d) for d in sys.argv[2:2 + n]]; "
        "sys.argv = ['ipykernel_launcher'] + sys.argv[2 + n:]; "
        "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)")


def kernel_command(python, site_dirs=None):
    """The command that starts ipykernel with ``python`` (arguments follow it)."""
    if not site_dirs:
        return [python, "-m", "ipykernel_launcher"]
    return [python, "-S", "-c", BOOT, str(len(site_dirs)), *site_dirs]


if __name__ == "__main__":
    main(sys.argv[1:])
