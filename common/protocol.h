/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The protocol between `berth` and `berth-supervisor`: fixed-size messages
 * over a SOCK_SEQPACKET socketpair (the "sync socket"), so each send is
 * one message and a closed peer is seen as end of file.
 *
 *   supervisor -> CLI   SYNC_RUNNING  the container's command was executed
 *   supervisor -> CLI   SYNC_ERROR    it could not be started: error, exit_code, msg
 *   supervisor -> CLI   SYNC_EXITED   it ended (foreground runs only)
 *   CLI -> supervisor   SYNC_SIGNAL   forward signal `signal` to the container
 *
 * Errors carry a negative errno and one short line; the CLI prints the line
 * as "berth: <msg>" and exits with exit_code (125, or 126/127 when the
 * command could not be executed or was not found). */

#include <stdint.h>

#define SYNC_MSG_MAX 512

typedef enum {
	SYNC_RUNNING = 1,
	SYNC_ERROR = 2,
	SYNC_EXITED = 3,
	SYNC_SIGNAL = 4,
} SyncType;

typedef struct {
	uint32_t type;
	int32_t error;     /* SYNC_ERROR: negative errno */
	int32_t pid;       /* SYNC_RUNNING: the container's pid on the host */
	int32_t exit_code; /* SYNC_ERROR, SYNC_EXITED: what the CLI exits with */
	int32_t signal;    /* SYNC_EXITED: terminating signal or 0; SYNC_SIGNAL */
	int32_t oom_killed;
	char msg[SYNC_MSG_MAX];
} SyncMsg;

/* Exit codes, as Podman uses them. */
#define EXIT_BERTH_ERROR 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

/* The supervisor's command line: berth-supervisor --root DIR --id ID
 * --sync-fd N [--foreground]. Internal: only berth starts it. */
