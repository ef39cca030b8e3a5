/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `berth run --net NAME[,NAME...]` and the options that go with a network:
 * --ip, --publish, --dns, --add-host. The networks are looked up and the
 * container's /etc/hosts, /etc/resolv.conf and /etc/hostname mounts added
 * while the container is prepared; its addresses are given in the same DB
 * transaction that records it (db_container_insert_networked()); then the
 * netavark options its supervisor hands netavark go into its config.json
 * (ANNOTATION_NETWORK). */

#include "cli.h"
#include "network.h"

typedef struct {
	char **networks; /* from --net; NULL: no network of berth's */
	const char *ip;
	PortMapping *ports;
	size_t n_ports;
	char **dns;
	char **add_hosts; /* "NAME:IP" */
	bool pasta;       /* --net pasta: the host's network through pasta (docs/rootless.md) */

	NetworkRow *rows; /* networks[i]'s row */
	NetworkAttachment *att;
	size_t n;
} RunNetwork;

void run_network_done(RunNetwork *n);
/* --net's value when it is not a mode (private, none, host, container:C):
 * `pasta`, or a comma-separated list of networks; `bridge` is the default
 * network. */
int run_network_set(RunNetwork *n, const char *arg);
/* --ip, --publish, --dns, --add-host: 1 when c was one of them, 0 when not,
 * or a negative errno after the error. */
enum {
	ARG_NET_IP = 0x300, /* after resources.h's 0x200 range */
	ARG_NET_PUBLISH,
	ARG_NET_DNS,
	ARG_NET_ADD_HOST,
};
#define RUN_NETWORK_LONG_OPTIONS                                         \
	{ "ip", required_argument, NULL, ARG_NET_IP },                   \
		{ "publish", required_argument, NULL, ARG_NET_PUBLISH }, \
		{ "dns", required_argument, NULL, ARG_NET_DNS },         \
	{                                                                \
		"add-host", required_argument, NULL, ARG_NET_ADD_HOST    \
	}
int run_network_option(int c, const char *arg, RunNetwork *n);
/* The options given need a network: say so unless there is one. */
int run_network_check(const RunNetwork *n);

/* Looks the networks up, picks each interface's MAC, and adds the /etc
 * mounts (unless the user mounts over them). */
int run_network_prepare(Cli *cli, RunNetwork *n, const char *bundle, ContainerSpec *s);
/* Records the container with its addresses and ports; prints the error. */
int run_network_record(Cli *cli, RunNetwork *n, const ContainerRow *row);
/* netavark's options for the recorded container, into s's annotations. */
int run_network_annotate(const RunNetwork *n, const char *id, const char *name, ContainerSpec *s);

/* A container whose supervisor is gone (killed, or the machine lost it)
 * may have left its network set up: tears it down with the options of its
 * config.json. 1 when there was one, 0 when not; prints a warning when
 * netavark fails (then the next command tries again). */
int container_network_cleanup(Cli *cli, const char *id);

/* Output of a container's networks and ports: `, "networks": [...],
 * "ports": [...]` into an open JSON object; `Networks:` and `Ports:` lines
 * of `status`; and for `list`, its addresses and ports on one line each
 * ("" when it has none). */
void network_print_json(FILE *f, sqlite3 *db, const char *id);
void network_print_text(sqlite3 *db, const char *id);
void network_summary(sqlite3 *db, const char *id, char *ips, size_t ips_size, char *ports,
		     size_t ports_size);

/* `system check --repair`: the addresses and ports of container id, whose
 * row was made again from its config.json, from the network options there
 * (and the rows of its networks, should they be gone too). Prints what it
 * fixed or could not; 0 when the container has no network. */
int network_repair_rows(Cli *cli, sqlite3 *db, const char *id, const char *name,
			const ContainerSpec *spec);
