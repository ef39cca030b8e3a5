/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>
#include <uv.h>

#include "db.h"
#include "mount-options.h"
#include "oci.h"
#include "paths.h"
#include "protocol.h"
#include "sync-msg.h"

/* One mount of the spec, with its options already split, so that the
 * container init does not parse or allocate after clone(). */
typedef struct {
	const SpecMount *spec;
	MountOptions opts;
	const char *fstype; /* what mount(2) gets: "cgroup" becomes "cgroup2" */
} PreparedMount;

/* process.c: identity and privileges of a process entering a container */
typedef struct {
	uint32_t uid, gid;
	const uint32_t *groups;
	size_t n_groups;
	bool no_new_privileges;
	/* capability sets as masks, prepared before clone */
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	/* the seccomp filter, loaded last; NULL: none */
	const struct sock_fprog *seccomp;
} ProcessIdentity;
/* Fills the capability masks of id from the spec's names. */
int process_identity_caps(ProcessIdentity *id, const ContainerSpec *spec);
/* Our permitted capabilities (all of them when capget() fails). */
uint64_t process_permitted_caps(void);
int process_apply_identity(const ProcessIdentity *id, char *msg, size_t msglen);

/* What the container init needs, prepared by the supervisor before clone. */
typedef struct {
	const ContainerSpec *spec;
	char *rootfs;             /* the root: root.path resolved (bundle/rootfs) */
	char *overlay_data;       /* lowerdir=...,upperdir=...,workdir=...[,volatile] or NULL */
	size_t overlay_volatile;  /* > 0: where ",volatile" starts in overlay_data */
	unsigned long propagation; /* for "/" before anything is mounted */
	PreparedMount *mounts;
	size_t n_mounts;
	int stdio[3];            /* dup2'ed onto 0, 1, 2; -EBADF keeps what we have */
	int error_fd;            /* write end of the exec error pipe (cloexec) */
	int console_fd;          /* -t: socket to send the pty master through */
	int userns_fd;           /* --userns: socket to ask for the id maps through */
	int stage_fd;            /* sealed memfd of berth-stage, which execs the command */
	ProcessIdentity identity;
	struct sock_fprog seccomp; /* filter.len == 0: none */
	int join_cgroup_fd;      /* clone() fallback: the cgroup the init joins itself */
	bool unshare_cgroupns;   /* ... and then its cgroup namespace to create */
	int netns_sock;          /* where a new network namespace comes from (netns.c) */
	int netns_peer;          /* the supervisor's end of it, which the init closes */
	int commit_fd;           /* --wait: a byte on it lets the command run (protocol.h) */
	int commit_peer;         /* the supervisor's end of it, which the init closes */
	bool seccomp_late;       /* the filter comes on commit_fd first (spawn.c) */
} InitPlan;

/* A network namespace made by a thread of ours (netns.c), which sends it
 * down sock[0]; the init receives it from sock[1]. */
typedef struct {
	pthread_t thread;
	bool started;
	int sock[2];
	int result; /* the thread's: 0, or a negative errno */
} NetnsPrep;
void netns_prep_start(NetnsPrep *p);
/* Waits for the thread, if any, and closes both ends; its result. */
int netns_prep_done(NetnsPrep *p);
int loopback_up(void);


/* Runs in the child of clone(): sets up the root and execs the command.
 * Never returns; on failure it writes an InitError and exits. */
_Noreturn void container_init(const InitPlan *plan);

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* clone3() with CLONE_PIDFD and CLONE_INTO_CGROUP: one call creates every
 * namespace in flags, places the child in its cgroup (no window where it
 * runs elsewhere) and hands us a pidfd (no pid reuse race). Returns 0 in
 * the child, like fork(). Where clone3() answers ENOSYS (kernels before
 * 5.3, seccomp profiles that refuse it so that libc falls back, valgrind)
 * it falls back to clone() without CLONE_NEWCGROUP and *ret_joined is
 * false: the child has to join cgroup_fd, then unshare its cgroup
 * namespace, itself. */
pid_t clone_into_cgroup(uint64_t flags, int cgroup_fd, int *ret_pidfd, bool *ret_joined);

/* throwaway: the writable layer is deleted when the container ends (--rm).
 * ret_error: a message beyond the errno, when there is one (or NULL). */
int init_plan_prepare(InitPlan *plan, const ContainerSpec *spec, const char *bundle,
		      bool throwaway, bool late_seccomp, char **ret_error);
void init_plan_done(InitPlan *plan);

typedef struct Supervisor Supervisor;

struct Supervisor {
	BerthPaths paths;
	char *id;
	char *bundle;
	char *db_path;
	ContainerSpec *spec;
	bool foreground;
	bool auto_remove;
	char *pidfile;
	int stop_signal;

	char *cgroup;
	int cgroup_fd;

	pid_t pid;
	int pidfd;
	int mnt_ns_fd; /* the container's mount namespace, until its exit is told */
	uint64_t pid_start_time;
	uint64_t self_start_time; /* ours, for the DB row (read while the init works) */
	char boot_id[37];
	int sync_fd;
	int stage_fd;        /* --wait: berth-stage's sealed copy, made early */
	NetnsPrep netns;     /* --wait --new-netns: the network namespace, made early */
	/* --wait (protocol.h): what we made before the CLI recorded the
	 * container, and take down if it never does. */
	bool committed;   /* the DB row exists: SYNC_COMMIT came (always, without --wait) */
	bool made_bundle; /* --make-bundle: the container's folder is ours */
	char spare_slot; /* ... and came from spare/<this> (spare.c), or 0 */
	bool made_cgroup;
	int start_lock_fd; /* held until the run or its failure is recorded (ctr-lock.h) */
	char *config;     /* the config.json SYNC_GO brought, for us to write */
	sqlite3 *db;         /* foreground: the connection, kept between writes */

	int self_log_fd; /* supervisor.log: our own messages, and our stderr */

	/* logging of detached containers */
	int log_fd;
	uint64_t log_size;
	uint64_t log_max_size; /* 0: no cap */
	/* Output the log could not take (its disk full): counted, and told in
	 * supervisor.log once the log takes output again, and at the end. */
	uint64_t log_dropped, log_dropped_lines; /* in all */
	uint64_t drop_bytes, drop_lines;         /* since the last report */
	uint64_t drop_since_usec;                /* 0: not dropping now */
	uint64_t drop_next_check_usec;           /* log_has_room() */
	int drop_error;
	int out_pipe[2];
	int err_pipe[2];
	int tty_master; /* -t: the pty master, until handed to the CLI or the log */

	/* exit status */
	bool exited;
	int exit_code;
	int exit_signal;
	bool oom_killed;
	int killed_for_signal; /* forward.c: our SIGKILL stands for this signal */

	/* libuv */
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
};

/* spawn.c */
/* -ECANCELED: the CLI called the run off (supervisor_await_commit()). */
int supervisor_spawn(Supervisor *s, char **ret_error, int *ret_exit_code);

/* spare.c: spare container folders. spare_take() renames one to
 * s->bundle; spare_put_back() returns it (or removes s->bundle when it was
 * not one); spare_recycle() empties the folder at path, which a --rm
 * container left, and keeps it, if it is as we made it and there is room. */
bool spare_take(Supervisor *s);
void spare_put_back(Supervisor *s);
int spare_recycle(Supervisor *s, const char *path);

/* main.c: --wait. 1 once the CLI has recorded the container
 * (SYNC_COMMIT), 0 when it closed the socket instead; then
 * supervisor_abort() takes down what we made, leaving no trace. */
int supervisor_await_commit(Supervisor *s);
/* The device cgroup program on s->cgroup_fd, as the spec says; on failure
 * a message in msg. */
int supervisor_restrict_devices(Supervisor *s, char *msg, size_t msglen);
void supervisor_abort(Supervisor *s);

/* loop.c */
int supervisor_loop(Supervisor *s);
/* What only the start used (our text, freed heap) back to the kernel. */
void supervisor_drop_startup_memory(void);
/* exit.c: checkpoints the DB if due and closes the kept connection. */
void supervisor_release_db(Supervisor *s);
/* Opens the connection the running and end records use, ahead of them.
 * An idle connection holds no lock; if this fails, they open their own. */
int supervisor_open_db(Supervisor *s);
/* Sends sig to the container's init through its pidfd. */
void supervisor_signal(Supervisor *s, int sig);
/* forward.c: a signal the foreground CLI passes on (SYNC_SIGNAL). */
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

/* Closes every fd above 2 but keep1 and keep2 (-1: none). */
void process_close_fds(int keep1, int keep2);
/* chdir() to cwd resolved inside our root (made if create). */
int process_chdir(const char *cwd, bool create, char *msg, size_t msglen);

/* stage-memfd.c: the sealed memfd copy of berth-stage (see stage.c) */
int stage_memfd(int *ret_fd);
void stage_exec(int stage_fd, int error_fd, char *const argv[], char *const envp[]);

/* exec.c: `berth-supervisor exec ...`, a process in a running container */
int exec_main(int argc, char *argv[]);

/* notify.c: READY=1 and MAINPID to $NOTIFY_SOCKET, if set */
int notify_ready(pid_t mainpid);

