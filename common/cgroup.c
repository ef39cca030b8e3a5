/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/xattr.h>

#include "cgroup.h"
#include "log.h"
#include "rootless.h"
#include "util.h"

static bool is_cgroup2(const char *path)
{
	struct statfs s;
	return statfs(path, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

int cgroup_v2_mount(char **ret)
{
	static const char *const candidates[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
		if (is_cgroup2(candidates[i])) {
			*ret = strdup(candidates[i]);
			return *ret ? 0 : -ENOMEM;
		}

	/* Elsewhere: the first cgroup2 entry of our mountinfo. */
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - cgroup2 ");
		if (!sep)
			continue;
		char mnt[4096];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && is_cgroup2(mnt)) {
			*ret = strdup(mnt);
			return *ret ? 0 : -ENOMEM;
		}
	}
	return -ENOMEDIUM;
}

/* Whether the user berth runs as may make and fill cgroups below path:
 * the folder and its cgroup.procs are its own (root's are nobody's in a
 * rootless berth's user namespace). */
static bool cgroup_is_ours(const char *path)
{
	struct stat st;
	char procs[PATH_MAX];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	return stat(path, &st) == 0 && st.st_uid == geteuid() && stat(procs, &st) == 0 &&
	       st.st_uid == geteuid();
}

int cgroup_delegated_base(const char *mnt, const char *self, char **ret)
{
	/* Up from our own cgroup, while the user owns it: the topmost is
	 * where the delegation begins (user@UID.service, or a folder an
	 * administrator chowned). Processes moved between cgroups below it
	 * need only its cgroup.procs. */
	_cleanup_free_ char *dir = NULL, *top = NULL;
	if (asprintf(&dir, "%s%s", mnt, streq(self, "/") ? "" : self) < 0)
		return -ENOMEM;
	size_t root_len = strlen(mnt);
	while (strlen(dir) > root_len && cgroup_is_ours(dir)) {
		free(top);
		if (!(top = strdup(dir)))
			return -ENOMEM;
		*strrchr(dir, '/') = 0;
	}
	if (!top)
		return -ENOMEDIUM;
	*ret = TAKE_PTR(top);
	return 0;
}

int cgroup_berth_base(char **ret)
{
	_cleanup_free_ char *mnt = NULL;
	int r = cgroup_v2_mount(&mnt);
	if (r < 0)
		return r;
	if (!rootless()) {
		*ret = TAKE_PTR(mnt);
		return 0;
	}
	/* Our cgroup v2 path, the "0::" line of /proc/self/cgroup. */
	_cleanup_free_ char *data = NULL;
	r = read_full_file("/proc/self/cgroup", &data, NULL);
	if (r < 0)
		return r;
	char *line = strstr(data, "0::");
	if (!line || (line != data && line[-1] != '\n'))
		return -ENOMEDIUM;
	line += 3;
	line[strcspn(line, "\n")] = 0;
	if (line[0] != '/')
		return -ENOMEDIUM;
	return cgroup_delegated_base(mnt, line, ret);
}

int cgroup_container_path(const char *id, char **ret)
{
	_cleanup_free_ char *base = NULL;
	int r = cgroup_berth_base(&base);
	if (r < 0)
		return r;
	return asprintf(ret, "%s/%s/%s", base, CGROUP_BERTH_PARENT, id) < 0 ? -ENOMEM : 0;
}

static char *parent_of(const char *path)
{
	char *p = strdup(path);
	if (!p)
		return NULL;
	char *s = strrchr(p, '/');
	if (s && s != p)
		*s = 0;
	return p;
}

int cgroup_owner(const char *path, char *buf, size_t size)
{
	ssize_t n = getxattr(path, CGROUP_OWNER_XATTR, buf, size - 1);
	if (n < 0)
		return errno == ENODATA || errno == EOPNOTSUPP ? 0 : -errno;
	buf[n] = 0;
	return 1;
}

int cgroup_owned_by(const char *path, const char *owner)
{
	char buf[PATH_MAX];
	int r = cgroup_owner(path, buf, sizeof(buf));
	return r <= 0 ? r : streq(buf, owner);
}

int cgroup_create(const char *path, const char *owner, int *ret_fd)
{
	_cleanup_free_ char *parent = parent_of(path);
	if (!parent)
		return -ENOMEM;
	/* The berth/ parent is made once and kept (cgroup_destroy()), so the
	 * container's own mkdir comes first. The parent may still go between
	 * two mkdirs (an administrator's or a test's rmdir of an empty one):
	 * try again a few times. */
	bool took_over = false;
	for (int attempt = 0;; attempt++) {
		if (mkdir(path, 0755) == 0)
			break;
		if (errno == EEXIST && !took_over) {
			/* Left by a supervisor of this container that was killed
			 * before it removed it: only one supervisor of a container
			 * runs at a time (the DB's claim), so it is ours to take
			 * down, if it carries our mark. One without it, or with
			 * another root's, is not ours to touch. */
			int r = cgroup_owned_by(path, owner);
			if (r <= 0)
				return r < 0 ? r : -EEXIST;
			r = cgroup_destroy(path, 5000);
			if (r < 0)
				return r;
			took_over = true;
			continue;
		}
		if (errno != ENOENT || attempt >= 10)
			return -errno;
		if (mkdir(parent, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	/* The mark of the root whose container this is: `berth system check`
	 * of one root removes only its own stale cgroups, never another
	 * root's (or another engine's) that look alike. A cgroup v2 takes
	 * user.* attributes since Linux 5.7; without them it stays unmarked,
	 * and is only ever removed with its container. */
	if (setxattr(path, CGROUP_OWNER_XATTR, owner, strlen(owner), 0) < 0)
		log_debug_errno(-errno, "mark cgroup `%s` as %s's: %m", path, owner);
	if (ret_fd) {
		int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		*ret_fd = fd;
	}
	return 0;
}

static int cgroup_file(const char *path, const char *file, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", path, file);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Reads "key value" from cgroup.events. */
static int cgroup_events_get(const char *path, const char *key)
{
	char p[4096];
	int r = cgroup_file(path, "cgroup.events", p, sizeof(p));
	if (r < 0)
		return r;
	_cleanup_free_ char *s = NULL;
	r = read_full_file(p, &s, NULL);
	if (r < 0)
		return r;
	size_t klen = strlen(key);
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return atoi(line + klen + 1) ? 1 : 0;
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int cgroup_is_frozen(const char *path)
{
	return cgroup_events_get(path, "frozen");
}

int cgroup_is_populated(const char *path)
{
	return cgroup_events_get(path, "populated");
}

/* Waits until cgroup.events has key == want. The kernel signals a change of
 * cgroup.events with POLLPRI, so no busy polling is needed. */
static int cgroup_events_wait(const char *path, const char *key, int want, int timeout_ms)
{
	char p[4096];
	int r = cgroup_file(path, "cgroup.events", p, sizeof(p));
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	uint64_t deadline = now_mono_usec() + (uint64_t)timeout_ms * 1000;
	for (;;) {
		r = cgroup_events_get(path, key);
		if (r < 0)
			return r;
		if (r == want)
			return 0;
		uint64_t now = now_mono_usec();
		if (now >= deadline)
			return -ETIMEDOUT;
		char buf[256];
		(void)!pread(fd, buf, sizeof(buf), 0);
		struct pollfd pfd = { .fd = fd, .events = POLLPRI };
		int wait_ms = (int)((deadline - now) / 1000) + 1;
		/* Re-check at least every 100 ms in case an event slipped in
		 * between our read and poll. */
		if (poll(&pfd, 1, wait_ms > 100 ? 100 : wait_ms) < 0 && errno != EINTR)
			return -errno;
	}
}

int cgroup_freeze(const char *path, bool freeze, int timeout_ms)
{
	char p[4096];
	int r = cgroup_file(path, "cgroup.freeze", p, sizeof(p));
	if (r < 0)
		return r;
	r = write_string_file(p, freeze ? "1" : "0");
	if (r < 0)
		return r;
	return cgroup_events_wait(path, "frozen", freeze ? 1 : 0, timeout_ms);
}

int cgroup_kill(const char *path)
{
	char p[4096];
	int r = cgroup_file(path, "cgroup.kill", p, sizeof(p));
	if (r < 0)
		return r;
	r = write_string_file(p, "1");
	if (r != -ENOENT)
		return r;

	/* Kernels before 5.14 have no cgroup.kill: signal each process; a
	 * frozen cgroup keeps them from forking in between. */
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	r = cgroup_read_procs(path, &pids, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		(void)kill(pids[i], SIGKILL);
	return 0;
}

int cgroup_make_parents(const char *path, const char *owner)
{
	_cleanup_free_ char *p = parent_of(path);
	if (!p)
		return -ENOMEM;
	/* Each ancestor from the top down: a mkdir at every '/', and the
	 * parent itself last; those made carry owner's mark. */
	for (char *s = p + 1;; s++) {
		bool end = !*s;
		if (!end && *s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) == 0) {
			if (setxattr(p, CGROUP_OWNER_XATTR, owner, strlen(owner), 0) < 0)
				log_debug_errno(-errno, "mark cgroup `%s` as %s's: %m", p, owner);
		} else if (errno != EEXIST) {
			int r = -errno;
			cgroup_remove_parents(path, owner);
			return r;
		}
		if (end)
			return 0;
		*s = '/';
	}
}

void cgroup_remove_parents(const char *path, const char *owner)
{
	_cleanup_free_ char *p = parent_of(path);
	for (char *s; p && (s = strrchr(p, '/')) && s != p; *s = 0) {
		int r = cgroup_owned_by(p, owner);
		/* Missing: one a failed cgroup_make_parents() did not get to. */
		if (r == -ENOENT)
			continue;
		if (r <= 0 || rmdir(p) < 0)
			return;
	}
}

int cgroup_remove_empty(const char *path)
{
	/* The kernel refuses (EBUSY) while a process is in it. */
	return RET_NERRNO(rmdir(path));
}

int cgroup_destroy(const char *path, int timeout_ms)
{
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? 0 : -errno;

	int r = cgroup_is_populated(path);
	if (r > 0) {
		r = cgroup_kill(path);
		if (r < 0 && r != -ENOENT)
			return r;
		/* A frozen cgroup's processes die only once thawed. */
		(void)cgroup_freeze(path, false, 100);
		r = cgroup_events_wait(path, "populated", 0, timeout_ms);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	/* The berth/ parent stays, empty, like the slices of systemd: made
	 * and removed around every container, it cost a mkdir and a rmdir
	 * each, and (when it is the only cgroup with the memory or cpuset
	 * controller, as in a bare VM) two rewrites of the kernel's code for
	 * those controllers' static keys, 13 ms of each start under TCG. */
	if (rmdir(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int cgroup_read_procs(const char *path, pid_t **ret, size_t *ret_n)
{
	char p[4096];
	int r = cgroup_file(path, "cgroup.procs", p, sizeof(p));
	if (r < 0)
		return r;
	_cleanup_free_ char *s = NULL;
	r = read_full_file(p, &s, NULL);
	if (r < 0)
		return r;
	size_t n = 0, alloc = 0;
	_cleanup_free_ pid_t *pids = NULL;
	for (char *tok = strtok(s, "\n"); tok; tok = strtok(NULL, "\n")) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			pid_t *np = realloc(pids, alloc * sizeof(pid_t));
			if (!np)
				return -ENOMEM;
			pids = np;
		}
		pids[n++] = (pid_t)atoi(tok);
	}
	*ret = TAKE_PTR(pids);
	*ret_n = n;
	return 0;
}
