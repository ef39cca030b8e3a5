/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The runtime spec's hooks (config.md, "POSIX-platform Hooks"), run by
 * berth-runtime: each hook is a program, given the container's state on
 * stdin, killed after its timeout. runtime.h says when each stage runs. */

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "runtime.h"
#include "util.h"

/* The strings of a JSON array, NULL-terminated, or a copy of dflt. */
static char **strv_of(json_t *a, const char *dflt)
{
	char **l = NULL;
	size_t i;
	json_t *e;
	if (!json_is_array(a))
		return dflt && strv_push(&l, dflt) < 0 ? NULL
		       : dflt                          ? l
						       : calloc(1, sizeof(char *));
	json_array_foreach(a, i, e) {
		if (!json_is_string(e) || strv_push(&l, json_string_value(e)) < 0) {
			strv_free(l);
			return NULL;
		}
	}
	return l ? l : calloc(1, sizeof(char *));
}

_noreturn_ static void hook_child(const char *path, char **args, char **env, int in, int ns_pidfd)
{
	if (ns_pidfd >= 0 && setns(ns_pidfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
						     CLONE_NEWNET | CLONE_NEWCGROUP) < 0) {
		fprintf(stderr, "berth-runtime: hook %s: join the container's namespaces: %m\n",
			path);
		_exit(126);
	}
	if (dup2(in, STDIN_FILENO) < 0)
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	execve(path, args, env);
	fprintf(stderr, "berth-runtime: hook %s: %m\n", path);
	_exit(errno == ENOENT ? 127 : 126);
}

/* Waits for the hook, at most timeout seconds (0: as long as it takes). */
static int hook_wait(pid_t pid, int timeout, int *ret_status)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int n;
		while ((n = poll(&p, 1, timeout > 0 ? timeout * 1000 : -1)) < 0 && errno == EINTR)
			;
		if (n == 0) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			return -ETIME;
		}
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_status = status;
	return 0;
}

static int run_hook(const char *stage, size_t idx, json_t *h, const char *state, int ns_pidfd)
{
	const char *path = json_string_value(json_object_get(h, "path"));
	json_t *t = json_object_get(h, "timeout");
	if (!path || path[0] != '/')
		return log_error_errno(-EINVAL, "hooks.%s[%zu]: \"path\" must be an absolute path",
				       stage, idx);
	if (t && (!json_is_integer(t) || json_integer_value(t) <= 0))
		return log_error_errno(-EINVAL, "hooks.%s[%zu]: \"timeout\" must be above 0", stage,
				       idx);
	int timeout = t ? (int)json_integer_value(t) : 0;
	_cleanup_strv_free_ char **args = strv_of(json_object_get(h, "args"), path);
	_cleanup_strv_free_ char **env = strv_of(json_object_get(h, "env"), NULL);
	if (!args || !env)
		return log_error_errno(-EINVAL,
				       "hooks.%s[%zu]: \"args\" and \"env\" must be arrays "
				       "of strings",
				       stage, idx);
	_cleanup_close_pair_ int in[2] = { -EBADF, -EBADF };
	if (pipe2(in, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "hook %s: pipe: %m", path);
	pid_t pid = fork();
	if (pid < 0)
		return log_error_errno(-errno, "hook %s: fork: %m", path);
	if (pid == 0)
		hook_child(path, args, env, in[0], ns_pidfd);
	in[0] = safe_close(in[0]);
	/* A hook need not read it all: EPIPE then (SIGPIPE is ignored). */
	(void)write_all(in[1], state, strlen(state));
	in[1] = safe_close(in[1]);
	int status = 0, r = hook_wait(pid, timeout, &status);
	if (r == -ETIME)
		return log_error_errno(r, "hook %s (%s) did not end within its timeout of %d s",
				       path, stage, timeout);
	if (r < 0)
		return log_error_errno(r, "hook %s (%s): %m", path, stage);
	if (WIFSIGNALED(status))
		return log_error_errno(-EIO, "hook %s (%s) was killed by signal %d", path, stage,
				       WTERMSIG(status));
	if (WEXITSTATUS(status) != 0)
		return log_error_errno(-EIO, "hook %s (%s) failed with exit status %d", path, stage,
				       WEXITSTATUS(status));
	return 0;
}

int runtime_hooks_run(Runtime *rt, const RuntimeContainer *c, const char *stage, bool in_container,
		      const char *config)
{
	_cleanup_free_ char *copy = NULL, *data = NULL;
	if (!config) {
		copy = runtime_config_copy(rt, c->row.id);
		if (!copy || read_full_file(copy, &data, NULL) < 0)
			return 0; /* none kept: no hooks */
		config = data;
	}
	json_t *doc = json_loads(config, 0, NULL);
	json_t *hooks = json_object_get(json_object_get(doc, "hooks"), stage);
	if (!hooks || !json_array_size(hooks)) {
		json_decref(doc);
		return 0;
	}
	json_t *state = runtime_state_json(rt, c);
	char *text = state ? json_dumps(state, JSON_COMPACT) : NULL;
	json_decref(state);
	int r = text ? 0 : log_error_errno(-ENOMEM, "out of memory");
	size_t i;
	json_t *h;
	json_array_foreach(hooks, i, h) {
		if (r < 0)
			break;
		r = run_hook(stage, i, h, text, in_container ? c->pidfd : -EBADF);
	}
	free(text);
	json_decref(doc);
	return r;
}

int runtime_delete_container(Runtime *rt, sqlite3 *db, RuntimeContainer *c)
{
	/* The config.json kept goes with the run folder: its poststop hooks
	 * run after, from this copy. */
	_cleanup_free_ char *copy = runtime_config_copy(rt, c->row.id), *config = NULL;
	if (copy)
		(void)read_full_file(copy, &config, NULL);
	int r = runtime_remove(rt, db, c);
	if (r < 0)
		return r;
	c->status = RT_STOPPED;
	if (config && runtime_hooks_run(rt, c, "poststop", false, config) < 0)
		log_warning("container %s is deleted, though a poststop hook failed", c->row.id);
	return 0;
}
