/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One command acting on many containers (`stop`, `rm`, `prune`): the
 * waits overlap, so the user waits for the slowest container, not for the
 * sum. Each container's work is split where it would wait for a
 * supervisor to finish: begin() does what comes before (ask for the stop,
 * kill the cgroup), end() what comes after (remove the files, print the
 * name). bulk_run() begins each container in turn, waits for all their
 * supervisors at once with one poll(), and ends them in the order they
 * were given, so what they print on stdout and the exit status are those
 * of the same commands run one after the other. (A message on stderr from
 * begin(), such as "no such container", comes when it is found: before
 * the names of containers given earlier that are still stopping.) */

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

typedef struct {
	ContainerRow row; /* looked up and refreshed by bulk_run() */
	/* Set by begin() when there is a supervisor to wait for (bulk_run()
	 * closes it): it records the container's end in the DB, then exits. */
	int pidfd;
	int timeout_ms; /* how long to wait for it */
} BulkJob;

typedef struct {
	/* With --all: whether to act on this container (NULL: on every one).
	 * May refresh the row (container_refresh()); bulk_run() refreshes it
	 * afterwards in any case, as cli_lookup_container() does. */
	bool (*want)(Cli *cli, ContainerRow *row, const void *arg);
	/* Acts as far as it can without waiting. Returns a negative errno
	 * after printing the error (end() is then not called), or 0. */
	int (*begin)(Cli *cli, BulkJob *job, const void *arg);
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
