/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth list, berth status */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "log.h"
#include "network.h"
#include "options.h"
#include "parse.h"
#include "printable.h"
#include "rootless.h"
#include "run-network.h"
#include "util.h"

typedef enum { FORMAT_TABLE, FORMAT_JSON } OutputFormat;

static int parse_format(const char *s, OutputFormat *ret)
{
	if (streq(s, "table") || streq(s, "text"))
		*ret = FORMAT_TABLE;
	else if (streq(s, "json"))
		*ret = FORMAT_JSON;
	else
		return log_error_errno(-EINVAL, "unknown --format `%s` (table or json)", s);
	return 0;
}

/* fputs() rather than fprintf(): list --format json prints 16 fields for
 * each of possibly 10,000 containers. */
static void json_key(FILE *f, const char *key, bool comma)
{
	fputs(comma ? ", \"" : "\"", f);
	fputs(key, f);
	fputs("\": ", f);
}

static void json_field_str(FILE *f, const char *key, const char *value, bool comma)
{
	json_key(f, key, comma);
	print_json_string(f, value);
}

static void json_field_int(FILE *f, const char *key, bool present, long long v)
{
	json_key(f, key, true);
	if (!present) {
		fputs("null", f);
		return;
	}
	char buf[24];
	if (v < 0)
		fputc('-', f);
	fputs(format_u64(buf, v < 0 ? -(unsigned long long)v : (unsigned long long)v), f);
}

/* A path (or a ':'-separated list) as the DB holds it, shown absolute:
 * against this root. */
static void json_field_path(FILE *f, const BerthPaths *paths, const char *key, const char *value,
			    bool list)
{
	_cleanup_free_ char *abs = !value ? NULL
				   : list ? path_list_from_state(paths, value)
					  : path_from_state(paths, value);
	json_field_str(f, key, abs ? abs : value, true);
}

/* The container's fields, as an object left open for more. */
static void print_row_json_open(FILE *f, const BerthPaths *paths, const ContainerRow *c)
{
	fputc('{', f);
	json_field_str(f, "id", c->id, false);
	json_field_str(f, "name", c->name, true);
	json_field_str(f, "image", c->image, true);
	json_field_str(f, "engine", c->engine, true);
	fprintf(f, ", \"command\": %s", c->command);
	json_field_str(f, "state", container_state_to_string(c->state), true);
	json_field_int(f, "pid", c->pid > 0, c->pid);
	json_field_str(f, "created_at", c->created_at, true);
	json_field_str(f, "started_at", c->started_at, true);
	json_field_str(f, "finished_at", c->finished_at, true);
	json_field_int(f, "exit_code", c->has_exit_code, c->exit_code);
	json_field_int(f, "exit_signal", c->exit_signal > 0, c->exit_signal);
	fprintf(f, ", \"oom_killed\": %s", c->oom_killed ? "true" : "false");
	json_field_str(f, "error", c->error, true);
	json_field_int(f, "supervisor_pid", c->supervisor_pid > 0, c->supervisor_pid);
	json_field_str(f, "cgroup", c->cgroup, true);
	json_field_path(f, paths, "rootfs", c->rootfs, true);
	json_field_path(f, paths, "bundle", c->bundle, false);
	fprintf(f, ", \"auto_remove\": %s", c->auto_remove ? "true" : "false");
	fprintf(f, ", \"log_dropped\": %lld", (long long)c->log_dropped);
}

static void list_help(void)
{
	printf("Usage: berth list [OPTIONS]\n"
	       "\n"
	       "List all containers, running and exited (alias: ls).\n"
	       "\n"
	       "Options:\n"
	       "  -q, --quiet            print only full container ids\n"
	       "      --format FORMAT    table (default) or json\n"
	       "  -h, --help             show this help\n");
}

/* Cuts s to at most width display columns (bytes; ids and most names are
 * ASCII), ending in "..." when cut. */
static void print_cell(const char *s, int width, bool last)
{
	static const char spaces[] =
		"                                                                ";
	int n = (int)strlen(s);
	if (n > width && width > 3) {
		fwrite(s, 1, (size_t)(width - 3), stdout);
		fputs("...", stdout);
	} else
		fwrite(s, 1, (size_t)n, stdout);
	if (!last) {
		int pad = width - (n > width ? width : n) + 2;
		fwrite(spaces, 1, (size_t)(pad < 64 ? pad : 64), stdout);
	}
}

typedef struct {
	OutputFormat format;
	const BerthPaths *paths;
	uint64_t now;
	size_t printed;
	bool engines;       /* an ENGINE column: some row was made through berth-runtime */
	sqlite3 *db;        /* networks: some container is on one (their columns, fields) */
	ContainerRow *live; /* refreshed rows of running containers, in list order */
	size_t n_live, next;
} ListWalk;

static int collect_id(const ContainerRow *row, void *userdata)
{
	return strv_push(userdata, row->id);
}

static int row_order(const ContainerRow *a, const ContainerRow *b)
{
	int c = strcmp(a->created_at, b->created_at);
	return c ? c : strcmp(a->id, b->id);
}

static int print_row(const ContainerRow *row, void *userdata)
{
	ListWalk *w = userdata;
	/* Both walks run in the same order: the refreshed copy of a running
	 * container, if there is one, is the next one not behind this row. */
	while (w->next < w->n_live && row_order(&w->live[w->next], row) < 0)
		w->next++;
	if (w->next < w->n_live && streq(w->live[w->next].id, row->id))
		row = &w->live[w->next++];

	if (w->format == FORMAT_JSON) {
		printf(w->printed ? ",\n " : "");
		print_row_json_open(stdout, w->paths, row);
		if (w->db)
			network_print_json(stdout, w->db, row->id);
		putchar('}');
	} else {
		char state[64], pidbuf[21], created[64] = "";
		const char *pid = row->pid > 0 ? format_u64(pidbuf, (uint64_t)row->pid) : "-";
		container_state_describe(row, state, sizeof(state));
		uint64_t t;
		if (parse_iso8601(row->created_at, &t) == 0)
			format_ago(t, w->now, created, sizeof(created));
		_cleanup_free_ char *cmd = container_command_line(row);
		/* An image's command is its author's text. */
		char shown[64];
		char shortid[13] = "";
		strncat(shortid, row->id, 12);
		print_cell(shortid, 12, false);
		print_cell(row->name, 20, false);
		print_cell(row->image, 16, false);
		if (w->engines)
			print_cell(row->engine ? row->engine : "berth", 14, false);
		print_cell(cmd ? printable_text(shown, sizeof(shown), cmd, strlen(cmd)) : "", 22,
			   false);
		print_cell(state, 18, false);
		print_cell(pid, 8, false);
		if (w->db) {
			char ips[128], ports[256];
			network_summary(w->db, row->id, ips, sizeof(ips), ports, sizeof(ports));
			print_cell(*ips ? ips : "-", 15, false);
			print_cell(*ports ? ports : "-", 28, false);
		}
		print_cell(created, 20, true);
		putchar('\n');
	}
	w->printed++;
	return 0;
}

int cmd_list(Cli *cli, int argc, char **argv)
{
	enum { ARG_FORMAT = 0x100 };
	static const struct option options[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, ARG_FORMAT },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool quiet = false;
	OutputFormat format = FORMAT_TABLE;
	int c, r;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":qah", options, "list")) > 0) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'a':
			break; /* all containers are always listed; accepted for habit */
		case ARG_FORMAT:
			if ((r = parse_format(optarg, &format)) < 0)
				return r;
			break;
		case 'h':
			list_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind < argc)
		return log_error_errno(-EINVAL, "unexpected argument `%s`", argv[optind]);

	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0)
		return r;

	/* First the containers that claim to run: a refresh may find one
	 * whose supervisor is gone and write that down, which it must not do
	 * in the middle of the walk below. */
	ListWalk w = { .format = format, .paths = &cli->paths, .now = now_usec() };
	_cleanup_strv_free_ char **live_ids = NULL;
	r = db_container_foreach(db, true, collect_id, &live_ids);
	if (r < 0)
		return cli_db_error(cli, r, "read the containers");
	size_t n_live = strv_length(live_ids);
	if (n_live > 0) {
		w.live = calloc(n_live, sizeof(ContainerRow));
		if (!w.live)
			return log_error_errno(-ENOMEM, "out of memory");
		for (size_t i = 0; i < n_live; i++) {
			if (db_container_get(db, live_ids[i], &w.live[w.n_live]) < 0)
				continue; /* removed meanwhile */
			(void)container_refresh(cli, &w.live[w.n_live]);
			w.n_live++;
		}
	}

	if (quiet) {
		/* Read from the (created_at, id) index alone. */
		container_rows_free(w.live, w.n_live);
		_cleanup_strv_free_ char **ids = NULL;
		r = db_container_list_ids(db, &ids);
		if (r < 0)
			return cli_db_error(cli, r, "read the containers");
		for (size_t i = 0; ids[i]; i++)
			puts(ids[i]);
		return fflush(stdout) == 0 ? 0 : log_error_errno(-errno, "write output: %m");
	}

	/* Then every row, printed as it is read: at 10,000 containers,
	 * copying them all first cost more than the query. */
	r = db_networks_in_use(db);
	if (r > 0)
		w.db = db;
	if (format == FORMAT_JSON)
		printf("[");
	else {
		r = db_container_has_engines(db);
		if (r < 0) {
			container_rows_free(w.live, w.n_live);
			return cli_db_error(cli, r, "read the containers");
		}
		w.engines = r > 0;
		printf("%-12s  %-20s  %-16s  ", "ID", "NAME", "IMAGE");
		if (w.engines)
			printf("%-14s  ", "ENGINE");
		printf("%-22s  %-18s  %-8s  ", "COMMAND", "STATE", "PID");
		if (w.db)
			printf("%-15s  %-28s  ", "ADDRESS", "PORTS");
		printf("%s\n", "CREATED");
	}
	r = db_container_foreach(db, false, print_row, &w);
	if (format == FORMAT_JSON)
		printf("]\n");
	container_rows_free(w.live, w.n_live);
	if (r < 0)
		return cli_db_error(cli, r, "read the containers");
	return fflush(stdout) == 0 ? 0 : log_error_errno(-errno, "write output: %m");
}

/* The container's processes, from its cgroup: host pid and command. */
static void print_processes(const char *cgroup)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (cgroup_read_procs(cgroup, &pids, &n) < 0)
		return;
	printf("Processes:   %zu\n", n);
	for (size_t i = 0; i < n && i < 50; i++) {
		char path[64];
		_cleanup_free_ char *cmd = NULL;
		snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pids[i]);
		size_t len = 0;
		if (read_full_file(path, &cmd, &len) == 0) {
			for (size_t k = 0; k + 1 < len; k++)
				if (cmd[k] == 0)
					cmd[k] = ' ';
		}
		/* The container writes its command lines: shown as printable
		 * text, as ps(1) does, so escape sequences stay in it. */
		char shown[80];
		printf("  %8d  %s\n", (int)pids[i],
		       cmd ? printable_text(shown, sizeof(shown), cmd, len) : "?");
	}
	if (n > 50)
		printf("  ... and %zu more\n", n - 50);
}

static void status_help(void)
{
	printf("Usage: berth status [OPTIONS] CONTAINER\n"
	       "\n"
	       "Show everything known about a container (by name or id prefix).\n"
	       "\n"
	       "Options:\n"
	       "      --format FORMAT    text (default) or json\n"
	       "  -h, --help             show this help\n");
}

int cmd_status(Cli *cli, int argc, char **argv)
{
	enum { ARG_FORMAT = 0x100 };
	static const struct option options[] = {
		{ "format", required_argument, NULL, ARG_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	OutputFormat format = FORMAT_TABLE;
	int c, r;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, "status")) > 0) {
		switch (c) {
		case ARG_FORMAT:
			if ((r = parse_format(optarg, &format)) < 0)
				return r;
			break;
		case 'h':
			status_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth status --help`)");
	if (optind + 1 < argc)
		return log_error_errno(-EINVAL, "status takes one container, not also `%s`",
				       argv[optind + 1]);

	ContainerRow row;
	r = cli_lookup_container(cli, argv[optind], &row);
	if (r < 0)
		return r;

	/* Limits come from the container's config.json, usage from its cgroup
	 * while it runs. */
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	_cleanup_free_ char *config = path_container_file(&cli->paths, row.id, "config.json");
	if (config)
		(void)spec_read_file(config, &spec, NULL);
	CgroupStats stats;
	bool live = (row.state == STATE_RUNNING || row.state == STATE_PAUSED) && row.cgroup &&
		    cgroup_read_stats(row.cgroup, &stats) == 0;
	/* While it runs, what its log dropped is its supervisor's to tell. */
	if (row.state == STATE_RUNNING || row.state == STATE_PAUSED) {
		CtlRequest req = { .type = CTL_STATUS };
		CtlReply reply;
		_cleanup_close_ int fd = -EBADF;
		if (ctl_send(cli, row.id, &req, &fd) >= 0 && ctl_receive(fd, &reply) >= 0 &&
		    reply.error == 0)
			row.log_dropped += (int64_t)reply.log_dropped;
	}
	bool unrecorded = container_ended_unrecorded(&row);

	if (format == FORMAT_JSON) {
		print_row_json_open(stdout, &cli->paths, &row);
		sqlite3 *db;
		if (cli_db(cli, &db) >= 0)
			network_print_json(stdout, db, row.id);
		if (spec)
			limits_print_json(stdout, spec, live ? &stats : NULL);
		printf("}\n");
	} else {
		char state[64];
		container_state_describe(&row, state, sizeof(state));
		_cleanup_free_ char *cmd = container_command_line(&row);
		/* An image's command is its author's text: printable, whole. */
		const char *command = cmd ? cmd : row.command;
		size_t size = 4 * strlen(command) + 4;
		_cleanup_free_ char *command_shown = malloc(size);
		printf("ID:          %s\n", row.id);
		printf("Name:        %s\n", row.name);
		printf("Image:       %s\n", row.image);
		if (row.engine)
			printf("Engine:      %s (through berth-runtime)\n", row.engine);
		if (command_shown)
			printable_text(command_shown, size, command, strlen(command));
		printf("Command:     %s\n", command_shown ? command_shown : "?");
		printf("State:       %s%s\n", state,
		       unrecorded
			       ? " (its process has ended; its supervisor has not recorded the end "
				 "yet: see its supervisor.log)"
			       : "");
		if (row.pid > 0)
			printf("PID:         %lld\n", (long long)row.pid);
		if (row.supervisor_pid > 0)
			printf("Supervisor:  %lld\n", (long long)row.supervisor_pid);
		uint64_t started;
		if ((row.state == STATE_RUNNING || row.state == STATE_PAUSED) && row.started_at &&
		    parse_iso8601(row.started_at, &started) == 0) {
			char up[64];
			format_ago(started, now_usec(), up, sizeof(up));
			/* "3 minutes ago" reads as an uptime of "3 minutes". */
			char *ago = strstr(up, " ago");
			if (ago)
				*ago = 0;
			printf("Uptime:      %s\n", up);
		}
		printf("Created:     %s\n", row.created_at);
		if (row.started_at)
			printf("Started:     %s\n", row.started_at);
		if (row.finished_at)
			printf("Finished:    %s\n", row.finished_at);
		if (row.state == STATE_EXITED) {
			if (row.has_exit_code)
				printf("Exit code:   %lld\n", (long long)row.exit_code);
			else
				printf("Exit code:   unknown\n");
			if (row.exit_signal > 0) {
				const char *sn = signal_name((int)row.exit_signal);
				printf("Signal:      %lld%s%s\n", (long long)row.exit_signal,
				       sn ? " SIG" : "", sn ? sn : "");
			}
			printf("OOM killed:  %s\n", row.oom_killed ? "yes" : "no");
		}
		if (row.error) {
			/* It may name the image's command, or come from the
			 * container's side of the error pipe. */
			char shown[2 * SYNC_MSG_MAX];
			printf("Error:       %s\n",
			       printable_text(shown, sizeof(shown), row.error, strlen(row.error)));
		}
		if (row.cgroup)
			printf("Cgroup:      %s\n", row.cgroup);
		if ((row.state == STATE_RUNNING || row.state == STATE_PAUSED) && row.cgroup)
			print_processes(row.cgroup);
		_cleanup_free_ char *rootfs = path_list_from_state(&cli->paths, row.rootfs);
		_cleanup_free_ char *bundle = path_from_state(&cli->paths, row.bundle);
		printf("Rootfs:      %s\n", rootfs ? rootfs : row.rootfs);
		/* Who mounts its overlay: a rootless container's may be
		 * fuse-overlayfs (docs/rootless.md). */
		if (spec && spec_get_annotation(spec, ANNOTATION_LOWERDIR)) {
			const char *d = spec_get_annotation(spec, ANNOTATION_OVERLAY_DRIVER);
			printf("Overlay:     %s\n", d && streq(d, "fuse-overlayfs")
							    ? "fuse-overlayfs"
						    : rootless() ? "kernel OverlayFS (userxattr)"
								 : "kernel OverlayFS");
		}
		if (spec && spec_get_annotation(spec, ANNOTATION_PASTA))
			printf("Network:     the host's, through pasta\n");
		printf("Bundle:      %s\n", bundle ? bundle : row.bundle);
		sqlite3 *db;
		if (cli_db(cli, &db) >= 0)
			network_print_text(db, row.id);
		if (spec)
			limits_print_text(spec, live ? &stats : NULL);
		printf("Auto-remove: %s\n", row.auto_remove ? "yes" : "no");
		if (row.log_dropped > 0) {
			char b[32];
			format_bytes((uint64_t)row.log_dropped, b, sizeof(b));
			printf("Log dropped: %s of output the log could not take (a full disk; see "
			       "supervisor.log)\n",
			       b);
		}
	}
	container_row_done(&row);
	return fflush(stdout) == 0 ? 0 : log_error_errno(-errno, "write output: %m");
}

static void inspect_help(void)
{
	printf("Usage: berth inspect [OPTIONS] CONTAINER...\n"
	       "\n"
	       "Print, as a JSON array, each container's state (as `status --format json`)\n"
	       "and its OCI runtime spec (config.json), the document its supervisor runs.\n"
	       "\n"
	       "Options:\n"
	       "  -h, --help             show this help\n");
}

int cmd_inspect(Cli *cli, int argc, char **argv)
{
	int r = cli_parse_help_only(argc, argv, "inspect", inspect_help);
	if (r <= 0)
		return r;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth inspect --help`)");
	int ret = 0;
	bool first = true;
	printf("[");
	for (int i = optind; i < argc; i++) {
		ContainerRow row;
		r = cli_lookup_container(cli, argv[i], &row);
		if (r < 0) {
			ret = r;
			continue;
		}
		_cleanup_free_ char *config =
			path_container_file(&cli->paths, row.id, "config.json");
		_cleanup_free_ char *data = NULL;
		_cleanup_(spec_freep) ContainerSpec *spec = NULL;
		if (config && read_full_file(config, &data, NULL) >= 0)
			(void)spec_from_json(data, &spec, NULL);
		CgroupStats stats;
		bool live = (row.state == STATE_RUNNING || row.state == STATE_PAUSED) &&
			    row.cgroup && cgroup_read_stats(row.cgroup, &stats) == 0;
		printf("%s\n{\"state\": ", first ? "" : ",");
		first = false;
		print_row_json_open(stdout, &cli->paths, &row);
		sqlite3 *db;
		if (cli_db(cli, &db) >= 0)
			network_print_json(stdout, db, row.id);
		if (spec)
			limits_print_json(stdout, spec, live ? &stats : NULL);
		printf("}, \"config\": %s}", data && spec ? data : "null");
		container_row_done(&row);
	}
	printf("]\n");
	return ret;
}
