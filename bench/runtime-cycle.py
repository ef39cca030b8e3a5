#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The OCI runtime cycle as conmon and containerd's shim drive it, RUNS
times: `create` (with --pid-file), `start`, wait for the init (we are the
subreaper it is left to), `delete`. Appends each cycle's seconds to OUT, one
line each. The same driver for every runtime: only RUNTIME... differs.

    runtime-cycle.py OUT RUNS BUNDLE ID RUNTIME...
"""
import ctypes
import os
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main():
    out, runs, bundle, cid = sys.argv[1:5]
    rt = sys.argv[5:]
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    pidfile = f"{out}.pid"
    null = subprocess.DEVNULL
    times = []

    # Not a pipe: the init inherits create's stdio and holds it open.
    err = open(f"{out}.err", "w+")

    def run(*args):
        err.seek(0)
        err.truncate()
        p = subprocess.run([*rt, *args], stdin=null, stdout=null, stderr=err)
        if p.returncode != 0:
            err.seek(0)
            sys.exit(f"{' '.join(rt)} {args[0]} failed: {err.read().strip()}")

    for _ in range(int(runs)):
        t0 = time.perf_counter()
        run("create", "--bundle", bundle, "--pid-file", pidfile, cid)
        pid = int(open(pidfile).read())
        run("start", cid)
        _, status = os.waitpid(pid, 0)
        run("delete", cid)
        times.append(time.perf_counter() - t0)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"the container's /bin/true exited with {status}")
    with open(out, "a") as f:
        f.writelines(f"{t:.6f}\n" for t in times)


main()
