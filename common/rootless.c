/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "rootless.h"
#include "subid.h"
#include "util.h"

#define FULL_MAP "0 0 4294967295"

/* Whether uid_map maps every id to itself: the host's user namespace. */
static bool in_host_userns(void)
{
	_cleanup_free_ char *map = NULL;
	if (read_full_file("/proc/self/uid_map", &map, NULL) < 0)
		return true;
	/* "         0          0 4294967295\n" */
	char *w = map;
	for (const char *c = map; *c; c++)
		if (*c != ' ' || (w > map && w[-1] != ' '))
			*w++ = *c == '\n' ? ' ' : *c;
	*w = 0;
	while (w > map && w[-1] == ' ')
		*--w = 0;
	return streq(map, FULL_MAP);
}

bool rootless(void)
{
	static int cached = -1;
	if (cached < 0)
		cached = geteuid() != 0 ||
			 (getenv("_CONTAINERS_USERNS_CONFIGURED") && !in_host_userns());
	return cached;
}

/* The outside id of inside id 0, and how many ids from 0 on the map holds
 * without a gap (ours has none; one another tool made may). */
static int read_map(const char *path, uint32_t *ret_outside0, uint32_t *ret_count)
{
	_cleanup_free_ char *map = NULL;
	int r = read_full_file(path, &map, NULL);
	if (r < 0)
		return r;
	uint64_t in[340], count[340];
	size_t n = 0;
	bool have0 = false;
	for (char *line = map; line && *line && n < ELEMENTSOF(in);) {
		unsigned long a, b, c;
		if (sscanf(line, "%lu %lu %lu", &a, &b, &c) == 3) {
			in[n] = a;
			count[n++] = c;
			if (a == 0) {
				*ret_outside0 = (uint32_t)b;
				have0 = true;
			}
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!have0)
		return -ENOENT;
	/* The lines may come in any order: follow them from 0. */
	uint64_t end = 0;
	for (bool more = true; more;) {
		more = false;
		for (size_t i = 0; i < n; i++)
			if (in[i] == end && count[i] > 0) {
				end += count[i];
				more = true;
			}
	}
	*ret_count = end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
	return 0;
}

int rootless_ids(RootlessIds *ret)
{
	if (geteuid() != 0) {
		*ret = (RootlessIds){ geteuid(), getegid(), 1, 1 };
		return 0;
	}
	/* Kept: the namespace stays, and a process chrooted to unpack an
	 * image no longer sees /proc. */
	static RootlessIds cached;
	if (!cached.n_uids) {
		uint32_t u, g, nu, ng;
		int r = read_map("/proc/self/uid_map", &u, &nu);
		if (r >= 0)
			r = read_map("/proc/self/gid_map", &g, &ng);
		if (r < 0)
			return r;
		cached = (RootlessIds){ u, g, nu, ng };
	}
	*ret = cached;
	return 0;
}

size_t rootless_keep_id_maps(SpecIdMap m[3], uint32_t id, uint32_t n)
{
	size_t k = 0;
	uint32_t below = id < n - 1 ? id : n - 1;
	if (below > 0)
		m[k++] = (SpecIdMap){ 0, 1, below };
	m[k++] = (SpecIdMap){ id, 0, 1 };
	if ((uint64_t)id + 1 < n)
		m[k++] = (SpecIdMap){ id + 1, id + 1, n - 1 - id };
	return k;
}

int rootless_split_maps(const char *path, SpecIdMap **maps, size_t *n)
{
	_cleanup_free_ char *data = NULL;
	int r = read_full_file(path, &data, NULL);
	if (r < 0)
		return r;
	/* Where each line of ours begins, in our ids. */
	uint32_t starts[340];
	size_t n_starts = 0;
	for (char *line = data; line && *line && n_starts < ELEMENTSOF(starts);) {
		unsigned long in, out, count;
		if (sscanf(line, "%lu %lu %lu", &in, &out, &count) == 3)
			starts[n_starts++] = (uint32_t)in;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	size_t cap = *n + n_starts * *n, k = 0;
	SpecIdMap *out = calloc(cap ? cap : 1, sizeof(SpecIdMap));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++) {
		SpecIdMap m = (*maps)[i];
		for (;;) {
			/* The first of our lines that begins inside m, past its start. */
			uint64_t cut = UINT64_MAX;
			for (size_t j = 0; j < n_starts; j++)
				if (starts[j] > m.host_id &&
				    starts[j] < (uint64_t)m.host_id + m.size && starts[j] < cut)
					cut = starts[j];
			if (cut == UINT64_MAX) {
				out[k++] = m;
				break;
			}
			uint32_t first = (uint32_t)(cut - m.host_id);
			out[k++] = (SpecIdMap){ m.container_id, m.host_id, first };
			m = (SpecIdMap){ m.container_id + first, (uint32_t)cut, m.size - first };
		}
	}
	free(*maps);
	*maps = out;
	*n = k;
	return 0;
}

/* argv of newuidmap or newgidmap: PID 0 ID 1, then each range after the
 * last. */
static char **map_argv(const char *tool, pid_t pid, uint32_t id, const SubidRange *r, size_t n)
{
	char **argv = calloc(3 + 3 * (n + 1) + 1, sizeof(char *));
	if (!argv)
		return NULL;
	size_t a = 0;
	bool ok = (argv[a++] = strdup(tool)) && asprintf(&argv[a++], "%d", (int)pid) > 0 &&
		  (argv[a++] = strdup("0")) && asprintf(&argv[a++], "%u", id) > 0 &&
		  (argv[a++] = strdup("1"));
	uint64_t next = 1;
	for (size_t i = 0; ok && i < n; i++) {
		ok = asprintf(&argv[a++], "%llu", (unsigned long long)next) > 0 &&
		     asprintf(&argv[a++], "%u", r[i].start) > 0 &&
		     asprintf(&argv[a++], "%u", r[i].count) > 0;
		next += r[i].count;
	}
	if (!ok) {
		strv_free(argv);
		return NULL;
	}
	return argv;
}

/* In the helper: runs argv with its stderr to err_fd; 0 when it exited 0. */
static int run_tool(char **argv, int err_fd)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(err_fd, STDERR_FILENO);
		dup2(err_fd, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int write_proc_self(const char *file, const char *text)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/%s", file);
	return write_file(path, text, strlen(text), O_WRONLY, 0);
}

static int enter_single(uid_t uid, gid_t gid)
{
	if (unshare(CLONE_NEWUSER) < 0)
		return log_error_errno(-errno, "create a user namespace: %m");
	char map[64];
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	int r = write_proc_self("uid_map", map);
	if (r >= 0)
		r = write_proc_self("setgroups", "deny");
	if (r >= 0) {
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		r = write_proc_self("gid_map", map);
	}
	if (r < 0)
		return log_error_errno(r, "map the user namespace: %m");
	return 0;
}

/* The first line of what the map tools wrote, for the error. */
static void read_error(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

static int enter_mapped(uid_t uid, gid_t gid, const char *newuidmap, const char *newgidmap,
			const SubidRange *ru, size_t nu, const SubidRange *rg, size_t ng)
{
	_cleanup_strv_free_ char **uargv = map_argv(newuidmap, getpid(), uid, ru, nu);
	_cleanup_strv_free_ char **gargv = map_argv(newgidmap, getpid(), gid, rg, ng);
	if (!uargv || !gargv)
		return log_error_errno(-ENOMEM, "out of memory");
	_cleanup_close_pair_ int go[2] = { -EBADF, -EBADF }, err[2] = { -EBADF, -EBADF };
	/* go: a socket, so that a helper gone early is an error, not SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "pipe: %m");
	/* The helper stays in the host's user namespace, where newuidmap
	 * can map ours once we have made it. */
	pid_t helper = fork();
	if (helper < 0)
		return log_error_errno(-errno, "fork: %m");
	if (helper == 0) {
		char c;
		close(go[1]);
		close(err[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		if (run_tool(uargv, err[1]) < 0)
			_exit(1);
		if (run_tool(gargv, err[1]) < 0)
			_exit(2);
		_exit(0);
	}
	go[0] = safe_close(go[0]);
	err[1] = safe_close(err[1]);
	int r = RET_NERRNO(unshare(CLONE_NEWUSER));
	if (r < 0)
		log_error_errno(r, "create a user namespace: %m");
	/* Closing without a byte tells the helper to give up. */
	if (r >= 0 && send(go[1], "g", 1, MSG_NOSIGNAL) != 1)
		r = log_error_errno(-errno, "start newuidmap: %m");
	go[1] = safe_close(go[1]);
	int status = -1; /* not "exited 0", should waitpid fail */
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	char msg[512];
	read_error(err[0], msg, sizeof(msg));
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *tool =
			WIFEXITED(status) && WEXITSTATUS(status) == 2 ? "newgidmap" : "newuidmap";
		log_error("%s failed%s%s", tool, *msg ? ": " : "", msg);
		return -EPERM;
	}
	return 0;
}

static int mark_namespace(uid_t uid, gid_t gid)
{
	char id[16];
	snprintf(id, sizeof(id), "%u", (unsigned)uid);
	if (setenv("_CONTAINERS_USERNS_CONFIGURED", "done", 1) < 0 ||
	    setenv("_CONTAINERS_ROOTLESS_UID", id, 1) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	snprintf(id, sizeof(id), "%u", (unsigned)gid);
	if (setenv("_CONTAINERS_ROOTLESS_GID", id, 1) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	return 0;
}

int rootless_join(pid_t pid, uint64_t start_time)
{
	if (geteuid() == 0)
		return 0;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	_cleanup_close_ int fd = -EBADF;
	int r = pidfd_open_checked(pid, start_time, &fd);
	if (r < 0)
		return r;
	/* The user made that namespace: the user has every capability
	 * there, and so may enter it. */
	if (setns(fd, CLONE_NEWUSER) < 0)
		return -errno;
	return mark_namespace(uid, gid);
}

int rootless_enter(const char *name)
{
	if (geteuid() == 0)
		return 0; /* root, or in the namespace already */
	uid_t uid = geteuid();
	gid_t gid = getegid();
	_cleanup_free_ SubidRange *ru = NULL, *rg = NULL;
	size_t nu = 0, ng = 0;
	int r = subid_ranges_read(subid_file_uid(), name, uid, &ru, &nu);
	if (r < 0)
		return log_error_errno(r, "read %s: %m", subid_file_uid());
	r = subid_ranges_read(subid_file_gid(), name, uid, &rg, &ng);
	if (r < 0)
		return log_error_errno(r, "read %s: %m", subid_file_gid());

	if (nu == 0 || ng == 0)
		r = enter_single(uid, gid);
	else {
		_cleanup_free_ char *newuidmap = NULL, *newgidmap = NULL;
		if ((r = find_program("newuidmap", &newuidmap)) == -ENOMEM ||
		    (r >= 0 && (r = find_program("newgidmap", &newgidmap)) == -ENOMEM))
			return log_error_errno(r, "out of memory");
		if (r < 0)
			return log_error_errno(r,
					       "%s not found in PATH: your subordinate ids (%s) "
					       "are mapped through it (install the uidmap package)",
					       newuidmap ? "newgidmap" : "newuidmap",
					       subid_file_uid());
		r = enter_mapped(uid, gid, newuidmap, newgidmap, ru, nu, rg, ng);
	}
	if (r < 0)
		return r;
	return mark_namespace(uid, gid);
}
