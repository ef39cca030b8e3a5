/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The container-setup core: from a parsed OCI config.json to a process in
 * the container's namespaces and cgroup, set up and held before its
 * command, which its caller then releases. It knows nothing of the state
 * DB, the CLI, libuv, logs or the control socket: berth-supervisor is one
 * front end of it (spawn.c for a container's init, exec.c for `berth
 * exec`), and a second one can drive it the same way.
 *
 *   setup_limits()       the spec's resource limits on the container's
 *                        cgroup, before anything runs in it
 *   setup_spawn()        prepares all that can be prepared (the mounts'
 *                        options, the capabilities, berth-stage's sealed
 *                        copy), joins the namespaces to share, and clones
 *                        the init into new ones and the cgroup; the init
 *                        sets the container up and then waits
 *   setup_prepare_release()  meanwhile, beside it: the seccomp filter,
 *                        compiled and handed to the init, and the device
 *                        program on the cgroup
 *   setup_map_ids()      --userns: the id maps, once the init asks
 *   setup_release()      lets the init exec the command
 *   setup_wait_exec()    until it has (0), or said why it could not
 *   setup_wait_ready()   with an exec FIFO (SetupParams): until the init
 *                        is set up and waits for the FIFO to be opened,
 *                        which releases it (berth-runtime's create and
 *                        start, as runc's exec.fifo)
 *   setup_kill()         ends and reaps a process that will not run
 *   setup_process_done() closes what is left
 *
 * Its caller ignores SIGPIPE: the core writes to the pipes of an init that
 * may have died meanwhile, and wants EPIPE then. The init resets every
 * signal before its command.
 *
 * The files behind it: container-setup.c (this), init.c (the init,
 * between clone() and execve()), rootfs.c, process.c (what every process
 * entering the container goes through last, also exec's), clone.c and
 * stage-memfd.c; their shared types are in init-plan.h.
 * docs/architecture.md shows the whole path. */

#include <errno.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci.h"
#include "protocol.h"
#include "util.h"

/* The one way an error leaves the set-up path, from the supervisor's
 * preparations and from the init alike: an errno, the exit code the CLI
 * should exit with, one short line (protocol.h's InitError, which is
 * what the init writes to the error pipe). */
typedef InitError SetupError;

/* Fills e (exit code 125) and returns r, a negative errno; %m in fmt is
 * -r. Neither reads nor changes errno: `setup_err(e, -errno, ...)` takes
 * it before any formatting. No allocation, so the init can use it. */
_printf_(3, 4) int setup_err(SetupError *e, int r, const char *fmt, ...);

/* The sealed memfd copy of berth-stage (stage.c), which execs every
 * command: made ahead by a caller that has time to spare, or by
 * setup_spawn(). */
int stage_memfd(int *ret_fd);

/* The spec's memory, CPU, pids and I/O limits on the cgroup at path (its
 * controllers enabled first). */
int setup_limits(const ContainerSpec *spec, const char *cgroup, SetupError *e);

typedef struct {
	const ContainerSpec *spec;
	const char *bundle; /* the folder the spec's relative paths start from */
	bool throwaway;     /* the writable layer goes with the container (--rm) */
	int cgroup_fd; /* the container's cgroup (common/cgroup.h), which the init is cloned into */
	int stdio[3];  /* without a terminal: the command's stdin, stdout and stderr */
	int stage_fd;  /* berth-stage's sealed copy made ahead (taken), or -EBADF */
	/* A FIFO (absolute path, NULL: none): the init, once set up, says so
	 * on the error pipe and then waits until it can open the FIFO for
	 * writing; whoever opens it for reading releases it. The init then
	 * outlives its caller (no parent death signal) and, once ready, has
	 * no one to tell an error: its command's failure to run is its exit
	 * status (126, 127). */
	const char *exec_fifo;
	/* --preserve-fds: the caller's fds 3 .. 3 + this - 1 (all open) go on
	 * to the command, without FD_CLOEXEC. */
	int preserve_fds;
	/* With exec_fifo: the init stops once its mounts are made, before
	 * pivot_root, and says so on the error pipe (setup_wait_ready()
	 * returns); it goes on once a byte follows the seccomp filter on the
	 * release pipe (setup_continue()). For the runtime spec's prestart
	 * and createRuntime hooks. */
	bool pause_before_pivot;
	/* A terminal: the socket to send the pty master through, the
	 * caller's (berth-runtime's --console-socket), taken; without it (so
	 * that a SetupParams left at zero never takes fd 0), the master
	 * comes to the caller itself, once the command runs
	 * (setup_wait_exec()). */
	bool has_console_socket;
	int console_socket;
} SetupParams;

/* What setup_spawn() hands back: owns every descriptor in it. */
typedef struct {
	pid_t pid;
	int pidfd;
	int release_fd; /* the init reads the seccomp filter, then one byte, from it */
	int error_fd;   /* the exec error pipe: its end of file says the command runs */
	int console_fd; /* a terminal: the init sends its pty master over it */
	int userns_fd;  /* --userns: the init asks for its id maps over it */
	int tty_master; /* a terminal: the pty master, once setup_wait_exec() has it */
	uint64_t caps;  /* the init's effective capabilities, which the filter depends on */
} SetupProcess;
#define SETUP_PROCESS_INIT                                                                       \
	{                                                                                        \
		.pidfd = -EBADF, .release_fd = -EBADF, .error_fd = -EBADF, .console_fd = -EBADF, \
		.userns_fd = -EBADF, .tty_master = -EBADF                                        \
	}

int setup_spawn(const SetupParams *p, SetupProcess *ret, SetupError *e);
int setup_prepare_release(SetupProcess *proc, const ContainerSpec *spec, int cgroup_fd,
			  SetupError *e);
int setup_map_ids(SetupProcess *proc, const ContainerSpec *spec);
int setup_release(SetupProcess *proc);
/* Waits (at most a minute) until the init has exec'd the command: 0; or
 * it said why it could not: that error, in e. */
int setup_wait_exec(SetupProcess *proc, SetupError *e);
/* Waits (at most a minute) until the init, spawned with an exec FIFO, is
 * set up and waits to be released: 0; or it said why it could not. */
int setup_wait_ready(SetupProcess *proc, SetupError *e);
/* Lets an init that paused before pivot_root go on. */
int setup_continue(SetupProcess *proc, SetupError *e);
void setup_kill(SetupProcess *proc);
void setup_process_done(SetupProcess *proc);

/* What every process entering a container takes on last: the identity
 * and privileges (process.c). */
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
/* For a process joining a running container (`berth exec`,
 * berth-runtime exec), once id has its identity and capabilities: the
 * container's seccomp filter for id's effective set, in ret_filter (free
 * ret_filter->filter), pointed to by id->seccomp; then id's effective set
 * trimmed to what berth-stage may hold (process.c says why). A bad
 * profile: -EINVAL, and a line in ret_why. */
int process_identity_seccomp(ProcessIdentity *id, const ContainerSpec *spec,
			     struct sock_fprog *ret_filter, char **ret_why);
/* Our permitted capabilities (all of them when capget() fails). */
uint64_t process_permitted_caps(void);

/* The last steps of a process in the container, the init's and exec's
 * alike: every descriptor closed but error_fd, stage_fd and the
 * preserve_fds after stdio (made inheritable), the working
 * directory entered inside the root (made if create_cwd), the identity
 * taken, and the command exec'd through berth-stage. Never returns; a
 * failure goes to error_fd as a SetupError (exit code 126 for the working
 * directory), and the process exits. */
_Noreturn void process_exec(const ProcessIdentity *id, const char *cwd, bool create_cwd,
			    int stage_fd, int error_fd, int preserve_fds, char *const argv[],
			    char *const envp[]);

/* `berth exec`: a process started in a running container. Its caller has
 * joined the container's namespaces but its cgroup and user namespaces
 * (setns() on target_pidfd's); the process is cloned into the cgroup,
 * joins those two itself, then takes its stdio and execs as
 * process_exec() does. The caller waits on error_fd as on an init's. */
typedef struct {
	const ContainerSpec *spec;
	int target_pidfd; /* a process of the container */
	int cgroup_fd;    /* the container's cgroup */
	int procs_fd;     /* its cgroup.procs, opened before setns(): the clone() fallback */
	const ProcessIdentity *id;
	const char *cwd;
	char *const *argv;
	char *const *envp;
	int stdio[3];
	bool controlling_tty; /* stdio is a terminal, which becomes the process's */
	int stage_fd;
	int error_fd;     /* the write end of the error pipe */
	int preserve_fds; /* as SetupParams' */
} SetupJoin;
/* The process's pid, and its pidfd; or a negative errno. */
pid_t setup_join_spawn(const SetupJoin *j, int *ret_pidfd);
