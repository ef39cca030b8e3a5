/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth trace: container events from the kernel, through eBPF (bpf/).
 * The kernel side filters coarsely (container cgroups, processes named
 * berth*); this side names the container of each event and applies the
 * exact selection, then writes the event to stdout, a log file and, with
 * --db, the events table. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>

#include "cli.h"
#include "log.h"
#include "options.h"
#include "parse.h"
#include "util.h"

#if HAVE_BPF

#include "trace-cli.h"

/* --db writes rows in one transaction per this interval: one commit per
 * event would cap the rate at what the disk syncs per second. */
#define DB_BATCH_USEC (100 * 1000)
#define DB_BATCH_MAX 20000

typedef struct {
	TraceBpf *bpf;
	TraceAttrib *attrib;
	TraceFormat format;
	uint32_t mask;
	bool selection; /* containers were named: report only theirs */
	FILE *log;      /* the log file, or NULL */
	sqlite3 *db;    /* the events sink, or NULL */
	EventRow *batch;
	size_t n_batch;
	uint64_t batch_since; /* CLOCK_MONOTONIC usec of the oldest queued row */
	int64_t mono_to_real_ns;
	uint64_t counts[TRACE_EV_MAX];
	int error;            /* the first write error */
	bool callback_failed; /* on_event() failed and said why */
} Tracer;

static void trace_help(const char *log_path)
{
	printf("Usage: berth trace [OPTIONS] [CONTAINER...]\n"
	       "\n"
	       "Show kernel events of containers as they happen, through eBPF: process\n"
	       "fork, exec and exit, cgroup creation and removal, new namespaces\n"
	       "(clone, unshare, setns), mounts and OOM kills. Each event names the\n"
	       "container it belongs to:\n"
	       "\n"
	       "  12:01:02.345 web(3f2a9c1b) exec /bin/sh pid=1234\n"
	       "\n"
	       "Without CONTAINER it traces berth's own activity: the berth CLI, the\n"
	       "supervisors and every container, including ones started meanwhile.\n"
	       "With CONTAINERs (names or id prefixes), only theirs. Runs until Ctrl-C,\n"
	       "then prints how many events of each type it saw, and how many the\n"
	       "kernel had to drop, on stderr. Needs root and a kernel with BTF.\n"
	       "\n"
	       "Options:\n"
	       "  -a, --all              every process on the machine, not only berth's\n"
	       "  -e, --events LIST      event types, comma-separated: fork, exec, exit,\n"
	       "                         cgroup, ns, mount, oom or all (default: all)\n"
	       "      --format FORMAT    text (default) or json (one object per line)\n"
	       "  -o, --output FILE      also append events to FILE (default:\n"
	       "                         %s; `-`: no file)\n"
	       "      --duration S       stop after S seconds (decimals allowed)\n"
	       "      --db               also store events in the state DB's events table\n"
	       "      --buffer-size SIZE kernel ring buffer size, a power of 2 (default 4M)\n"
	       "  -h, --help             show this help\n",
	       log_path);
}

static int flush_batch(Tracer *t)
{
	if (t->n_batch == 0)
		return 0;
	int r = db_event_insert_many(t->db, t->batch, t->n_batch);
	for (size_t i = 0; i < t->n_batch; i++)
		event_row_done(&t->batch[i]);
	t->n_batch = 0;
	if (r < 0)
		return log_error_errno(r, "store events in the state DB: %m");
	return 0;
}

static int queue_row(Tracer *t, const TraceView *v)
{
	if (t->n_batch == 0) {
		t->batch_since = now_mono_usec();
		if (!t->batch) {
			t->batch = calloc(DB_BATCH_MAX, sizeof(EventRow));
			if (!t->batch)
				return -ENOMEM;
		}
	}
	int r = trace_event_row(v, &t->batch[t->n_batch]);
	if (r < 0)
		return r;
	if (++t->n_batch == DB_BATCH_MAX)
		return flush_batch(t);
	return 0;
}

static int on_event(const struct berth_event *e, size_t size, void *userdata)
{
	Tracer *t = userdata;
	if (e->type >= TRACE_EV_MAX)
		return 0;

	const TraceContainer *c = NULL;
	if (e->type == TRACE_EV_CGROUP && e->action == TRACE_ACT_MKDIR && size >= TRACE_SIZE_PATH &&
	    memchr(e->path, 0, sizeof(e->path))) {
		/* The kernel tracks every new container cgroup at once; here
		 * it learns whose it is and stops tracking it when it is not
		 * one of the selected containers. */
		c = trace_attrib_learn(t->attrib, e->cgroup_id, e->path);
		if (c && !c->selected)
			(void)trace_bpf_track_cgroup(t->bpf, e->cgroup_id, false);
	}
	if (!c)
		c = trace_attrib_find(t->attrib, e->cgroup_id);
	if (t->selection && (!c || !c->selected))
		return 0;
	if (!(t->mask & (1u << e->type)))
		return 0; /* sent for the bookkeeping above only */

	t->counts[e->type]++;
	TraceView v = {
		.e = e,
		.size = size,
		.realtime_ns = (uint64_t)((int64_t)e->ts_ns + t->mono_to_real_ns),
		.container = c,
	};
	trace_print(stdout, t->format, &v);
	if (t->log)
		trace_print(t->log, t->format, &v);
	if (t->db) {
		int r = queue_row(t, &v);
		if (r < 0) {
			t->callback_failed = true;
			if (r != -ENOMEM)
				return r; /* flush_batch() said what failed */
			return log_error_errno(r, "queue an event for the state DB: %m");
		}
	}
	return 0;
}

static int track_cgroup(const TraceContainer *c, void *userdata)
{
	Tracer *t = userdata;
	if (!c->selected)
		return 0;
	int r = trace_bpf_track_cgroup(t->bpf, c->cgroup_id, true);
	if (r < 0)
		return log_error_errno(r, "trace the cgroup of container %s: %m", c->id);
	return 0;
}

static int load_error(int r, TraceFailure failure)
{
	if (failure == TRACE_FAIL_LIBRARY)
		return r;
	if (failure == TRACE_FAIL_NO_BTF)
		return log_error_errno(r, "this kernel has no BTF (/sys/kernel/btf/vmlinux is "
					  "missing): berth trace needs CONFIG_DEBUG_INFO_BTF");
	if (r == -EPERM || r == -EACCES)
		return log_error_errno(r, "loading eBPF programs needs root (CAP_BPF and "
					  "CAP_PERFMON): %m");
	switch (failure) {
	case TRACE_FAIL_ATTACH:
		return log_error_errno(r,
				       "attach the eBPF programs to the kernel's tracepoints: %m "
				       "(--debug says more)");
	case TRACE_FAIL_RINGBUF:
		return log_error_errno(r, "map the eBPF ring buffer: %m");
	default:
		return log_error_errno(r, "load the eBPF programs: %m (--debug shows why)");
	}
}

static int parse_duration(const char *s, uint64_t *ret_usec)
{
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (errno != 0 || end == s || *end || !isfinite(d) || d <= 0 || d > 365.0 * 24 * 3600)
		return log_error_errno(-EINVAL, "--duration needs a number of seconds, not `%s`",
				       s);
	*ret_usec = (uint64_t)(d * 1e6);
	return 0;
}

static int open_log(const char *path, FILE **ret)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return log_error_errno(-errno, "open the log file `%s`: %m", path);
	FILE *f = fdopen(fd, "a");
	if (!f) {
		int r = -errno;
		close(fd);
		return log_error_errno(r, "open the log file `%s`: %m", path);
	}
	*ret = f;
	return 0;
}

static int flush_outputs(Tracer *t)
{
	if (fflush(stdout) != 0 && t->error == 0)
		t->error = -errno;
	if (t->log && fflush(t->log) != 0 && t->error == 0)
		t->error = -errno;
	return t->error;
}

static void print_summary(Tracer *t, uint64_t elapsed_usec)
{
	uint64_t drops[TRACE_EV_MAX] = {}, total = 0, lost = 0;
	int r = trace_bpf_drops(t->bpf, drops);
	if (r < 0)
		log_warning_errno(r, "read the lost event counters: %m");
	for (int i = 0; i < TRACE_EV_MAX; i++) {
		total += t->counts[i];
		lost += drops[i];
	}
	fprintf(stderr, "berth trace: %.1f s, %llu events", (double)elapsed_usec / 1e6,
		(unsigned long long)total);
	const char *sep = ": ";
	for (int i = 0; i < TRACE_EV_MAX; i++) {
		if (!(t->mask & (1u << i)))
			continue;
		fprintf(stderr, "%s%s %llu", sep, trace_type_to_string(i),
			(unsigned long long)t->counts[i]);
		if (!trace_bpf_type_available(t->bpf, i))
			fputs(" (unavailable)", stderr);
		sep = ", ";
	}
	fprintf(stderr, "; %llu lost in the kernel", (unsigned long long)lost);
	if (lost > 0) {
		sep = " (";
		for (int i = 0; i < TRACE_EV_MAX; i++)
			if (drops[i]) {
				fprintf(stderr, "%s%s %llu", sep, trace_type_to_string(i),
					(unsigned long long)drops[i]);
				sep = ", ";
			}
		fputs("; a larger --buffer-size helps)", stderr);
	}
	fputc('\n', stderr);
}

/* Until a signal, the deadline or an error: events to the outputs, rows
 * to the DB every DB_BATCH_USEC. */
static int trace_loop(Tracer *t, int sigfd, uint64_t deadline)
{
	struct pollfd fds[2] = {
		{ .fd = trace_bpf_fd(t->bpf), .events = POLLIN },
		{ .fd = sigfd, .events = POLLIN },
	};
	for (;;) {
		uint64_t now = now_mono_usec();
		int64_t wait = -1;
		if (deadline)
			wait = deadline > now ? (int64_t)(deadline - now) : 0;
		if (t->n_batch > 0) {
			uint64_t due = t->batch_since + DB_BATCH_USEC;
			int64_t w = due > now ? (int64_t)(due - now) : 0;
			if (wait < 0 || w < wait)
				wait = w;
		}
		int timeout = TRACE_BPF_POLL_MSEC;
		if (wait >= 0 && wait / 1000 < timeout)
			timeout = (int)((wait + 999) / 1000);
		int n = poll(fds, 2, timeout);
		if (n < 0 && errno != EINTR)
			return log_error_errno(-errno, "poll: %m");
		if (n > 0 && fds[1].revents)
			return 0; /* SIGINT, SIGTERM or SIGHUP: the normal end */
		if (n >= 0) {
			/* Woken or not: see trace_bpf_fd(). */
			int r = trace_bpf_consume(t->bpf);
			if (r < 0 && !t->callback_failed)
				return log_error_errno(r, "read events from the kernel: %m");
			if (r < 0)
				return r;
		}
		int r = flush_outputs(t);
		if (r < 0)
			return r == -EPIPE ? r : log_error_errno(r, "write events: %m");
		now = now_mono_usec();
		if (t->n_batch > 0 && now >= t->batch_since + DB_BATCH_USEC) {
			r = flush_batch(t);
			if (r < 0)
				return r;
		}
		if (deadline && now >= deadline)
			return 0;
	}
}

static int make_signalfd(sigset_t *ret_old)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, ret_old) < 0)
		return -errno;
	int fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int cmd_trace(Cli *cli, int argc, char **argv)
{
	enum { ARG_FORMAT = 0x100, ARG_DURATION, ARG_DB, ARG_BUFFER_SIZE };
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "events", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, ARG_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, ARG_DURATION },
		{ "db", no_argument, NULL, ARG_DB },
		{ "buffer-size", required_argument, NULL, ARG_BUFFER_SIZE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	Tracer t = { .format = TRACE_FORMAT_TEXT, .mask = (1u << TRACE_EV_MAX) - 1 };
	TraceBpfOptions bo = { .berth_comm = true };
	const char *output = NULL;
	uint64_t duration = 0, buffer_size = 0;
	bool all = false, to_db = false;
	_cleanup_free_ char *default_log = NULL;
	if (asprintf(&default_log, "%s/trace.log", cli->paths.state_dir) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	int c, r;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":ae:o:h", options, "trace")) > 0) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'e':
			if ((r = trace_parse_events(optarg, &t.mask)) < 0)
				return r;
			break;
		case ARG_FORMAT:
			if (streq(optarg, "text"))
				t.format = TRACE_FORMAT_TEXT;
			else if (streq(optarg, "json"))
				t.format = TRACE_FORMAT_JSON;
			else
				return log_error_errno(-EINVAL,
						       "unknown --format `%s` (text or json)",
						       optarg);
			break;
		case 'o':
			if (!*optarg)
				return log_error_errno(-EINVAL, "--output needs a file (or `-`)");
			output = optarg;
			break;
		case ARG_DURATION:
			if ((r = parse_duration(optarg, &duration)) < 0)
				return r;
			break;
		case ARG_DB:
			to_db = true;
			break;
		case ARG_BUFFER_SIZE:
			if (parse_size(optarg, &buffer_size) < 0 || buffer_size < 4096 ||
			    buffer_size > (1ULL << 30) || (buffer_size & (buffer_size - 1)))
				return log_error_errno(
					-EINVAL,
					"--buffer-size needs a power of 2 between 4K "
					"and 1G, not `%s`",
					optarg);
			break;
		case 'h':
			trace_help(default_log);
			return 0;
		}
	}
	if (c < 0)
		return c;
	char **names = argv + optind;
	size_t n_names = (size_t)(argc - optind);
	if (all && n_names > 0)
		return log_error_errno(-EINVAL, "--all traces every process: name no containers");
	t.selection = n_names > 0;

	/* Load first: without root or BPF nothing else matters, and one
	 * line should say so. */
	bo.all = all;
	bo.berth_comm = !t.selection;
	bo.event_mask = t.mask;
	bo.ringbuf_size = (size_t)buffer_size;
	TraceFailure failure = TRACE_FAIL_LOAD;
	r = trace_bpf_open(&bo, on_event, &t, &t.bpf, &failure);
	if (r < 0)
		return load_error(r, failure);

	sqlite3 *db;
	_cleanup_strv_free_ char **selected = NULL;
	int sigfd = -EBADF;
	sigset_t old_mask;
	bool restore_mask = false;
	if ((r = cli_db(cli, &db)) < 0)
		goto out;
	for (size_t i = 0; i < n_names; i++) {
		ContainerRow row;
		if ((r = cli_lookup_container(cli, names[i], &row)) < 0)
			goto out;
		r = strv_push(&selected, row.id);
		container_row_done(&row);
		if (r < 0) {
			r = log_error_errno(r, "out of memory");
			goto out;
		}
	}
	if ((r = trace_attrib_new(db, selected, &t.attrib)) < 0 ||
	    (r = trace_attrib_refresh(t.attrib)) < 0) {
		r = log_error_errno(r, "read the containers from the state DB: %m");
		goto out;
	}
	if ((r = trace_attrib_foreach(t.attrib, track_cgroup, &t)) < 0)
		goto out;
	if (to_db)
		t.db = db;
	const char *log_path = output ? output : default_log;
	if (!streq(log_path, "-") && (r = open_log(log_path, &t.log)) < 0)
		goto out;

	if ((sigfd = make_signalfd(&old_mask)) < 0) {
		r = log_error_errno(sigfd, "set up signal handling: %m");
		goto out;
	}
	restore_mask = true;
	/* `berth trace | head` ends with EPIPE on a write, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	struct timespec mono, real;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	t.mono_to_real_ns = ((int64_t)real.tv_sec - (int64_t)mono.tv_sec) * 1000000000LL +
			    ((int64_t)real.tv_nsec - (int64_t)mono.tv_nsec);

	/* Scripts wait for this line before they start what they trace. */
	const char *what = all           ? "every process"
			   : t.selection ? "the named containers"
					 : "berth and its containers";
	log_info("tracing %s%s%s; Ctrl-C stops", what, t.log ? ", also to " : "",
		 t.log ? log_path : "");
	uint64_t start = now_mono_usec();
	r = trace_loop(&t, sigfd, duration ? start + duration : 0);
	if (r >= 0) {
		/* What came in before we stopped. */
		r = trace_bpf_consume(t.bpf);
		if (r < 0 && !t.callback_failed)
			r = log_error_errno(r, "read events from the kernel: %m");
	}
	int r2 = flush_outputs(&t);
	if (r >= 0 && r2 < 0 && r2 != -EPIPE)
		r = log_error_errno(r2, "write events: %m");
	if (t.db) {
		r2 = flush_batch(&t);
		if (r >= 0)
			r = r2;
	}
	print_summary(&t, now_mono_usec() - start);
	if (r == -EPIPE || r > 0)
		r = 0; /* a reader that went away ends the trace, as a signal does */
out:
	for (size_t i = 0; i < t.n_batch; i++)
		event_row_done(&t.batch[i]);
	free(t.batch);
	if (t.log)
		fclose(t.log);
	safe_close(sigfd);
	if (restore_mask)
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
	trace_attrib_free(t.attrib);
	trace_bpf_free(t.bpf);
	return r;
}

#else /* !HAVE_BPF */

int cmd_trace(Cli *cli, int argc, char **argv)
{
	return log_error_errno(-EOPNOTSUPP, "this berth was built without eBPF support "
					    "(configure --disable-bpf): `trace` is not available");
}

#endif
