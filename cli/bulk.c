/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Many containers at once (bulk.h). One process, one DB connection, no
 * threads: the waiting is done by the supervisors (each runs its own
 * grace timer, and records its container's end in the DB itself), so the
 * command only has to watch their pidfds, all with one poll(). A pool of
 * forked workers would need as many workers as containers to overlap as
 * many grace periods, each with its own DB connection and a pipe to keep
 * the output in order. */

#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bulk.h"
#include "log.h"
#include "util.h"

/* The pidfds get at most 1/BULK_FD_SHARE of RLIMIT_NOFILE. The rest is
 * for what begin() and end() open besides: stdio, the DB with its WAL and
 * shm files, a control socket and its folder, /proc files, and rm_rf(),
 * which holds one fd per level of the folder it removes. */
#define BULK_FD_SHARE 2
#define BULK_FD_RESERVE 64

typedef enum {
	SLOT_WAITING, /* for its supervisor */
	SLOT_READY,   /* to end, once those before it have */
	SLOT_DONE,    /* ended, failed or skipped: r says how it went */
} SlotPhase;

typedef struct {
	BulkJob job;
	SlotPhase phase;
	uint64_t deadline_usec;
	int wait_r;
	int r;
} Slot;

typedef struct {
	Cli *cli;
	const BulkOps *ops;
	const void *arg;
	char **keys;
	bool all;
	Slot *slots;
	size_t n;
	size_t begun, ended; /* slots[ended..begun) are in flight */
	size_t open;         /* pidfds held */
	size_t max_open;
	bool blocked; /* slots[begun] names a container in flight */
	struct pollfd *pfds;
	Slot **polled;
} Bulk;

/* How many pidfds to hold at once. The soft limit is raised first to
 * what all of them take, plus BULK_FD_RESERVE, up to the hard limit, as
 * systemd advises programs that need many fds and use poll() rather than
 * select(). Where the hard limit is lower (root cannot always raise it),
 * the containers beyond go through a sliding window: begun as others end,
 * never failing with EMFILE. */
static size_t bulk_max_open(size_t want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 16;
	rlim_t need = (rlim_t)want * BULK_FD_SHARE + BULK_FD_RESERVE;
	if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		struct rlimit raised = { .rlim_cur = need < rl.rlim_max ? need : rl.rlim_max,
					 .rlim_max = rl.rlim_max };
		if (setrlimit(RLIMIT_NOFILE, &raised) >= 0)
			rl.rlim_cur = raised.rlim_cur;
	}
	rlim_t max = rl.rlim_cur / BULK_FD_SHARE;
	if (max > want)
		max = want;
	return max > 0 ? (size_t)max : 1;
}

static void slot_close(Bulk *b, Slot *s)
{
	if (s->job.pidfd < 0)
		return;
	s->job.pidfd = safe_close(s->job.pidfd);
	b->open--;
}

static void slot_done(Bulk *b, Slot *s, int r)
{
	slot_close(b, s);
	container_row_done(&s->job.row);
	s->phase = SLOT_DONE;
	s->r = r;
}

static bool in_flight(const Bulk *b, const char *id)
{
	for (size_t i = b->ended; i < b->begun; i++)
		if (b->slots[i].phase != SLOT_DONE && streq(b->slots[i].job.row.id, id))
			return true;
	return false;
}

/* The row to act on: 1, or 0 to skip it (with --all: gone meanwhile, or
 * not wanted), or a negative errno after printing the error. */
static int slot_lookup(Bulk *b, const char *key, ContainerRow *ret)
{
	if (!b->all) {
		int r = cli_lookup_container(b->cli, key, ret);
		return r < 0 ? r : 1;
	}
	sqlite3 *db;
	int r = cli_db(b->cli, &db);
	if (r < 0)
		return r;
	r = db_container_get(db, key, ret);
	if (r == -ENOENT)
		return 0; /* removed meanwhile */
	if (r < 0)
		return log_error_errno(r, "read container %s from the state DB: %m", key);
	if (b->ops->want && !b->ops->want(b->cli, ret, b->arg)) {
		container_row_done(ret);
		return 0;
	}
	r = container_refresh(b->cli, ret);
	if (r < 0) {
		container_row_done(ret);
		return r;
	}
	return 1;
}

/* Begins the next slot; false when it must wait until those in flight
 * have ended (a container given twice). */
static bool slot_begin(Bulk *b)
{
	Slot *s = &b->slots[b->begun];
	*s = (Slot){ .job.pidfd = -EBADF };
	int r = slot_lookup(b, b->keys[b->begun], &s->job.row);
	if (r <= 0) {
		slot_done(b, s, r);
		b->begun++;
		return true;
	}
	if (in_flight(b, s->job.row.id)) {
		/* Looked up again once that one has ended: the second `rm`
		 * of the same container then finds it gone, as it would have. */
		container_row_done(&s->job.row);
		b->blocked = true;
		return false;
	}
	b->begun++;
	r = b->ops->begin(b->cli, &s->job, b->arg);
	if (s->job.pidfd >= 0)
		b->open++;
	if (r < 0) {
		slot_done(b, s, r);
		return true;
	}
	if (s->job.pidfd >= 0) {
		s->phase = SLOT_WAITING;
		s->deadline_usec = now_mono_usec() +
				   (uint64_t)(s->job.timeout_ms > 0 ? s->job.timeout_ms : 0) * 1000;
	} else
		s->phase = SLOT_READY;
	return true;
}

static void begin_more(Bulk *b)
{
	if (b->blocked) {
		if (b->ended < b->begun)
			return;
		b->blocked = false;
	}
	while (b->begun < b->n && b->open < b->max_open && slot_begin(b))
		;
}

/* Ends the slots at the head that are ready: in the order given, so the
 * names come out as they would one after the other. */
static void end_ready(Bulk *b)
{
	for (; b->ended < b->begun; b->ended++) {
		Slot *s = &b->slots[b->ended];
		if (s->phase == SLOT_WAITING)
			return;
		if (s->phase == SLOT_READY)
			slot_done(b, s, b->ops->end(b->cli, &s->job, s->wait_r, b->arg));
	}
}

/* Waits until a supervisor in flight exits or the first deadline passes. */
static void wait_some(Bulk *b)
{
	uint64_t now = now_mono_usec(), first = UINT64_MAX;
	size_t n = 0;
	for (size_t i = b->ended; i < b->begun; i++) {
		Slot *s = &b->slots[i];
		if (s->phase != SLOT_WAITING)
			continue;
		if (s->deadline_usec <= now) {
			/* end() decides what to do with a supervisor that hangs. */
			s->phase = SLOT_READY;
			s->wait_r = -ETIMEDOUT;
			continue;
		}
		if (s->deadline_usec < first)
			first = s->deadline_usec;
		b->pfds[n] = (struct pollfd){ .fd = s->job.pidfd, .events = POLLIN };
		b->polled[n++] = s;
	}
	if (n == 0)
		return;
	uint64_t timeout_ms = (first - now + 999) / 1000;
	int r = poll(b->pfds, n, timeout_ms < INT_MAX ? (int)timeout_ms : INT_MAX);
	if (r < 0) {
		/* EINTR, or ENOMEM: look again, the deadlines still hold. */
		if (errno != EINTR)
			(void)usleep(10000);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (b->pfds[i].revents == 0)
			continue;
		/* Readable: the supervisor has exited, after it recorded the
		 * container's end and removed its cgroup. */
		Slot *s = b->polled[i];
		slot_close(b, s);
		s->phase = SLOT_READY;
		s->wait_r = 0;
	}
}

int bulk_run(Cli *cli, char **keys, size_t n, bool all, const BulkOps *ops, const void *arg)
{
	_cleanup_strv_free_ char **ids = NULL;
	if (all) {
		sqlite3 *db;
		int r = cli_db(cli, &db);
		if (r < 0)
			return r;
		r = db_container_list_ids(db, &ids);
		if (r < 0)
			return log_error_errno(r, "read the state DB: %m");
		keys = ids;
		n = strv_length(ids);
	}
	if (n == 0)
		return 0;

	Bulk b = { .cli = cli, .ops = ops, .arg = arg, .keys = keys, .all = all, .n = n };
	b.max_open = bulk_max_open(n);
	_cleanup_free_ Slot *slots = b.slots = calloc(n, sizeof(Slot));
	_cleanup_free_ struct pollfd *pfds = b.pfds = calloc(b.max_open, sizeof(struct pollfd));
	_cleanup_free_ Slot **polled = b.polled = calloc(b.max_open, sizeof(Slot *));
	if (!slots || !pfds || !polled)
		return log_error_errno(-ENOMEM, "out of memory");

	while (b.ended < n) {
		begin_more(&b);
		end_ready(&b);
		/* Something is in flight now unless all have ended: the head
		 * waits for its supervisor (end_ready() would have ended it
		 * otherwise), or a container named twice can begin. */
		if (b.ended < b.begun)
			wait_some(&b);
	}

	for (size_t i = 0; i < n; i++)
		if (slots[i].r < 0 && !(all && slots[i].r == -ENOENT))
			return slots[i].r;
	return 0;
}
