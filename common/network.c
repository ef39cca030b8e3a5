/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include "network.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

int ipv4_parse(const char *s, uint32_t *ret)
{
	struct in_addr a;
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*ret = ntohl(a.s_addr);
	return 0;
}

void ipv4_format(uint32_t a, char ret[static 16])
{
	struct in_addr in = { .s_addr = htonl(a) };
	inet_ntop(AF_INET, &in, ret, 16);
}

int ipv4_parse_cidr(const char *s, uint32_t *ret_net, unsigned *ret_prefix)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	if (!slash || slash - s > 15)
		return -EINVAL;
	char addr[16];
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = 0;
	uint32_t a;
	char *end;
	errno = 0;
	unsigned long p = strtoul(slash + 1, &end, 10);
	if (ipv4_parse(addr, &a) < 0 || errno || end == slash + 1 || *end || p < 8 || p > 30)
		return -EINVAL;
	*ret_net = a & ipv4_mask((unsigned)p);
	*ret_prefix = (unsigned)p;
	return 0;
}

int ipv4_subnet_routed(uint32_t net, unsigned prefix)
{
	/* /proc/net/route: Iface Destination Gateway Flags RefCnt Use Metric
	 * Mask ..., addresses in hex as the kernel holds them (network order
	 * read as a little-endian number on x86). */
	_cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return -errno;
	char line[512];
	if (!fgets(line, sizeof(line), f))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char ifname[64];
		unsigned dest, gw, flags, mask;
		if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", ifname, &dest, &gw, &flags,
			   &mask) != 5)
			continue;
		uint32_t d = ntohl(dest), m = ntohl(mask);
		if (m == 0)
			continue; /* the default route overlaps everything */
		unsigned p = (unsigned)__builtin_popcount(m);
		if (ipv4_subnets_overlap(d, p, net, prefix))
			return 1;
	}
	return 0;
}

static int parse_port(const char *s, uint16_t *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

int port_mapping_parse(const char *s, PortMapping *ret, char *err, size_t errlen)
{
	PortMapping p = { .protocol = "tcp" };
	_cleanup_free_ char *copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	char *proto = strchr(copy, '/');
	if (proto) {
		*proto++ = 0;
		if (!streq(proto, "tcp") && !streq(proto, "udp")) {
			snprintf(err, errlen, "unknown protocol `%s` (tcp or udp)", proto);
			return -EINVAL;
		}
		snprintf(p.protocol, sizeof(p.protocol), "%s", proto);
	}
	/* HOSTIP:HOSTPORT:CTRPORT or HOSTPORT:CTRPORT */
	char *last = strrchr(copy, ':');
	if (!last) {
		snprintf(err, errlen, "expected [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp]");
		return -EINVAL;
	}
	*last = 0;
	char *host_port = strrchr(copy, ':');
	if (host_port) {
		*host_port++ = 0;
		uint32_t a;
		if (ipv4_parse(copy, &a) < 0) {
			snprintf(err, errlen, "`%s` is not an IPv4 address", copy);
			return -EINVAL;
		}
		ipv4_format(a, p.host_ip);
	} else
		host_port = copy;
	if (parse_port(host_port, &p.host_port) < 0) {
		snprintf(err, errlen, "host port `%s` is not a number from 1 to 65535", host_port);
		return -EINVAL;
	}
	if (parse_port(last + 1, &p.container_port) < 0) {
		snprintf(err, errlen, "container port `%s` is not a number from 1 to 65535",
			 last + 1);
		return -EINVAL;
	}
	*ret = p;
	return 0;
}

static const char *first_executable(const char *env, const char *const *candidates)
{
	const char *e = getenv(env);
	if (e && *e)
		return access(e, X_OK) == 0 ? e : NULL;
	for (size_t i = 0; candidates[i]; i++)
		if (access(candidates[i], X_OK) == 0)
			return candidates[i];
	return NULL;
}

const char *network_netavark_path(void)
{
	static const char *const c[] = { "/usr/libexec/podman/netavark", "/usr/lib/podman/netavark",
					 "/usr/local/libexec/podman/netavark", NULL };
	return first_executable("BERTH_NETAVARK", c);
}

const char *network_aardvark_path(void)
{
	static const char *const c[] = { "/usr/libexec/podman/aardvark-dns",
					 "/usr/lib/podman/aardvark-dns",
					 "/usr/local/libexec/podman/aardvark-dns", NULL };
	return first_executable("BERTH_AARDVARK_DNS", c);
}

/* Reads fds[0] and fds[1] to their ends, into *out and *errout. */
static int read_both(int fds[2], char **out, char **errout)
{
	char **dst[2] = { out, errout };
	size_t len[2] = { 0, 0 };
	bool open_[2] = { true, true };
	while (open_[0] || open_[1]) {
		struct pollfd p[2] = { { .fd = open_[0] ? fds[0] : -1, .events = POLLIN },
				       { .fd = open_[1] ? fds[1] : -1, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < 2; i++) {
			if (!open_[i] || !p[i].revents)
				continue;
			char buf[4096];
			ssize_t n = read(fds[i], buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				open_[i] = false;
				continue;
			}
			if (len[i] + (size_t)n > 1024 * 1024)
				return -E2BIG;
			char *m = realloc(*dst[i], len[i] + (size_t)n + 1);
			if (!m)
				return -ENOMEM;
			memcpy(m + len[i], buf, (size_t)n);
			len[i] += (size_t)n;
			m[len[i]] = 0;
			*dst[i] = m;
		}
	}
	return 0;
}

/* netavark's error: {"error": "..."} on stdout (1.4) or stderr, else the
 * last line it wrote to stderr. */
static void netavark_error(const char *out, const char *errout, char *err, size_t errlen)
{
	const char *texts[2] = { out, errout };
	for (int i = 0; i < 2; i++) {
		if (!texts[i])
			continue;
		const char *brace = strstr(texts[i], "{\"error\"");
		if (!brace)
			continue;
		json_t *j = json_loads(brace, JSON_DISABLE_EOF_CHECK, NULL);
		const char *msg = json_string_value(json_object_get(j, "error"));
		if (msg) {
			snprintf(err, errlen, "%s", msg);
			json_decref(j);
			return;
		}
		json_decref(j);
	}
	if (errout && *errout) {
		_cleanup_free_ char *copy = strdup(errout);
		if (copy) {
			size_t n = strlen(copy);
			while (n > 0 && copy[n - 1] == '\n')
				copy[--n] = 0;
			char *line = strrchr(copy, '\n');
			snprintf(err, errlen, "%s", line ? line + 1 : copy);
			return;
		}
	}
	snprintf(err, errlen, "it failed without a message");
}

int network_netavark(const char *verb, const char *config_dir, const char *netns,
		     const char *options, char **ret_output, char *err, size_t errlen)
{
	const char *netavark = network_netavark_path();
	if (!netavark) {
		snprintf(err, errlen,
			 "netavark is not installed (Debian's `netavark` package; or set "
			 "BERTH_NETAVARK)");
		return -ENOENT;
	}
	const char *aardvark = network_aardvark_path();
	/* The options go in through a memfd: no pipe to keep fed while we
	 * read what netavark says. */
	_cleanup_close_ int in = memfd_create("netavark-options", MFD_CLOEXEC);
	if (in < 0 || write_all(in, options, strlen(options)) < 0 || lseek(in, 0, SEEK_SET) < 0) {
		snprintf(err, errlen, "prepare netavark's input: %s", strerror(errno));
		return -errno;
	}
	_cleanup_close_pair_ int out[2] = { -EBADF, -EBADF };
	_cleanup_close_pair_ int errp[2] = { -EBADF, -EBADF };
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -errno;
	}
	const char *argv[10];
	size_t n = 0;
	argv[n++] = netavark;
	argv[n++] = "--config";
	argv[n++] = config_dir;
	if (aardvark) {
		argv[n++] = "--aardvark-binary";
		argv[n++] = aardvark;
	}
	argv[n++] = verb;
	argv[n++] = netns;
	argv[n] = NULL;
	log_debug("netavark %s %s", verb, netns);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		if (dup2(in, 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0)
			_exit(127);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* iptables and aardvark-dns are found through PATH. */
		setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
		execv(netavark, (char **)argv);
		_exit(127);
	}
	out[1] = safe_close(out[1]);
	errp[1] = safe_close(errp[1]);
	_cleanup_free_ char *output = NULL, *errout = NULL;
	int fds[2] = { out[0], errp[0] };
	int r = read_both(fds, &output, &errout);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (r < 0) {
		snprintf(err, errlen, "read what netavark printed: %s", strerror(-r));
		return r;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		netavark_error(output, errout, err, errlen);
		return -EIO;
	}
	if (ret_output)
		*ret_output = output ? TAKE_PTR(output) : strdup("");
	return 0;
}

static void write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t w = write(fd, value, strlen(value));
		(void)w;
		close(fd);
	}
}

int netns_file_create(const char *path, bool open_low_ports)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	fd = safe_close(fd);
	/* A child makes the namespace and leaves it bind-mounted: we stay in
	 * ours. */
	pid_t pid = fork();
	if (pid < 0) {
		int r = -errno;
		(void)unlink(path);
		return r;
	}
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		/* The sysctls of the namespace we are in (a /proc mounted
		 * before the unshare shows the new one's net/ folder). */
		write_sysctl("/proc/sys/net/ipv4/ping_group_range", "0 2147483647");
		if (open_low_ports)
			write_sysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0");
		if (mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
			_exit(2);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		(void)unlink(path);
		return WIFEXITED(status) && WEXITSTATUS(status) == 1 ? -EPERM : -EIO;
	}
	return 0;
}

int netns_file_exists(const char *path)
{
	struct stat st, parent;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	_cleanup_free_ char *dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	if (stat(*dir ? dir : "/", &parent) < 0)
		return -errno;
	/* A bind mount of an nsfs file lives on another device. */
	return st.st_dev != parent.st_dev ? 1 : 0;
}

int netns_file_remove(const char *path)
{
	int r = netns_file_exists(path);
	if (r < 0)
		return r;
	if (r > 0 && umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

char *network_netns_path(const char *run_dir, const char *id)
{
	char *p;
	return asprintf(&p, "%s/netns/%s", run_dir, id) < 0 ? NULL : p;
}

char *network_config_dir(const char *run_dir)
{
	char *p;
	return asprintf(&p, "%s/networks", run_dir) < 0 ? NULL : p;
}

int network_lock(const char *run_dir, int *ret_fd)
{
	_cleanup_free_ char *config = network_config_dir(run_dir);
	_cleanup_free_ char *lock = NULL;
	if (!config || asprintf(&lock, "%s/netavark.lock", config) < 0)
		return -ENOMEM;
	int r = mkdir_p(config, 0700);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int network_setup(const char *run_dir, const char *id, const char *options, bool open_low_ports,
		  char **ret_status, char *err, size_t errlen)
{
	_cleanup_free_ char *netns = network_netns_path(run_dir, id);
	_cleanup_free_ char *config = network_config_dir(run_dir);
	if (!netns || !config)
		return -ENOMEM;
	/* One left by a supervisor that was killed: its rules go first. Should
	 * netavark fail at that, the new set-up replaces what it can. */
	int r = network_teardown(run_dir, id, options, err, errlen);
	if (r < 0) {
		log_debug("tear down what a killed supervisor left: %s", err);
		(void)netns_file_remove(netns);
	}
	char *slash = strrchr(netns, '/');
	*slash = 0;
	r = mkdir_p(netns, 0700);
	*slash = '/';
	if (r >= 0)
		r = mkdir_p(config, 0700);
	if (r < 0) {
		snprintf(err, errlen, "create `%s`: %s", config, strerror(-r));
		return r;
	}
	r = netns_file_create(netns, open_low_ports);
	if (r < 0) {
		snprintf(err, errlen, "create a network namespace at `%s`: %s", netns,
			 strerror(-r));
		return r;
	}
	r = network_netavark("setup", config, netns, options, ret_status, err, errlen);
	if (r < 0) {
		/* netavark leaves what it made before the failure. */
		char ignored[256];
		(void)network_netavark("teardown", config, netns, options, NULL, ignored,
				       sizeof(ignored));
		(void)netns_file_remove(netns);
	}
	return r;
}

int network_teardown(const char *run_dir, const char *id, const char *options, char *err,
		     size_t errlen)
{
	_cleanup_free_ char *netns = network_netns_path(run_dir, id);
	_cleanup_free_ char *config = network_config_dir(run_dir);
	if (!netns || !config)
		return -ENOMEM;
	int r = netns_file_exists(netns);
	if (r <= 0) {
		if (r == 0)
			(void)unlink(netns); /* an empty file: the mount never came */
		return r;
	}
	r = network_netavark("teardown", config, netns, options, NULL, err, errlen);
	if (r < 0)
		return r; /* the file stays: the next try needs it */
	r = netns_file_remove(netns);
	if (r < 0)
		snprintf(err, errlen, "remove `%s`: %s", netns, strerror(-r));
	return r < 0 ? r : 1;
}
