/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth update: change the limits of a container. A running container's
 * cgroup gets them at once; its config.json keeps them for later starts. */

#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-limits.h"
#include "cgroup.h"
#include "cli.h"
#include "log.h"
#include "options.h"
#include "resources.h"
#include "util.h"

static void update_help(void)
{
	printf("Usage: berth update [OPTIONS] CONTAINER\n"
	       "\n"
	       "Change the resource limits of a container, running or not.\n"
	       "\n"
	       "Options:\n" RESOURCE_HELP "  -h, --help               show this help\n");
}

/* SCHED_RR for every thread already running (new ones inherit it). */
static int set_rr_all(const char *cgroup, int priority)
{
	_cleanup_free_ char *path = NULL, *data = NULL;
	if (asprintf(&path, "%s/cgroup.threads", cgroup) < 0)
		return -ENOMEM;
	int r = read_full_file(path, &data, NULL);
	if (r < 0)
		return r;
	struct sched_param sp = { .sched_priority = priority };
	for (char *t = strtok(data, "\n"); t; t = strtok(NULL, "\n"))
		if (sched_setscheduler(atoi(t), SCHED_RR, &sp) < 0 && errno != ESRCH)
			return -errno;
	return 0;
}

int cmd_update(Cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		RESOURCE_LONG_OPTIONS,
		{},
	};
	_cleanup_(resource_options_done) ResourceOptions o = { 0 };
	int c, r;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":h" RESOURCE_SHORT_OPTIONS, options, "update")) > 0) {
		switch (c) {
		case 'h':
			update_help();
			return 0;
		default:
			r = resource_option(c, optarg, optind < argc ? argv[optind] : NULL, &o);
			if (r < 0)
				return r;
			if (r == 0) /* in the table, but handled nowhere: a bug */
				return log_error_errno(-EINVAL, "option %d is not handled", c);
		}
	}
	if (c < 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing CONTAINER (see `berth update --help`)");
	if (optind + 1 < argc)
		return log_error_errno(-EINVAL, "update takes one container, not also `%s`",
				       argv[optind + 1]);
	if (!resource_options_any(&o))
		return log_error_errno(
			-EINVAL, "nothing to update: give a limit (see `berth update --help`)");

	ContainerRow row;
	r = cli_lookup_container(cli, argv[optind], &row);
	if (r < 0)
		return r;
	_cleanup_free_ char *config = path_container_file(&cli->paths, row.id, "config.json");
	_cleanup_free_ char *error = NULL;
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	r = config ? spec_read_file(config, &spec, &error) : -ENOMEM;
	if (r < 0) {
		r = log_error_errno(r, "%s", error ? error : "read the container's config.json");
		goto out;
	}
	/* The new values go over the old ones; what is not given stays. */
	r = resource_options_apply(&o, cli->paths.state_dir, spec);
	if (r < 0)
		goto out;
	r = resource_options_check(&spec->resources);
	if (r < 0)
		goto out;

	if ((row.state == STATE_RUNNING || row.state == STATE_PAUSED) && !row.cgroup) {
		r = log_error_errno(-EOPNOTSUPP,
				    "container %s has no cgroup of its own, where limits go: a "
				    "rootless container gets one only in a delegated cgroup v2 "
				    "subtree (docs/rootless.md)",
				    row.name);
		goto out;
	}
	if ((row.state == STATE_RUNNING || row.state == STATE_PAUSED) && row.cgroup) {
		log_debug("apply the limits to the cgroup %s", row.cgroup);
		unsigned needed = cgroup_controllers_needed(&spec->resources);
		r = cgroup_controllers_enable(row.cgroup, needed);
		const char *what = NULL;
		if (r >= 0)
			r = cgroup_apply_resources(row.cgroup, &spec->resources, &what);
		if (r >= 0 && o.pin)
			r = set_rr_all(row.cgroup, spec->sched_priority);
		if (r < 0) {
			r = log_error_errno(r, "update %s of container %s: %m",
					    what ? what : "the limits", row.name);
			goto out;
		}
	}
	log_debug("write the limits to %s for later starts", config);
	r = spec_write_file(spec, config);
	if (r < 0) {
		r = log_error_errno(r, "write `%s`: %m", config);
		goto out;
	}
	printf("%s\n", row.name);
out:
	container_row_done(&row);
	return r;
}
