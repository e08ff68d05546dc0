"""Run one submission's notebooks in the sandbox: ``python -m dlcourse.grading.sandbox.worker JOBDIR``.

The grader (:mod:`dlcourse.grading.sandbox.batch`) starts one worker process per submission, in a
job folder of its own holding ``job.json``: the notebooks to execute (already
canonicalised, with the instructor's check cells and hidden tests in place), the cells not
to run, and the limits. The worker writes ``result.json`` and exits; it never touches the
gradebook.

Each notebook runs with nbgrader's ``Execute`` preprocessor in a kernel started through the
launcher (:mod:`dlcourse.grading.sandbox.launch`). When the kernel dies (``os._exit``, a segfault, the
memory or CPU limit) or a cell cannot be stopped at its time limit (a loop that catches
``KeyboardInterrupt``), the worker notes which cell was running, replaces that cell's code by
``raise RuntimeError(<why>)`` and runs the notebook again from the top in a fresh kernel, so
the other tasks still score. Outputs are capped here too (``output_bytes`` per cell), in case
the kernel-side cap was bypassed.
"""

import contextlib
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path

KERNEL_NAME = "dlcourse-grading"
STOPPED = "this cell stopped the Python kernel during grading"


def neutralised_source(reason):
    return f"raise RuntimeError({reason!r})"


def kill_uid(uid):
    """SIGKILL every process of ``uid`` (the sandbox user): nothing the kernel started survives."""
    if uid is None or uid == 0:
        return
    for _ in range(3):
        found = False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as f:
                    status = f.read()
            except OSError:
                continue
            line = next((ln for ln in status.splitlines() if ln.startswith("Uid:")), "")
            if line and int(line.split()[1]) == uid:
                found = True
                with contextlib.suppress(OSError):
                    os.kill(int(entry), signal.SIGKILL)
        if not found:
            return
        time.sleep(0.1)


def cleanup_kernel(pidfile):
    """Kill the kernel (and, if it had its own user, everything of that user); remove scratch."""
    try:
        info = json.loads(Path(pidfile).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    with contextlib.suppress(OSError):
        os.kill(info["pid"], signal.SIGKILL)
    kill_uid(info.get("uid"))
    import shutil

    shutil.rmtree(info.get("scratch") or "/nonexistent-dlcourse", ignore_errors=True)
    with contextlib.suppress(OSError):
        os.remove(pidfile)


def _describe_death(returncode, settings):
    if returncode is None:
        return f"{STOPPED} (it stopped responding)"
    if settings.get("bwrap") and returncode > 128:  # bwrap exits 128 + the kernel's signal
        returncode = 128 - returncode
    if returncode < 0:
        sig = -returncode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGXCPU:
            return (f"{STOPPED}: it used more than the {settings.get('cpu_seconds')} s of CPU "
                    "time a kernel may use")
        if sig == signal.SIGKILL:
            return (f"{STOPPED}: it was killed ({name}), usually for using more than the "
                    f"{settings.get('memory_bytes', 0) // 2**20} MB of memory a kernel may use")
        if sig == signal.SIGSEGV:
            return f"{STOPPED}: it crashed the interpreter ({name}, a segmentation fault)"
        return f"{STOPPED}: the kernel was ended by the signal {name}"
    return (f"{STOPPED}: it made the kernel exit (exit status {returncode}, for example with "
            "os._exit)")


#: What nbgrader's Execute records for a cell stopped at its time limit.
TIMEOUT_ERROR = {"ename": "CellTimeoutError", "evalue": "",
                 "traceback": ["CellTimeoutError: No reply from kernel before timeout"]}


def _client_class():
    """A NotebookClient that behaves like nbgrader's Execute, and notes the running cell.

    nbclient is used directly (not nbgrader's Execute preprocessor) so that a worker does not
    import nbgrader and its server extensions: seconds per submission.
    """
    from nbclient import NotebookClient
    from nbformat import NotebookNode

    class SandboxClient(NotebookClient):
        current = None
        process = None
        used = None
        cap = 1_000_000

        async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                     store_history=True):
            if self.process is None and self.km is not None:
                self.process = getattr(getattr(self.km, "provisioner", None), "process", None)
            self.current = cell_index
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)

        def on_cell_executed_hook(self, cell, cell_index, execute_reply):
            # as nbgrader's Execute: an error reply with no matching output gets one
            content = (execute_reply or {}).get("content", {})
            if content.get("status") != "error" or cell.get("cell_type") != "code":
                return
            if any(o.get("output_type") == "error" and o.get("ename") == content.get("ename")
                   for o in cell.outputs):
                return
            out = NotebookNode(output_type="error", ename=content.get("ename", ""),
                               evalue=content.get("evalue", ""),
                               traceback=content.get("traceback") or ["(no traceback)"])
            cell.outputs.append(out)

        def output(self, outs, msg, display_id, cell_index):
            used = self.used.get(cell_index, 0)
            content = msg.get("content", {})
            size = len(json.dumps(content.get("data", content.get("text", "")), default=str))
            if used >= 2 * self.cap:
                return None
            self.used[cell_index] = used + size
            if used + size > 2 * self.cap:
                msg = {**msg, "msg_type": "stream", "content": {
                    "name": "stderr", "text": "\n[output truncated by the grader]\n"}}
            return super().output(outs, msg, display_id, cell_index)

    return SandboxClient


def run_notebook(nb_dict, neutralise, settings, jobdir):
    """Execute one notebook; return (executed notebook dict, aborts, error)."""
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client_class = _client_class()
    neutralise = {int(k): v for k, v in neutralise.items()}
    aborts = []
    start = time.monotonic()
    budget = float(settings.get("budget_seconds", 600))
    pidfile = os.path.join(jobdir, "kernel.pid")
    startup_failures = 0
    for _attempt in range(int(settings.get("max_attempts", 6)) + 2):
        nb = nbformat.from_dict(json.loads(json.dumps(nb_dict)))
        for i, reason in neutralise.items():
            nb.cells[i].source = neutralised_source(reason)
        client = client_class(
            nb, config=_client_config(settings, jobdir), timeout=int(settings["timeout"]),
            interrupt_on_timeout=True, allow_errors=True,
            kernel_name=KERNEL_NAME, startup_timeout=120, iopub_timeout=5,
            raise_on_iopub_timeout=True, error_on_timeout=TIMEOUT_ERROR,
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            resources={"metadata": {"path": jobdir}}, record_timing=False)
        client.used, client.cap = {}, int(settings.get("output_bytes", 1_000_000))
        client.on_cell_executed = client.on_cell_executed_hook
        try:
            client.execute()
            return json.loads(json.dumps(nb)), aborts, None
        except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError) as err:
            index = client.current
            returncode = None
            if client.process is not None:
                with contextlib.suppress(Exception):
                    returncode = client.process.wait(timeout=5)
            if index is None and startup_failures < 2:  # a kernel that did not start: again
                startup_failures += 1
                continue
            if index is None or index in neutralise:
                return None, aborts, (f"the grading kernel could not run this notebook "
                                      f"({type(err).__name__}: {str(err)[:300]})")
            if isinstance(err, CellTimeoutError):
                reason = (f"this cell did not stop at the time limit of {settings['timeout']} s, "
                          "even when interrupted, so the kernel was stopped")
            else:
                reason = _describe_death(returncode, settings)
            neutralise[index] = reason
            aborts.append({"index": index, "reason": reason})
        finally:
            cleanup_kernel(pidfile)
        if time.monotonic() - start > budget:
            return None, aborts, (f"grading this notebook took longer than {budget:.0f} s "
                                  "(several cells had to be stopped)")
    return None, aborts, "too many cells stopped the kernel; the notebook could not be graded"


def ipc_path(jobdir, pid):
    """Where the worker ``pid`` of ``jobdir`` keeps its kernels' unix sockets (a short path:
    a socket's path may not exceed 107 bytes)."""
    return os.path.join("/tmp", f"dlcourse-ipc-{os.path.basename(jobdir.rstrip('/'))[:40]}-{pid}")


def ipc_dir(settings, jobdir):
    """The folder of the kernel's unix sockets (bubblewrap only), owned by the kernel's user."""
    path = ipc_path(jobdir, os.getpid())
    if not os.path.isdir(path):
        os.mkdir(path, 0o700)
        uid = settings.get("uid")
        if uid is not None and os.geteuid() == 0:
            os.chown(path, uid, settings.get("gid", uid))
    return path


def _client_config(settings, jobdir):
    """In bubblewrap the kernel has no network of ours: ZeroMQ over unix sockets instead."""
    from traitlets.config import Config

    config = Config()
    if settings.get("bwrap"):
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = os.path.join(ipc_dir(settings, jobdir), "k")
    return config


def write_kernelspec(jobdir, settings):
    folder = Path(jobdir) / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    launch = {
        "python": settings.get("kernel_python") or sys.executable,
        "site_dirs": settings.get("kernel_site_dirs") or [],
        "pidfile": os.path.join(jobdir, "kernel.pid"),
        "pidfile_dir": jobdir, "uid": settings.get("uid"), "gid": settings.get("gid"),
        "memory_bytes": settings.get("memory_bytes"), "cpu_seconds": settings.get("cpu_seconds"),
        "fsize_bytes": settings.get("fsize_bytes"), "nproc": settings.get("nproc"),
        "scratch_parent": settings.get("scratch_parent"),
        "bwrap": settings.get("bwrap"),
        "ipc_dir": ipc_dir(settings, jobdir) if settings.get("bwrap") else None,
        "guard": {"output_bytes": settings.get("output_bytes"),
                  "private": settings.get("private", []) + [jobdir],
                  "allowed_modules": settings.get("allowed_modules", []),
                  "allowed_by_cell": settings.get("allowed_by_cell", {}),
                  "task_by_cell": settings.get("task_by_cell", {}),
                  "student_cells": settings.get("student_cells", {})},
    }
    (folder.parent.parent / "launch.json").write_text(json.dumps(launch), encoding="utf-8")
    spec = {"argv": [sys.executable, "-m", "dlcourse.grading.sandbox.launch",
                     str(folder.parent.parent / "launch.json"), "{connection_file}"],
            "display_name": "Python 3 (dlcourse grading sandbox)", "language": "python",
            # bwrap does not pass signals on: interrupts go over the control channel
            "interrupt_mode": "message" if settings.get("bwrap") else "signal"}
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder.parent.parent


def _die_with_parent():
    """If the grader is killed, this worker goes too (its kernel's user is cleaned up later)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def main(jobdir):
    # jsonschema (through nbformat) would build the rfc3987-syntax grammar on import, seconds
    # per worker for a format check nbformat never uses.
    sys.modules.setdefault("rfc3987_syntax", None)
    _die_with_parent()
    jobdir = os.path.abspath(jobdir)
    job = json.loads(Path(jobdir, "job.json").read_text(encoding="utf-8"))
    settings = job["settings"]
    limit = settings.get("worker_memory_bytes")
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
    os.environ["JUPYTER_PATH"] = str(write_kernelspec(jobdir, settings))
    os.environ.pop("PYDEVD_DISABLE_FILE_VALIDATION", None)
    results = []
    try:
        for entry in job["notebooks"]:
            nb, aborts, error = run_notebook(entry["nb"], entry.get("neutralise", {}), settings,
                                             jobdir)
            results.append({"name": entry["name"], "nb": nb, "aborts": aborts, "error": error})
    finally:
        import shutil

        shutil.rmtree(ipc_path(jobdir, os.getpid()), ignore_errors=True)
    tmp = Path(jobdir, "result.json.tmp")
    tmp.write_text(json.dumps({"notebooks": results}), encoding="utf-8")
    tmp.replace(Path(jobdir, "result.json"))


if __name__ == "__main__":
    main(sys.argv[1])
