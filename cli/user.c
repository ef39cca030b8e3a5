/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "log.h"
#include "parse.h"
#include "user.h"
#include "util.h"

#define MAX_GROUPS 256

void resolved_user_done(ResolvedUser *u)
{
	free(u->groups);
	free(u->home);
	*u = (ResolvedUser){ 0 };
}

/* Opens a file of the container without leaving its root. */
static FILE *open_in(int rootfd, const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "re");
	if (!f)
		close(fd);
	return f;
}

/* Splits "a:b:c" in place into at most n fields; returns how many. */
static size_t split(char *line, char **fields, size_t n)
{
	size_t k = 0;
	line[strcspn(line, "\n")] = 0;
	for (char *p = line; k < n;) {
		fields[k++] = p;
		p = strchr(p, ':');
		if (!p)
			break;
		*p++ = 0;
	}
	return k;
}

static bool is_number(const char *s)
{
	uint32_t v;
	return parse_uint32(s, &v) == 0;
}

/* (uid_t)-1 and (gid_t)-1 would leave the process root (parse.h):
 * refused, wherever they came from (the spec, /etc/passwd, /etc/group). */
static int check_ids(const char *spec, const ResolvedUser *u)
{
	const char *what = NULL;
	if (!ugid_is_valid(u->uid))
		what = "uid 4294967295 is (uid_t)-1";
	else if (!ugid_is_valid(u->gid))
		what = "gid 4294967295 is (gid_t)-1";
	for (size_t i = 0; !what && i < u->n_groups; i++)
		if (!ugid_is_valid(u->groups[i]))
			what = "supplementary gid 4294967295 is (gid_t)-1";
	if (what)
		return log_error_errno(-ERANGE, "user `%s`: %s, which the kernel takes as \"leave "
						"unchanged\" (root): refused",
				       spec, what);
	return 0;
}

int user_resolve_at(int rootfd, const char *spec, ResolvedUser *ret)
{
	int r;
	_cleanup_free_ char *copy = strdup(spec);
	if (!copy)
		return -ENOMEM;
	char *grp = strchr(copy, ':');
	if (grp)
		*grp++ = 0;
	const char *usr = copy;
	if (!*usr || (grp && !*grp))
		return log_error_errno(-EINVAL, "invalid --user `%s`: expected NAME|UID[:GROUP|GID]",
				       spec);

	ResolvedUser u = { .home = NULL };
	bool found = false;
	char *name = NULL;
	_cleanup_fclose_ FILE *pw = open_in(rootfd, "etc/passwd");
	char line[4096];
	while (pw && fgets(line, sizeof(line), pw)) {
		char *f[7];
		if (split(line, f, 7) < 7)
			continue;
		if (streq(f[0], usr) || (is_number(usr) && streq(f[2], usr))) {
			if (parse_uint32(f[2], &u.uid) < 0 || parse_uint32(f[3], &u.gid) < 0)
				continue;
			u.home = strdup(*f[5] ? f[5] : "/");
			name = strdup(f[0]);
			found = true;
			break;
		}
	}
	_cleanup_free_ char *uname = name;
	if (!found) {
		/* A numeric uid need not be in /etc/passwd (Podman: group 0). */
		if (!is_number(usr))
			return log_error_errno(-ESRCH, "unknown user `%s`: not in the container's "
							"/etc/passwd",
					       usr);
		(void)parse_uint32(usr, &u.uid);
		u.gid = 0;
		u.home = strdup("/");
	}
	if (!u.home)
		return -ENOMEM;

	/* The group, and the supplementary groups the user belongs to. */
	bool group_found = !grp;
	_cleanup_fclose_ FILE *gr = open_in(rootfd, "etc/group");
	u.groups = calloc(MAX_GROUPS, sizeof(uint32_t));
	if (!u.groups) {
		resolved_user_done(&u);
		return -ENOMEM;
	}
	/* Like initgroups(): the primary group is among the supplementary
	 * ones (fixed up below if GROUP overrides it). */
	if (uname && !grp)
		u.groups[u.n_groups++] = u.gid;
	while (gr && fgets(line, sizeof(line), gr)) {
		char *f[4];
		uint32_t gid;
		if (split(line, f, 4) < 4 || parse_uint32(f[2], &gid) < 0)
			continue;
		if (grp && !group_found && (streq(f[0], grp) || streq(f[2], grp))) {
			u.gid = gid;
			group_found = true;
		}
		if (!uname || grp)
			continue;
		for (char *save = NULL, *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (streq(m, uname) && u.n_groups < MAX_GROUPS && gid != u.gid)
				u.groups[u.n_groups++] = gid;
	}
	if (!group_found) {
		if (!is_number(grp)) {
			resolved_user_done(&u);
			return log_error_errno(-ESRCH, "unknown group `%s`: not in the container's "
							"/etc/group",
					       grp);
		}
		(void)parse_uint32(grp, &u.gid);
	}
	r = check_ids(spec, &u);
	if (r < 0) {
		resolved_user_done(&u);
		return r;
	}
	*ret = u;
	return 0;
}

int user_resolve_in_layers(char *const *layers, const char *spec, ResolvedUser *ret)
{
	int chosen = -EBADF;
	for (size_t i = 0; layers && layers[i]; i++) {
		int fd = open(layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
		int f = (int)syscall(SYS_openat2, fd, "etc/passwd", &how, sizeof(how));
		if (f >= 0) {
			close(f);
			chosen = fd;
			break;
		}
		close(fd);
	}
	/* No /etc/passwd at all (chosen < 0): only numbers can work. */
	int r = user_resolve_at(chosen, spec, ret);
	safe_close(chosen);
	return r;
}
