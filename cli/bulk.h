/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One command acting on many containers (`stop`, `rm`, `prune`): the
 * waits overlap, so the user waits for the slowest container, not for the
 * sum. Each container's work is split where it would wait for its
 * supervisor: begin() does what comes before (send the stop request, or
 * kill the cgroup), answered() reads the supervisor's answer, end() does
 * what comes after its exit (remove the files, print the name).
 * bulk_run() begins each container in turn, waits for all the answers
 * and supervisors at once with one poll(), and ends them in the order they
 * were given, so what they print on stdout and the exit status are those
 * of the same commands run one after the other. (A message on stderr from
 * begin(), such as "no such container", comes when it is found: before
 * the names of containers given earlier that are still stopping.) */

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

#define BULK_ANSWER_TIMEOUT_MS 5000

typedef struct {
	ContainerRow row; /* looked up and refreshed by bulk_run() */
	/* Set by begin() when there is a supervisor to wait for (bulk_run()
	 * closes it): it records the container's end in the DB, then exits. */
	int pidfd;
	int timeout_ms; /* how long to wait for it */
	/* Set by begin() when it sent a request to the supervisor whose
	 * answer is to be read (bulk_run() closes it): the requests to all
	 * the supervisors go out before the first answer is awaited. */
	int ctl_fd;
	/* Set by begin() when it holds the lock on the container's folder
	 * (common/ctr-lock.h), held until end() has returned. */
	int lock_fd;
} BulkJob;

typedef struct {
	/* With --all: whether to act on this container (NULL: on every one).
	 * May refresh the row (container_refresh()); bulk_run() refreshes it
	 * afterwards in any case, as cli_lookup_container() does. */
	bool (*want)(Cli *cli, ContainerRow *row, const void *arg);
	/* Acts as far as it can without waiting. Returns a negative errno
	 * after printing the error (end() is then not called), or 0. */
	int (*begin)(Cli *cli, BulkJob *job, const void *arg);
	/* Reads the answer on job->ctl_fd and acts on it, once it can be read
	 * (r is 0) or after BULK_ANSWER_TIMEOUT_MS (r is -ETIMEDOUT). */
	void (*answered)(Cli *cli, BulkJob *job, int r, const void *arg);
	/* Finishes, container after container in the order given: wait_r is 0
	 * when the supervisor is gone (or there was none to wait for), or
	 * -ETIMEDOUT when it did not end within job->timeout_ms (job->pidfd
	 * is then still open, to end it). Returns 0 or a negative errno after
	 * printing the error. */
	int (*end)(Cli *cli, BulkJob *job, int wait_r, const void *arg);
} BulkOps;

/* Runs ops on each of the n containers in keys (names, ids or id
 * prefixes; a missing one is an error), or with all on every container in
 * the DB in list order (one removed meanwhile is skipped). Goes on after a
 * failure and returns the first error in that order. A container given
 * twice is acted on twice, the second time after the first has ended. */
int bulk_run(Cli *cli, char **keys, size_t n, bool all, const BulkOps *ops, const void *arg);
