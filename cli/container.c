/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* What several commands do to a container: find it, tell the truth about
 * its state, kill it, remove it. */

#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "cgroup.h"
#include "ctr-lock.h"
#include "cli.h"
#include "run-network.h"
#include "log.h"
#include "parse.h"
#include "util.h"

int cli_db_error(Cli *cli, int r, const char *fmt, ...)
{
	_cleanup_free_ char *what = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) < 0)
		what = NULL;
	va_end(ap);
	if (!what)
		return log_error_errno(r, "the state DB: %m");
	_cleanup_free_ char *path = path_db(&cli->paths);
	struct stat st;
	if (r == -EBADMSG && path && stat(path, &st) == 0 && st.st_size == 0)
		return log_error_errno(r,
				       "the state DB `%s` is empty (0 bytes): damaged, not new; "
				       "see `berth system check`",
				       path);
	if (r == -EBADMSG)
		return log_error_errno(r,
				       "the state DB `%s` is damaged (%s: corrupted data); see "
				       "`berth system check`",
				       path, what);
	if (r == -EPROTONOSUPPORT)
		return log_error_errno(r, "the state DB `%s` was written by a newer berth", path);
	return log_error_errno(r, "%s: %m", what);
}

int cli_db(Cli *cli, sqlite3 **ret)
{
	if (!cli->db) {
		_cleanup_free_ char *dir = NULL;
		uid_t owner = 0;
		int r = paths_ensure(&cli->paths, &dir, &owner);
		if (r == -EPERM) {
			/* Named, so that the user sees whose it is and can chown it. */
			const char *d = dir ? dir : cli->paths.state_dir;
			const char *kind = streq(d, cli->paths.state_dir) ? "the root "
					   : streq(d, cli->paths.run_dir) ? "the runtime folder "
									  : "";
			struct passwd *pw = getpwuid(owner);
			return log_error_errno(
				r,
				"%s`%s` belongs to uid %u%s%s%s, not to uid %u, which "
				"runs berth: refused",
				kind, d, (unsigned)owner, pw ? " (" : "", pw ? pw->pw_name : "",
				pw ? ")" : "", (unsigned)geteuid());
		}
		if (r < 0)
			return log_error_errno(r, "create `%s`: %m",
					       dir ? dir : cli->paths.state_dir);
		_cleanup_free_ char *path = path_db(&cli->paths);
		if (!path)
			return log_error_errno(-ENOMEM, "out of memory");
		log_debug("open the state DB %s", path);
		r = db_open(path, &cli->db);
		if (r < 0)
			return cli_db_error(cli, r, "open the state DB");
	}
	*ret = cli->db;
	return 0;
}

/* A `run` records its container before its supervisor holds the folder's
 * lock (common/protocol.h): the lock tells nothing about a row that young. */
#define UNSTARTED_GRACE_USEC (30 * 1000000ull)

/* Nothing came of the start (its CLI and supervisor are gone): takes down
 * what is left of it, and records why, or with --rm removes it. */
static int refresh_unstarted(Cli *cli, ContainerRow *row)
{
	uint64_t created;
	/* A row that never ran is as old as its run; one that ran before is
	 * being started again, and its starter holds the lock from the claim
	 * on. */
	if (!row->started_at && parse_iso8601(row->created_at, &created) == 0 &&
	    now_usec() < created + UNSTARTED_GRACE_USEC)
		return 0;
	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, row->id);
	if (!bundle)
		return -ENOMEM;
	int r = ctr_lock_held(bundle);
	if (r > 0 || (r < 0 && r != -ENOENT))
		return 0; /* someone is at work on it */

	_cleanup_free_ char *cg = NULL;
	if (cgroup_container_path(row->id, &cg) >= 0 &&
	    cgroup_owned_by(cg, cli->paths.state_dir) == 1)
		(void)cgroup_destroy(cg, 5000);
	(void)container_network_cleanup(cli, row->id);
	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0)
		return r;
	const char *why = "its start was cut short: its supervisor ended before the container ran";
	if (row->auto_remove) {
		/* Claimed first, as `rm` does, so that nobody else acts on it. */
		ContainerState from[] = { STATE_CREATED, _STATE_INVALID };
		r = db_container_set_state(db, row->id, STATE_REMOVING, from);
		if (r == -ESTALE)
			return 0;
		if (r >= 0)
			r = container_remove_files(cli, row->id);
		if (r >= 0)
			r = db_container_delete(db, row->id);
		if (r < 0 && r != -ENOENT)
			return log_error_errno(r, "remove container %s: %m", row->name);
		log_debug("container %s: %s; removed (--rm)", row->name, why);
		return -ENOENT;
	}
	char now[32];
	format_iso8601(now_usec(), now);
	r = db_container_mark_unstarted(db, row->id, now, why);
	if (r == -ESTALE)
		return 0;
	if (r < 0)
		return log_error_errno(r, "update container %s: %m", row->name);
	log_debug("container %s: %s; marked exited", row->name, why);
	row->state = STATE_EXITED;
	row->has_exit_code = false;
	row->exit_signal = 0;
	free(row->finished_at);
	row->finished_at = strdup(now);
	free(row->error);
	row->error = strdup(why);
	return 0;
}

/* A removal whose command was killed (nobody holds the folder's lock):
 * finished here, as `rm -f` would have. Returns -ENOENT once the row is
 * gone, 0 when someone is at work on it still. */
static int refresh_removing(Cli *cli, ContainerRow *row)
{
	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, row->id);
	if (!bundle)
		return -ENOMEM;
	_cleanup_close_ int lock = -EBADF;
	int r = ctr_lock(bundle, LOCK_EX, 0, &lock);
	if (r == -EBUSY || (r < 0 && r != -ENOENT))
		return 0;
	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0)
		return r;
	ContainerRow now;
	r = db_container_get(db, row->id, &now);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : 0;
	bool removing = now.state == STATE_REMOVING;
	container_row_done(&now);
	if (!removing)
		return 0;
	log_debug("container %s: its removal was cut short; finishing it", row->name);
	/* What it killed may not have ended yet; its supervisor, which finds
	 * the row claimed, records nothing and goes. */
	_cleanup_close_ int sup = -EBADF;
	if (pidfd_open_checked((pid_t)row->supervisor_pid, (uint64_t)row->supervisor_start_time,
			       &sup) >= 0) {
		(void)container_kill_all(cli, row);
		if (pidfd_wait_exit(sup, 5000) < 0) {
			(void)syscall(SYS_pidfd_send_signal, sup, SIGKILL, NULL, 0);
			(void)pidfd_wait_exit(sup, 2000);
		}
	}
	if (row->cgroup && cgroup_owned_by(row->cgroup, cli->paths.state_dir) == 1)
		(void)cgroup_destroy(row->cgroup, 5000);
	r = container_remove_files(cli, row->id);
	if (r >= 0)
		r = db_container_delete(db, row->id);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "finish the removal of container %s: %m", row->name);
	log_debug("container %s: finished its removal, which a killed command had begun",
		  row->name);
	return -ENOENT;
}

int container_refresh(Cli *cli, ContainerRow *row)
{
	if (row->state == STATE_CREATED)
		return refresh_unstarted(cli, row);
	if (row->state == STATE_REMOVING)
		return refresh_removing(cli, row);
	if (row->state != STATE_RUNNING && row->state != STATE_PAUSED)
		return 0;

	char boot[37] = "";
	(void)boot_id(boot);
	const char *why = NULL;
	if (row->boot_id && *boot && !streq(row->boot_id, boot))
		why = "the machine rebooted while the container ran";
	else if (pidfd_open_checked((pid_t)row->supervisor_pid,
				    (uint64_t)row->supervisor_start_time, NULL) < 0)
		why = "its supervisor is gone";
	if (!why) {
		log_debug("container %s is %s: its supervisor (pid %lld) is there", row->name,
			  container_state_to_string(row->state), (long long)row->supervisor_pid);
		return 0;
	}

	/* Nothing may run unsupervised: take down what is left. */
	if (row->cgroup)
		(void)cgroup_destroy(row->cgroup, 5000);
	(void)container_network_cleanup(cli, row->id);

	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	char now[32];
	format_iso8601(now_usec(), now);
	r = db_container_mark_lost(db, row->id, row->supervisor_pid, now, why);
	if (r == -ESTALE) {
		/* Someone else updated it meanwhile: take their version. */
		ContainerRow fresh;
		if (db_container_get(db, row->id, &fresh) >= 0) {
			container_row_done(row);
			*row = fresh;
		}
		return 0;
	}
	int ret = 0;
	if (r < 0) {
		/* Shown as it is, even when it cannot be written down (a full
		 * disk): the next command that can will. */
		log_warning_errno(r,
				  "container %s has ended, but that cannot be recorded: %m (see "
				  "`berth system check`)",
				  row->name);
		ret = REFRESH_UNRECORDED;
	} else
		log_debug("container %s: %s; marked exited", row->name, why);
	row->state = STATE_EXITED;
	row->has_exit_code = false;
	row->exit_signal = 0;
	free(row->finished_at);
	row->finished_at = strdup(now);
	free(row->error);
	row->error = strdup(why);
	row->pid = row->supervisor_pid = 0;
	return ret;
}

bool container_ended_unrecorded(const ContainerRow *row)
{
	return (row->state == STATE_RUNNING || row->state == STATE_PAUSED) && row->pid > 0 &&
	       pidfd_open_checked((pid_t)row->pid, (uint64_t)row->pid_start_time, NULL) < 0 &&
	       pidfd_open_checked((pid_t)row->supervisor_pid, (uint64_t)row->supervisor_start_time,
				  NULL) >= 0;
}

int cli_lookup_container(Cli *cli, const char *key, ContainerRow *ret)
{
	if (!name_is_valid(key))
		return log_error_errno(-EINVAL, "invalid container name or id `%s`", key);
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	_cleanup_strv_free_ char **matches = NULL;
	r = db_container_lookup(db, key, ret, &matches);
	if (r == -ENOENT)
		return log_error_errno(r, "no such container: %s", key);
	if (r == -ENOTUNIQ) {
		char list[512] = "";
		for (size_t i = 0; matches && matches[i]; i++) {
			if (i > 0)
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			strncat(list, matches[i], 12);
		}
		return log_error_errno(r, "`%s` matches several containers: %s", key, list);
	}
	if (r < 0)
		return cli_db_error(cli, r, "look up container `%s`", key);
	log_debug("`%s` is container %.12s (%s), %s in the DB", key, ret->id, ret->name,
		  container_state_to_string(ret->state));
	r = container_refresh(cli, ret);
	if (r < 0) {
		container_row_done(ret);
		return r == -ENOENT ? log_error_errno(r, "no such container: %s", key) : r;
	}
	return 0;
}

int container_remove_files(Cli *cli, const char *id)
{
	/* A network a killed supervisor left goes while its options exist. */
	(void)container_network_cleanup(cli, id);
	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, id);
	_cleanup_free_ char *run = path_container_run_dir(&cli->paths, id);
	if (!bundle || !run)
		return -ENOMEM;
	log_debug("remove %s and %s", bundle, run);
	int r = rm_rf(bundle);
	if (r < 0)
		return log_error_errno(r, "remove `%s`: %m", bundle);
	(void)rm_rf(run);
	return 0;
}

int container_kill_all(Cli *cli, const ContainerRow *row)
{
	if (row->cgroup) {
		int r = cgroup_kill(row->cgroup);
		/* A frozen cgroup handles the kill only once thawed. */
		if (r >= 0 && row->state == STATE_PAUSED)
			(void)cgroup_freeze(row->cgroup, false, 1000);
		return r;
	}
	/* No cgroup of its own (a rootless container without a delegated
	 * one). Its supervisor kills it: the container is in its user
	 * namespace, and maybe not in ours, where its other users are out of
	 * our reach. */
	CtlRequest req = { .type = CTL_STOP, .signal = SIGKILL };
	CtlReply reply;
	_cleanup_close_ int ctl = -EBADF;
	if (cli && ctl_send(cli, row->id, &req, &ctl) >= 0 && ctl_receive(ctl, &reply) >= 0 &&
	    reply.error == 0)
		return 0;
	/* Without one that answers: its init, whose PID namespace ends with
	 * it; else its supervisor, whose death the init follows
	 * (PR_SET_PDEATHSIG). */
	const struct {
		int64_t pid, start;
	} whom[] = { { row->pid, row->pid_start_time },
		     { row->supervisor_pid, row->supervisor_start_time } };
	int r = -ENOENT;
	for (size_t i = 0; i < ELEMENTSOF(whom) && (r == -ENOENT || r == -EPERM); i++) {
		_cleanup_close_ int fd = -EBADF;
		if (whom[i].pid <= 0)
			continue;
		r = pidfd_open_checked((pid_t)whom[i].pid, (uint64_t)whom[i].start, &fd);
		if (r == -ESRCH)
			r = -ENOENT;
		if (r >= 0)
			r = RET_NERRNO(syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0));
	}
	return r;
}

int container_kill(Cli *cli, ContainerRow *row, int *ret_pidfd)
{
	_cleanup_close_ int sup = -EBADF;
	int r = pidfd_open_checked((pid_t)row->supervisor_pid, (uint64_t)row->supervisor_start_time,
				   &sup);
	if (r < 0) {
		/* No supervisor: the refresh takes care of the rest. */
		*ret_pidfd = -EBADF;
		return container_refresh(cli, row);
	}
	log_debug("kill container %s (cgroup.kill in %s), then wait for its supervisor (pid %lld)",
		  row->name, row->cgroup ? row->cgroup : "none", (long long)row->supervisor_pid);
	r = container_kill_all(cli, row);
	if (r < 0 && r != -ENOENT)
		return log_error_errno(r, "kill container %s: %m", row->name);
	*ret_pidfd = TAKE_FD(sup);
	return 0;
}

int container_end_supervisor(Cli *cli, ContainerRow *row, int pidfd)
{
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	(void)pidfd_wait_exit(pidfd, 2000);
	return container_refresh(cli, row);
}

void container_state_describe(const ContainerRow *row, char *buf, size_t size)
{
	const char *st = container_state_to_string(row->state);
	if (row->state != STATE_EXITED) {
		snprintf(buf, size, "%s", st ? st : "unknown");
		return;
	}
	if (!row->has_exit_code) {
		snprintf(buf, size, "exited (unknown)");
		return;
	}
	/* Without printf: `berth list` describes every row. */
	char num[21];
	const char *code = row->exit_code >= 0 ? format_u64(num, (uint64_t)row->exit_code) : "?";
	buf[0] = 0;
	strncat(buf, "exited (", size - 1);
	strncat(buf, code, size - strlen(buf) - 1);
	strncat(buf, row->oom_killed ? ", oom)" : ")", size - strlen(buf) - 1);
}

/* The command column is a JSON array of strings that berth wrote itself:
 * joined with spaces by a small scanner for the common escapes; anything
 * else goes through jansson. `berth list` does this for every row. */
static char *join_json_strings_fast(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	const char *p = s;
	if (*p++ != '[')
		goto slow;
	for (bool first = true;; first = false) {
		while (*p == ' ')
			p++;
		if (*p == ']' && first)
			break;
		if (*p != '"')
			goto slow;
		if (!first)
			*o++ = ' ';
		for (p++; *p != '"'; p++) {
			if (!*p)
				goto slow;
			if (*p != '\\') {
				*o++ = *p;
				continue;
			}
			p++;
			switch (*p) {
			case '"':
			case '\\':
			case '/':
				*o++ = *p;
				break;
			case 'n':
				*o++ = '\n';
				break;
			case 't':
				*o++ = '\t';
				break;
			default:
				goto slow; /* \u...: leave it to jansson */
			}
		}
		p++;
		while (*p == ' ')
			p++;
		if (*p == ']')
			break;
		if (*p++ != ',')
			goto slow;
	}
	*o = 0;
	return out;
slow:
	free(out);
	return NULL;
}

char *container_command_line(const ContainerRow *row)
{
	char *fast = join_json_strings_fast(row->command);
	if (fast)
		return fast;
	json_t *a = json_loads(row->command, 0, NULL);
	if (!a || !json_is_array(a)) {
		json_decref(a);
		return strdup(row->command);
	}
	_cleanup_strv_free_ char **l = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (json_is_string(e) && strv_push(&l, json_string_value(e)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	json_decref(a);
	return l ? strv_join(l, " ") : strdup("");
}

void print_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	/* Most strings (ids, names, times, paths) are printable ASCII with
	 * nothing to escape: written as they are, without jansson's
	 * allocations, which made `list --format json` of 10,000 containers
	 * take 80 ms. */
	const unsigned char *p = (const unsigned char *)s;
	while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
		p++;
	if (!*p) {
		fputc('"', f);
		fputs(s, f);
		fputc('"', f);
		return;
	}
	/* Invalid UTF-8 (a hostile file name) is escaped byte by byte. */
	json_t *j = json_string(s);
	if (!j) {
		fputc('"', f);
		for (p = (const unsigned char *)s; *p; p++)
			fprintf(f, "\\u%04x", *p);
		fputc('"', f);
		return;
	}
	char *d = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	fputs(d ? d : "null", f);
	free(d);
}
