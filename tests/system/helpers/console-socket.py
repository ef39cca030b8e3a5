#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The other end of berth-runtime's --console-socket, as conmon's: listens
on PATH, takes the terminal's master that comes over SCM_RIGHTS, and
copies what the terminal shows to stdout until it closes (or TIMEOUT
seconds pass). Writes "ready" to stderr once it listens.

    console-socket.py PATH [TIMEOUT]
"""
import array
import os
import select
import socket
import sys
import time


def main():
    path = sys.argv[1]
    timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    print("ready", file=sys.stderr, flush=True)
    srv.settimeout(timeout)
    conn, _ = srv.accept()
    fds = array.array("i")
    _, ancdata, _, _ = conn.recvmsg(64, socket.CMSG_LEN(fds.itemsize))
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:fds.itemsize])
    if not fds:
        sys.exit("no descriptor came")
    master = fds[0]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([master], [], [], 0.1)
        if not r:
            continue
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the terminal's last holder is gone
            break
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


main()
