#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal, as a user at a terminal would:
sets the window size, types each INPUT after the output has been quiet for
a moment, and prints the exit code and everything the terminal showed.

    pty-run.py [--rows R --cols C] [--input TEXT]... [--hangup-after S] -- COMMAND...
"""
import argparse, fcntl, os, pty, select, struct, sys, termios, time

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=24)
ap.add_argument("--cols", type=int, default=80)
ap.add_argument("--input", action="append", default=[])
ap.add_argument("--timeout", type=float, default=20)
ap.add_argument("--resize", help="ROWSxCOLS to switch to before input number --resize-at")
ap.add_argument("--resize-at", type=int, default=-1)
ap.add_argument("--hangup-after", type=float,
                help="close the terminal (a hang-up) this long after the last input")
ap.add_argument("command", nargs=argparse.REMAINDER)
a = ap.parse_args()
cmd = a.command[1:] if a.command and a.command[0] == "--" else a.command

pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", a.rows, a.cols, 0, 0))
inputs = [s.encode().decode("unicode_escape").encode("latin-1") for s in a.input]
out, last, deadline = b"", time.time(), time.time() + a.timeout
sent, reaped = 0, None
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
        last = time.time()
    elif inputs and time.time() - last > 0.5:
        if a.resize and sent == a.resize_at:
            # The kernel sends SIGWINCH to the terminal's foreground job.
            rows, cols = map(int, a.resize.split("x"))
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            time.sleep(0.3)
        os.write(fd, inputs.pop(0))
        sent += 1
        last = time.time()
    elif a.hangup_after is not None and not inputs and time.time() - last > a.hangup_after:
        # The last descriptor of the master: the kernel hangs up the
        # terminal and sends SIGHUP to its session, as when a terminal
        # window is closed. Then give the command until the deadline.
        os.close(fd)
        while time.time() < deadline:
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                reaped = st
                break
            time.sleep(0.05)
        break
try:
    if reaped is not None:
        code = os.waitstatus_to_exitcode(reaped)
    else:
        _, st = os.waitpid(pid, os.WNOHANG if time.time() >= deadline else 0)
        code = os.waitstatus_to_exitcode(st) if st or _ else "timeout"
except ChildProcessError:
    code = "lost"
if code == "timeout":
    os.kill(pid, 9)
    os.waitpid(pid, 0)
print("EXIT", code)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
