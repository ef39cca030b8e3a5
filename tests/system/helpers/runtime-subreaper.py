#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drives berth-runtime as conmon and containerd's shim do: as a subreaper,
runs `create` (the container's stdio /dev/null) and `start`, then collects
the init's exit status itself. Prints: create's status, whether the init's
parent is us, how many other berth-runtime processes are left, the state
after create, start's status, and the init's exit status.

    runtime-subreaper.py RUNTIME ROOT BUNDLE ID PIDFILE
"""
import ctypes
import json
import os
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def main():
    rt, root, bundle, cid, pidfile = sys.argv[1:]
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    null = subprocess.DEVNULL

    def run(*args):
        return subprocess.run([rt, "--root", root, *args], stdin=null, stdout=null,
                              stderr=null).returncode

    created_rc = run("create", "-b", bundle, "--pid-file", pidfile, cid)
    pid = int(open(pidfile).read())
    with open(f"/proc/{pid}/stat") as f:
        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    others = [p for p in os.listdir("/proc")
              if p.isdigit() and int(p) != pid and exe(p) == os.path.realpath(rt)]
    state = subprocess.run([rt, "--root", root, "state", cid], capture_output=True,
                           text=True).stdout
    status = json.loads(state)["status"]
    start_rc = run("start", cid)
    _, wstatus = os.waitpid(pid, 0)
    print(created_rc, ppid == os.getpid(), len(others), status, start_rc,
          os.waitstatus_to_exitcode(wstatus))


main()
