/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth network create|ls|inspect|rm|prune: the networks netavark makes
 * bridges of (common/network.h). A network is a row of the state DB; its
 * bridge, firewall rules and DNS entries exist only while containers on it
 * run, made and taken down by their supervisors through netavark. */

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "network.h"
#include "options.h"
#include "parse.h"
#include "rootless.h"
#include "util.h"

static void create_help(void)
{
	printf("Usage: berth network create [OPTIONS] NAME\n"
	       "\n"
	       "Create a bridge network. Containers join it with `berth run --net NAME`;\n"
	       "netavark makes its bridge when the first of them starts.\n"
	       "\n"
	       "Options:\n"
	       "      --subnet CIDR     its IPv4 subnet (default: the first free 10.91.N.0/24)\n"
	       "      --gateway IP      the bridge's address (default: the subnet's first)\n"
	       "      --internal        no way out of the network: no NAT, no published port\n"
	       "      --disable-dns     no aardvark-dns: containers do not find each other\n"
	       "                        by name\n"
	       "      --label KEY=VALUE attach a label (repeatable)\n"
	       "  -d, --driver bridge   the only driver\n"
	       "  -h, --help            show this help\n");
}

/* The subnet of every other network, as numbers. */
static int check_subnet_free(NetworkRow *rows, size_t n, uint32_t net, unsigned prefix,
			     const char **ret_clash)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t o;
		unsigned op;
		if (ipv4_parse_cidr(rows[i].subnet, &o, &op) < 0)
			continue;
		if (ipv4_subnets_overlap(o, op, net, prefix)) {
			*ret_clash = rows[i].name;
			return -EADDRINUSE;
		}
	}
	return 0;
}

/* The first berthN that no network has. */
static void pick_bridge(NetworkRow *rows, size_t n, char ret[static 16])
{
	for (unsigned k = 1;; k++) {
		snprintf(ret, 16, NETWORK_BRIDGE_PREFIX "%u", k);
		bool used = false;
		for (size_t i = 0; i < n && !used; i++)
			used = streq(rows[i].interface, ret);
		if (!used)
			return;
	}
}

static int network_create(Cli *cli, int argc, char **argv)
{
	enum { ARG_SUBNET = 0x100, ARG_GATEWAY, ARG_INTERNAL, ARG_LABEL, ARG_NO_DNS };
	static const struct option options[] = {
		{ "subnet", required_argument, NULL, ARG_SUBNET },
		{ "gateway", required_argument, NULL, ARG_GATEWAY },
		{ "internal", no_argument, NULL, ARG_INTERNAL },
		{ "disable-dns", no_argument, NULL, ARG_NO_DNS },
		{ "label", required_argument, NULL, ARG_LABEL },
		{ "driver", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *subnet = NULL, *gateway = NULL;
	bool internal = false, dns = true;
	_cleanup_(json_decrefp) json_t *labels = json_object();
	if (!labels)
		return log_error_errno(-ENOMEM, "out of memory");
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, ":d:h", options, "network create")) > 0) {
		switch (c) {
		case ARG_SUBNET:
			subnet = optarg;
			break;
		case ARG_GATEWAY:
			gateway = optarg;
			break;
		case ARG_INTERNAL:
			internal = true;
			break;
		case ARG_NO_DNS:
			dns = false;
			break;
		case ARG_LABEL: {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return log_error_errno(-EINVAL, "invalid --label `%s`: KEY=VALUE",
						       optarg);
			_cleanup_free_ char *k = strndup(optarg, (size_t)(eq - optarg));
			json_t *v = json_string(eq + 1);
			if (!k || !v || json_object_set_new(labels, k, v) < 0)
				return log_error_errno(-EINVAL,
						       "invalid --label `%s`: not valid UTF-8",
						       optarg);
			break;
		}
		case 'd':
			if (!streq(optarg, "bridge"))
				return log_error_errno(
					-EINVAL, "unknown --driver `%s`: berth has `bridge` only",
					optarg);
			break;
		case 'h':
			create_help();
			return 0;
		}
	}
	if (c < 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing NAME (see `berth network create --help`)");
	if (optind + 1 < argc)
		return log_error_errno(-EINVAL, "one NAME only, not also `%s`", argv[optind + 1]);
	const char *name = argv[optind];
	if (rootless())
		return log_error_errno(-EPERM, "berth's networks need root (netavark makes "
					       "bridges); a rootless container reaches the network "
					       "through --net pasta");
	if (!name_is_valid(name) || streq(name, "bridge") || streq(name, "host") ||
	    streq(name, "none") || streq(name, "private") || streq(name, "pasta"))
		return log_error_errno(-EINVAL,
				       "invalid network name `%s`: letters, digits, `_.-`, not "
				       "bridge, host, none, private or pasta",
				       name);

	uint32_t net = 0, gw = 0;
	unsigned prefix = 24;
	if (subnet) {
		if (strchr(subnet, ':'))
			return log_error_errno(-EOPNOTSUPP,
					       "--subnet `%s`: IPv6 networks are not supported",
					       subnet);
		if (ipv4_parse_cidr(subnet, &net, &prefix) < 0)
			return log_error_errno(-EINVAL,
					       "invalid --subnet `%s`: an IPv4 CIDR such as "
					       "10.91.7.0/24, of /8 to /30",
					       subnet);
	}
	if (gateway) {
		if (!subnet)
			return log_error_errno(-EINVAL, "--gateway needs --subnet");
		if (ipv4_parse(gateway, &gw) < 0)
			return log_error_errno(-EINVAL,
					       "invalid --gateway `%s`: not an IPv4 address",
					       gateway);
		uint32_t bcast = net | ~ipv4_mask(prefix);
		if (!ipv4_in_subnet(gw, net, prefix) || gw == net || gw == bcast)
			return log_error_errno(
				-EINVAL, "--gateway %s is not a host address of the subnet %s",
				gateway, subnet);
	}

	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	NetworkRow existing;
	if (db_network_lookup(db, name, &existing) == 0) {
		bool taken = streq(existing.name, name);
		network_row_done(&existing);
		if (taken)
			return log_error_errno(-EEXIST, "network `%s` already exists", name);
	}
	/* Another `network create` may take the same subnet or bridge between
	 * our look and our insert: the DB's UNIQUE columns say so, and we
	 * look again. */
	for (int attempt = 0; attempt < 8; attempt++) {
		NetworkRow *rows = NULL;
		size_t n = 0;
		r = db_network_list(db, &rows, &n);
		if (r < 0)
			return cli_db_error(cli, r, "list networks");
		const char *clash = NULL;
		if (subnet) {
			r = check_subnet_free(rows, n, net, prefix, &clash);
			if (r < 0) {
				log_error("--subnet %s overlaps the subnet of network %s", subnet,
					  clash);
				network_rows_free(rows, n);
				return -EADDRINUSE;
			}
		} else {
			r = -ERANGE;
			for (unsigned k = 0; k < NETWORK_AUTO_SUBNETS && r < 0; k++) {
				net = NETWORK_AUTO_SUBNET_BASE | (k << 8);
				if (check_subnet_free(rows, n, net, 24, &clash) == 0 &&
				    ipv4_subnet_routed(net, 24) == 0)
					r = 0;
			}
			if (r < 0) {
				network_rows_free(rows, n);
				return log_error_errno(r,
						       "no free subnet left in 10.91.0.0/16: give "
						       "one with --subnet");
			}
		}
		if (!gateway)
			gw = net + 1;
		char bridge[16], sub[32], gws[16], addr[16], id[65];
		pick_bridge(rows, n, bridge);
		network_rows_free(rows, n);
		ipv4_format(net, addr);
		snprintf(sub, sizeof(sub), "%s/%u", addr, prefix);
		ipv4_format(gw, gws);
		if ((r = random_hex(id, 64)) < 0)
			return log_error_errno(r, "random: %m");
		char now[32];
		format_iso8601(now_usec(), now);
		_cleanup_free_ char *label_json = json_dumps(labels, JSON_COMPACT | JSON_SORT_KEYS);
		if (!label_json)
			return log_error_errno(-ENOMEM, "out of memory");
		NetworkRow row = { .id = id,
				   .name = (char *)name,
				   .driver = (char *)"bridge",
				   .interface = bridge,
				   .subnet = sub,
				   .gateway = gws,
				   .internal = internal,
				   .dns_enabled = dns,
				   .labels = label_json,
				   .created_at = now };
		r = db_network_insert(db, &row);
		if (r == -EEXIST)
			return log_error_errno(r, "network `%s` already exists", name);
		if ((r == -EADDRINUSE && !subnet) || r == -EBUSY)
			continue;
		if (r == -EADDRINUSE)
			return log_error_errno(r, "--subnet %s is another network's", subnet);
		if (r < 0)
			return cli_db_error(cli, r, "record network `%s`", name);
		log_debug("network %s: %s, gateway %s, bridge %s", name, sub, gws, bridge);
		printf("%s\n", name);
		return 0;
	}
	return log_error_errno(-EAGAIN, "other commands kept taking the subnet: run again");
}

static int lookup(Cli *cli, const char *key, NetworkRow *ret)
{
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	if (streq(key, "bridge"))
		key = NETWORK_DEFAULT_NAME;
	r = db_network_lookup(db, key, ret);
	if (r == -ENOENT)
		return log_error_errno(r, "no such network: %s", key);
	if (r == -ENOTUNIQ)
		return log_error_errno(r, "`%s` matches several networks", key);
	if (r < 0)
		return cli_db_error(cli, r, "look up network `%s`", key);
	return 0;
}

/* The options of ls, rm and prune: one flag (-q or -f) and -h. Returns 1 to
 * go on (the arguments from argv[optind] on), 0 once help() has printed,
 * or a negative errno after the error. */
static int parse_flag(int argc, char **argv, const char *command, const char *longname,
		      char shortname, void (*help)(void), bool *ret_flag)
{
	const struct option options[] = {
		{ longname, no_argument, NULL, shortname },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char shortopts[] = { ':', shortname, 'h', 0 };
	int c;
	optind = 0;
	while ((c = cli_getopt(argc, argv, shortopts, options, command)) > 0) {
		if (c != shortname) {
			help();
			return 0;
		}
		*ret_flag = true;
	}
	return c < 0 ? c : 1;
}

/* ls and prune: no arguments after the options, then every network. */
static int list_networks(Cli *cli, int argc, char **argv, sqlite3 **ret_db, NetworkRow **ret,
			 size_t *ret_n)
{
	if (optind < argc)
		return log_error_errno(-EINVAL, "unexpected argument `%s`", argv[optind]);
	int r = cli_db(cli, ret_db);
	if (r < 0)
		return r;
	r = db_network_list(*ret_db, ret, ret_n);
	if (r < 0)
		return cli_db_error(cli, r, "list networks");
	return 0;
}

static void ls_help(void)
{
	printf("Usage: berth network ls [OPTIONS]\n"
	       "\n"
	       "List networks.\n"
	       "\n"
	       "Options:\n"
	       "  -q, --quiet    print names only\n"
	       "  -h, --help     show this help\n");
}

static int network_ls(Cli *cli, int argc, char **argv)
{
	bool quiet = false;
	int c = parse_flag(argc, argv, "network ls", "quiet", 'q', ls_help, &quiet);
	if (c <= 0)
		return c;
	sqlite3 *db;
	NetworkRow *rows = NULL;
	size_t n = 0;
	int r = list_networks(cli, argc, argv, &db, &rows, &n);
	if (r < 0)
		return r;
	if (!quiet)
		printf("%-14s %-16s %-8s %-18s %-15s %s\n", "NETWORK ID", "NAME", "DRIVER",
		       "SUBNET", "GATEWAY", "OPTIONS");
	for (size_t i = 0; i < n; i++) {
		if (quiet) {
			printf("%s\n", rows[i].name);
			continue;
		}
		char opts[64];
		snprintf(opts, sizeof(opts), "%s%s%s", rows[i].internal ? "internal" : "",
			 rows[i].internal && !rows[i].dns_enabled ? "," : "",
			 rows[i].dns_enabled ? "" : "no-dns");
		printf("%-14.12s %-16s %-8s %-18s %-15s %s\n", rows[i].id, rows[i].name,
		       rows[i].driver, rows[i].subnet, rows[i].gateway, *opts ? opts : "-");
	}
	network_rows_free(rows, n);
	return 0;
}

static json_t *network_json(sqlite3 *db, const NetworkRow *n)
{
	json_t *labels = json_loads(n->labels, 0, NULL);
	json_t *containers = json_object();
	NetworkAttachment *a = NULL;
	size_t na = 0;
	if (db_network_attachments(db, n->id, &a, &na) >= 0)
		for (size_t i = 0; i < na; i++) {
			_cleanup_(container_row_done) ContainerRow row = { 0 };
			const char *cname =
				db_container_get(db, a[i].container_id, &row) >= 0 ? row.name : "";
			json_object_set_new(containers, a[i].container_id,
					    json_pack("{s:s, s:s, s:s, s:s}", "name", cname,
						      "interface", a[i].interface, "ip", a[i].ip,
						      "mac", a[i].mac));
		}
	network_attachments_free(a, na);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}], s:b, s:b, s:b, s:o, s:o}",
			 "name", n->name, "id", n->id, "driver", n->driver, "network_interface",
			 n->interface, "created", n->created_at, "subnets", "subnet", n->subnet,
			 "gateway", n->gateway, "ipv6_enabled", 0, "internal", n->internal,
			 "dns_enabled", n->dns_enabled, "labels", labels ? labels : json_object(),
			 "containers", containers ? containers : json_object());
}

static void inspect_help(void)
{
	printf("Usage: berth network inspect NETWORK...\n"
	       "\n"
	       "Print networks as a JSON array: subnet, gateway, bridge, options, labels,\n"
	       "and each container on it with its interface, address and MAC.\n");
}

static int network_inspect(Cli *cli, int argc, char **argv)
{
	int r = cli_parse_help_only(argc, argv, "network inspect", inspect_help);
	if (r <= 0)
		return r;
	if (optind >= argc)
		return log_error_errno(-EINVAL,
				       "missing NETWORK (see `berth network inspect --help`)");
	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0)
		return r;
	_cleanup_(json_decrefp) json_t *all = json_array();
	int ret = 0;
	for (int i = optind; i < argc; i++) {
		NetworkRow n;
		r = lookup(cli, argv[i], &n);
		if (r < 0) {
			ret = r;
			continue;
		}
		json_array_append_new(all, network_json(db, &n));
		network_row_done(&n);
	}
	_cleanup_free_ char *s = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (json_array_size(all) > 0 || ret == 0)
		printf("%s\n", s ? s : "[]");
	return ret;
}

static void rm_help(void)
{
	printf("Usage: berth network rm [OPTIONS] NETWORK...\n"
	       "\n"
	       "Remove networks no container is on.\n"
	       "\n"
	       "Options:\n"
	       "  -f, --force    remove the containers on them too (as `berth rm -f`)\n"
	       "  -h, --help     show this help\n");
}

/* Removes one network; with force, the containers on it first. */
static int remove_network(Cli *cli, const char *key, bool force)
{
	NetworkRow n;
	int r = lookup(cli, key, &n);
	if (r < 0)
		return r;
	sqlite3 *db;
	if ((r = cli_db(cli, &db)) < 0) {
		network_row_done(&n);
		return r;
	}
	if (streq(n.id, NETWORK_DEFAULT_ID)) {
		network_row_done(&n);
		return log_error_errno(-EPERM, "the default network `%s` cannot be removed",
				       NETWORK_DEFAULT_NAME);
	}
	for (int attempt = 0;; attempt++) {
		r = db_network_delete(db, n.id);
		if (r != -EBUSY || attempt > 0)
			break;
		NetworkAttachment *a = NULL;
		size_t na = 0;
		r = db_network_attachments(db, n.id, &a, &na);
		if (r < 0)
			break;
		_cleanup_strv_free_ char **ids = NULL;
		_cleanup_free_ char *list = NULL;
		for (size_t i = 0; i < na; i++) {
			_cleanup_(container_row_done) ContainerRow row = { 0 };
			if (db_container_get(db, a[i].container_id, &row) >= 0)
				(void)strv_push(&ids, row.name);
		}
		network_attachments_free(a, na);
		list = ids ? strv_join(ids, ", ") : NULL;
		if (!force) {
			log_error("network %s is in use by container%s %s: remove %s first, or "
				  "use -f",
				  n.name, strv_length(ids) == 1 ? "" : "s", list ? list : "?",
				  strv_length(ids) == 1 ? "it" : "them");
			r = -EBUSY;
			break;
		}
		/* berth rm -f NAME...: the same removal as by hand. */
		_cleanup_strv_free_ char **args = NULL;
		if (strv_push(&args, "rm") < 0 || strv_push(&args, "-f") < 0) {
			r = -ENOMEM;
			break;
		}
		for (size_t i = 0; ids && ids[i]; i++)
			if (strv_push(&args, ids[i]) < 0) {
				r = -ENOMEM;
				break;
			}
		r = cmd_rm(cli, (int)strv_length(args), args);
		if (r < 0)
			break;
	}
	if (r == -EBUSY && force)
		log_error("network %s: containers joined it while it was being removed", n.name);
	else if (r < 0 && r != -EBUSY)
		r = cli_db_error(cli, r, "remove network %s", n.name);
	else if (r >= 0)
		printf("%s\n", n.name);
	network_row_done(&n);
	return r;
}

static int network_rm(Cli *cli, int argc, char **argv)
{
	bool force = false;
	int c = parse_flag(argc, argv, "network rm", "force", 'f', rm_help, &force);
	if (c <= 0)
		return c;
	if (optind >= argc)
		return log_error_errno(-EINVAL, "missing NETWORK (see `berth network rm --help`)");
	int first = optind, ret = 0;
	for (int i = first; i < argc; i++) {
		int r = remove_network(cli, argv[i], force);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

static void prune_help(void)
{
	printf("Usage: berth network prune [-f]\n"
	       "\n"
	       "Remove every network no container is on, but the default one.\n");
}

static int network_prune(Cli *cli, int argc, char **argv)
{
	bool force = false; /* prune never asks */
	int c = parse_flag(argc, argv, "network prune", "force", 'f', prune_help, &force);
	if (c <= 0)
		return c;
	sqlite3 *db;
	NetworkRow *rows = NULL;
	size_t n = 0;
	int r = list_networks(cli, argc, argv, &db, &rows, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		if (streq(rows[i].id, NETWORK_DEFAULT_ID))
			continue;
		int d = db_network_delete(db, rows[i].id);
		if (d == 0)
			printf("%s\n", rows[i].name);
		else if (d != -EBUSY && d != -ENOENT)
			r = cli_db_error(cli, d, "remove network %s", rows[i].name);
	}
	network_rows_free(rows, n);
	return r < 0 ? r : 0;
}

int cmd_network(Cli *cli, int argc, char **argv)
{
	static const CliVerb verbs[] = {
		{ "create", NULL, network_create, "create a bridge network" },
		{ "ls", "list", network_ls, "list networks" },
		{ "inspect", NULL, network_inspect, "print networks as JSON" },
		{ "rm", "remove", network_rm, "remove networks" },
		{ "prune", NULL, network_prune, "remove every unused network" },
	};
	return cli_run_verb(cli, argc, argv, "network", verbs, ELEMENTSOF(verbs));
}
