/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth stop, start, freeze, thaw */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "cgroup.h"
#include "cli.h"
#include "log.h"
#include "parse.h"
#include "util.h"

#define DEFAULT_STOP_TIMEOUT_S 10
#define FREEZE_TIMEOUT_MS 10000

/* ---- stop ---- */

static int stop_one(Cli *cli, const char *key, uint64_t timeout_ms)
{
	ContainerRow row;
	int r = cli_lookup_container(cli, key, &row);
	if (r < 0)
		return r;
	if (row.state != STATE_RUNNING && row.state != STATE_PAUSED) {
		/* Not an error: the container is where the user wants it. */
		fprintf(stderr, "berth: container %s is not running\n", row.name);
		printf("%s\n", row.name);
		container_row_done(&row);
		return 0;
	}

	_cleanup_close_ int sup = -EBADF;
	r = pidfd_open_checked((pid_t)row.supervisor_pid, (uint64_t)row.supervisor_start_time, &sup);
	if (r < 0) {
		r = container_refresh(cli, &row);
		goto done;
	}

	CtlRequest req = { .type = CTL_STOP, .timeout_ms = (uint32_t)timeout_ms };
	CtlReply reply;
	r = ctl_request(cli, row.id, &req, &reply);
	if (r < 0 || reply.error < 0) {
		/* The supervisor does not answer: stop the container without it.
		 * Its supervisor still sees the exit and records it. */
		log_debug("control socket of %s: %s; killing its cgroup", row.name,
			  strerror(-(r < 0 ? r : reply.error)));
		if (row.cgroup) {
			(void)cgroup_kill(row.cgroup);
			if (row.state == STATE_PAUSED)
				(void)cgroup_freeze(row.cgroup, false, 1000);
		}
	}
	/* Returns when the container is gone: the supervisor exits only after
	 * it recorded the end in the DB and removed the cgroup. */
	r = pidfd_wait_exit(sup, (int)(timeout_ms + 15000));
	if (r == -ETIMEDOUT) {
		log_warning("the supervisor of %s does not finish; killing it", row.name);
		(void)syscall(SYS_pidfd_send_signal, sup, SIGKILL, NULL, 0);
		(void)pidfd_wait_exit(sup, 2000);
		r = container_refresh(cli, &row);
	}
done:
	if (r >= 0)
		printf("%s\n", row.name);
	container_row_done(&row);
	return r;
}

/* Runs fn on each CONTAINER argument, or on every container with --all;
 * goes on after a failure and returns the first error. */
static int for_each(Cli *cli, int argc, char **argv, bool all,
		    int (*fn)(Cli *, const char *, uint64_t), uint64_t arg)
{
	int ret = 0;
	if (all) {
		sqlite3 *db;
		int r = cli_db(cli, &db);
		if (r < 0)
			return r;
		_cleanup_strv_free_ char **ids = NULL;
		r = db_container_list_ids(db, &ids);
		if (r < 0)
			return log_error_errno(r, "read the state DB: %m");
		for (size_t i = 0; ids[i]; i++) {
			r = fn(cli, ids[i], arg);
			if (r < 0 && r != -ENOENT && ret == 0)
				ret = r;
		}
		return ret;
	}
	for (int i = 0; i < argc; i++) {
		int r = fn(cli, argv[i], arg);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

static int stop_running_only(Cli *cli, const char *id, uint64_t timeout_ms)
{
	ContainerRow row;
	if (db_container_get(cli->db, id, &row) < 0)
		return 0;
	bool live = row.state == STATE_RUNNING || row.state == STATE_PAUSED;
	container_row_done(&row);
	return live ? stop_one(cli, id, timeout_ms) : 0;
}

int cmd_stop(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "time", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t timeout_s = DEFAULT_STOP_TIMEOUT_S;
	bool all = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":t:ah", options, NULL)) >= 0) {
		switch (c) {
		case 't':
			if (parse_uint64(optarg, &timeout_s) < 0 || timeout_s > 24 * 3600)
				return log_error_errno(-EINVAL, "invalid timeout `%s`: seconds from 0 "
								"to 86400",
						       optarg);
			break;
		case 'a':
			all = true;
			break;
		case 'h':
			printf("Usage: berth stop [OPTIONS] CONTAINER...\n"
			       "\n"
			       "Stop containers: send the stop signal (SIGTERM, or --stop-signal given at\n"
			       "run), wait, then kill every process left in the container's cgroup.\n"
			       "Returns when the containers are gone.\n"
			       "\n"
			       "Options:\n"
			       "  -t, --time SECONDS     grace period before the kill (default %d)\n"
			       "  -a, --all              stop every running container\n"
			       "  -h, --help             show this help\n",
			       DEFAULT_STOP_TIMEOUT_S);
			return 0;
		case ':':
			return log_error_errno(-EINVAL, "option `%s` needs a value", argv[optind - 1]);
		default:
			return log_error_errno(-EINVAL, "unknown option `%s` (see `berth stop --help`)",
					       argv[optind - 1]);
		}
	}
	if (!all && optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth stop --help`)");
	if (all && optind < argc)
		return log_error_errno(-EINVAL, "--all takes no CONTAINER");
	if (all) {
		sqlite3 *db;
		int r = cli_db(cli, &db);
		if (r < 0)
			return r;
	}
	return for_each(cli, argc - optind, argv + optind, all,
			all ? stop_running_only : stop_one, timeout_s * 1000);
}

/* ---- start ---- */

static int start_one(Cli *cli, const char *key, bool attach, int *ret_exit)
{
	ContainerRow row;
	int r = cli_lookup_container(cli, key, &row);
	if (r < 0)
		return r;
	if (row.state == STATE_RUNNING || row.state == STATE_PAUSED) {
		fprintf(stderr, "berth: container %s is already %s\n", row.name,
			container_state_to_string(row.state));
		container_row_done(&row);
		return attach ? log_error_errno(-EBUSY, "cannot attach to a running container") : 0;
	}
	if (row.state == STATE_REMOVING) {
		r = log_error_errno(-EBUSY, "container %s is being removed", row.name);
		container_row_done(&row);
		return r;
	}
	if (attach)
		cli_block_forwarded_signals();
	LaunchParams lp = { .id = row.id, .foreground = attach, .auto_remove = row.auto_remove };
	_cleanup_close_ int sync_fd = -EBADF, tty = -EBADF;
	int exit_code;
	r = launch_supervisor(cli, &lp, &sync_fd, &tty, &exit_code);
	if (r < 0) {
		*ret_exit = exit_code;
		container_row_done(&row);
		return r;
	}
	if (attach) {
		fflush(stdout);
		r = tty >= 0 ? attach_tty(sync_fd, TAKE_FD(tty)) : attach_wait(sync_fd);
		if (r >= 0) {
			*ret_exit = r;
			r = 0;
		}
	} else
		printf("%s\n", row.name);
	container_row_done(&row);
	return r;
}

int cmd_start(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool attach = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":ah", options, NULL)) >= 0) {
		switch (c) {
		case 'a':
			attach = true;
			break;
		case 'h':
			printf("Usage: berth start [OPTIONS] CONTAINER...\n"
			       "\n"
			       "Start stopped containers again, under a new supervisor, on the same\n"
			       "writable layer: files written before the stop are still there.\n"
			       "\n"
			       "Options:\n"
			       "  -a, --attach           run in the foreground like `berth run` (one container)\n"
			       "  -h, --help             show this help\n");
			return 0;
		default:
			return log_error_errno(-EINVAL, "unknown option `%s` (see `berth start --help`)",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth start --help`)");
	if (attach && argc - optind > 1)
		return log_error_errno(-EINVAL, "--attach takes one container");
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		int exit_code = 0;
		int r = start_one(cli, argv[i], attach, &exit_code);
		if (attach)
			return r < 0 ? (exit_code > 0 && exit_code != EXIT_BERTH_ERROR ? exit_code : r)
				     : exit_code;
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* ---- freeze, thaw ---- */

static int freeze_one(Cli *cli, const char *key, bool freeze)
{
	ContainerRow row;
	int r = cli_lookup_container(cli, key, &row);
	if (r < 0)
		return r;
	ContainerState want = freeze ? STATE_RUNNING : STATE_PAUSED;
	if (row.state != want) {
		r = log_error_errno(-EBUSY, "container %s is %s, not %s", row.name,
				    container_state_to_string(row.state),
				    container_state_to_string(want));
		goto out;
	}
	/* cgroup.freeze, then wait until cgroup.events says frozen 1 (or 0):
	 * only then is every process really stopped (or running again). */
	r = cgroup_freeze(row.cgroup, freeze, FREEZE_TIMEOUT_MS);
	if (r < 0) {
		r = log_error_errno(r, "%s container %s: %m", freeze ? "freeze" : "thaw", row.name);
		goto out;
	}
	ContainerState from[] = { want, _STATE_INVALID };
	r = db_container_set_state(cli->db, row.id, freeze ? STATE_PAUSED : STATE_RUNNING, from);
	if (r == -ESTALE || r == -ENOENT) {
		r = log_error_errno(r, "container %s ended meanwhile", row.name);
		goto out;
	}
	if (r < 0) {
		r = log_error_errno(r, "record container %s as %s: %m", row.name,
				    freeze ? "paused" : "running");
		goto out;
	}
	printf("%s\n", row.name);
out:
	container_row_done(&row);
	return r;
}

static int freeze_cmd(Cli *cli, int argc, char **argv, bool freeze)
{
	if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
		printf("Usage: berth %s CONTAINER...\n\n%s\n", freeze ? "freeze" : "thaw",
		       freeze ? "Suspend every process of running containers (cgroup.freeze); their\n"
				"state is kept in memory and `berth thaw` resumes them."
			      : "Resume frozen containers exactly where they were.");
		return 0;
	}
	if (argc < 2)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth %s --help`)",
				       freeze ? "freeze" : "thaw");
	int ret = 0;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return log_error_errno(-EINVAL, "unknown option `%s`", argv[i]);
	}
	for (int i = 1; i < argc; i++) {
		int r = freeze_one(cli, argv[i], freeze);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int cmd_freeze(Cli *cli, int argc, char **argv)
{
	return freeze_cmd(cli, argc, argv, true);
}

int cmd_thaw(Cli *cli, int argc, char **argv)
{
	return freeze_cmd(cli, argc, argv, false);
}
