/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth run: turn flags and an image into a config.json and a DB row, then
 * hand the container to a new supervisor. */

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "images.h"
#include "log.h"
#include "oci.h"
#include "parse.h"
#include "util.h"

/* mount(2) takes one page of options. */
#define OVERLAY_OPTIONS_MAX 4096

typedef struct {
	const char *name;
	bool detach;
	bool auto_remove;
	char **env;
	const char *hostname;
	const char *workdir;
	const char *image;
	char **command;
} RunOptions;

static void run_help(void)
{
	printf("Usage: berth run [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
	       "\n"
	       "Run COMMAND in a new container made from IMAGE: an image name (the default\n"
	       "image `busybox` is made on first use) or a path to a rootfs folder.\n"
	       "COMMAND may be left out when the image names a default (an OCI image's\n"
	       "Entrypoint and Cmd); the image's Env, WorkingDir and User apply too.\n"
	       "\n"
	       "Options:\n"
	       "      --name NAME          name the container (default: a generated one)\n"
	       "  -d, --detach             run in the background and print the container id\n"
	       "      --rm                 remove the container when it exits\n"
	       "  -e, --env KEY=VALUE      set an environment variable (repeatable)\n"
	       "      --hostname NAME      the container's hostname (default: its short id)\n"
	       "      --workdir DIR        working directory inside the container\n"
	       "  -h, --help               show this help\n"
	       "\n"
	       "Exit status: the container's, 128+N if signal N killed it, 125 if berth\n"
	       "failed, 126 if COMMAND could not be executed, 127 if it was not found.\n");
}

static int parse_run_argv(int argc, char **argv, RunOptions *o)
{
	enum { ARG_NAME = 0x100, ARG_RM, ARG_HOSTNAME, ARG_WORKDIR };
	static const struct option options[] = {
		{ "name", required_argument, NULL, ARG_NAME },
		{ "detach", no_argument, NULL, 'd' },
		{ "rm", no_argument, NULL, ARG_RM },
		{ "env", required_argument, NULL, 'e' },
		{ "hostname", required_argument, NULL, ARG_HOSTNAME },
		{ "workdir", required_argument, NULL, ARG_WORKDIR },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;
	optind = 0;
	/* "+": options end at IMAGE; what follows belongs to the command. */
	while ((c = getopt_long(argc, argv, "+:de:h", options, NULL)) >= 0) {
		switch (c) {
		case ARG_NAME:
			if (!name_is_valid(optarg))
				return log_error_errno(-EINVAL,
						       "invalid container name `%s`: use letters, "
						       "digits and _.- (at most %d), starting with a "
						       "letter or digit",
						       optarg, NAME_MAX_LEN);
			o->name = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case ARG_RM:
			o->auto_remove = true;
			break;
		case 'e':
			if (!env_assignment_is_valid(optarg))
				return log_error_errno(-EINVAL, "invalid environment variable `%s`: "
								"expected KEY=VALUE",
						       optarg);
			if (strv_push(&o->env, optarg) < 0)
				return log_error_errno(-ENOMEM, "out of memory");
			break;
		case ARG_HOSTNAME:
			if (!hostname_is_valid(optarg))
				return log_error_errno(-EINVAL, "invalid hostname `%s`", optarg);
			o->hostname = optarg;
			break;
		case ARG_WORKDIR:
			if (optarg[0] != '/')
				return log_error_errno(-EINVAL,
						       "--workdir `%s` must be an absolute path", optarg);
			o->workdir = optarg;
			break;
		case 'h':
			run_help();
			return 0;
		case ':':
			return log_error_errno(-EINVAL, "option `%s` needs a value", argv[optind - 1]);
		default:
			return log_error_errno(-EINVAL, "unknown option `%s` (see `berth run --help`)",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing IMAGE (see `berth run --help`)");
	o->image = argv[optind++];
	/* No COMMAND: the image's default, if it has one (checked once the
	 * image is resolved). */
	o->command = optind < argc ? argv + optind : NULL;
	return 1;
}

/* Docker's rule: the image's Entrypoint, then the user's COMMAND or else
 * the image's Cmd. */
static int command_line(const RunOptions *o, const ImageDefaults *d, char ***ret)
{
	_cleanup_strv_free_ char **args = strv_copy(d->entrypoint);
	char *const *tail = o->command ? o->command : d->cmd;
	if (!args)
		return log_error_errno(-ENOMEM, "out of memory");
	for (size_t i = 0; tail && tail[i]; i++)
		if (strv_push(&args, tail[i]) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	if (strv_length(args) == 0)
		return log_error_errno(-EINVAL, "missing COMMAND to run in `%s`", o->image);
	*ret = TAKE_PTR(args);
	return 0;
}

static int apply_image_user(ContainerSpec *s, const ResolvedImage *img, const char *user,
			    bool *ret_home)
{
	_cleanup_(image_user_done) ImageUser u = { 0 };
	int r = image_user_resolve(img->layers, user, &u);
	if (r < 0)
		return r;
	s->uid = u.uid;
	s->gid = u.gid;
	free(s->additional_gids);
	s->additional_gids = TAKE_PTR(u.groups);
	s->n_additional_gids = u.n_groups;
	*ret_home = false;
	if (u.home) {
		_cleanup_free_ char *home = NULL;
		if (asprintf(&home, "HOME=%s", u.home) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
		if ((r = spec_env_set(s, home)) < 0)
			return log_error_errno(r, "out of memory");
		*ret_home = true;
	}
	return 0;
}

/* What the container itself adds: hostname, -e, the working directory,
 * the root and the overlay of the image's layers. */
static int build_spec_container(const RunOptions *o, const ResolvedImage *img, const ImageDefaults *d,
			   const char *id, const char *bundle, const char *name, ContainerSpec *s)
{
	int r;
	char host[CONTAINER_SHORT_ID_LEN + 1];
	memcpy(host, id, CONTAINER_SHORT_ID_LEN);
	host[CONTAINER_SHORT_ID_LEN] = 0;
	s->hostname = strdup(o->hostname ? o->hostname : host);
	if (!s->hostname)
		return -ENOMEM;
	_cleanup_free_ char *hostenv = NULL;
	if (asprintf(&hostenv, "HOSTNAME=%s", s->hostname) < 0)
		return -ENOMEM;
	if ((r = spec_env_set(s, hostenv)) < 0)
		return r;
	for (size_t i = 0; o->env && o->env[i]; i++)
		if ((r = spec_env_set(s, o->env[i])) < 0)
			return r;
	if (o->workdir || d->workdir) {
		free(s->cwd);
		/* A relative WorkingDir is relative to the root, as in Docker. */
		const char *w = o->workdir ? o->workdir : d->workdir;
		if (asprintf(&s->cwd, "%s%s", w[0] == '/' ? "" : "/", w) < 0)
			return -ENOMEM;
	}
	free(s->root_path);
	if (asprintf(&s->root_path, "%s/rootfs", bundle) < 0)
		return -ENOMEM;
	if (asprintf(&s->cgroups_path, "/%s/%s", CGROUP_BERTH_PARENT, id) < 0)
		return -ENOMEM;

	_cleanup_free_ char *lower = strv_join(img->layers, ":");
	_cleanup_free_ char *upper = NULL, *work = NULL;
	if (!lower || asprintf(&upper, "%s/upper", bundle) < 0 ||
	    asprintf(&work, "%s/work", bundle) < 0)
		return -ENOMEM;
	if ((r = spec_set_annotation(s, ANNOTATION_NAME, name)) < 0 ||
	    (r = spec_set_annotation(s, ANNOTATION_IMAGE, img->name)) < 0 ||
	    (r = spec_set_annotation(s, ANNOTATION_LOWERDIR, lower)) < 0 ||
	    (r = spec_set_annotation(s, ANNOTATION_UPPERDIR, upper)) < 0 ||
	    (r = spec_set_annotation(s, ANNOTATION_WORKDIR, work)) < 0)
		return r;
	return 0;
}

static int build_spec(const RunOptions *o, const ResolvedImage *img, const ImageDefaults *d,
		      const char *id, const char *bundle, const char *name, ContainerSpec **ret)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	int r = spec_new_default(&s);
	if (r < 0)
		return log_error_errno(r, "out of memory");
	r = command_line(o, d, &s->args);
	if (r < 0)
		return r;
	bool home = false;
	if (d->user && (r = apply_image_user(s, img, d->user, &home)) < 0)
		return r;
	if (!home && (r = spec_env_set(s, "HOME=/root")) < 0)
		return log_error_errno(r, "out of memory");
	/* The image's Env comes before -e, which wins. */
	for (size_t i = 0; d->env && d->env[i]; i++)
		if ((r = spec_env_set(s, d->env[i])) < 0)
			return log_error_errno(r, "out of memory");
	r = build_spec_container(o, img, d, id, bundle, name, s);
	if (r < 0)
		return log_error_errno(r, "build the container's configuration: %m");
	*ret = TAKE_PTR(s);
	return 0;
}

static int make_bundle(const char *bundle)
{
	static const char *const subdirs[] = { "upper", "work", "rootfs" };
	if (mkdir(bundle, 0700) < 0)
		return -errno;
	for (size_t i = 0; i < ELEMENTSOF(subdirs); i++) {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", bundle, subdirs[i]) < 0)
			return -ENOMEM;
		if (mkdir(p, 0755) < 0)
			return -errno;
	}
	return 0;
}

/* Creates the container: bundle folder, config.json, DB row. On any error
 * nothing of it is left. */
static int create_container(Cli *cli, const RunOptions *o, char ret_id[static 65])
{
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;

	_cleanup_(resolved_image_done) ResolvedImage img = { 0 };
	r = image_resolve(cli, o->image, &img);
	if (r < 0)
		return r;

	char id[65], genname[NAME_MAX_LEN + 1];
	if ((r = random_hex(id, CONTAINER_ID_LEN)) < 0)
		return log_error_errno(r, "random: %m");
	const char *name = o->name;
	if (!name) {
		if ((r = generate_name(genname, sizeof(genname))) < 0)
			return log_error_errno(r, "random: %m");
		name = genname;
	}

	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, id);
	_cleanup_free_ char *config = path_container_file(&cli->paths, id, "config.json");
	if (!bundle || !config)
		return log_error_errno(-ENOMEM, "out of memory");
	_cleanup_(image_defaults_done) ImageDefaults defaults = { 0 };
	r = image_defaults_parse(img.config, &defaults);
	if (r < 0)
		return log_error_errno(r, "image `%s` has a damaged config in the DB (see `berth "
					  "image inspect %s`)",
				       img.name, img.name);
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	r = build_spec(o, &img, &defaults, id, bundle, name, &spec);
	if (r < 0)
		return r;

	json_t *cmd = json_array();
	for (size_t i = 0; cmd && spec->args[i]; i++)
		json_array_append_new(cmd, json_string(spec->args[i]));
	_cleanup_free_ char *cmd_json = cmd ? json_dumps(cmd, JSON_COMPACT) : NULL;
	json_decref(cmd);
	if (!cmd_json)
		return log_error_errno(-EINVAL, "the command is not valid UTF-8");
	_cleanup_free_ char *rootfs = strv_join(img.layers, ":");
	if (!rootfs)
		return log_error_errno(-ENOMEM, "out of memory");
	/* The supervisor mounts the overlay with mount(2), whose options fit
	 * in one page: say so now rather than fail obscurely at start. */
	if (strlen(rootfs) + 2 * strlen(bundle) + sizeof("lowerdir=,upperdir=/upper,workdir=/work") >=
	    OVERLAY_OPTIONS_MAX)
		return log_error_errno(-E2BIG, "image `%s` has %zu layers: too many for one overlay "
					       "mount under `%s`",
				       img.name, strv_length(img.layers), cli->paths.state_dir);

	r = make_bundle(bundle);
	if (r >= 0)
		r = spec_write_file(spec, config);
	if (r < 0) {
		log_error_errno(r, "create `%s`: %m", bundle);
		(void)rm_rf(bundle);
		return r;
	}

	char created[32];
	format_iso8601(now_usec(), created);
	ContainerRow row = {
		.id = id,
		.name = (char *)name,
		.image = img.name,
		.command = cmd_json,
		.state = STATE_CREATED,
		.created_at = created,
		.rootfs = rootfs,
		.bundle = bundle,
		.auto_remove = o->auto_remove,
	};
	r = db_container_insert(db, &row);
	if (r < 0) {
		(void)rm_rf(bundle);
		if (r == -EEXIST)
			return log_error_errno(r, "the name `%s` is already in use", name);
		return log_error_errno(r, "record the container in the state DB: %m");
	}
	memcpy(ret_id, id, 65);
	return 0;
}

int cmd_run(Cli *cli, int argc, char **argv)
{
	RunOptions o = { 0 };
	int r = parse_run_argv(argc, argv, &o);
	if (r <= 0) {
		strv_free(o.env);
		return r;
	}

	/* Signals that arrive from here on are forwarded to the container
	 * once it runs (foreground), not lost. */
	if (!o.detach)
		cli_block_forwarded_signals();

	char id[65];
	r = create_container(cli, &o, id);
	strv_free(o.env);
	if (r < 0)
		return r;

	LaunchParams lp = { .id = id, .foreground = !o.detach, .auto_remove = o.auto_remove };
	_cleanup_close_ int sync_fd = -EBADF;
	int exit_code;
	r = launch_supervisor(cli, &lp, &sync_fd, &exit_code);
	if (r < 0)
		return exit_code > 0 && exit_code != EXIT_BERTH_ERROR ? exit_code : r;

	if (o.detach) {
		printf("%s\n", id);
		return 0;
	}
	/* Our stdout may be the container's too: nothing of ours is pending. */
	fflush(stdout);
	r = attach_wait(sync_fd);
	return r;
}
