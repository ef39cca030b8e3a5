/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* berth-runtime: runc's command line over the container-setup core
 * (container-setup.h), so that podman's conmon and containerd's runc shim
 * can drive berth. docs/runtime.md describes it; runtime.c holds main()
 * and the global options, runtime-create.c create, start and run,
 * runtime-exec.c exec, runtime-update.c update and events, runtime-ops.c
 * the other commands, runtime-state.c what they share.
 *
 * Its containers live in a state DB of berth's schema under --root (a
 * row each: `berth --root R list` shows them), and per container a
 * folder under R/run/containers/ID with the exec FIFO that start opens.
 * After create no process of ours is left: the init waits on the FIFO,
 * and its parent is our caller (a subreaper: conmon, containerd's shim). */

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "db.h"
#include "oci.h"
#include "paths.h"

typedef struct {
	BerthPaths paths; /* --root: state.db there, run/containers/ID */
	bool debug;
	bool systemd_cgroup;
	const char *argv0;
} Runtime;

typedef int (*RuntimeCommand)(Runtime *rt, int argc, char **argv);

int runtime_create(Runtime *rt, int argc, char **argv);
int runtime_start(Runtime *rt, int argc, char **argv);
int runtime_run(Runtime *rt, int argc, char **argv);
int runtime_state(Runtime *rt, int argc, char **argv);
int runtime_kill(Runtime *rt, int argc, char **argv);
int runtime_delete(Runtime *rt, int argc, char **argv);
int runtime_list(Runtime *rt, int argc, char **argv);
int runtime_ps(Runtime *rt, int argc, char **argv);
int runtime_pause(Runtime *rt, int argc, char **argv);
int runtime_resume(Runtime *rt, int argc, char **argv);
int runtime_spec(Runtime *rt, int argc, char **argv);
int runtime_features(Runtime *rt, int argc, char **argv);
int runtime_exec(Runtime *rt, int argc, char **argv);
int runtime_update(Runtime *rt, int argc, char **argv);
int runtime_events(Runtime *rt, int argc, char **argv);

/* getopt_long() for a command: an unknown option or a missing argument is
 * one line naming it; "--help" is not special. Returns the option, -1 at
 * the end, or -EINVAL (said). */
struct option;
int runtime_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		   const char *command);
/* The one operand ID of a command that takes only that. */
int runtime_one_id(int argc, char **argv, const char *command, const char **ret);
/* After the options: the ID at argv[optind] (checked), and at most `more`
 * operands after it. */
int runtime_id_operand(int argc, char **argv, const char *command, int more, const char **ret);

/* An id runc would take: letters, digits and _+-. (at most 1024); not "."
 * or "..": it names a folder. -EINVAL, said. */
int runtime_check_id(const char *id);

/* A connection to --console-socket PATH, where a terminal's master goes. */
int runtime_connect_console(const char *path, int *ret);

/* --preserve-fds N: fds 3 .. 3 + N - 1 are the caller's (open, and
 * without FD_CLOEXEC: they came through exec, unlike any of ours). */
int runtime_check_preserve_fds(int n, const char *command);

/* The state DB, made if missing. */
int runtime_db(Runtime *rt, sqlite3 **ret);
/* What an OCI config.json leaves out means what the runtime spec says, not
 * what it means in berth's own configurations: no linux.seccomp is no
 * filter (as runc and crun have it), where `berth run` writes the absence
 * for berth's default profile. */
void runtime_spec_defaults(ContainerSpec *spec);

/* What `state` reports of a container. */
typedef enum {
	RT_CREATING,
	RT_CREATED,
	RT_RUNNING,
	RT_PAUSED,
	RT_STOPPED,
} RuntimeStatus;
const char *runtime_status_to_string(RuntimeStatus s);

typedef struct {
	ContainerRow row;
	RuntimeStatus status;
	int pidfd; /* the init's, while it lives; -EBADF */
} RuntimeContainer;
void runtime_container_done(RuntimeContainer *c);

/* Loads a container by id: -ENOENT (said: "container ID does not
 * exist") when there is none. */
int runtime_load(Runtime *rt, sqlite3 *db, const char *id, RuntimeContainer *ret);
/* The same, silent when there is none (delete --force). */
int runtime_find(Runtime *rt, sqlite3 *db, const char *id, RuntimeContainer *ret);

/* The folder of the container's run files, and its exec FIFO. */
char *runtime_run_dir(Runtime *rt, const char *id);
char *runtime_fifo_path(Runtime *rt, const char *id);

/* The config.json create read, as it kept it in the run folder. */
char *runtime_config_copy(Runtime *rt, const char *id);

/* The runtime spec's state of c (runtime.md, "State"). */
json_t *runtime_state_json(Runtime *rt, const RuntimeContainer *c);

/* The hooks of one stage (runtime-hooks.c) of config (the text of a
 * config.json; NULL: the one create kept), in order, each given the state
 * on stdin and bounded by its timeout; in the container's mount, UTS, IPC,
 * network and cgroup namespaces when in_container. The first that fails
 * ends the run: its error, said. When each stage runs: docs/runtime.md. */
int runtime_hooks_run(Runtime *rt, const RuntimeContainer *c, const char *stage, bool in_container,
		      const char *config);

/* delete: runtime_remove(), then the poststop hooks (a failure of theirs
 * is a warning). */
int runtime_delete_container(Runtime *rt, sqlite3 *db, RuntimeContainer *c);

/* Removes what a container left: its cgroup (killing what is in it), its
 * run folder, its row. */
int runtime_remove(Runtime *rt, sqlite3 *db, RuntimeContainer *c);
