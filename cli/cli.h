/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "cgroup-limits.h"
#include "cleanup.h"
#include "db.h"
#include "oci.h"
#include "paths.h"
#include "protocol.h"
#include "stdio-relay.h"

/* What every command gets: where state lives, and the DB, opened on first
 * use. Commands return 0 (or an exit code for `run`/`start -a`) or a
 * negative errno after they have printed the error. */
typedef struct {
	BerthPaths paths;
	sqlite3 *db;
	bool debug;
	const char *argv0;
} Cli;

int cli_db(Cli *cli, sqlite3 **ret);
/* Prints the error r of a state DB operation (fmt: what was being done),
 * one line: a damaged DB is named as such, whichever operation found it,
 * with the same words as `status`. Returns r. */
int cli_db_error(Cli *cli, int r, const char *fmt, ...) _printf_(3, 4);
/* Looks a container up by name or id prefix and prints a clear error if
 * there is none or several. The row's state is refreshed first (see
 * container_refresh). */
int cli_lookup_container(Cli *cli, const char *key, ContainerRow *ret);
/* If a running/paused container's supervisor is gone (kill -9, reboot),
 * records it as exited (unknown) and removes what is left of its cgroup,
 * so the DB never shows a stale "running"; if a start was cut short (its
 * CLI and supervisor killed), records why, or with --rm removes the
 * container (-ENOENT then). Updates row in place, also when what it found
 * cannot be written down (a full disk): REFRESH_UNRECORDED then, after a
 * warning. */
#define REFRESH_UNRECORDED 1
int container_refresh(Cli *cli, ContainerRow *row);
/* A running container whose main process has ended while its supervisor
 * lives on without having recorded the end: for a moment at every exit,
 * for long when the supervisor cannot write the state DB (a full disk). */
bool container_ended_unrecorded(const ContainerRow *row);
/* Removes a container's files, runtime folder and row. */
int container_remove_files(Cli *cli, const char *id);
/* Stops a running/paused container now: kills its cgroup, and returns its
 * supervisor's pidfd, to wait until it has recorded the end and exited;
 * -EBADF when it has no supervisor (the row is refreshed then). */
int container_kill(Cli *cli, ContainerRow *row, int *ret_pidfd);
/* SIGKILL to every process of the container: cgroup.kill (thawed when
 * paused), or, for one without a cgroup of its own (rootless, no delegated
 * subtree), through its supervisor (cli may be NULL: not asked), else to
 * its init, whose PID namespace ends with it, else to the supervisor,
 * which the init follows. -ENOENT when nothing runs. */
int container_kill_all(Cli *cli, const ContainerRow *row);
/* A rootless berth (common/rootless.h) enters its user namespace: that of
 * the supervisor of join, whose namespaces the command needs, or else a
 * new one. A no-op for root and once in one. Errors are logged. */
int cli_userns(Cli *cli, const ContainerRow *join);
/* For a supervisor that did not finish in time: ends it (SIGKILL) and
 * records the container as exited (unknown). */
int container_end_supervisor(Cli *cli, ContainerRow *row, int pidfd);

/* "exited (0)", "running", ... */
void container_state_describe(const ContainerRow *row, char *buf, size_t size);
/* The command (a JSON array in the DB) as one shell-like line. */
char *container_command_line(const ContainerRow *row);

/* The supervisor binary: next to `berth` in a build tree, else in
 * libexecdir; $BERTH_SUPERVISOR overrides both. */
int find_supervisor(char **ret);

/* Starting a container's supervisor, for `run` and `start` alike
 * (common/protocol.h says why in steps): supervisor_start() starts it
 * before the container is set up; supervisor_send_config() hands it the
 * container's configuration (SYNC_GO), and it sets the container up while
 * we record it in the DB; supervisor_commit() then lets the command run,
 * and supervisor_wait_started() waits until the supervisor reports the
 * container running (0) or failed (prints the error and returns a
 * negative errno, with the exit code the CLI should use). Should anything
 * fail before the commit, supervisor_abandon() makes the supervisor take
 * down what it made, and waits until it has. */
typedef struct {
	const char *id;
	bool foreground;
	bool auto_remove;
	const char *pidfile; /* absolute, or NULL */
	bool make_bundle;    /* the supervisor makes the container's folder */
	const char *
		rootfs; /* its layers (absolute), ':'-separated: one gone is what a failure reports */
	StdioRelay *stdio; /* foreground: opened by supervisor_start(), relayed by attach_wait() */
} LaunchParams;
int supervisor_start(Cli *cli, const LaunchParams *p, int *ret_sync_fd, pid_t *ret_pid);
/* config NULL: the supervisor reads the container's config.json (start). */
int supervisor_send_config(int sync_fd, const char *config);
void supervisor_commit(int sync_fd);
void supervisor_abandon(int sync_fd, pid_t pid);
int supervisor_wait_started(const LaunchParams *p, int sync_fd, pid_t pid, int *ret_tty_fd,
			    int *ret_exit_code);
/* Foreground: relay the container's stdio (common/stdio-relay.h) and
 * forward signals until the container exits and its output is copied;
 * returns its exit code as the CLI should exit with it. Ends stdio. */
int attach_wait(int sync_fd, StdioRelay *stdio);
/* The same with a terminal: relays it (common/tty-relay.h), the user's in
 * raw mode, and passes window size changes on. Takes master. */
int attach_tty(int sync_fd, int master);
/* Blocks the signals attach_wait() forwards; call before launching. */
void cli_block_forwarded_signals(void);

/* control.c: one request to a container's supervisor. ctl_send()
 * connects and sends it, and returns the connection; ctl_receive() reads
 * the reply from it (waiting up to 5 s), so that a command can ask many
 * supervisors before it reads their answers. */
int ctl_send(Cli *cli, const char *id, const CtlRequest *req, int *ret_fd);
int ctl_receive(int fd, CtlReply *ret);

/* Images: what `run` names (image-resolve.c); the default (image-busybox.c). */
typedef struct {
	char *name;    /* image name, or the absolute rootfs path */
	char **layers; /* top first */
	char *config;  /* image config JSON or NULL */
} ResolvedImage;
void resolved_image_done(ResolvedImage *i);
int image_resolve(Cli *cli, const char *ref, ResolvedImage *ret);
/* The same, pulling the image first as policy ("missing", "always",
 * "never") says. */
typedef struct PullOptions PullOptions;
int image_resolve_pull(Cli *cli, const char *ref, const char *policy, const PullOptions *po,
		       ResolvedImage *ret);
int image_create_busybox(Cli *cli, const char *name);

/* Commands */
int cmd_run(Cli *cli, int argc, char **argv);
int cmd_list(Cli *cli, int argc, char **argv);
int cmd_status(Cli *cli, int argc, char **argv);
int cmd_rm(Cli *cli, int argc, char **argv);
int cmd_image(Cli *cli, int argc, char **argv);
int cmd_stop(Cli *cli, int argc, char **argv);
int cmd_start(Cli *cli, int argc, char **argv);
int cmd_freeze(Cli *cli, int argc, char **argv);
int cmd_thaw(Cli *cli, int argc, char **argv);
int cmd_prune(Cli *cli, int argc, char **argv);
int cmd_logs(Cli *cli, int argc, char **argv);
int cmd_exec(Cli *cli, int argc, char **argv);
int cmd_generate(Cli *cli, int argc, char **argv);
int cmd_update(Cli *cli, int argc, char **argv);
int cmd_system(Cli *cli, int argc, char **argv);
int cmd_inspect(Cli *cli, int argc, char **argv);
int cmd_trace(Cli *cli, int argc, char **argv);
int cmd_network(Cli *cli, int argc, char **argv);
int cmd_commit(Cli *cli, int argc, char **argv);
int cmd_login(Cli *cli, int argc, char **argv);
int cmd_logout(Cli *cli, int argc, char **argv);
int image_push_cmd(Cli *cli, int argc, char **argv);
int image_save_cmd(Cli *cli, int argc, char **argv);
int image_load_cmd(Cli *cli, int argc, char **argv);

/* Output helpers */
void print_json_string(FILE *f, const char *s);
/* limits-output.c: a container's limits and, when st is not NULL, usage */
void limits_print_text(const ContainerSpec *spec, const CgroupStats *st);
void limits_print_json(FILE *f, const ContainerSpec *spec, const CgroupStats *st);
