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
 *   CLI -> supervisor   SYNC_GO       set the container up; a memfd with its
 *                                     config.json comes with it (run), or
 *                                     none: read it from its folder (start)
 *   CLI -> supervisor   SYNC_COMMIT   its DB row exists: let it run
 *
 * `berth run` and `berth start` take one path. `run` starts its
 * supervisor before it creates the container, so that the supervisor's exec and preparations overlap
 * with the CLI's work: the sealed copy of berth-stage, the device cgroup
 * program, the default seccomp filter, and what is named by the id alone,
 * which the supervisor takes down again should no SYNC_COMMIT come: the
 * container's cgroup and its folder (--make-bundle). The CLI sends SYNC_GO as soon as it has the container's
 * configuration, and records the container in the DB while the supervisor
 * clones the init and the init mounts its root (`start`, whose row exists
 * and is claimed, sends SYNC_GO and SYNC_COMMIT at once); the init execs the
 * command only after SYNC_COMMIT, and the supervisor writes nothing of the
 * container to the DB before it. If the socket closes before SYNC_COMMIT
 * (the CLI could not record the container, or died), the supervisor kills
 * the init, removes everything above and exits, without a trace in the DB;
 * the CLI waits for that end of file before it reports its failure. For
 * the overlap the CLI starts the supervisor on the CPUs other than its
 * own (the scheduler often puts a new process on its parent's CPU and
 * leaves it waiting there while another CPU idles); SYNC_GO gives the
 * supervisor its real CPU affinity back, before the container's init
 * exists. A supervisor that is ready while SYNC_GO is still a millisecond
 * or more away opens its DB connection meanwhile (reading only).
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
	SYNC_GO = 5,
	SYNC_COMMIT = 6,
} SyncType;

typedef struct {
	uint32_t type;
	int32_t error;     /* SYNC_ERROR: negative errno */
	int32_t pid;       /* SYNC_RUNNING: the container's pid on the host */
	int32_t exit_code; /* SYNC_ERROR, SYNC_EXITED: what the CLI exits with */
	int32_t signal;    /* SYNC_EXITED: terminating signal or 0; SYNC_SIGNAL */
	int32_t oom_killed;
	int32_t affinity; /* SYNC_GO: msg holds the cpu_set_t to take */
	char msg[SYNC_MSG_MAX];
} SyncMsg;

/* What the container init, or berth-stage, writes to the error pipe when
 * it cannot exec the command; the supervisor passes it on as SYNC_ERROR. */
typedef struct {
	int32_t error;
	int32_t exit_code;
	char msg[SYNC_MSG_MAX];
} InitError;

/* Exit codes, as Podman uses them. */
#define EXIT_BERTH_ERROR 125
#define EXIT_CANNOT_EXEC 126
#define EXIT_NOT_FOUND 127

/* The supervisor's command line: berth-supervisor --root DIR --id ID
 * --sync-fd N [--foreground] [--rm] [--make-bundle]
 * [--pidfile F] [--debug].
 * Internal: only berth starts it. */

/* The control socket of a running container: a unix stream socket
 * <run>/<id>/ctl.sock owned by its supervisor. One request, one reply,
 * both fixed-size, then the supervisor closes the connection.
 *
 *   CTL_STOP    send `signal` (0: the container's stop signal), and if the
 *               container is still there after timeout_ms, kill its cgroup.
 *               The reply comes at once; the caller then waits for the
 *               supervisor to exit, which it does after recording the end.
 *   CTL_STATUS  is the container running, and under which pid; how much of
 *               its output its log dropped (`berth status` and `list`
 *               ask, for the last). Every reply carries these. */

#define CTL_SOCKET_NAME "ctl.sock"

/* The log of a detached container in its bundle, and its rotated
 * predecessor CTR_LOG_NAME ".1". Lines: "<RFC 3339 ns UTC> <stdout|stderr>
 * <F|P> <text>", F for a full line, P for a partial one. */
#define CTR_LOG_NAME "ctr.log"
#define CTR_LOG_DEFAULT_MAX_SIZE (10u * 1024 * 1024)

typedef enum {
	CTL_STOP = 1,
	CTL_STATUS = 2,
} CtlType;

typedef struct {
	uint32_t type;
	int32_t signal;
	uint32_t timeout_ms;
	uint32_t reserved;
} CtlRequest;

typedef struct {
	int32_t error; /* 0 or a negative errno */
	int32_t pid;
	int32_t stopping;
	int32_t exited;
	uint64_t log_dropped; /* bytes of output the log could not take (disk full) */
} CtlReply;
