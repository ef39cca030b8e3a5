/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth logs: the output of detached containers, from the log the
 * supervisor writes (see CTR_LOG_NAME in common/protocol.h). */

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "cli.h"
#include "log.h"
#include "options.h"
#include "parse.h"
#include "util.h"

typedef struct {
	bool timestamps;
	bool follow;
	bool tail_set;
	uint64_t tail;
} LogsOptions;

/* Prints one log record. Returns 1 if it was a full line. */
static int print_record(const LogsOptions *o, const char *line, size_t len)
{
	/* "<ts> <stream> <F|P> <text>" */
	const char *sp1 = memchr(line, ' ', len);
	if (!sp1)
		return 0;
	const char *stream = sp1 + 1;
	const char *sp2 = memchr(stream, ' ', len - (size_t)(stream - line));
	if (!sp2 || (size_t)(sp2 + 3 - line) > len || sp2[2] != ' ')
		return 0;
	bool full = sp2[1] == 'F';
	const char *text = sp2 + 3;
	size_t tlen = len - (size_t)(text - line);
	FILE *f =
		(size_t)(sp2 - stream) == 6 && strncmp(stream, "stderr", 6) == 0 ? stderr : stdout;
	if (o->timestamps)
		fprintf(f, "%.*s ", (int)(sp1 - line), line);
	fwrite(text, 1, tlen, f);
	if (full)
		fputc('\n', f);
	return full;
}

/* Reads everything of fd from its current offset into buf (appending). */
static int slurp(int fd, char **buf, size_t *size)
{
	for (;;) {
		char tmp[65536];
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		char *nb = realloc(*buf, *size + (size_t)n + 1);
		if (!nb)
			return -ENOMEM;
		memcpy(nb + *size, tmp, (size_t)n);
		*size += (size_t)n;
		nb[*size] = 0;
		*buf = nb;
	}
}

/* Prints the complete lines in buf; keeps a trailing incomplete line for
 * later (the supervisor writes each record with one writev, but we may
 * read in the middle of it). skip: records to leave out from the start. */
static void print_lines(const LogsOptions *o, char **buf, size_t *size, uint64_t *skip)
{
	/* Nothing read yet (an empty log: *buf is still NULL, which memchr()
	 * and memmove() may not be given even for 0 bytes). */
	if (*size == 0)
		return;
	size_t start = 0;
	for (;;) {
		char *nl = memchr(*buf + start, '\n', *size - start);
		if (!nl)
			break;
		size_t len = (size_t)(nl - (*buf + start));
		if (*skip > 0)
			(*skip)--;
		else
			print_record(o, *buf + start, len);
		start += len + 1;
	}
	memmove(*buf, *buf + start, *size - start);
	*size -= start;
}

static uint64_t count_records(const char *buf, size_t size)
{
	uint64_t n = 0;
	for (const char *p = buf; (p = memchr(p, '\n', size - (size_t)(p - buf))); p++)
		n++;
	return n;
}

static int follow(Cli *cli, const LogsOptions *o, const ContainerRow *row, const char *path, int fd,
		  char **buf, size_t *size)
{
	_cleanup_close_ int sup = -EBADF;
	if (pidfd_open_checked((pid_t)row->supervisor_pid, (uint64_t)row->supervisor_start_time,
			       &sup) < 0)
		return 0; /* not running: nothing more will come */
	_cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	_cleanup_free_ char *dir = path_container_dir(&cli->paths, row->id);
	if (in < 0 || !dir || inotify_add_watch(in, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
		return log_error_errno(-errno, "watch the log: %m");
	uint64_t skip = 0;
	bool done = false;
	while (!done) {
		struct pollfd p[2] = { { .fd = in, .events = POLLIN },
				       { .fd = sup, .events = POLLIN } };
		if (poll(p, 2, 1000) < 0 && errno != EINTR)
			return -errno;
		if (p[1].revents)
			done = true; /* read what is left, then stop */
		char ev[4096];
		while (read(in, ev, sizeof(ev)) > 0)
			;
		int r = slurp(fd, buf, size);
		if (r < 0)
			return r;
		print_lines(o, buf, size, &skip);
		/* Rotated: the supervisor renamed our file and started a new one. */
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino != b.st_ino) {
			int nfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nfd >= 0) {
				close(fd);
				fd = nfd;
			}
		}
		fflush(stdout);
		fflush(stderr);
	}
	close(fd);
	return 0;
}

int cmd_logs(Cli *cli, int argc, char **argv)
{
	enum { ARG_TAIL = 0x100 };
	static const struct option options[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "tail", required_argument, NULL, ARG_TAIL },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	LogsOptions o = { 0 };
	int c, r;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":fth", options, "logs")) > 0) {
		switch (c) {
		case 'f':
			o.follow = true;
			break;
		case 't':
			o.timestamps = true;
			break;
		case ARG_TAIL:
			if (parse_uint64(optarg, &o.tail) < 0)
				return log_error_errno(-EINVAL,
						       "invalid --tail `%s`: a number of lines",
						       optarg);
			o.tail_set = true;
			break;
		case 'h':
			printf("Usage: berth logs [OPTIONS] CONTAINER\n"
			       "\n"
			       "Print the stdout and stderr of a detached container, in order. A\n"
			       "container run in the foreground has no log: its output went to the\n"
			       "terminal (exit status 125).\n"
			       "\n"
			       "Options:\n"
			       "  -f, --follow           keep printing new output until the container exits\n"
			       "      --tail N           only the last N lines\n"
			       "  -t, --timestamps       prefix each line with its time (RFC 3339, UTC)\n"
			       "  -h, --help             show this help\n");
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth logs --help`)");
	if (optind + 1 < argc)
		return log_error_errno(-EINVAL, "logs takes one container, not also `%s`",
				       argv[optind + 1]);

	ContainerRow row;
	r = cli_lookup_container(cli, argv[optind], &row);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = path_container_file(&cli->paths, row.id, CTR_LOG_NAME);
	_cleanup_free_ char *old = path_container_file(&cli->paths, row.id, CTR_LOG_NAME ".1");
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int ofd = -EBADF;
	size_t size = 0;
	int fd = -EBADF;
	if (!path || !old) {
		r = -ENOMEM;
		goto out;
	}

	/* Open the current file first: if a rotation happens between the two
	 * opens we may print a few lines twice, never lose any. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		r = log_error_errno(-errno, "open `%s`: %m", path);
		goto out;
	}
	ofd = open(old, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && ofd < 0 && row.started_at) {
		/* Only a detached container has a log (its supervisor makes it
		 * when the container starts): the output of one that ran in the
		 * foreground went to the terminal of its `berth run` or `berth
		 * start -a`, and berth kept none of it. An error, as Podman's
		 * `logs` of a container run with `--log-driver none` is: what
		 * was asked for is not there. */
		bool live = row.state == STATE_RUNNING || row.state == STATE_PAUSED;
		r = log_error_errno(-ENOENT,
				    "container %s %s in the foreground: its output %s to the "
				    "terminal, and there is no log (`run -d` keeps one)",
				    row.name, live ? "runs" : "ran", live ? "goes" : "went");
		goto out;
	}
	log_debug("reading %s%s", ofd >= 0 ? "ctr.log.1 and " : "", path);
	if (ofd >= 0 && (r = slurp(ofd, &buf, &size)) < 0)
		goto out;
	if (fd >= 0 && (r = slurp(fd, &buf, &size)) < 0)
		goto out;

	uint64_t total = buf ? count_records(buf, size) : 0;
	uint64_t skip = o.tail_set && o.tail < total ? total - o.tail : 0;
	if (buf)
		print_lines(&o, &buf, &size, &skip);
	fflush(stdout);
	fflush(stderr);

	r = 0;
	if (o.follow && fd >= 0 && (row.state == STATE_RUNNING || row.state == STATE_PAUSED)) {
		r = follow(cli, &o, &row, path, fd, &buf, &size);
		fd = -EBADF;
	}
out:
	safe_close(fd);
	container_row_done(&row);
	return r;
}
