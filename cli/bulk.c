/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Many containers at once (bulk.h). One process, one DB connection, no
 * threads: the waiting is done by the supervisors (each runs its own
 * grace timer, and records its container's end in the DB itself), so the
 * command only has to send its requests and watch the answers and the
 * supervisors' pidfds, all with one poll(). A pool of
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

/* The fds held for containers in flight (pidfds, control connections)
 * get about 1/BULK_FD_SHARE of RLIMIT_NOFILE. The rest is for what the
 * callbacks open besides: stdio, the DB with its WAL and shm files, a
 * control socket's folder, /proc files, and rm_rf(), which holds one fd
 * per level of the folder it removes. */
#define BULK_FD_SHARE 2
#define BULK_FD_RESERVE 64
#define BULK_FDS_PER_CONTAINER 2 /* a pidfd, and a control connection */

typedef enum {
	SLOT_WAITING, /* for its supervisor's answer or end */
	SLOT_READY,   /* to end, once those before it have */
	SLOT_DONE,    /* ended, failed or skipped: r says how it went */
} SlotPhase;

typedef struct {
	BulkJob job;
	SlotPhase phase;
	bool exit_pending; /* job.pidfd: the supervisor has not exited yet */
	uint64_t deadline_usec;
	uint64_t answer_deadline_usec;
	int wait_r;
	int r;
} Slot;

typedef struct {
	Slot *slot;
	bool answer; /* the fd polled is slot->job.ctl_fd, not its pidfd */
} Polled;

typedef struct {
	Cli *cli;
	const BulkOps *ops;
	const void *arg;
	char **keys;
	bool all;
	Slot *slots;
	size_t n;
	size_t begun, ended; /* slots[ended..begun) are in flight */
	size_t open;         /* fds held */
	size_t max_open;
	bool blocked; /* slots[begun] names a container in flight */
	struct pollfd *pfds;
	Polled *polled;
} Bulk;

/* How many fds to hold at once. The soft limit is raised first to what
 * all the containers take, plus BULK_FD_RESERVE, up to the hard limit, as
 * systemd advises programs that need many fds and use poll() rather than
 * select(). Where the hard limit is lower (root cannot always raise it),
 * the containers beyond go through a sliding window: begun as others end,
 * never failing with EMFILE. */
static size_t bulk_max_open(size_t containers)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 16;
	size_t want = containers * BULK_FDS_PER_CONTAINER;
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

static void close_fd(Bulk *b, int *fd)
{
	if (*fd < 0)
		return;
	*fd = safe_close(*fd);
	b->open--;
}

static void slot_close(Bulk *b, Slot *s)
{
	close_fd(b, &s->job.pidfd);
	close_fd(b, &s->job.ctl_fd);
	close_fd(b, &s->job.lock_fd);
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
		return cli_db_error(b->cli, r, "read container %s from the state DB", key);
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
	*s = (Slot){ .job.pidfd = -EBADF, .job.ctl_fd = -EBADF, .job.lock_fd = -EBADF };
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
	b->open += (s->job.pidfd >= 0) + (s->job.ctl_fd >= 0) + (s->job.lock_fd >= 0);
	if (r < 0) {
		slot_done(b, s, r);
		return true;
	}
	uint64_t now = now_mono_usec();
	s->exit_pending = s->job.pidfd >= 0;
	s->deadline_usec = now + (uint64_t)(s->job.timeout_ms > 0 ? s->job.timeout_ms : 0) * 1000;
	s->answer_deadline_usec = now + BULK_ANSWER_TIMEOUT_MS * 1000ull;
	s->phase = s->exit_pending || s->job.ctl_fd >= 0 ? SLOT_WAITING : SLOT_READY;
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

static void slot_answered(Bulk *b, Slot *s, int r)
{
	b->ops->answered(b->cli, &s->job, r, b->arg);
	close_fd(b, &s->job.ctl_fd);
}

static void slot_exited(Bulk *b, Slot *s, int r)
{
	s->exit_pending = false;
	s->wait_r = r;
	/* Kept open after a timeout: end() decides what to do with a
	 * supervisor that hangs. */
	if (r >= 0)
		close_fd(b, &s->job.pidfd);
}

static void slot_settle(Slot *s)
{
	if (s->phase == SLOT_WAITING && !s->exit_pending && s->job.ctl_fd < 0)
		s->phase = SLOT_READY;
}

static void poll_add(Bulk *b, size_t *n, Slot *s, bool answer)
{
	b->pfds[*n] =
		(struct pollfd){ .fd = answer ? s->job.ctl_fd : s->job.pidfd, .events = POLLIN };
	b->polled[(*n)++] = (Polled){ .slot = s, .answer = answer };
}

/* Waits until an answer comes or a supervisor in flight exits, or the
 * first deadline passes. */
static void wait_some(Bulk *b)
{
	uint64_t now = now_mono_usec(), first = UINT64_MAX;
	size_t n = 0;
	for (size_t i = b->ended; i < b->begun; i++) {
		Slot *s = &b->slots[i];
		if (s->phase != SLOT_WAITING)
			continue;
		if (s->job.ctl_fd >= 0 && s->answer_deadline_usec <= now)
			slot_answered(b, s, -ETIMEDOUT);
		if (s->exit_pending && s->deadline_usec <= now)
			slot_exited(b, s, -ETIMEDOUT);
		slot_settle(s);
		if (s->job.ctl_fd >= 0) {
			poll_add(b, &n, s, true);
			if (s->answer_deadline_usec < first)
				first = s->answer_deadline_usec;
		}
		if (s->exit_pending) {
			poll_add(b, &n, s, false);
			if (s->deadline_usec < first)
				first = s->deadline_usec;
		}
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
		Slot *s = b->polled[i].slot;
		if (b->polled[i].answer)
			slot_answered(b, s, 0);
		else
			/* Readable: the supervisor has exited, after it recorded
			 * the container's end and removed its cgroup. */
			slot_exited(b, s, 0);
		slot_settle(s);
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
			return cli_db_error(cli, r, "read the containers");
		keys = ids;
		n = strv_length(ids);
	}
	if (n == 0)
		return 0;

	Bulk b = { .cli = cli, .ops = ops, .arg = arg, .keys = keys, .all = all, .n = n };
	b.max_open = bulk_max_open(n);
	_cleanup_free_ Slot *slots = b.slots = calloc(n, sizeof(Slot));
	/* Up to two fds a container, one more than begin_more() counts. */
	_cleanup_free_ struct pollfd *pfds = b.pfds = calloc(b.max_open + 1, sizeof(struct pollfd));
	_cleanup_free_ Polled *polled = b.polled = calloc(b.max_open + 1, sizeof(Polled));
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
