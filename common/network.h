/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Container networks through Podman's own stack: netavark makes the
 * bridge, the veth pair, the addresses, the routes and the firewall rules
 * (port forwarding, NAT) from a JSON description, and starts aardvark-dns
 * for names. berth never speaks netlink, iptables or nftables itself.
 * docs/networks.md has the design; this module is the part the CLI and the
 * supervisor share: IPv4 arithmetic, the network namespace file that
 * outlives the container's processes, and the call of netavark. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The default network: made by the DB's migration 10. */
#define NETWORK_DEFAULT_NAME "berth"
#define NETWORK_DEFAULT_ID "5c2f64c7f21efd5fb5e3d6a499abe5eacb248ae6f6f0085387c9a056d10ef5fd"
#define NETWORK_DEFAULT_SUBNET "10.90.0.0/16"
/* Networks made by `berth network create` without --subnet get the first
 * free 10.91.N.0/24 (Podman's default is 10.88.0.0/16, its own networks
 * take 10.89.N.0/24). */
#define NETWORK_AUTO_SUBNET_BASE 0x0a5b0000u /* 10.91.0.0 */
#define NETWORK_AUTO_SUBNETS 256
/* Bridges are berth0, berth1, ...; IFNAMSIZ is 16 with the NUL. */
#define NETWORK_BRIDGE_PREFIX "berth"
/* The container's annotation with netavark's network options (JSON). */
#define ANNOTATION_NETWORK "org.berth.network"
/* --add-host entries, a JSON array of "NAME:IP". */
#define ANNOTATION_ADD_HOSTS "org.berth.add-hosts"
/* --net pasta: {"container_name", "dns_servers": [...], "args": [pasta's
 * port forwarding options]} (supervisor/network.c runs pasta). */
#define ANNOTATION_PASTA "org.berth.pasta"

/* "a.b.c.d" into a host-order address; -EINVAL when it is not one. */
int ipv4_parse(const char *s, uint32_t *ret);
void ipv4_format(uint32_t a, char ret[static 16]);
/* "a.b.c.d/N" (N of 8 to 30) into its network address (host bits cleared)
 * and prefix length. */
int ipv4_parse_cidr(const char *s, uint32_t *ret_net, unsigned *ret_prefix);
static inline uint32_t ipv4_mask(unsigned prefix)
{
	return prefix ? ~UINT32_C(0) << (32 - prefix) : 0;
}
static inline bool ipv4_in_subnet(uint32_t a, uint32_t net, unsigned prefix)
{
	return (a & ipv4_mask(prefix)) == net;
}
static inline bool ipv4_subnets_overlap(uint32_t a, unsigned pa, uint32_t b, unsigned pb)
{
	unsigned p = pa < pb ? pa : pb;
	return (a & ipv4_mask(p)) == (b & ipv4_mask(p));
}
/* 1 when an IPv4 route of this host's network namespace (other than the
 * default route) overlaps net/prefix, 0 when none does. */
int ipv4_subnet_routed(uint32_t net, unsigned prefix);

/* A published port: --publish [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]. */
typedef struct PortMapping {
	char host_ip[16]; /* "" for every address */
	uint16_t host_port, container_port;
	char protocol[4]; /* "tcp" or "udp" */
} PortMapping;
/* -EINVAL with a message in err when s is not one. */
int port_mapping_parse(const char *s, PortMapping *ret, char *err, size_t errlen);

/* netavark and aardvark-dns: $BERTH_NETAVARK and $BERTH_AARDVARK_DNS, else
 * where Debian, Fedora and the upstream build put them. NULL when missing. */
const char *network_netavark_path(void);
const char *network_aardvark_path(void);

/* Runs `netavark --config CONFIG_DIR [-a AARDVARK] VERB NETNS` with options
 * on its stdin. On success *ret_output (when given) is what it printed (for
 * setup, a JSON object of each network's status). On failure the error
 * netavark gave (its JSON "error", else its last line of stderr) is in err. */
int network_netavark(const char *verb, const char *config_dir, const char *netns,
		     const char *options, char **ret_output, char *err, size_t errlen);

/* A network namespace that outlives the processes in it: a new one,
 * bind-mounted on path (a new file), as `ip netns add` does. It gets the
 * sysctls a container's own namespace gets (supervisor/init.c): ping
 * through ICMP datagram sockets for everyone, and with open_low_ports (a
 * container in a user namespace, whose root has no CAP_NET_BIND_SERVICE
 * over this namespace) every port for everyone. Its network
 * is set up before the container's init joins it, and torn down after the
 * container ended, even when its supervisor was killed. */
int netns_file_create(const char *path, bool open_low_ports);
/* Unmounts and removes it; 0 when there was none. */
int netns_file_remove(const char *path);
/* 1 when path is a network namespace file of ours (a mount point), 0 when
 * there is none. */
int netns_file_exists(const char *path);

/* A container's network namespace file, <run_dir>/netns/<id>, and the
 * folder netavark keeps aardvark-dns's files in, <run_dir>/networks.
 * Newly allocated; NULL when out of memory. */
char *network_netns_path(const char *run_dir, const char *id);
char *network_config_dir(const char *run_dir);
/* One set-up or teardown at a time per root, as Podman has it (c/common's
 * netavark.lock): two netavark at work on one bridge race on its creation
 * and removal; and a container's next set-up must come after its last
 * teardown (supervisor/network.c). The lock is <run_dir>/networks/
 * netavark.lock, taken with flock(); *ret_fd holds it until closed. The
 * functions below expect their caller to hold it. */
int network_lock(const char *run_dir, int *ret_fd);
/* Sets up the container's networks from netavark's options: a new
 * namespace at network_netns_path(), then `netavark setup`. Whatever
 * fails is undone. *ret_status is netavark's JSON answer. */
int network_setup(const char *run_dir, const char *id, const char *options, bool open_low_ports,
		  char **ret_status, char *err, size_t errlen);
/* Undoes it: `netavark teardown`, then the namespace file goes. 0 when
 * there was nothing to tear down (no namespace file). */
int network_teardown(const char *run_dir, const char *id, const char *options, char *err,
		     size_t errlen);
