/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The container's networks (common/network.h): before its init is cloned
 * we hold its published host ports, make its network namespace and have
 * netavark set it up; the init joins that namespace. We write its
 * /etc/hosts, /etc/resolv.conf and /etc/hostname, which config.json
 * bind-mounts. When the container has ended, netavark tears it all down
 * and the ports are let go. */

#include <arpa/inet.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "network.h"
#include "supervisor.h"
#include "util.h"

/* Binds each published port on the host, so that nobody else takes it
 * while the container has it and a port in use fails the start, as in
 * Podman (whose conmon holds them the same way). netavark's DNAT sends the
 * traffic to the container before it reaches these sockets. */
static int hold_ports(Supervisor *s, json_t *ports, SetupError *e)
{
	size_t n = json_array_size(ports);
	if (n == 0)
		return 0;
	s->net.port_fds = calloc(n, sizeof(int));
	if (!s->net.port_fds)
		return setup_err(e, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *p = json_array_get(ports, i);
		const char *ip = json_string_value(json_object_get(p, "host_ip"));
		const char *proto = json_string_value(json_object_get(p, "protocol"));
		int port = (int)json_integer_value(json_object_get(p, "host_port"));
		bool udp = proto && streq(proto, "udp");
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		if (ip && *ip && inet_pton(AF_INET, ip, &a.sin_addr) != 1)
			return setup_err(e, -EINVAL, "--publish: invalid host address `%s`", ip);
		int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return setup_err(e, -errno, "--publish: socket: %m");
		s->net.port_fds[s->net.n_port_fds++] = fd;
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			int r = -errno;
			if (r == -EADDRINUSE)
				return setup_err(e, r,
						 "--publish: port %d/%s is already in use on %s",
						 port, udp ? "udp" : "tcp",
						 ip && *ip ? ip : "the host");
			return setup_err(e, r, "--publish: bind port %d/%s: %m", port,
					 udp ? "udp" : "tcp");
		}
	}
	return 0;
}

static void release_ports(Supervisor *s)
{
	for (size_t i = 0; i < s->net.n_port_fds; i++)
		safe_close(s->net.port_fds[i]);
	free(s->net.port_fds);
	s->net.port_fds = NULL;
	s->net.n_port_fds = 0;
}

static int write_bundle_file(Supervisor *s, const char *name, const char *text, SetupError *e)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", s->bundle, name) < 0)
		return setup_err(e, -ENOMEM, "out of memory");
	int r = write_file_atomic(path, text, strlen(text), 0644);
	if (r < 0)
		return setup_err(e, r, "write the container's %s: %m", name);
	return 0;
}

/* Appends "fmt" to *buf. */
static int append(char **buf, const char *fmt, ...) _printf_(2, 3);
static int append(char **buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *add = NULL;
	int r = vasprintf(&add, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	size_t old = *buf ? strlen(*buf) : 0;
	char *m = realloc(*buf, old + strlen(add) + 1);
	if (!m)
		return -ENOMEM;
	memcpy(m + old, add, strlen(add) + 1);
	*buf = m;
	return 0;
}

/* The host's name servers, for a container without aardvark-dns: those of
 * its resolv.conf that the container can reach (not a loopback one). */
static int append_host_nameservers(char **buf)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/resolv.conf", "re");
	if (!f)
		return 0;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char ns[256];
		if (sscanf(line, " nameserver %255s", ns) != 1 || startswith(ns, "127.") ||
		    streq(ns, "::1"))
			continue;
		if (append(buf, "nameserver %s\n", ns) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* /etc/hosts, /etc/resolv.conf and /etc/hostname, from the options and
 * netavark's answer (each network's DNS servers: its aardvark-dns). */
static int write_files(Supervisor *s, json_t *options, json_t *status, SetupError *e)
{
	const char *host = s->spec->hostname ? s->spec->hostname : s->id;
	const char *name = json_string_value(json_object_get(options, "container_name"));
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *hostname = NULL;
	int r = append(&hosts, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	const char *netname;
	json_t *net;
	bool first = true;
	json_object_foreach(json_object_get(options, "networks"), netname, net) {
		const char *ip =
			json_string_value(json_array_get(json_object_get(net, "static_ips"), 0));
		if (ip && first && r >= 0) {
			r = append(&hosts, "%s\t%s%s%s\n", ip, host,
				   name && !streq(name, host) ? " " : "",
				   name && !streq(name, host) ? name : "");
			first = false;
		}
	}
	const char *add = spec_get_annotation(s->spec, ANNOTATION_ADD_HOSTS);
	json_t *adds = add ? json_loads(add, 0, NULL) : NULL;
	size_t i;
	json_t *v;
	json_array_foreach(adds, i, v) {
		const char *entry = json_string_value(v);
		const char *colon = entry ? strchr(entry, ':') : NULL;
		if (colon && r >= 0)
			r = append(&hosts, "%s\t%.*s\n", colon + 1, (int)(colon - entry), entry);
	}
	json_decref(adds);

	/* aardvark-dns first, with its search domain; else the --dns servers,
	 * else the host's. */
	json_t *search = json_array(), *servers = json_array();
	json_object_foreach(status, netname, net) {
		json_array_foreach(json_object_get(net, "dns_search_domains"), i, v)
			json_array_append(search, v);
		json_array_foreach(json_object_get(net, "dns_server_ips"), i, v)
			json_array_append(servers, v);
	}
	if (json_array_size(search) > 0 && r >= 0) {
		r = append(&resolv, "search");
		json_array_foreach(search, i, v) {
			bool dup = false;
			for (size_t k = 0; k < i; k++)
				dup |= json_equal(json_array_get(search, k), v);
			if (!dup && r >= 0)
				r = append(&resolv, " %s", json_string_value(v));
		}
		if (r >= 0)
			r = append(&resolv, "\n");
	}
	if (json_array_size(servers) == 0)
		json_array_extend(servers, json_object_get(options, "dns_servers"));
	json_array_foreach(servers, i, v) {
		if (r >= 0)
			r = append(&resolv, "nameserver %s\n", json_string_value(v));
	}
	if (json_array_size(servers) == 0 && r >= 0)
		r = append_host_nameservers(&resolv);
	json_decref(search);
	json_decref(servers);
	if (r >= 0 && !resolv)
		r = append(&resolv, "%s", "");
	if (r >= 0)
		r = append(&hostname, "%s\n", host);
	if (r < 0)
		return setup_err(e, -ENOMEM, "out of memory");
	if ((r = write_bundle_file(s, "hosts", hosts, e)) < 0 ||
	    (r = write_bundle_file(s, "resolv.conf", resolv, e)) < 0 ||
	    (r = write_bundle_file(s, "hostname", hostname, e)) < 0)
		return r;
	return 0;
}

/* The pasta to run: $BERTH_PASTA, else from $PATH. */
static int find_pasta(char **ret)
{
	const char *e = getenv("BERTH_PASTA");
	if (e && *e)
		return (*ret = strdup(e)) ? 0 : -ENOMEM;
	return find_program("pasta", ret);
}

/* --net pasta: the files in /etc now (as for netavark's networks, with the
 * host's name servers unless --dns), pasta itself once the init is there. */
static int pasta_prepare(Supervisor *s, const char *options, SetupError *e)
{
	_cleanup_(json_decrefp) json_t *o = json_loads(options, 0, NULL);
	json_t *args = json_object_get(o, "args");
	if (!json_is_object(o) || !json_is_array(args))
		return setup_err(e, -EINVAL, "the container's pasta options are damaged");
	size_t i;
	json_t *v;
	json_array_foreach(args, i, v) {
		if (!json_is_string(v) || strv_push(&s->net.pasta_args, json_string_value(v)) < 0)
			return setup_err(e, -EINVAL, "the container's pasta options are damaged");
	}
	return write_files(s, o, NULL, e);
}

int supervisor_network_pasta(Supervisor *s, pid_t init, SetupError *e)
{
	if (!s->net.pasta_args)
		return 0;
	_cleanup_free_ char *pasta = NULL, *pidfile = NULL, *log = NULL;
	int r = find_pasta(&pasta);
	if (r == -ENOENT)
		return setup_err(e, r,
				 "--net pasta: pasta is not installed (Debian's passt "
				 "package), nor named by $BERTH_PASTA");
	if (r < 0 || asprintf(&pidfile, "%s/pasta.pid", s->bundle) < 0 ||
	    asprintf(&log, "%s/pasta.log", s->bundle) < 0)
		return setup_err(e, -ENOMEM, "out of memory");
	(void)unlink(pidfile);
	/* The init's network namespace, which our user namespace owns, as
	 * pasta's fd 3: opened here, since pasta, which keeps few
	 * capabilities, may not open the files of a process that has more
	 * (ptrace's rule), but may reopen its own. pasta stays in the
	 * foreground, our child, and says it is ready by writing its pid
	 * file. */
	char ns_path[64];
	snprintf(ns_path, sizeof(ns_path), "/proc/%d/ns/net", (int)init);
	_cleanup_close_ int nsfd = open(ns_path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return setup_err(e, -errno,
				 "--net pasta: open the container's network namespace: %m");
	const char *netns = "/proc/self/fd/3";
	_cleanup_strv_free_ char **argv = NULL;
	const char *fixed[] = { pasta,         "--foreground", "--quiet", "--config-net",
				"--no-map-gw", "--netns",      netns,     "--no-netns-quit",
				"--pid",       pidfile };
	for (size_t k = 0; k < ELEMENTSOF(fixed); k++)
		if (strv_push(&argv, fixed[k]) < 0)
			return setup_err(e, -ENOMEM, "out of memory");
	for (size_t k = 0; s->net.pasta_args[k]; k++)
		if (strv_push(&argv, s->net.pasta_args[k]) < 0)
			return setup_err(e, -ENOMEM, "out of memory");
	_cleanup_close_ int logfd =
		open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0)
		return setup_err(e, -errno, "--net pasta: %s: %m", log);
	pid_t pid = supervisor_run_helper(argv, logfd, nsfd);
	if (pid < 0)
		return setup_err(e, pid, "--net pasta: fork: %m");
	s->net.pasta_pid = pid;
	uint64_t t0 = now_mono_usec();
	for (;;) {
		if (access(pidfile, F_OK) == 0)
			break;
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			s->net.pasta_pid = 0;
			char why[256];
			helper_log_last_line(log, "syslog", why, sizeof(why));
			return setup_err(e, -EIO, "--net pasta: %s", why);
		}
		if (now_mono_usec() - t0 > 10 * 1000 * 1000) {
			supervisor_network_teardown(s);
			return setup_err(e, -ETIMEDOUT, "--net pasta: not ready in 10 s");
		}
		usleep(500);
	}
	log_debug("container %.12s: pasta (pid %d) set its network up in %.1f ms", s->id, (int)pid,
		  (double)(now_mono_usec() - t0) / 1000.0);
	return 0;
}

int supervisor_network_setup(Supervisor *s, SetupError *e)
{
	const char *pasta = spec_get_annotation(s->spec, ANNOTATION_PASTA);
	if (pasta)
		return pasta_prepare(s, pasta, e);
	const char *options = spec_get_annotation(s->spec, ANNOTATION_NETWORK);
	if (!options)
		return 0;
	_cleanup_(json_decrefp) json_t *o = json_loads(options, 0, NULL);
	if (!json_is_object(o))
		return setup_err(e, -EINVAL, "the container's network options are damaged");
	s->net.options = strdup(options);
	if (!s->net.options)
		return setup_err(e, -ENOMEM, "out of memory");
	/* The lock first: a supervisor whose container ended holds it, and
	 * the ports, until its teardown is over. Ours is s->net.lock_fd, so
	 * that a teardown after a failure below does not wait for itself. */
	int r = network_lock(s->paths.run_dir, &s->net.lock_fd);
	if (r < 0)
		return setup_err(e, r, "lock the networks of %s: %m", s->paths.run_dir);
	r = hold_ports(s, json_object_get(o, "port_mappings"), e);
	if (r < 0) {
		supervisor_network_teardown(s);
		return r;
	}
	char err[SYNC_MSG_MAX - 64];
	_cleanup_free_ char *status = NULL;
	uint64_t t0 = now_mono_usec();
	r = network_setup(s->paths.run_dir, s->id, options, s->spec->namespaces[NS_USER].enabled,
			  &status, err, sizeof(err));
	if (r < 0) {
		supervisor_network_teardown(s);
		return setup_err(e, r, "set up the container's network (netavark): %s", err);
	}
	s->net.set_up = true;
	log_debug("container %.12s: netavark set its network up in %.1f ms", s->id,
		  (double)(now_mono_usec() - t0) / 1000.0);
	_cleanup_(json_decrefp) json_t *st = json_loads(status, 0, NULL);
	r = write_files(s, o, st, e);
	if (r < 0) {
		supervisor_network_teardown(s);
		return r;
	}
	/* The init joins the namespace netavark set up. */
	SpecNamespace *ns = &s->spec->namespaces[NS_NETWORK];
	free(ns->path);
	ns->path = network_netns_path(s->paths.run_dir, s->id);
	ns->enabled = true;
	if (!ns->path) {
		supervisor_network_teardown(s);
		return setup_err(e, -ENOMEM, "out of memory");
	}
	s->net.lock_fd = safe_close(s->net.lock_fd);
	return 0;
}

void supervisor_network_hold(Supervisor *s)
{
	if (!s->net.set_up || s->net.lock_fd >= 0)
		return;
	int r = network_lock(s->paths.run_dir, &s->net.lock_fd);
	if (r < 0)
		log_warning_errno(r, "lock the networks of %s: %m", s->paths.run_dir);
}

void supervisor_network_teardown(Supervisor *s)
{
	/* pasta has nothing to save: its namespace is gone, or going. */
	if (s->net.pasta_pid > 0) {
		(void)kill(s->net.pasta_pid, SIGKILL);
		while (waitpid(s->net.pasta_pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->net.pasta_pid = 0;
	}
	strv_free(s->net.pasta_args);
	s->net.pasta_args = NULL;
	if (s->net.set_up) {
		supervisor_network_hold(s);
		char err[512];
		uint64_t t0 = now_mono_usec();
		int r = network_teardown(s->paths.run_dir, s->id, s->net.options, err, sizeof(err));
		if (r < 0)
			log_warning("tear the container's network down (netavark): %s; `berth "
				    "system check` tries again",
				    err);
		else
			log_debug("container %.12s: netavark tore its network down in %.1f ms",
				  s->id, (double)(now_mono_usec() - t0) / 1000.0);
		s->net.set_up = false;
	}
	/* The ports before the lock: the next set-up binds them once it has
	 * the lock. */
	release_ports(s);
	s->net.lock_fd = safe_close(s->net.lock_fd);
	free(s->net.options);
	s->net.options = NULL;
}
