/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "run-network.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"
#include "rootless.h"
#include "util.h"

void run_network_done(RunNetwork *n)
{
	strv_free(n->networks);
	free(n->ports);
	strv_free(n->dns);
	strv_free(n->add_hosts);
	network_rows_free(n->rows, n->rows ? n->n : 0);
	network_attachments_free(n->att, n->att ? n->n : 0);
	*n = (RunNetwork){ 0 };
}

int run_network_set(RunNetwork *n, const char *arg)
{
	strv_free(n->networks);
	n->networks = NULL;
	n->pasta = streq(arg, "pasta");
	if (n->pasta)
		return 0;
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return log_error_errno(-ENOMEM, "out of memory");
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const char *name = streq(t, "bridge") ? NETWORK_DEFAULT_NAME : t;
		if (!name_is_valid(name))
			return log_error_errno(-EINVAL,
					       "invalid --net `%s`: `%s` is no network name", arg,
					       t);
		if (strv_contains(n->networks, name))
			return log_error_errno(-EINVAL, "invalid --net `%s`: `%s` is given twice",
					       arg, t);
		if (strv_push(&n->networks, name) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	if (!n->networks)
		return log_error_errno(-EINVAL, "invalid --net `%s`", arg);
	return 0;
}

int run_network_option(int c, const char *arg, RunNetwork *n)
{
	char err[160];
	uint32_t a;
	switch (c) {
	case ARG_NET_IP:
		if (ipv4_parse(arg, &a) < 0)
			return log_error_errno(-EINVAL, "invalid --ip `%s`: not an IPv4 address",
					       arg);
		n->ip = arg;
		return 1;
	case ARG_NET_PUBLISH: {
		PortMapping p;
		if (port_mapping_parse(arg, &p, err, sizeof(err)) < 0)
			return log_error_errno(-EINVAL, "invalid --publish `%s`: %s", arg, err);
		for (size_t i = 0; i < n->n_ports; i++)
			if (n->ports[i].host_port == p.host_port &&
			    streq(n->ports[i].protocol, p.protocol) &&
			    (!*n->ports[i].host_ip || !*p.host_ip ||
			     streq(n->ports[i].host_ip, p.host_ip)))
				return log_error_errno(-EINVAL,
						       "invalid --publish `%s`: host port %u/%s is "
						       "published twice",
						       arg, p.host_port, p.protocol);
		PortMapping *m = realloc(n->ports, (n->n_ports + 1) * sizeof(*m));
		if (!m)
			return log_error_errno(-ENOMEM, "out of memory");
		n->ports = m;
		n->ports[n->n_ports++] = p;
		return 1;
	}
	case ARG_NET_DNS:
		if (ipv4_parse(arg, &a) < 0)
			return log_error_errno(-EINVAL, "invalid --dns `%s`: not an IPv4 address",
					       arg);
		if (strv_push(&n->dns, arg) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
		return 1;
	case ARG_NET_ADD_HOST: {
		/* NAME:IP, as Docker and Podman take it (also NAME=IP). */
		const char *sep = strpbrk(arg, ":=");
		_cleanup_free_ char *host = sep ? strndup(arg, (size_t)(sep - arg)) : NULL;
		if (!sep || !host || !hostname_is_valid(host) || ipv4_parse(sep + 1, &a) < 0)
			return log_error_errno(-EINVAL,
					       "invalid --add-host `%s`: NAME:IP, an IPv4 address",
					       arg);
		char line[320];
		snprintf(line, sizeof(line), "%s:%s", host, sep + 1);
		if (strv_push(&n->add_hosts, line) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
		return 1;
	}
	}
	return 0;
}

int run_network_check(const RunNetwork *n)
{
	if (n->pasta && !rootless())
		return log_error_errno(-EINVAL, "--net pasta is for rootless containers: root's "
						"reach the host's network through --net bridge");
	if (n->pasta && n->ip)
		return log_error_errno(-EINVAL, "--ip needs a network of berth's: with --net "
						"pasta the container has the host's addresses");
	if (n->pasta)
		return 0;
	if (n->networks) {
		if (n->ip && strv_length(n->networks) > 1)
			return log_error_errno(-EINVAL, "--ip needs a single network, not %zu",
					       strv_length(n->networks));
		return 0;
	}
	const char *opt = n->ip          ? "--ip"
			  : n->n_ports   ? "--publish"
			  : n->dns       ? "--dns"
			  : n->add_hosts ? "--add-host"
					 : NULL;
	if (opt)
		return log_error_errno(-EINVAL,
				       "%s needs a network: add --net bridge (or --net NAME)", opt);
	return 0;
}

static bool has_mount(const ContainerSpec *s, const char *dest)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (streq(s->mounts[i].destination, dest))
			return true;
	return false;
}

static int random_mac(char ret[static 18])
{
	char hex[11];
	int r = random_hex(hex, 10);
	if (r < 0)
		return r;
	/* Locally administered, unicast: 02:... as Docker's. */
	snprintf(ret, 18, "02:%.2s:%.2s:%.2s:%.2s:%.2s", hex, hex + 2, hex + 4, hex + 6, hex + 8);
	return 0;
}

/* /etc/hosts, /etc/resolv.conf and /etc/hostname, which the supervisor
 * writes into the bundle (supervisor/network.c) before the init mounts
 * them, unless the user mounts over them; and --add-host's lines. */
static int add_etc_files(const RunNetwork *n, const char *bundle, ContainerSpec *s)
{
	static const char *const files[][2] = { { "/etc/hosts", "hosts" },
						{ "/etc/resolv.conf", "resolv.conf" },
						{ "/etc/hostname", "hostname" } };
	static const char *const opts[] = { "bind", "nosuid", "nodev", NULL };
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		if (has_mount(s, files[i][0]))
			continue;
		_cleanup_free_ char *src = NULL;
		if (asprintf(&src, "%s/%s", bundle, files[i][1]) < 0 ||
		    spec_add_mount(s, files[i][0], "bind", src, opts) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	if (n->add_hosts) {
		_cleanup_free_ char *j = strv_to_json(n->add_hosts);
		if (!j || spec_set_annotation(s, ANNOTATION_ADD_HOSTS, j) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	return 0;
}

int run_network_prepare(Cli *cli, RunNetwork *n, const char *bundle, ContainerSpec *s)
{
	if (n->pasta)
		return add_etc_files(n, bundle, s);
	if (!n->networks)
		return 0;
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	size_t count = strv_length(n->networks);
	n->rows = calloc(count, sizeof(*n->rows));
	n->att = calloc(count, sizeof(*n->att));
	if (!n->rows || !n->att)
		return log_error_errno(-ENOMEM, "out of memory");
	n->n = count;
	bool way_out = false;
	for (size_t i = 0; i < count; i++) {
		r = db_network_lookup(db, n->networks[i], &n->rows[i]);
		if (r == -ENOENT)
			return log_error_errno(r, "no such network: %s (see `berth network ls`)",
					       n->networks[i]);
		if (r < 0)
			return cli_db_error(cli, r, "look up network `%s`", n->networks[i]);
		way_out |= !n->rows[i].internal;
		char ifname[24], mac[18];
		snprintf(ifname, sizeof(ifname), "eth%zu", i);
		if ((r = random_mac(mac)) < 0)
			return log_error_errno(r, "random: %m");
		n->att[i].network_id = strdup(n->rows[i].id);
		n->att[i].interface = strdup(ifname);
		n->att[i].mac = strdup(mac);
		if (!n->att[i].network_id || !n->att[i].interface || !n->att[i].mac)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	if (n->ip) {
		uint32_t a, net, gw;
		unsigned prefix;
		if (ipv4_parse(n->ip, &a) < 0 ||
		    ipv4_parse_cidr(n->rows[0].subnet, &net, &prefix) < 0 ||
		    ipv4_parse(n->rows[0].gateway, &gw) < 0)
			return log_error_errno(-EINVAL, "invalid --ip `%s`", n->ip);
		if (!ipv4_in_subnet(a, net, prefix) || a == net ||
		    a == (net | ~ipv4_mask(prefix)) || a == gw)
			return log_error_errno(
				-EINVAL,
				"--ip %s is not a free host address of network %s (%s, "
				"gateway %s)",
				n->ip, n->rows[0].name, n->rows[0].subnet, n->rows[0].gateway);
		if (!(n->att[0].ip = strdup(n->ip)))
			return log_error_errno(-ENOMEM, "out of memory");
	}
	if (n->n_ports && !way_out)
		return log_error_errno(-EINVAL,
				       "--publish needs a network with a way out: %s %s --internal",
				       n->rows[0].name, count > 1 ? "and the others are" : "is");

	return add_etc_files(n, bundle, s);
}

int run_network_record(Cli *cli, RunNetwork *n, const ContainerRow *row)
{
	sqlite3 *db;
	int r = cli_db(cli, &db);
	if (r < 0)
		return r;
	size_t failed = 0;
	r = db_container_insert_networked(db, row, n->att, n->n, n->ports, n->n_ports, &failed);
	if (r == -EEXIST)
		return log_error_errno(r, "the name `%s` is already in use", row->name);
	if (r == -EADDRNOTAVAIL)
		return log_error_errno(r, "--ip %s is another container's on network %s",
				       n->att[failed].ip, n->rows[failed].name);
	if (r == -ERANGE)
		return log_error_errno(r, "network %s has no free address left (%s)",
				       n->rows[failed].name, n->rows[failed].subnet);
	if (r == -ENOENT)
		return log_error_errno(r, "network %s was removed meanwhile", n->rows[failed].name);
	if (r == -EADDRINUSE)
		return log_error_errno(r,
				       "another container took user namespace range %lld "
				       "meanwhile; run again",
				       (long long)row->userns_base);
	if (r < 0)
		return cli_db_error(cli, r, "record the container in the state DB");
	for (size_t i = 0; i < n->n; i++)
		log_debug("container %.12s: %s on network %s (%s)", row->id, n->att[i].ip,
			  n->rows[i].name, n->att[i].interface);
	return 0;
}

/* pasta's options for --net pasta: each published port forwarded from
 * the host ("-t [HOSTIP/]HOSTPORT:CTRPORT"), nothing else, either way. */
static int pasta_annotate(const RunNetwork *n, const char *name, ContainerSpec *s)
{
	_cleanup_(json_decrefp) json_t *o = json_object();
	json_t *args = json_array(), *dns = json_array();
	if (!o || !args || !dns) {
		json_decref(args);
		json_decref(dns);
		return -ENOMEM;
	}
	json_object_set_new(o, "container_name", json_string(name));
	json_object_set_new(o, "args", args);
	json_object_set_new(o, "dns_servers", dns);
	for (size_t i = 0; n->dns && n->dns[i]; i++)
		json_array_append_new(dns, json_string(n->dns[i]));
	bool tcp = false, udp = false;
	for (size_t i = 0; i < n->n_ports; i++) {
		const PortMapping *p = &n->ports[i];
		bool is_udp = streq(p->protocol, "udp");
		char spec[96];
		snprintf(spec, sizeof(spec), "%s%s%u:%u", p->host_ip, *p->host_ip ? "/" : "",
			 (unsigned)p->host_port, (unsigned)p->container_port);
		json_array_append_new(args, json_string(is_udp ? "-u" : "-t"));
		json_array_append_new(args, json_string(spec));
		tcp |= !is_udp;
		udp |= is_udp;
	}
	const char *none[] = { tcp ? NULL : "-t", udp ? NULL : "-u", "-T", "-U" };
	for (size_t i = 0; i < ELEMENTSOF(none); i++)
		if (none[i]) {
			json_array_append_new(args, json_string(none[i]));
			json_array_append_new(args, json_string("none"));
		}
	_cleanup_free_ char *text = json_dumps(o, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	return spec_set_annotation(s, ANNOTATION_PASTA, text);
}

int run_network_annotate(const RunNetwork *n, const char *id, const char *name, ContainerSpec *s)
{
	if (n->pasta)
		return pasta_annotate(n, name, s);
	if (!n->networks)
		return 0;
	_cleanup_(json_decrefp) json_t *o = json_object();
	json_t *networks = json_object(), *info = json_object(), *ports = json_array();
	if (!o || !networks || !info || !ports) {
		json_decref(networks);
		json_decref(info);
		json_decref(ports);
		return -ENOMEM;
	}
	char shortid[13];
	snprintf(shortid, sizeof(shortid), "%.12s", id);
	json_object_set_new(o, "container_id", json_string(id));
	json_object_set_new(o, "container_name", json_string(name));
	json_object_set_new(o, "networks", networks);
	json_object_set_new(o, "network_info", info);
	json_object_set_new(o, "port_mappings", ports);
	for (size_t i = 0; i < n->n; i++) {
		const NetworkRow *r = &n->rows[i];
		json_t *aliases = json_pack("[s,s]", name, shortid);
		if (s->hostname && !streq(s->hostname, name) && !streq(s->hostname, shortid))
			json_array_append_new(aliases, json_string(s->hostname));
		json_object_set_new(networks, r->name,
				    json_pack("{s:s, s:[s], s:o, s:s}", "interface_name",
					      n->att[i].interface, "static_ips", n->att[i].ip,
					      "aliases", aliases, "static_mac", n->att[i].mac));
		json_object_set_new(info, r->name,
				    json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}], s:b, s:b, s:b, "
					      "s:{s:s}, s:{s:s}}",
					      "name", r->name, "id", r->id, "driver", r->driver,
					      "network_interface", r->interface, "subnets",
					      "subnet", r->subnet, "gateway", r->gateway,
					      "ipv6_enabled", 0, "internal", r->internal,
					      "dns_enabled", r->dns_enabled,
					      /* berth's networks never reach each other:
					       * netavark drops what goes from one to
					       * another (Podman's isolate=true) */
					      "options", "isolate", "true", "ipam_options",
					      "driver", "host-local"));
	}
	for (size_t i = 0; i < n->n_ports; i++)
		json_array_append_new(ports, json_pack("{s:s, s:i, s:i, s:i, s:s}", "host_ip",
						       n->ports[i].host_ip, "container_port",
						       (int)n->ports[i].container_port, "host_port",
						       (int)n->ports[i].host_port, "range", 1,
						       "protocol", n->ports[i].protocol));
	if (n->dns) {
		json_t *d = json_array();
		for (size_t i = 0; n->dns[i]; i++)
			json_array_append_new(d, json_string(n->dns[i]));
		json_object_set_new(o, "dns_servers", d);
	}
	_cleanup_free_ char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!j)
		return -ENOMEM;
	return spec_set_annotation(s, ANNOTATION_NETWORK, j);
}

int container_network_cleanup(Cli *cli, const char *id)
{
	_cleanup_free_ char *netns = network_netns_path(cli->paths.run_dir, id);
	if (!netns)
		return -ENOMEM;
	/* Every command that finds a supervisor gone comes here: one stat()
	 * when there is nothing to do. */
	if (access(netns, F_OK) < 0)
		return 0;
	_cleanup_close_ int lock = -EBADF;
	int r = network_lock(cli->paths.run_dir, &lock);
	if (r < 0)
		return log_warning_errno(r, "lock the networks of %s: %m", cli->paths.run_dir);
	/* A supervisor may have been at it while we waited. */
	if (access(netns, F_OK) < 0)
		return 0;
	_cleanup_free_ char *config = path_container_file(&cli->paths, id, "config.json");
	_cleanup_(spec_freep) ContainerSpec *spec = NULL;
	_cleanup_free_ char *error = NULL;
	const char *options = NULL;
	if (config && spec_read_file(config, &spec, &error) >= 0)
		options = spec_get_annotation(spec, ANNOTATION_NETWORK);
	char err[512];
	if (!options) {
		/* Its configuration is gone: the namespace goes, and with it
		 * the container's end of each veth pair; firewall rules and
		 * DNS entries, named by the container's id, cannot be found
		 * without it. */
		r = netns_file_remove(netns);
		if (r < 0)
			return log_warning_errno(r, "remove `%s`: %m", netns);
		log_warning("container %.12s left its network namespace, but not its network "
			    "options: removed the namespace only",
			    id);
		return 1;
	}
	r = network_teardown(cli->paths.run_dir, id, options, err, sizeof(err));
	if (r < 0)
		return log_warning_errno(r, "tear down the network of container %.12s: %s", id,
					 err);
	log_debug("container %.12s: tore down the network its supervisor left", id);
	return r;
}

/* A container's attachments and ports, for output. */
typedef struct {
	NetworkAttachment *a;
	size_t n;
	PortMapping *p;
	size_t np;
} ContainerNet;

static void container_net_load(sqlite3 *db, const char *id, ContainerNet *ret)
{
	*ret = (ContainerNet){ 0 };
	(void)db_container_networks(db, id, &ret->a, &ret->n);
	(void)db_container_ports(db, id, &ret->p, &ret->np);
}

static void container_net_done(ContainerNet *c)
{
	network_attachments_free(c->a, c->n);
	free(c->p);
}

void network_print_json(FILE *f, sqlite3 *db, const char *id)
{
	_cleanup_(container_net_done) ContainerNet c;
	container_net_load(db, id, &c);
	NetworkAttachment *a = c.a;
	PortMapping *p = c.p;
	size_t n = c.n, np = c.np;
	fputs(", \"networks\": [", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"network\": ", i ? ", " : "");
		print_json_string(f, a[i].network_name);
		fprintf(f, ", \"interface\": \"%s\", \"ip\": \"%s\", \"mac\": \"%s\"}",
			a[i].interface, a[i].ip, a[i].mac);
	}
	fputs("], \"ports\": [", f);
	for (size_t i = 0; i < np; i++)
		fprintf(f,
			"%s{\"host_ip\": \"%s\", \"host_port\": %u, \"container_port\": %u, "
			"\"protocol\": \"%s\"}",
			i ? ", " : "", p[i].host_ip, p[i].host_port, p[i].container_port,
			p[i].protocol);
	fputs("]", f);
}

static void format_port(const PortMapping *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%u->%u/%s", p->host_ip, *p->host_ip ? ":" : "", p->host_port,
		 p->container_port, p->protocol);
}

void network_print_text(sqlite3 *db, const char *id)
{
	_cleanup_(container_net_done) ContainerNet c;
	container_net_load(db, id, &c);
	for (size_t i = 0; i < c.n; i++)
		printf("%s%s: %s %s (%s)\n",
		       i ? "             " : "Networks:    ", c.a[i].network_name, c.a[i].interface,
		       c.a[i].ip, c.a[i].mac);
	for (size_t i = 0; i < c.np; i++) {
		char buf[64];
		format_port(&c.p[i], buf, sizeof(buf));
		printf("%s%s\n", i ? "             " : "Ports:       ", buf);
	}
}

void network_summary(sqlite3 *db, const char *id, char *ips, size_t ips_size, char *ports,
		     size_t ports_size)
{
	_cleanup_(container_net_done) ContainerNet c;
	container_net_load(db, id, &c);
	*ips = *ports = 0;
	for (size_t i = 0; i < c.n; i++)
		snprintf(ips + strlen(ips), ips_size - strlen(ips), "%s%s", i ? "," : "",
			 c.a[i].ip);
	for (size_t i = 0; i < c.np; i++) {
		char buf[64];
		format_port(&c.p[i], buf, sizeof(buf));
		snprintf(ports + strlen(ports), ports_size - strlen(ports), "%s%s", i ? "," : "",
			 buf);
	}
}

/* The network of netavark's options info (a "network_info" member) in the
 * DB: there already, or made again. */
static int repair_network_row(sqlite3 *db, json_t *info, const char **ret_id)
{
	const char *id = json_string_value(json_object_get(info, "id"));
	const char *name = json_string_value(json_object_get(info, "name"));
	json_t *sub = json_array_get(json_object_get(info, "subnets"), 0);
	if (!id || !name)
		return -EBADMSG;
	NetworkRow existing;
	int r = db_network_lookup(db, id, &existing);
	if (r == 0) {
		bool same = streq(existing.id, id);
		network_row_done(&existing);
		if (same) {
			*ret_id = id;
			return 0;
		}
	}
	char now[32];
	format_iso8601(now_usec(), now);
	NetworkRow row = {
		.id = (char *)id,
		.name = (char *)name,
		.driver = (char *)"bridge",
		.interface = (char *)json_string_value(json_object_get(info, "network_interface")),
		.subnet = (char *)json_string_value(json_object_get(sub, "subnet")),
		.gateway = (char *)json_string_value(json_object_get(sub, "gateway")),
		.internal = json_is_true(json_object_get(info, "internal")),
		.dns_enabled = json_is_true(json_object_get(info, "dns_enabled")),
		.labels = (char *)"{}",
		.created_at = now,
	};
	if (!row.interface || !row.subnet || !row.gateway)
		return -EBADMSG;
	r = db_network_insert(db, &row);
	if (r < 0)
		return r;
	printf("  fixed: recorded network %s again from a container's configuration\n", name);
	*ret_id = id;
	return 0;
}

int network_repair_rows(Cli *cli, sqlite3 *db, const char *id, const char *name,
			const ContainerSpec *spec)
{
	(void)cli;
	const char *options = spec_get_annotation(spec, ANNOTATION_NETWORK);
	if (!options)
		return 0;
	_cleanup_(json_decrefp) json_t *o = json_loads(options, 0, NULL);
	json_t *networks = json_object_get(o, "networks");
	json_t *info = json_object_get(o, "network_info");
	size_t n = json_object_size(networks),
	       np = json_array_size(json_object_get(o, "port_mappings"));
	NetworkAttachment *a = calloc(n + 1, sizeof(*a));
	PortMapping *p = calloc(np + 1, sizeof(*p));
	int r = a && p ? 0 : -ENOMEM;
	size_t k = 0;
	const char *netname;
	json_t *per;
	json_object_foreach(networks, netname, per) {
		const char *network_id = NULL;
		if (r < 0)
			break;
		r = repair_network_row(db, json_object_get(info, netname), &network_id);
		if (r < 0)
			break;
		const char *ip =
			json_string_value(json_array_get(json_object_get(per, "static_ips"), 0));
		const char *ifname = json_string_value(json_object_get(per, "interface_name"));
		const char *mac = json_string_value(json_object_get(per, "static_mac"));
		if (!ip || !ifname || !mac) {
			r = -EBADMSG;
			break;
		}
		a[k] = (NetworkAttachment){ .network_id = strdup(network_id),
					    .interface = strdup(ifname),
					    .ip = strdup(ip),
					    .mac = strdup(mac) };
		if (!a[k].network_id || !a[k].interface || !a[k].ip || !a[k].mac)
			r = -ENOMEM;
		k++;
	}
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, "port_mappings"), i, v) {
		if (r < 0)
			break;
		const char *host_ip = json_string_value(json_object_get(v, "host_ip"));
		const char *proto = json_string_value(json_object_get(v, "protocol"));
		p[i] = (PortMapping){
			.host_port = (uint16_t)json_integer_value(json_object_get(v, "host_port")),
			.container_port =
				(uint16_t)json_integer_value(json_object_get(v, "container_port")),
		};
		snprintf(p[i].host_ip, sizeof(p[i].host_ip), "%s", host_ip ? host_ip : "");
		snprintf(p[i].protocol, sizeof(p[i].protocol), "%s", proto ? proto : "tcp");
	}
	if (r >= 0)
		r = db_container_attach(db, id, a, k, p, np, NULL);
	if (r < 0)
		printf("  not fixed: the addresses and ports of container %s: %s\n", name,
		       r == -EADDRNOTAVAIL ? "an address is another container's now"
					   : strerror(-r));
	else
		printf("  fixed: recorded the %zu address%s and %zu port%s of container %s again\n",
		       k, k == 1 ? "" : "es", np, np == 1 ? "" : "s", name);
	network_attachments_free(a, a ? k : 0);
	free(p);
	return r;
}
