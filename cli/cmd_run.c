/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth run: turn flags and an image into a config.json and a DB row, then
 * hand the container to a new supervisor. */

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "cgroup.h"
#include "cancel.h"
#include "cli.h"
#include "log.h"
#include "oci.h"
#include "parse.h"
#include "caps.h"
#include "mounts.h"
#include "options.h"
#include "resources.h"
#include "rootless.h"
#include "run-network.h"
#include "subid.h"
#include "seccomp-filter.h"
#include "image-unpack.h"
#include "images.h"
#include "user.h"
#include "userns.h"
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
	const char *stop_signal;
	const char *pidfile;
	const char *log_max_size;
	bool tty;
	ResourceOptions res;
	MountRequests mounts;
	const char *user;
	const char *ns_mode[_NS_MAX]; /* "host", "private", "none", "container:C" */
	char **cap_add, **cap_drop;
	bool privileged;
	const char *userns; /* "auto", "host", or NULL */
	SpecIdMap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	const char *seccomp;    /* "unconfined" or a profile path */
	bool share_ipc;         /* -i, --share-ipc */
	RunNetwork net;         /* --net NAME, --publish, ... */
	const char *entrypoint; /* --entrypoint: "" for none, or NULL: the image's */
	const char *pull;       /* --pull missing|always|never */
	PullOptions pull_opts;  /* --tls-verify, --creds, ... for that pull */
} RunOptions;

static void run_help(void)
{
	printf("Usage: berth run [OPTIONS] IMAGE COMMAND [ARG...]\n"
	       "\n"
	       "Run COMMAND in a new container made from IMAGE: an image name (the default\n"
	       "image `busybox` is made on first use) or a path to a rootfs folder.\n"
	       "\n"
	       "Options:\n"
	       "      --name NAME          name the container (default: a generated one)\n"
	       "  -d, --detach             run in the background and print the container id\n"
	       "      --rm                 remove the container when it exits\n"
	       "  -e, --env KEY=VALUE      set an environment variable (repeatable); KEY alone\n"
	       "                           takes this host's value (if set), KEY* every host\n"
	       "                           variable whose name starts with KEY\n"
	       "  -t, --tty                give the container a terminal (for a shell: -t alone)\n"
	       "      --env-file FILE      read KEY=VALUE lines (and KEY, KEY*, as for -e)\n"
	       "  -u, --user USER[:GROUP]  run as USER (name or uid), from the image's /etc/passwd\n"
	       "\n"
	       "Files:\n"
	       "  -v, --volume SRC:DST[:OPTS]\n"
	       "                           bind-mount a host path; OPTS: ro, rw, nosuid, nodev,\n"
	       "                           noexec, rslave, ... (also --mount SRC:DST[:OPTS], and\n"
	       "                           --mount type=bind|tmpfs,src=SRC,dst=DST[,readonly])\n"
	       "      --tmpfs DST[:OPTS]   a tmpfs at DST (size=64m,nr_inodes=16k,mode=1777,...;\n"
	       "                           the default size is 256m, or half of --memory)\n"
	       "  -M, --propagate-mount DIR[:DST]\n"
	       "                           DIR as a slave mount: what the host mounts under DIR\n"
	       "                           later appears in the running container\n"
	       "      --layers L1,L2       extra read-only layers over the image (L1 on top)\n"
	       "\n"
	       "Security:\n"
	       "      --cap-add CAP        add a capability (CAP_NET_ADMIN, NET_ADMIN, ALL)\n"
	       "      --cap-drop CAP       drop a capability from the default set (or ALL)\n"
	       "      --privileged         all capabilities, no seccomp filter, no masked paths\n"
	       "      --security-opt seccomp=unconfined|FILE\n"
	       "                           no seccomp filter, or an OCI/Docker JSON profile\n"
	       "\n"
	       "User namespace:\n"
	       "      --userns auto        root in the container is an unprivileged host uid:\n"
	       "                           a free range of 65536 ids from 100000 on\n"
	       "      --userns keep-id     (rootless) run as your own uid and gid, which are\n"
	       "                           the same inside\n"
	       "      --uidmap C:H:S       map container ids C.. to host ids H.. (S of them);\n"
	       "      --gidmap C:H:S       repeatable (gid maps default to the uid maps)\n"
	       "\n"
	       "Namespaces:\n"
	       "  -i, --share-ipc          share the host's IPC namespace (--ipc host); not\n"
	       "                           Docker's -i: stdin is always the container's\n"
	       "      --ipc MODE           private (default), host, or container:NAME\n"
	       "      --uts MODE           private (default) or host\n"
	       "      --pid MODE           private (default) or host\n"
	       "      --net MODE           private with loopback (default; also none), host,\n"
	       "                           container:NAME, pasta (the host's network through\n"
	       "                           pasta, for rootless containers), or networks: bridge\n"
	       "                           (the default network, berth), or NAME[,NAME...] of\n"
	       "                           `berth network`\n"
	       "\n"
	       "Networks (with --net bridge or NAME; --publish, --dns, --add-host also with\n"
	       "--net pasta):\n"
	       "      --ip IP              the container's address (one network only)\n"
	       "      --publish [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]\n"
	       "                           publish a container port on the host (repeatable)\n"
	       "      --dns IP             a name server for the container (repeatable)\n"
	       "      --add-host NAME:IP   a line of its /etc/hosts (repeatable)\n"
	       "\n"
	       "Image (from a registry, through skopeo):\n"
	       "      --pull POLICY        missing (default): pull an image not stored;\n"
	       "                           always; never\n"
	       "      --platform, --tls-verify, --cert-dir, --creds, --authfile\n"
	       "                           as for `berth image pull`\n"
	       "\n"
	       "Process:\n"
	       "      --hostname NAME      the container's hostname (default: its short id)\n"
	       "      --workdir DIR        working directory inside the container\n"
	       "      --stop-signal SIG    signal `berth stop` sends first (default: the\n"
	       "                           image's StopSignal, else SIGTERM)\n"
	       "      --entrypoint CMD     the program to run instead of the image's\n"
	       "                           Entrypoint (\"\": none; a JSON array: with arguments)\n"
	       "      --pidfile FILE       write the supervisor's pid to FILE (systemd Type=forking)\n"
	       "      --log-max-size SIZE  rotate the log of a detached container at SIZE\n"
	       "                           (default 10M; two files are kept; 0: no cap)\n"
	       "  -h, --help               show this help\n"
	       "\n"
	       "Resource limits (cgroup v2):\n" RESOURCE_HELP "\n"
	       "Exit status: the container's, 128+N if signal N killed it, 125 if berth\n"
	       "failed, 126 if COMMAND could not be executed, 127 if it was not found.\n");
}

/* The longest --env-file line, without its newline. */
#define ENV_FILE_LINE_MAX 65535

/* --env-file: KEY=VALUE lines; "#" comments and blank lines are skipped; a
 * bare KEY (or KEY*) takes its value from berth's own environment, as -e. */
static int read_env_file(const char *path, char ***env)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return log_error_errno(-errno, "--env-file `%s`: %m", path);
	/* Room for the longest line, its newline and the NUL: a line that
	 * does not fit is longer, whether or not a newline ends it. */
	char line[ENV_FILE_LINE_MAX + 2];
	unsigned n = 0;
	while (fgets(line, sizeof(line), f)) {
		n++;
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > ENV_FILE_LINE_MAX)
			return log_error_errno(-E2BIG,
					       "--env-file `%s`: line %u is longer than %u bytes",
					       path, n, ENV_FILE_LINE_MAX);
		line[strcspn(line, "\r\n")] = 0;
		char *p = line + strspn(line, " \t");
		if (!*p || *p == '#')
			continue;
		if (*p == '=')
			return log_error_errno(-EINVAL, "--env-file `%s`: line %u is not KEY=VALUE",
					       path, n);
		int r = cli_env_option("--env-file", p, env);
		if (r < 0)
			return r;
	}
	if (ferror(f))
		return log_error_errno(-EIO, "--env-file `%s`: read error", path);
	return 0;
}

static int check_ns_mode(NamespaceType t, const char *mode)
{
	if (streq(mode, "host") || streq(mode, "private"))
		return 0;
	if (t == NS_NETWORK && streq(mode, "none"))
		return 0;
	if ((t == NS_IPC || t == NS_NETWORK) && startswith(mode, "container:") &&
	    name_is_valid(mode + 10))
		return 0;
	return log_error_errno(-EINVAL, "invalid --%s `%s`: %s",
			       t == NS_IPC   ? "ipc"
			       : t == NS_UTS ? "uts"
			       : t == NS_PID ? "pid"
					     : "net",
			       mode,
			       t == NS_IPC ? "private, host or container:NAME"
			       : t == NS_NETWORK
				       ? "private, none, host, container:NAME, bridge or a "
					 "network's name"
				       : "private or host");
}

/* run's long options that have no short form. */
enum {
	ARG_NAME = 0x100,
	ARG_RM,
	ARG_HOSTNAME,
	ARG_WORKDIR,
	ARG_STOP_SIGNAL,
	ARG_PIDFILE,
	ARG_LOG_MAX_SIZE,
	ARG_ENV_FILE,
	ARG_MOUNT,
	ARG_TMPFS,
	ARG_LAYERS,
	ARG_IPC,
	ARG_UTS,
	ARG_PID,
	ARG_NET,
	ARG_CAP_ADD,
	ARG_CAP_DROP,
	ARG_PRIVILEGED,
	ARG_SECURITY_OPT,
	ARG_USERNS,
	ARG_UIDMAP,
	ARG_GIDMAP,
	ARG_ENTRYPOINT,
	ARG_PULL,
};

/* --cap-add, --cap-drop, --privileged, --userns, --uidmap, --gidmap and
 * --security-opt: 1 when c was one of them (and taken), 0 when not, or an
 * error. */
static int run_security_option(int c, const char *optarg, RunOptions *o)
{
	switch (c) {
	case ARG_CAP_ADD:
	case ARG_CAP_DROP: {
		int cap;
		if (strcasecmp(optarg, "ALL") != 0 && cap_parse_name(optarg, &cap) < 0)
			return log_error_errno(-EINVAL, "unknown capability `%s`", optarg);
		if (strv_push(c == ARG_CAP_ADD ? &o->cap_add : &o->cap_drop, optarg) < 0)
			return -ENOMEM;
		return 1;
	}
	case ARG_PRIVILEGED:
		o->privileged = true;
		return 1;
	case ARG_USERNS:
		if (!streq(optarg, "auto") && !streq(optarg, "host") && !streq(optarg, "keep-id"))
			return log_error_errno(-EINVAL,
					       "invalid --userns `%s`: auto, host or keep-id",
					       optarg);
		if (streq(optarg, "keep-id") && !rootless())
			return log_error_errno(-EINVAL, "--userns keep-id is for a rootless berth: "
							"root's uid is root's already");
		o->userns = optarg;
		return 1;
	case ARG_UIDMAP:
	case ARG_GIDMAP: {
		SpecIdMap m;
		if (id_map_parse(optarg, &m) < 0)
			return log_error_errno(-EINVAL,
					       "invalid --%s `%s`: expected "
					       "CONTAINER:HOST:SIZE",
					       c == ARG_UIDMAP ? "uidmap" : "gidmap", optarg);
		SpecIdMap **maps = c == ARG_UIDMAP ? &o->uid_maps : &o->gid_maps;
		size_t *n = c == ARG_UIDMAP ? &o->n_uid_maps : &o->n_gid_maps;
		SpecIdMap *nm = realloc(*maps, (*n + 1) * sizeof(SpecIdMap));
		if (!nm)
			return -ENOMEM;
		nm[(*n)++] = m;
		*maps = nm;
		return 1;
	}
	case ARG_SECURITY_OPT:
		if (startswith(optarg, "seccomp=") && optarg[8]) {
			o->seccomp = optarg + 8;
			if (!streq(o->seccomp, "unconfined") && access(o->seccomp, R_OK) < 0)
				return log_error_errno(-errno, "seccomp profile `%s`: %m",
						       o->seccomp);
		} else
			return log_error_errno(
				-EINVAL,
				"unsupported --security-opt `%s` (seccomp=unconfined|FILE)",
				optarg);
		return 1;
	}
	return 0;
}

/* --hostname, --workdir, --stop-signal, --pidfile and --log-max-size: 1
 * when c was one of them (and taken), 0 when not, or an error. */
static int run_process_option(int c, const char *optarg, RunOptions *o)
{
	switch (c) {
	case ARG_HOSTNAME:
		if (!hostname_is_valid(optarg))
			return log_error_errno(-EINVAL, "invalid hostname `%s`", optarg);
		o->hostname = optarg;
		return 1;
	case ARG_WORKDIR:
		if (optarg[0] != '/')
			return log_error_errno(-EINVAL, "--workdir `%s` must be an absolute path",
					       optarg);
		o->workdir = optarg;
		return 1;
	case ARG_STOP_SIGNAL: {
		int sig;
		if (parse_signal(optarg, &sig) < 0 || sig == SIGKILL)
			return log_error_errno(-EINVAL, "invalid --stop-signal `%s`", optarg);
		o->stop_signal = optarg;
		return 1;
	}
	case ARG_PIDFILE:
		o->pidfile = optarg;
		return 1;
	case ARG_ENTRYPOINT:
		o->entrypoint = optarg;
		return 1;
	case ARG_PULL:
		if (!streq(optarg, "missing") && !streq(optarg, "always") &&
		    !streq(optarg, "never"))
			return log_error_errno(-EINVAL,
					       "invalid --pull `%s` (missing, always or never)",
					       optarg);
		o->pull = optarg;
		return 1;
	case ARG_LOG_MAX_SIZE: {
		uint64_t v;
		if (parse_size(optarg, &v) < 0)
			return log_error_errno(-EINVAL, "invalid --log-max-size `%s`", optarg);
		o->log_max_size = optarg;
		return 1;
	}
	}
	return 0;
}

static int parse_run_argv(int argc, char **argv, RunOptions *o)
{
	static const struct option options[] = {
		{ "name", required_argument, NULL, ARG_NAME },
		{ "detach", no_argument, NULL, 'd' },
		{ "rm", no_argument, NULL, ARG_RM },
		{ "env", required_argument, NULL, 'e' },
		{ "tty", no_argument, NULL, 't' },
		{ "env-file", required_argument, NULL, ARG_ENV_FILE },
		{ "user", required_argument, NULL, 'u' },
		{ "mount", required_argument, NULL, ARG_MOUNT },
		{ "volume", required_argument, NULL, 'v' },
		{ "tmpfs", required_argument, NULL, ARG_TMPFS },
		{ "propagate-mount", required_argument, NULL, 'M' },
		{ "layers", required_argument, NULL, ARG_LAYERS },
		{ "share-ipc", no_argument, NULL, 'i' },
		{ "ipc", required_argument, NULL, ARG_IPC },
		{ "uts", required_argument, NULL, ARG_UTS },
		{ "pid", required_argument, NULL, ARG_PID },
		{ "net", required_argument, NULL, ARG_NET },
		{ "network", required_argument, NULL, ARG_NET },
		RUN_NETWORK_LONG_OPTIONS,
		{ "cap-add", required_argument, NULL, ARG_CAP_ADD },
		{ "cap-drop", required_argument, NULL, ARG_CAP_DROP },
		{ "privileged", no_argument, NULL, ARG_PRIVILEGED },
		{ "security-opt", required_argument, NULL, ARG_SECURITY_OPT },
		{ "userns", required_argument, NULL, ARG_USERNS },
		{ "uidmap", required_argument, NULL, ARG_UIDMAP },
		{ "gidmap", required_argument, NULL, ARG_GIDMAP },
		{ "hostname", required_argument, NULL, ARG_HOSTNAME },
		{ "workdir", required_argument, NULL, ARG_WORKDIR },
		{ "stop-signal", required_argument, NULL, ARG_STOP_SIGNAL },
		{ "pidfile", required_argument, NULL, ARG_PIDFILE },
		{ "entrypoint", required_argument, NULL, ARG_ENTRYPOINT },
		{ "pull", required_argument, NULL, ARG_PULL },
		{ "platform", required_argument, NULL, ARG_REG_PLATFORM },
		REGISTRY_LONG_OPTIONS,
		{ "log-max-size", required_argument, NULL, ARG_LOG_MAX_SIZE },
		{ "help", no_argument, NULL, 'h' },
		RESOURCE_LONG_OPTIONS,
		{},
	};
	int c, r;
	optind = 0;
	/* "+": options end at IMAGE; what follows belongs to the command. */
	while ((c = cli_getopt(argc, argv, "+:de:thu:v:iM:" RESOURCE_SHORT_OPTIONS, options,
			       "run")) > 0) {
		switch (c) {
		case ARG_NAME:
			if (!name_is_valid(optarg))
				return log_error_errno(
					-EINVAL,
					"invalid container name `%s`: use letters, "
					"digits and _.- (at most %d), starting with a "
					"letter or digit",
					optarg, NAME_MAX_LEN);
			o->name = optarg;
			break;
		case 'd':
			o->detach = true;
			break;
		case 't':
			o->tty = true;
			break;
		case ARG_ENV_FILE:
			if ((r = read_env_file(optarg, &o->env)) < 0)
				return r;
			break;
		case 'u':
			o->user = optarg;
			break;
		case ARG_MOUNT:
			if ((r = mount_parse_mount(&o->mounts, optarg)) < 0)
				return r;
			break;
		case 'v':
			if ((r = mount_parse_volume(&o->mounts, optarg)) < 0)
				return r;
			break;
		case ARG_TMPFS:
			if ((r = mount_parse_tmpfs(&o->mounts, optarg)) < 0)
				return r;
			break;
		case 'M':
			if ((r = mount_parse_propagate(&o->mounts, optarg)) < 0)
				return r;
			break;
		case ARG_LAYERS:
			if ((r = mount_parse_layers(&o->mounts, optarg)) < 0)
				return r;
			break;
		case 'i':
			o->ns_mode[NS_IPC] = "host";
			o->share_ipc = true;
			break;
		case ARG_IPC:
		case ARG_UTS:
		case ARG_PID:
		case ARG_NET: {
			NamespaceType t = c == ARG_IPC   ? NS_IPC
					  : c == ARG_UTS ? NS_UTS
					  : c == ARG_PID ? NS_PID
							 : NS_NETWORK;
			if (t == NS_NETWORK && !streq(optarg, "host") &&
			    !streq(optarg, "private") && !streq(optarg, "none") &&
			    !startswith(optarg, "container:")) {
				/* Networks: the last --net wins, as for the modes. */
				if ((r = run_network_set(&o->net, optarg)) < 0)
					return r;
				o->ns_mode[t] = NULL;
				break;
			}
			if ((r = check_ns_mode(t, optarg)) < 0)
				return r;
			o->ns_mode[t] = optarg;
			if (t == NS_NETWORK) {
				strv_free(o->net.networks);
				o->net.networks = NULL;
				o->net.pasta = false;
			}
			break;
		}
		case ARG_RM:
			o->auto_remove = true;
			break;
		case 'e':
			if ((r = cli_env_option("--env", optarg, &o->env)) < 0)
				return r;
			break;
		case 'h':
			run_help();
			return 0;
		default:
			if ((r = registry_option_parse(c, optarg, &o->pull_opts.reg)) != 0 ||
			    (r = run_network_option(c, optarg, &o->net)) != 0 ||
			    (r = run_security_option(c, optarg, o)) != 0 ||
			    (r = run_process_option(c, optarg, o)) != 0) {
				if (r < 0)
					return r;
				break;
			}
			r = resource_option(c, optarg, optind < argc ? argv[optind] : NULL,
					    &o->res);
			if (r < 0)
				return r;
			if (r == 0) /* in the table, but handled nowhere: a bug */
				return log_error_errno(-EINVAL, "option %d is not handled", c);
		}
	}
	if (c < 0)
		return c;
	if ((r = run_network_check(&o->net)) < 0)
		return r;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing IMAGE (see `berth run --help`)");
	/* The seeds' -i is not Docker's: one line for those who type -it out
	 * of habit, who get a shell all the same. */
	if (o->share_ipc && o->tty)
		log_warning("-i is berth's --share-ipc: this container shares the host's IPC "
			    "namespace; -t alone gives an interactive shell");
	o->image = argv[optind++];
	/* No COMMAND: the image's default, if it has one (checked later). */
	o->command = optind < argc ? argv + optind : NULL;
	return 1;
}

/* Docker's rule: the image's Entrypoint, then the user's COMMAND or else
 * the image's Cmd. --entrypoint replaces the Entrypoint and drops the
 * image's Cmd, as in Docker and Podman. */
static int command_line(const RunOptions *o, const ImageDefaults *d, char ***ret)
{
	_cleanup_strv_free_ char **args = NULL;
	char *const *tail = o->command ? o->command : d->cmd;
	if (o->entrypoint) {
		tail = o->command;
		if (o->entrypoint[0] == '[') {
			json_t *j = json_loads(o->entrypoint, 0, NULL);
			int r = strv_from_json(j, &args);
			json_decref(j);
			if (r < 0 || !j)
				return log_error_errno(
					-EINVAL,
					"invalid --entrypoint `%s`: not a JSON array "
					"of strings",
					o->entrypoint);
		} else if (*o->entrypoint && strv_push(&args, o->entrypoint) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
		if (!args && !(args = calloc(1, sizeof(char *))))
			return log_error_errno(-ENOMEM, "out of memory");
	} else if (!(args = strv_copy(d->entrypoint)))
		return log_error_errno(-ENOMEM, "out of memory");
	for (size_t i = 0; tail && tail[i]; i++)
		if (strv_push(&args, tail[i]) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	if (strv_length(args) == 0)
		return log_error_errno(-EINVAL, "missing COMMAND to run in `%s`", o->image);
	*ret = TAKE_PTR(args);
	return 0;
}

static int build_spec(const RunOptions *o, const ResolvedImage *img, const ImageDefaults *d,
		      char *const *layers, const char *id, const char *bundle, const char *name,
		      ContainerSpec **ret)
{
	_cleanup_(spec_freep) ContainerSpec *s = NULL;
	int r = spec_new_default(&s);
	if (r < 0)
		return r;
	r = command_line(o, d, &s->args);
	if (r < 0)
		return r;
	r = spec_env_set(s, "HOME=/root");
	if (r < 0)
		return r;
	/* The image's Env comes before -e, which wins. */
	for (size_t i = 0; d->env && d->env[i]; i++)
		if ((r = spec_env_set(s, d->env[i])) < 0)
			return r;
	s->terminal = o->tty;
	if (o->tty && (r = spec_env_set(s, "TERM=xterm")) < 0)
		return r;
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
		s->cwd = strdup(o->workdir ? o->workdir : d->workdir);
		if (!s->cwd)
			return -ENOMEM;
	}
	if (asprintf(&s->cgroups_path, "/%s/%s", CGROUP_BERTH_PARENT, id) < 0)
		return -ENOMEM;

	/* root.path ("rootfs"), upper and work are relative to the bundle;
	 * lowerdir is, once checked (prepare_container()). */
	_cleanup_free_ char *lower = strv_join(layers, ":");
	if (!lower)
		return -ENOMEM;
	const char *stop_signal = o->stop_signal;
	int sig;
	if (!stop_signal && d->stop_signal) {
		if (parse_signal(d->stop_signal, &sig) >= 0 && sig != SIGKILL)
			stop_signal = d->stop_signal;
		else
			log_warning("image `%s`: ignoring its StopSignal `%s`", img->name,
				    d->stop_signal);
	}
	if (stop_signal && (r = spec_set_annotation(s, ANNOTATION_STOP_SIGNAL, stop_signal)) < 0)
		return r;
	if (o->log_max_size &&
	    (r = spec_set_annotation(s, ANNOTATION_LOG_MAX_SIZE, o->log_max_size)) < 0)
		return r;
	if ((r = spec_set_annotation(s, ANNOTATION_NAME, name)) < 0 ||
	    (r = spec_set_annotation(s, ANNOTATION_IMAGE, img->name)) < 0 ||
	    (r = spec_set_annotation(s, ANNOTATION_LOWERDIR, lower)) < 0 ||
	    (r = spec_set_annotation(s, ANNOTATION_UPPERDIR, "upper")) < 0 ||
	    (r = spec_set_annotation(s, ANNOTATION_WORKDIR, "work")) < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

/* A bind mount whose destination is a file in the image while its source
 * is a folder (or the other way round) cannot work: say so now rather
 * than from inside a half-started container. */
static int check_bind_targets(const MountRequests *m, char *const *layers)
{
	for (size_t i = 0; i < m->n_binds; i++) {
		struct stat src, dst;
		if (stat(m->binds[i].source, &src) < 0)
			return log_error_errno(-errno, "mount source `%s`: %m", m->binds[i].source);
		for (size_t k = 0; layers[k]; k++) {
			_cleanup_free_ char *p = NULL;
			if (asprintf(&p, "%s%s", layers[k], m->binds[i].destination) < 0)
				return -ENOMEM;
			if (lstat(p, &dst) < 0)
				continue;
			if (S_ISLNK(dst.st_mode))
				break; /* resolved inside the container at start */
			if (S_ISDIR(src.st_mode) != S_ISDIR(dst.st_mode))
				return log_error_errno(-ENOTDIR,
						       "cannot mount %s `%s` on `%s`: it is a %s "
						       "in the image",
						       S_ISDIR(src.st_mode) ? "folder" : "file",
						       m->binds[i].source, m->binds[i].destination,
						       S_ISDIR(dst.st_mode) ? "folder" : "file");
			break;
		}
	}
	return 0;
}

/* --userns / --uidmap / --gidmap: the maps, checked. ret_base is the auto
 * range (0 otherwise). */
static bool keep_id(const RunOptions *o)
{
	return o->userns && streq(o->userns, "keep-id");
}

static int apply_userns(Cli *cli, const RunOptions *o, ContainerSpec *s, uint32_t *ret_base)
{
	*ret_base = 0;
	bool want =
		(o->userns && streq(o->userns, "auto")) || o->n_uid_maps > 0 || o->n_gid_maps > 0;
	if (keep_id(o)) {
		RootlessIds ids;
		int r = rootless_ids(&ids);
		if (r < 0)
			return log_error_errno(r, "read the user namespace's map: %m");
		if (o->privileged)
			return log_error_errno(-EINVAL, "--privileged and a user namespace do "
							"not go together");
		s->uid_maps = calloc(3, sizeof(SpecIdMap));
		s->gid_maps = calloc(3, sizeof(SpecIdMap));
		if (!s->uid_maps || !s->gid_maps)
			return -ENOMEM;
		s->n_uid_maps = rootless_keep_id_maps(s->uid_maps, ids.uid, ids.n_uids);
		s->n_gid_maps = rootless_keep_id_maps(s->gid_maps, ids.gid, ids.n_gids);
		if ((r = rootless_split_maps("/proc/self/uid_map", &s->uid_maps, &s->n_uid_maps)) <
			    0 ||
		    (r = rootless_split_maps("/proc/self/gid_map", &s->gid_maps, &s->n_gid_maps)) <
			    0)
			return log_error_errno(r, "--userns keep-id: read our own maps: %m");
		if (id_map_to_host(s->uid_maps, s->n_uid_maps, s->uid) < 0 ||
		    id_map_to_host(s->gid_maps, s->n_gid_maps, s->gid) < 0)
			return log_error_errno(-EINVAL,
					       "--userns keep-id: the container's user %u:%u has "
					       "no id in the map (you have no subordinate ids)",
					       s->uid, s->gid);
		s->namespaces[NS_USER].enabled = true;
		return 0;
	}
	if (!want)
		return 0;
	if (o->userns && streq(o->userns, "host"))
		return log_error_errno(-EINVAL, "--userns host contradicts --uidmap/--gidmap");
	if (o->userns && streq(o->userns, "auto") && (o->n_uid_maps || o->n_gid_maps))
		return log_error_errno(-EINVAL, "--userns auto picks the maps itself; drop "
						"--uidmap/--gidmap");
	if (o->privileged)
		return log_error_errno(-EINVAL,
				       "--privileged and a user namespace do not go together");
	if (o->n_gid_maps && !o->n_uid_maps)
		return log_error_errno(-EINVAL, "--gidmap needs --uidmap");
	size_t nu = o->n_uid_maps ? o->n_uid_maps : 1, ng = o->n_gid_maps ? o->n_gid_maps : nu;
	s->uid_maps = calloc(nu, sizeof(SpecIdMap));
	s->gid_maps = calloc(ng, sizeof(SpecIdMap));
	if (!s->uid_maps || !s->gid_maps)
		return -ENOMEM;
	if (o->n_uid_maps) {
		memcpy(s->uid_maps, o->uid_maps, nu * sizeof(SpecIdMap));
		memcpy(s->gid_maps, o->n_gid_maps ? o->gid_maps : o->uid_maps,
		       ng * sizeof(SpecIdMap));
	} else {
		int r = userns_auto_base(cli, ret_base);
		if (r < 0)
			return log_error_errno(r, "find a free user namespace range: %m");
		s->uid_maps[0] = s->gid_maps[0] = (SpecIdMap){ 0, *ret_base, USERNS_AUTO_SIZE };
	}
	s->n_uid_maps = nu;
	s->n_gid_maps = ng;
	char msg[256];
	if (id_maps_check(s->uid_maps, nu, msg, sizeof(msg)) < 0)
		return log_error_errno(-EINVAL, "invalid --uidmap: %s", msg);
	if (id_maps_check(s->gid_maps, ng, msg, sizeof(msg)) < 0)
		return log_error_errno(-EINVAL, "invalid --gidmap: %s", msg);
	if (id_map_to_host(s->uid_maps, nu, s->uid) < 0 ||
	    id_map_to_host(s->gid_maps, ng, s->gid) < 0)
		return log_error_errno(-EINVAL,
				       "the container's user %u:%u is not in the user "
				       "namespace's maps",
				       s->uid, s->gid);
	if (id_map_to_host(s->uid_maps, nu, 0) == 0)
		return log_error_errno(-EINVAL, "the maps make the container's root the host's "
						"root; map it to another uid");
	s->namespaces[NS_USER].enabled = true;
	return 0;
}

/* Capabilities, --privileged and seccomp. */
static int apply_security(const RunOptions *o, ContainerSpec *s)
{
	uint64_t caps, add = 0, drop = 0;
	int r = caps_mask_from_names((char *const *)caps_default, &caps);
	if (r >= 0)
		r = caps_mask_from_names(o->cap_add, &add);
	if (r >= 0)
		r = caps_mask_from_names(o->cap_drop, &drop);
	if (r < 0)
		return log_error_errno(r, "invalid capability");
	caps = o->privileged ? caps_all_mask() : ((caps & ~drop) | add);
	_cleanup_strv_free_ char **names = caps_names_from_mask(caps);
	if (!names)
		return -ENOMEM;
	char ***sets[] = { &s->cap_bounding, &s->cap_effective, &s->cap_permitted };
	for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
		strv_free(*sets[i]);
		*sets[i] = strv_copy(names);
		if (!*sets[i])
			return -ENOMEM;
	}
	if (s->uid != 0) {
		/* A user other than root starts with no capabilities (the bounding
		 * set stays: a setuid program may still gain them). */
		strv_free(s->cap_effective);
		strv_free(s->cap_permitted);
		s->cap_effective = calloc(1, sizeof(char *));
		s->cap_permitted = calloc(1, sizeof(char *));
		if (!s->cap_effective || !s->cap_permitted)
			return -ENOMEM;
	}
	if (o->privileged) {
		r = spec_set_annotation(s, ANNOTATION_DEVICES, "all");
		if (r < 0)
			return r;
		s->masked_paths = strv_free(s->masked_paths);
		s->readonly_paths = strv_free(s->readonly_paths);
		for (size_t i = 0; i < s->n_mounts; i++)
			if (streq(s->mounts[i].destination, "/sys")) {
				for (char **p = s->mounts[i].options; p && *p; p++)
					if (streq(*p, "ro")) {
						free(*p);
						*p = strdup("rw");
						if (!*p)
							return -ENOMEM;
					}
			}
	}
	const char *seccomp = o->privileged && !o->seccomp ? "unconfined" : o->seccomp;
	if (seccomp && streq(seccomp, "unconfined")) {
		s->seccomp_unconfined = true;
		return spec_set_annotation(s, ANNOTATION_SECCOMP, "unconfined");
	}
	if (seccomp) {
		/* The profile is copied into config.json: later edits of the file
		 * do not change the container. */
		json_error_t je;
		json_t *p = json_load_file(seccomp, JSON_REJECT_DUPLICATES, &je);
		if (!p || !json_is_object(p)) {
			json_decref(p);
			return log_error_errno(-EINVAL, "seccomp profile `%s`: %s", seccomp,
					       p ? "not a JSON object" : je.text);
		}
		s->seccomp_profile = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(p);
		if (!s->seccomp_profile)
			return -ENOMEM;
		/* Compile it once now: a bad profile is refused before anything
		 * is made. */
		struct sock_fprog prog;
		_cleanup_free_ char *error = NULL;
		r = seccomp_prepare(s, 0, &prog, &error);
		if (r < 0)
			return log_error_errno(r, "seccomp profile `%s`: %s", seccomp,
					       error ? error : strerror(-r));
		free(prog.filter);
	}
	return 0;
}

/* --ipc/--uts/--pid/--net, --user, mounts: what needs the image's layers
 * or other containers to decide. */
static int apply_run_options(Cli *cli, const RunOptions *o, const ImageDefaults *d,
			     char *const *layers, ContainerSpec *s)
{
	/* --user, else the image's User, else root. */
	/* --user, else with keep-id the user's own ids, else the image's
	 * User, else root. */
	char own[32] = "";
	RootlessIds ids;
	if (!o->user && keep_id(o) && rootless_ids(&ids) >= 0)
		snprintf(own, sizeof(own), "%u:%u", (unsigned)ids.uid, (unsigned)ids.gid);
	const char *user = o->user               ? o->user
			   : keep_id(o) && *own  ? own
			   : d->user && *d->user ? d->user
						 : NULL;
	int r;
	for (int t = 0; t < _NS_MAX; t++) {
		const char *mode = o->ns_mode[t];
		if (!mode || streq(mode, "private") || streq(mode, "none"))
			continue;
		if (streq(mode, "host")) {
			s->namespaces[t].enabled = false;
			if (t == NS_UTS) {
				free(s->hostname);
				s->hostname = NULL;
			}
			continue;
		}
		/* container:NAME: that container's namespace, while it runs. */
		ContainerRow other;
		r = cli_lookup_container(cli, mode + 10, &other);
		if (r < 0)
			return r;
		if (other.state != STATE_RUNNING && other.state != STATE_PAUSED) {
			r = log_error_errno(-ESRCH, "--%s %s: container %s is not running",
					    t == NS_IPC ? "ipc" : "net", mode, other.name);
			container_row_done(&other);
			return r;
		}
		free(s->namespaces[t].path);
		r = asprintf(&s->namespaces[t].path, "/proc/%lld/ns/%s", (long long)other.pid,
			     t == NS_IPC ? "ipc" : "net");
		container_row_done(&other);
		if (r < 0)
			return -ENOMEM;
	}

	/* Without --user the container runs as root, whose supplementary
	 * groups come from the image's /etc/group all the same (as Docker). */
	{
		ResolvedUser u;
		r = user_resolve_in_layers(layers, user ? user : "0", &u);
		if (r < 0)
			return r;
		s->uid = u.uid;
		s->gid = u.gid;
		free(s->additional_gids);
		s->additional_gids = TAKE_PTR(u.groups);
		s->n_additional_gids = u.n_groups;
		_cleanup_free_ char *home = NULL;
		r = asprintf(&home, "HOME=%s", u.home) < 0 ? -ENOMEM : 0;
		resolved_user_done(&u);
		if (r < 0)
			return r;
		/* -e HOME=... wins; without a user HOME stays /root. */
		bool own_home = !user;
		for (size_t i = 0; o->env && o->env[i]; i++)
			own_home |= startswith(o->env[i], "HOME=");
		if (!own_home && (r = spec_env_set(s, home)) < 0)
			return r;
	}

	r = apply_security(o, s);
	if (r < 0)
		return r;

	r = check_bind_targets(&o->mounts, layers);
	if (r < 0)
		return r;
	return mount_requests_apply(&o->mounts, s);
}

/* A container made ready by prepare_container(): its configuration for
 * the supervisor, and what its DB row will hold. */
typedef struct {
	char *config; /* config.json's text */
	char *name;
	char *image;
	char *command; /* JSON array */
	char *rootfs;  /* the layers, ':'-separated */
	char *bundle;
	bool bundle_ours; /* we made the folder (a user namespace's copies), not the supervisor */
	uint32_t userns_base;
	/* On a network: the configuration waits for the addresses the DB
	 * gives as it records the container (config is NULL until then). */
	ContainerSpec *spec;
} PreparedContainer;

static void prepared_container_done(PreparedContainer *c)
{
	spec_free(c->spec);
	free(c->config);
	free(c->name);
	free(c->image);
	free(c->command);
	free(c->rootfs);
	free(c->bundle);
}

/* The overlay of a rootless container: the kernel's, which a user
 * namespace may mount since Linux 5.11, else fuse-overlayfs;
 * $BERTH_ROOTLESS_OVERLAY=fuse-overlayfs (or kernel) chooses. */
static int rootless_overlay_driver(ContainerSpec *spec)
{
	if (!rootless())
		return 0;
	const char *want = getenv("BERTH_ROOTLESS_OVERLAY");
	bool fuse;
	if (want && *want) {
		if (!streq(want, "fuse-overlayfs") && !streq(want, "kernel"))
			return log_error_errno(-EINVAL,
					       "invalid $BERTH_ROOTLESS_OVERLAY `%s`: kernel or "
					       "fuse-overlayfs",
					       want);
		fuse = streq(want, "fuse-overlayfs");
	} else {
		struct utsname u;
		unsigned major = 0, minor = 0;
		fuse = uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
		       (major < 5 || (major == 5 && minor < 11));
	}
	if (!fuse)
		return spec_set_annotation(spec, ANNOTATION_OVERLAY_DRIVER, "overlay") < 0
			       ? log_error_errno(-ENOMEM, "out of memory")
			       : 0;
	_cleanup_free_ char *program = NULL;
	int r = find_program("fuse-overlayfs", &program);
	if (r == -ENOENT)
		return log_error_errno(r, "fuse-overlayfs is not installed: this kernel cannot "
					  "mount OverlayFS for a user (Linux 5.11 can)");
	if (r < 0)
		return log_error_errno(r, "out of memory");
	return spec_set_annotation(spec, ANNOTATION_OVERLAY_DRIVER, "fuse-overlayfs") < 0
		       ? log_error_errno(-ENOMEM, "out of memory")
		       : 0;
}

/* Whether the container gets a user namespace: then we make its folder,
 * with the copies of its layers that namespace owns; otherwise its
 * supervisor does (--make-bundle), while we work. */
static bool wants_userns(const RunOptions *o)
{
	return (o->userns && (streq(o->userns, "auto") || streq(o->userns, "keep-id"))) ||
	       o->n_uid_maps > 0 || o->n_gid_maps > 0;
}

/* Everything of container id but its DB row: the configuration, checked,
 * and with a user namespace its folder. On any error nothing of it is
 * left. */
static int prepare_container(Cli *cli, const RunOptions *o, const char *id, PreparedContainer *c)
{
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	/* The container's supervisor checkpoints, once nobody waits. */
	db_defer_checkpoints(db);

	_cleanup_(resolved_image_done) ResolvedImage img = { 0 };
	r = image_resolve_pull(cli, o->image, o->pull, &o->pull_opts, &img);
	if (r < 0)
		return r;
	log_debug("image `%s`: %zu layer(s), the top one %s", img.name, strv_length(img.layers),
		  img.layers[0] ? img.layers[0] : "(none)");

	char genname[NAME_MAX_LEN + 1];
	const char *name = o->name;
	if (!name) {
		if ((r = generate_name(genname, sizeof(genname))) < 0)
			return log_error_errno(r, "random: %m");
		name = genname;
	}

	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, id);
	if (!bundle)
		return log_error_errno(-ENOMEM, "out of memory");
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	/* --layers go over the image's own layers, leftmost on top. */
	_cleanup_strv_free_ char **layers = strv_copy(o->mounts.layers);
	for (size_t i = 0; img.layers[i]; i++)
		if (strv_push(&layers, img.layers[i]) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	_cleanup_(image_defaults_done) ImageDefaults defaults = { 0 };
	r = image_defaults_parse(img.config, &defaults);
	if (r < 0)
		return log_error_errno(r,
				       "image `%s` has a damaged config in the DB (see `berth "
				       "image inspect %s`)",
				       img.name, img.name);
	r = build_spec(o, &img, &defaults, layers, id, bundle, name, &spec);
	if (r == -EINVAL)
		return r; /* already said */
	if (r < 0)
		return log_error_errno(r, "build the container's configuration: %m");
	r = apply_run_options(cli, o, &defaults, layers, spec);
	if (r < 0)
		return r;
	r = run_network_prepare(cli, (RunNetwork *)&o->net, bundle, spec);
	if (r < 0)
		return r;
	/* pasta's options need no record of the DB's: into the config now. */
	if (o->net.pasta && (r = run_network_annotate(&o->net, id, name, spec)) < 0)
		return log_error_errno(r, "build the container's configuration: %m");
	uint32_t userns_base;
	r = apply_userns(cli, o, spec, &userns_base);
	if (r < 0)
		return r;
	_cleanup_free_ char *shifted = NULL;
	if (spec->namespaces[NS_USER].enabled) {
		/* The overlay's lower layers become a copy owned as the user
		 * namespace sees it; the container's writable layer belongs to
		 * its root. */
		_cleanup_strv_free_ char **copies = NULL;
		if (asprintf(&shifted, "%s/lower", bundle) < 0)
			return -ENOMEM;
		for (size_t i = 0; layers[i]; i++) {
			_cleanup_free_ char *p = NULL;
			if (asprintf(&p, "%s/%zu", shifted, i) < 0 || strv_push(&copies, p) < 0)
				return -ENOMEM;
		}
		_cleanup_free_ char *lower = strv_join(copies, ":");
		if (!lower || (r = spec_set_annotation(spec, ANNOTATION_LOWERDIR, lower)) < 0)
			return -ENOMEM;
	}
	/* Limits are checked before anything exists: a limit this host cannot
	 * enforce refuses the run, it is never dropped. */
	r = resource_options_apply(&o->res, cli->paths.state_dir, spec);
	if (r < 0)
		return r;
	r = resource_options_check(&spec->resources);
	if (r < 0)
		return r;
	/* Every tmpfs gets a size cap, which follows the memory limit. */
	r = mount_tmpfs_caps_apply(spec);
	if (r < 0)
		return log_error_errno(r, "build the container's configuration: %m");

	_cleanup_free_ char *cmd_json = strv_to_json(spec->args);
	if (!cmd_json)
		return log_error_errno(-EINVAL, "the command is not valid UTF-8");
	_cleanup_free_ char *rootfs = strv_join(layers, ":");
	if (!rootfs)
		return log_error_errno(-ENOMEM, "out of memory");

	/* The supervisor mounts the overlay with mount(2), whose options fit
	 * in one page: say so now rather than fail obscurely at start. */
	const char *lower = spec_get_annotation(spec, ANNOTATION_LOWERDIR);
	if (lower && strlen(lower) + 2 * strlen(bundle) +
				     sizeof("lowerdir=,upperdir=/upper,workdir=/work") >=
			     OVERLAY_OPTIONS_MAX)
		return log_error_errno(-E2BIG,
				       "image `%s` has %zu layers: too many for one overlay "
				       "mount under `%s`",
				       img.name, strv_length(layers), cli->paths.state_dir);
	/* In config.json relative to the bundle, as root.path (paths.h). */
	_cleanup_free_ char *lower_rel =
		lower ? path_list_relative(cli->paths.state_dir, bundle, lower) : NULL;
	if (lower && (!lower_rel || spec_set_annotation(spec, ANNOTATION_LOWERDIR, lower_rel) < 0))
		return log_error_errno(-ENOMEM, "out of memory");
	if (lower && (r = rootless_overlay_driver(spec)) < 0)
		return r;
	_cleanup_free_ char *config = NULL;
	if (!o->net.networks) {
		r = spec_to_json(spec, &config);
		if (r < 0)
			return log_error_errno(r, "build the container's configuration: %m");
		log_debug("container %.12s, named %s: its configuration is ready (%zu bytes)", id,
			  name, strlen(config));
	}

	/* Everything is checked: now the host may change (-M). */
	r = mount_requests_prepare_host(&o->mounts);
	if (r < 0)
		return r;
	if (shifted) {
		r = mkdir(bundle, 0700) < 0 ? -errno : bundle_make_subdirs(bundle);
		if (r >= 0)
			r = userns_shift_layers(layers, shifted, spec);
		_cleanup_free_ char *upper = NULL;
		if (r >= 0 && asprintf(&upper, "%s/upper", bundle) >= 0 &&
		    chown(upper, (uid_t)id_map_to_host(spec->uid_maps, spec->n_uid_maps, 0),
			  (gid_t)id_map_to_host(spec->gid_maps, spec->n_gid_maps, 0)) < 0)
			r = -errno;
		if (r < 0) {
			log_error_errno(r, "create `%s`: %m", bundle);
			(void)rm_rf(bundle);
			return r;
		}
		c->bundle_ours = true;
	}

	c->name = strdup(name);
	c->image = strdup(img.name);
	if (!c->name || !c->image)
		return log_error_errno(-ENOMEM, "out of memory");
	c->config = TAKE_PTR(config);
	if (o->net.networks)
		c->spec = TAKE_PTR(spec);
	c->command = TAKE_PTR(cmd_json);
	c->rootfs = TAKE_PTR(rootfs);
	c->bundle = TAKE_PTR(bundle);
	c->userns_base = userns_base;
	return 0;
}

/* The DB row of a prepared container; its name is taken here. */
static int record_container(Cli *cli, const RunOptions *o, const char *id,
			    const PreparedContainer *c)
{
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	char created[32];
	format_iso8601(now_usec(), created);
	/* Relative to the root in the DB (paths.h). */
	_cleanup_free_ char *rootfs = path_list_to_state(&cli->paths, c->rootfs);
	_cleanup_free_ char *bundle = path_to_state(&cli->paths, c->bundle);
	if (!rootfs || !bundle)
		return log_error_errno(-ENOMEM, "out of memory");
	ContainerRow row = {
		.id = (char *)id,
		.name = c->name,
		.image = c->image,
		.command = c->command,
		.state = STATE_CREATED,
		.created_at = created,
		.rootfs = rootfs,
		.bundle = bundle,
		.auto_remove = o->auto_remove,
		.userns_base = c->userns_base,
	};
	if (o->net.networks) {
		r = run_network_record(cli, (RunNetwork *)&o->net, &row);
		if (r < 0)
			return r;
		log_debug("recorded container %.12s in the state DB: created", id);
		return 0;
	}
	r = db_container_insert(db, &row);
	if (r == -EEXIST)
		return log_error_errno(r, "the name `%s` is already in use", c->name);
	if (r == -EADDRINUSE)
		return log_error_errno(r,
				       "another container took user namespace range %u "
				       "meanwhile; run again",
				       c->userns_base);
	if (r < 0)
		return log_error_errno(r, "record the container in the state DB: %m");
	log_debug("recorded container %.12s in the state DB: created", id);
	return 0;
}

/* --rm, and the supervisor never ran (it could not be executed, or died
 * before it read anything): nobody else will remove the container. One
 * that did run has recorded its failure itself. */
static void remove_unstarted(Cli *cli, const char *id)
{
	sqlite3 *db;
	if (cli_db(cli, &db) < 0)
		return;
	_cleanup_(container_row_done) ContainerRow row = { 0 };
	if (db_container_get(db, id, &row) < 0 || row.state != STATE_CREATED ||
	    row.supervisor_pid > 0)
		return;
	/* A supervisor that died after making the cgroup left it. */
	_cleanup_free_ char *cgroup = NULL;
	if (cgroup_container_path(id, &cgroup) >= 0)
		(void)cgroup_destroy(cgroup, 1000);
	_cleanup_free_ char *bundle = path_container_dir(&cli->paths, id);
	if (bundle)
		(void)rm_rf(bundle);
	(void)db_container_delete(db, id);
}

static void run_options_done(RunOptions *o)
{
	strv_free(o->env);
	free(o->res.io_device_owned);
	free(o->uid_maps);
	free(o->gid_maps);
	strv_free(o->cap_add);
	strv_free(o->cap_drop);
	mount_requests_done(&o->mounts);
	run_network_done(&o->net);
}

/* A rootless berth's user namespace: that of the container whose IPC or
 * network namespace this one joins (--ipc, --net container:C), which only
 * a process of it may join; else a new one. */
static int run_enter_userns(Cli *cli, const RunOptions *o)
{
	if (!rootless())
		return 0;
	/* What only root may do: nothing of it is half done. */
	const char *needs_root = o->privileged      ? "--privileged"
				 : o->res.pin       ? "--pin-cpu (SCHED_RR)"
				 : o->mounts.shared ? "--propagate-mount"
				 : o->net.networks  ? "--net NETWORK (berth's networks)"
				 : o->userns && streq(o->userns, "auto") ? "--userns auto"
				 : o->n_uid_maps || o->n_gid_maps        ? "--uidmap and --gidmap"
									 : NULL;
	if (needs_root)
		return log_error_errno(-EPERM,
				       "%s needs root: a rootless container has no more rights "
				       "than you (docs/rootless.md)",
				       needs_root);
	/* Without a PID namespace of its own, only a cgroup holds all of its
	 * processes, for stop and rm to end. */
	_cleanup_free_ char *base = NULL;
	if (o->ns_mode[NS_PID] && streq(o->ns_mode[NS_PID], "host") &&
	    cgroup_berth_base(&base) == -ENOMEDIUM)
		return log_error_errno(
			-EPERM, "--pid host needs a cgroup of the container's own, to end "
				"all of its processes: a rootless container gets one only in "
				"a delegated cgroup v2 subtree, and berth runs in none "
				"(docs/rootless.md)");
	const NamespaceType shared[] = { NS_IPC, NS_NETWORK };
	for (size_t i = 0; i < ELEMENTSOF(shared); i++) {
		const char *mode = o->ns_mode[shared[i]];
		if (!mode || !startswith(mode, "container:"))
			continue;
		_cleanup_(container_row_done) ContainerRow other = { 0 };
		int r = cli_lookup_container(cli, mode + strlen("container:"), &other);
		if (r < 0)
			return r;
		if (other.state == STATE_RUNNING || other.state == STATE_PAUSED)
			return cli_userns(cli, &other);
	}
	int r = cli_userns(cli, NULL);
	RootlessIds ids;
	if (r >= 0 && rootless_ids(&ids) >= 0 && (ids.n_uids == 1 || ids.n_gids == 1))
		log_warning("you have no range in %s or %s: the container has one id, yours, as "
			    "its root; files of other owners and other users in it are out of "
			    "reach (usermod --add-subuids and --add-subgids give you a range)",
			    subid_file_uid(), subid_file_gid());
	return r;
}

int cmd_run(Cli *cli, int argc, char **argv)
{
	_cleanup_(run_options_done) RunOptions o = {
		.pull = "missing",
		.pull_opts = { .reg = { .tls_verify = -1 },
			       .limits = { UNPACK_MAX_FILES_DEFAULT, UNPACK_MAX_BYTES_DEFAULT } },
	};
	int r = parse_run_argv(argc, argv, &o);
	if (r <= 0)
		return r;
	r = run_enter_userns(cli, &o);
	if (r < 0)
		return r;
	/* A pull's progress only on a terminal, and never over a -t session. */
	o.pull_opts.reg.quiet = o.pull_opts.reg.quiet || !isatty(STDERR_FILENO);
	log_debug("run image `%s` %s", o.image, o.detach ? "detached" : "in the foreground");

	_cleanup_free_ char *pidfile = NULL;
	if (o.pidfile) {
		r = absolute_path(o.pidfile, &pidfile);
		if (r >= 0) {
			_cleanup_free_ char *dir = strdup(pidfile);
			if (dir)
				*strrchr(dir, '/') = 0;
			if (!dir || (*dir && !is_dir(dir)))
				r = -ENOENT;
		}
		if (r < 0)
			return log_error_errno(r, "--pidfile `%s`: its folder does not exist",
					       o.pidfile);
	}

	/* Until the container exists, a signal calls the run off (cancel.h). */
	cli_cancel_catch();

	char id[65];
	if ((r = random_hex(id, CONTAINER_ID_LEN)) < 0)
		return log_error_errno(r, "random: %m");
	_cleanup_(stdio_relay_end) StdioRelay stdio = STDIO_RELAY_INIT;
	LaunchParams lp = { .id = id,
			    .foreground = !o.detach,
			    .auto_remove = o.auto_remove,
			    .pidfile = pidfile,
			    .make_bundle = !wants_userns(&o),
			    .stdio = o.detach ? NULL : &stdio };
	_cleanup_close_ int sync_fd = -EBADF, tty = -EBADF;
	/* The supervisor starts (and prepares what it can) while we prepare
	 * the container, and sets it up while we record it (protocol.h). */
	pid_t pid;
	r = supervisor_start(cli, &lp, &sync_fd, &pid);
	if (r < 0)
		return r;
	_cleanup_(prepared_container_done) PreparedContainer c = { 0 };
	r = prepare_container(cli, &o, id, &c);
	/* Signals that arrive from here on are forwarded to the container
	 * once it runs (foreground), not lost; one that came before called
	 * the run off. */
	if (!o.detach)
		cli_block_forwarded_signals();
	int cancelled = cli_cancel_stop();
	if (r >= 0 && cancelled)
		r = -ECANCELED;
	bool recorded = false;
	if (r >= 0 && c.spec) {
		/* On a network: its addresses come from the DB as it is
		 * recorded, and go into its configuration. */
		r = record_container(cli, &o, id, &c);
		recorded = r >= 0;
		if (r >= 0 && ((r = run_network_annotate(&o.net, id, c.name, c.spec)) < 0 ||
			       (r = spec_to_json(c.spec, &c.config)) < 0))
			log_error_errno(r, "build the container's configuration: %m");
	}
	if (r >= 0) {
		lp.rootfs = c.rootfs;
		r = supervisor_send_config(sync_fd, c.config);
		if (r < 0)
			log_error_errno(r, "hand the configuration to the supervisor: %m");
	}
	if (r >= 0 && !recorded)
		r = record_container(cli, &o, id, &c);
	if (r < 0) {
		supervisor_abandon(sync_fd, pid);
		sqlite3 *db;
		if (recorded && cli_db(cli, &db) >= 0)
			(void)db_container_delete(db, id);
		if (c.bundle_ours)
			(void)rm_rf(c.bundle);
		if (cancelled)
			cli_cancel_die(cancelled);
		return r;
	}
	supervisor_commit(sync_fd);
	int exit_code;
	r = supervisor_wait_started(&lp, sync_fd, pid, &tty, &exit_code);
	if (r < 0) {
		stdio_relay_flush(&stdio);
		if (o.auto_remove)
			remove_unstarted(cli, id);
		return exit_code > 0 && exit_code != EXIT_BERTH_ERROR ? exit_code : r;
	}

	/* Nothing more for the DB from us: close it while the container runs
	 * rather than after it. */
	cli->db = db_close(cli->db);
	if (o.detach) {
		log_debug("detached: its supervisor keeps it from here on");
		printf("%s\n", id);
		return 0;
	}
	/* Our stdout may be the container's too: nothing of ours is pending. */
	fflush(stdout);
	/* While the container runs we only wait: let go of our code's pages
	 * now, when the CPU is idle, rather than at exit, when the container's
	 * end waits for it (the few pages the rest needs fault back in). */
	drop_text_pages();
	if (tty < 0)
		return attach_wait(sync_fd, &stdio);
	/* The container's stdio is its terminal: the pipes held only what
	 * its supervisor said before it had a log. */
	stdio_relay_flush(&stdio);
	stdio_relay_end(&stdio);
	return attach_tty(sync_fd, TAKE_FD(tty));
}
