/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "container-setup.h"
#include "db.h"
#include "oci.h"
#include "paths.h"
#include "protocol.h"
#include "sync-msg.h"

/* What the supervisor made for its container before the CLI recorded it
 * (protocol.h), to take down if it never does; and what it holds until
 * the start is over (main.c, spawn.c). */
typedef struct {
	int stage_fd;     /* berth-stage's sealed copy, made early */
	bool committed;   /* the DB row exists: SYNC_COMMIT came */
	bool made_bundle; /* --make-bundle: the container's folder is ours */
	char spare_slot;  /* ... and came from spare/<this> (spare.c), or 0 */
	bool made_cgroup;
	int start_lock_fd; /* held until the run or its failure is recorded (ctr-lock.h) */
	char *config;      /* the config.json SYNC_GO brought, for us to write */
} SupervisorStart;

/* The log file of a detached container (ctr-log.c). */
typedef struct {
	int fd;
	uint64_t size;
	uint64_t max_size; /* 0: no cap */
	/* Output the log could not take (its disk full): counted, and told in
	 * supervisor.log once the log takes output again, and at the end. */
	uint64_t dropped, dropped_lines; /* in all */
	uint64_t drop_bytes, drop_lines; /* since the last report */
	uint64_t drop_since_usec;        /* 0: not dropping now */
	uint64_t drop_next_check_usec;   /* log_has_room() */
	int drop_error;
} SupervisorLog;

/* How the container ended (loop.c, exit.c). */
typedef struct {
	bool exited;
	int exit_code;
	int exit_signal;
	bool oom_killed;
	int killed_for_signal; /* forward.c: our SIGKILL stands for this signal */
} SupervisorEnd;

/* The libuv loop and its handles (loop.c, control.c): each freed in its
 * close callback. */
typedef struct {
	uv_loop_t loop;
	uv_poll_t pidfd_poll;
	uv_poll_t sync_poll;
	uv_signal_t sig_term, sig_int, sig_hup;
	uv_pipe_t out_stream, err_stream;
	int open_streams;
	uv_timer_t drain_timer;
	uv_pipe_t ctl;
	int ctl_fd; /* control_listen()'s, until control_start() */
	uv_timer_t stop_timer;
	uv_timer_t idle_timer; /* then the start-up memory goes back */
	bool stopping;
	bool finished;
} SupervisorLoop;

/* The container's networks (network.c), while they are set up. */
typedef struct {
	char *options; /* netavark's, from config.json */
	bool set_up;
	int *port_fds; /* the published ports, held on the host */
	size_t n_port_fds;
	int lock_fd;       /* network_lock(), from the end's record to the teardown */
	char **pasta_args; /* --net pasta: its port options (ANNOTATION_PASTA) */
	pid_t pasta_pid;   /* the pasta we run, while the container runs */
} SupervisorNetwork;

typedef struct Supervisor Supervisor;

struct Supervisor {
	/* The container: what the command line and config.json say. */
	BerthPaths paths;
	char *id;
	char *bundle;
	char *db_path;
	ContainerSpec *spec; /* until the container runs */
	bool foreground;
	bool auto_remove;
	char *pidfile;
	int stop_signal;
	char *cgroup;
	int cgroup_fd; /* until the init is cloned into it */

	/* Its init on the host. */
	pid_t pid;
	int pidfd;
	int mnt_ns_fd;     /* the container's mount namespace, until its exit is told */
	pid_t fuse_pid;    /* fuse-overlayfs, serving the container's root (rootfs-fuse.c) */
	char *fuse_rootfs; /* where it is mounted, in ... */
	bool own_mount_ns; /* ... our own mount namespace */
	uint64_t pid_start_time;
	uint64_t self_start_time; /* ours, for the DB row (read while the init works) */
	char boot_id[37];

	/* Where things go: the CLI, the DB, our own log, its stdio. */
	int sync_fd;
	sqlite3 *db;     /* foreground: the connection, kept between writes */
	int self_log_fd; /* supervisor.log: our own messages, and our stderr */
	int out_pipe[2];
	int err_pipe[2];
	int tty_master; /* -t: the pty master, until handed to the CLI or the log */

	SupervisorStart start;
	SupervisorNetwork net;
	SupervisorLog log;
	SupervisorEnd end;
	SupervisorLoop ev;
};

/* spawn.c: the container's init, through the container-setup core, up to
 * its command's execve(); why it failed in e. -ECANCELED: the CLI called
 * the run off (supervisor_await_commit()). */
int supervisor_spawn(Supervisor *s, SetupError *e);
/* 1 once the CLI has recorded the container (SYNC_COMMIT), 0 when it
 * closed the socket instead; then main.c takes down what we made,
 * leaving no trace. */
int supervisor_await_commit(Supervisor *s);

/* spare.c: spare container folders. spare_take() renames one to
 * s->bundle; spare_put_back() returns it (or removes s->bundle when it was
 * not one); spare_recycle() empties the folder at path, which a --rm
 * container left, and keeps it, if it is as we made it and there is room. */
bool spare_take(Supervisor *s);
void spare_put_back(Supervisor *s);
int spare_recycle(Supervisor *s, const char *path);

/* loop.c */
int supervisor_loop(Supervisor *s);

/* network.c: sets the container's networks up (when config.json has
 * ANNOTATION_NETWORK) and points the spec's network namespace at the one
 * set up; tears them down once the container has ended. */
int supervisor_network_setup(Supervisor *s, SetupError *e);
/* At the container's end the teardown waits until the CLI has heard of it
 * (docs/performance.md, "The network's teardown after the exit is told"):
 * supervisor_network_hold() takes the network lock before the end is
 * recorded, so that no set-up (a `start`, another container) comes
 * between the record and supervisor_network_teardown(). */
void supervisor_network_hold(Supervisor *s);
void supervisor_network_teardown(Supervisor *s);
/* --net pasta: once the init is cloned (its network namespace exists),
 * pasta gives that namespace the host's addresses and routes, and the
 * published ports; returns when it has. It dies with us
 * (PR_SET_PDEATHSIG) and is ended by the teardown. */
int supervisor_network_pasta(Supervisor *s, pid_t init, SetupError *e);

/* spawn.c: a program the supervisor runs beside the container (pasta,
 * fuse-overlayfs): our child, killed when we die (PR_SET_PDEATHSIG), with
 * /dev/null as its stdin and stdout, log_fd as its stderr, keep_fd (when
 * >= 0) as its fd 3, and every signal at its default. A negative errno
 * when it cannot be forked. */
pid_t supervisor_run_helper(char *const argv[], int log_fd, int keep_fd);
/* The last line of such a program's log that says something (those that
 * contain skip do not), for an error; a default when there is none. */
void helper_log_last_line(const char *log, const char *skip, char *buf, size_t size);

/* rootfs-fuse.c: a rootless container's overlay through fuse-overlayfs
 * (ANNOTATION_OVERLAY_DRIVER), mounted before the init is cloned; ended
 * (unmounted, fuse-overlayfs reaped) once the container has ended. */
int supervisor_rootfs_fuse(Supervisor *s, SetupError *e);
void supervisor_rootfs_fuse_end(Supervisor *s);

/* exit.c: checkpoints the DB if due and closes the kept connection. */
void supervisor_release_db(Supervisor *s);
/* Opens the connection the running and end records use, ahead of them.
 * An idle connection holds no lock; if this fails, they open their own. */
int supervisor_open_db(Supervisor *s);
/* forward.c: sends sig to the container's init through its pidfd. */
void supervisor_signal(Supervisor *s, int sig);
/* A signal the foreground CLI passes on (SYNC_SIGNAL). */
void supervisor_forward_signal(Supervisor *s, int sig);

/* control.c: the control socket and stopping */
/* The control socket (protocol.h): bound and listening before the CLI
 * hears the container runs, so that a `stop` right after `run -d` finds
 * it; served once the loop runs. Listening already: nothing to do. */
int control_listen(Supervisor *s);
int control_start(Supervisor *s);
void control_stop(Supervisor *s);
/* Sends sig (0: the container's stop signal) and kills the cgroup if the
 * container is still there after timeout_ms (0: at once). */
int supervisor_stop(Supervisor *s, int sig, uint64_t timeout_ms);

/* exit.c */
int supervisor_record_running(Supervisor *s);
void supervisor_finish(Supervisor *s);
int supervisor_record_start_failure(Supervisor *s, int exit_code, const char *msg);

/* ctr-log.c: the log file of a detached container */
int ctr_log_open(Supervisor *s);
void ctr_log_write(Supervisor *s, const char *stream, const char *buf, size_t len);
void ctr_log_flush(Supervisor *s);
/* Tells supervisor.log what the log dropped since the last report, if any. */
void ctr_log_report_drops(Supervisor *s);

/* exec.c: `berth-supervisor exec ...`, a process in a running container */
int exec_main(int argc, char *argv[]);

/* notify.c: READY=1 and MAINPID to $NOTIFY_SOCKET, if set */
int notify_ready(pid_t mainpid);
