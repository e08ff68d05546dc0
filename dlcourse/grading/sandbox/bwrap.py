"""Kernel isolation by bubblewrap (``bwrap``): every grading kernel in namespaces of its own.

When ``bwrap`` is installed and works on this machine (some kernels and containers forbid
the user namespaces it needs: :func:`decide` tries it once per batch), the launcher
(:mod:`dlcourse.grading.sandbox.launch`) starts each kernel as ::

    bwrap --unshare-all --die-with-parent ... -- python ... ipykernel_launcher -f CONNECTION

which gives the kernel

* **no network**: an empty network namespace (only its own loopback): ``connect`` fails with
  "Network is unreachable";
* **its own PID namespace**: the kernel sees only its own processes and cannot signal the
  grader's; when the kernel ends (or is killed, or the grader dies: ``--die-with-parent``)
  everything it started dies with it; ``RLIMIT_NPROC`` (set inside the namespace, where
  the count starts from zero) stops a fork bomb;
* **a file system of its own**: the system (``/usr``, ``/etc``) and the Python environment
  (the interpreter, its site-packages, the ``dlcourse`` package folder) read-only; a private
  writable scratch folder as home and ``TMPDIR``; an empty ``/tmp``; nothing else. The
  course (``submitted/``, ``autograded/``, ``feedback/``, ``solutions/``, the gradebook,
  ``.git``), the grader's staging folder and every home folder are not mounted, so they do
  not exist for the kernel, whatever route it takes (``open``, ``ctypes``, ``os`` calls).

The grader and the kernel then share no network, so they talk ZeroMQ over **unix sockets**
(``transport: ipc``) in a folder made for the job and mounted into the sandbox: a unix
socket is a file, reached through the mount whatever the network namespace. (Sharing the
grader's network namespace would give the kernel the network; running the whole worker in
the sandbox would let the kernel, same user and same namespace, overwrite the worker's
result.) Interrupts go as messages on the control channel (``interrupt_mode: message``),
since ``bwrap`` does not forward signals.

It works as root (the kernel still runs as the unprivileged sandbox user, inside the
namespaces) and as an ordinary user (unprivileged user namespaces). The resource limits
and the in-kernel guard stay as they are. Without ``bwrap``, or with
``c.DlCourse.isolation = "plain"`` (or ``DLCOURSE_ISOLATION=plain``), grading uses the
protections of :mod:`launch` alone.
"""

import json
import os
import shutil
import subprocess

#: Environment variable that overrides ``c.DlCourse.isolation`` (``auto``, ``bwrap``, ``plain``).
ENV = "DLCOURSE_ISOLATION"
MODES = ("auto", "bwrap", "plain")

#: Inside the sandbox: limit the processes (the count starts at zero in the new user
#: namespace), add the site folders, start ipykernel. argv: nproc, n, n site dirs, args.
INNER = ("import resource, runpy, site, sys; p = int(sys.argv[1]); "
         "p > 0 and resource.setrlimit(resource.RLIMIT_NPROC, (p, p)); n = int(sys.argv[2]); "
         "[site.addsitedir(d) for d in sys.argv[3:3 + n]]; "
         "sys.argv = ['ipykernel_launcher'] + sys.argv[3 + n:]; "
         "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)")

_SYSTEM = ("/usr", "/etc")
_TOP_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def mode(configured="auto"):
    """The isolation asked for: $DLCOURSE_ISOLATION, else the configured one."""
    value = (os.environ.get(ENV) or configured or "auto").strip().lower()
    if value not in MODES:
        raise ValueError(f"isolation must be one of {', '.join(MODES)}; got {value!r} "
                         f"(c.DlCourse.isolation or ${ENV})")
    return value


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def mounts(python, site_dirs, private, package_dir, extra_paths=()):
    """The read-only binds for the kernel's Python: [(source, target)], nothing private.

    A folder that holds a private path (a clone whose ``solutions/`` sits next to the
    ``dlcourse`` package, for example) is not mounted whole: only the package is.
    """
    private = [os.path.realpath(p) for p in private]
    wanted = []
    for p in [python, os.path.realpath(python), *site_dirs, *extra_paths]:
        if not p or not os.path.isabs(p):
            continue
        if p in (python, os.path.realpath(python)):
            # the interpreter's prefix (bin/.., holding pyvenv.cfg or lib/pythonX.Y)
            p = os.path.dirname(os.path.dirname(p))
        for q in {p, os.path.realpath(p)}:
            if os.path.exists(q):
                wanted.append(q)
    wanted.append(os.path.realpath(package_dir))
    out = []
    for p in sorted(set(wanted), key=len):
        if any(_inside(p, s) for s in _SYSTEM) or any(_inside(p, s) for s, _ in out):
            continue
        if p == "/" or any(_inside(q, p) for q in private) or any(_inside(p, q) for q in private):
            continue  # would expose the course: the package folder is bound on its own
        out.append((p, p))
    return out


def command(bwrap, binds, writable, chdir):
    """The bwrap argument list (without the command to run)."""
    args = [bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--hostname", "grading"]
    for d in _SYSTEM:
        if os.path.isdir(d):
            args += ["--ro-bind", d, d]
    for d in _TOP_LINKS:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for src, dst in binds:
        args += ["--ro-bind", src, dst]
    for d in writable:
        args += ["--bind", d, d]
    args += ["--chdir", chdir, "--"]
    return args


def kernel_command(python, site_dirs, nproc):
    """Start ipykernel inside the sandbox with the process limit (arguments follow)."""
    flags = ["-S"] if site_dirs else []
    return [python, *flags, "-c", INNER, str(int(nproc or 0)), str(len(site_dirs or [])),
            *(site_dirs or [])]


def _python_paths(python, site_dirs, uid):
    """The kernel interpreter's sys.path and prefixes, as the kernel's user sees them."""
    from dlcourse.grading.sandbox.launch import BOOT

    probe = "import json, sys; print(json.dumps(sys.path + [sys.prefix, sys.base_prefix]))"
    cmd = ([python, "-S", "-c", BOOT.replace(
        "runpy.run_module('ipykernel_launcher', run_name='__main__', alter_sys=True)", probe),
        str(len(site_dirs)), *site_dirs] if site_dirs else [python, "-c", probe])
    r = _run(cmd, uid, cwd="/")
    if r.returncode != 0:
        return []
    try:
        return [p for p in json.loads(r.stdout.strip().splitlines()[-1]) if p]
    except (ValueError, IndexError):
        return []


def _run(cmd, uid, cwd, timeout=120):
    def drop():
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)

    env = {"PATH": "/usr/bin:/bin", "HOME": "/", "PYTHONNOUSERSITE": "1",
           "OPENBLAS_NUM_THREADS": "1", "LANG": "C.UTF-8"}
    for key in ("PYTHONPATH", "VIRTUAL_ENV"):
        if key in os.environ:
            env[key] = os.environ[key]
    try:
        return subprocess.run(cmd, preexec_fn=drop if uid is not None else None, cwd=cwd,
                              env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return subprocess.CompletedProcess(cmd, 1, "", str(err))


_DECIDED = {}


def decide(configured, python, site_dirs, uid, private, package_dir):
    """Whether kernels run in bubblewrap: (plan dict or None, one line for the summary).

    Tried once per setting and identity: ``bwrap`` must start the kernel's Python, with
    numpy, ipykernel and the guard, in the sandbox these kernels will get.
    Raises RuntimeError when ``bwrap`` was asked for explicitly and does not work.
    """
    asked = mode(configured)
    key = (asked, python, tuple(site_dirs), uid, tuple(private), package_dir)
    if key not in _DECIDED:
        _DECIDED[key] = _decide(asked, python, site_dirs, uid, private, package_dir)
    plan, line = _DECIDED[key]
    if plan is None and asked == "bwrap":
        raise RuntimeError(f"isolation 'bwrap' was asked for but {line}")
    return plan, line


def _decide(asked, python, site_dirs, uid, private, package_dir):
    if asked == "plain":
        return None, "plain (bubblewrap not used: isolation set to 'plain')"
    found = shutil.which("bwrap") or next(
        (p for p in ("/usr/bin/bwrap", "/usr/local/bin/bwrap") if os.access(p, os.X_OK)), None)
    if not found:
        return None, "plain (bubblewrap is not installed: apt-get install bubblewrap)"
    binds = mounts(python, site_dirs, private, package_dir,
                   _python_paths(python, site_dirs, uid))
    import tempfile

    scratch = tempfile.mkdtemp(prefix="dlcourse-bwrap-probe-")
    try:
        if uid is not None:
            os.chown(scratch, uid, uid)
        probe = ("import numpy, ipykernel, zmq, dlcourse.check, dlcourse.grading.sandbox.guard, "
                 "socket, os\ntry:\n    socket.create_connection(('192.0.2.1', 9), timeout=1)\n"
                 "except OSError:\n    pass\nelse:\n    raise SystemExit('network reachable')\n"
                 "print('ok', os.getpid())")
        cmd = command(found, binds, [scratch], scratch)
        cmd += [python, "-S", "-c", "import site, sys; [site.addsitedir(d) for d in "
                f"{list(site_dirs)!r}]; exec(sys.argv[1])", probe] if site_dirs else [
            python, "-c", probe]
        r = _run(cmd, uid, cwd="/")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out = (r.stdout or "").strip().splitlines()
    if r.returncode != 0 or not out or not out[-1].startswith("ok "):
        why = ((r.stderr or "") + (r.stdout or "")).strip().splitlines()
        return None, ("plain (bubblewrap is installed but cannot run a kernel here: "
                      f"{(why[-1] if why else f'exit status {r.returncode}')[:200]})")
    return ({"bwrap": found, "binds": binds},
            "bubblewrap (no network, own PID namespace, read-only system, course not mounted)")
