/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "log.h"
#include "parse.h"
#include "resolve.h"
#include "untrusted-file.h"
#include "user.h"
#include "util.h"

#define MAX_GROUPS 256

void resolved_user_done(ResolvedUser *u)
{
	free(u->groups);
	free(u->home);
	*u = (ResolvedUser){ 0 };
}

/* A larger /etc/passwd or /etc/group is refused: real ones, even LDAP
 * exports, are a few hundred KiB at most. The bound keeps a container's
 * endless file from holding berth (untrusted-file.h). */
#define USER_DB_MAX (8u << 20)

/* The whole of /etc/passwd or /etc/group of the container (path without
 * the leading "/"), or NULL in *ret when it has none. */
static int read_user_db(int rootfd, const char *path, char **ret, size_t *ret_size)
{
	mode_t type = 0;
	int r = rootfd < 0 ? -ENOENT
			   : untrusted_read_file(rootfd, path, USER_DB_MAX, &type, ret, ret_size);
	if (r == -ENOENT || r == -ENOTDIR) {
		*ret = NULL;
		*ret_size = 0;
		return 0;
	}
	if (r == -EBADFD || r == -EISDIR)
		return log_error_errno(r, "the container's /%s is %s, not a regular file: refused",
				       path, file_type_name(type));
	if (r == -EFBIG)
		return log_error_errno(r, "the container's /%s is larger than %u MiB: refused",
				       path, USER_DB_MAX >> 20);
	if (r < 0)
		return log_error_errno(r, "read the container's /%s: %m", path);
	return 0;
}

/* The next line of [*p, end), NUL-terminated in place; NULL at the end. */
static char *next_line(char **p, char *end)
{
	if (!*p || *p >= end)
		return NULL;
	char *line = *p;
	char *nl = memchr(line, '\n', (size_t)(end - line));
	if (nl) {
		*nl = 0;
		*p = nl + 1;
	} else
		*p = end;
	return line;
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
		return log_error_errno(-ERANGE,
				       "user `%s`: %s, which the kernel takes as \"leave "
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
		return log_error_errno(-EINVAL,
				       "invalid --user `%s`: expected NAME|UID[:GROUP|GID]", spec);

	_cleanup_free_ char *passwd = NULL, *group = NULL;
	size_t passwd_size, group_size;
	r = read_user_db(rootfd, "etc/passwd", &passwd, &passwd_size);
	if (r >= 0)
		r = read_user_db(rootfd, "etc/group", &group, &group_size);
	if (r < 0)
		return r;

	ResolvedUser u = { .home = NULL };
	bool found = false;
	char *name = NULL, *line;
	for (char *p = passwd; (line = next_line(&p, passwd ? passwd + passwd_size : NULL));) {
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
			return log_error_errno(-ESRCH,
					       "unknown user `%s`: not in the container's "
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
	u.groups = calloc(MAX_GROUPS, sizeof(uint32_t));
	if (!u.groups) {
		resolved_user_done(&u);
		return -ENOMEM;
	}
	/* Like initgroups(): the primary group is among the supplementary
	 * ones (fixed up below if GROUP overrides it). */
	if (uname && !grp)
		u.groups[u.n_groups++] = u.gid;
	for (char *p = group; (line = next_line(&p, group ? group + group_size : NULL));) {
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
		for (char *save = NULL, *m = strtok_r(f[3], ",", &save); m;
		     m = strtok_r(NULL, ",", &save))
			if (streq(m, uname) && u.n_groups < MAX_GROUPS && gid != u.gid)
				u.groups[u.n_groups++] = gid;
	}
	if (!group_found) {
		if (!is_number(grp)) {
			resolved_user_done(&u);
			return log_error_errno(-ESRCH,
					       "unknown group `%s`: not in the container's "
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
	_cleanup_close_ int chosen = -EBADF;
	for (size_t i = 0; layers && layers[i]; i++) {
		_cleanup_close_ int fd = open(layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* O_PATH: only whether it is there, nothing opened yet. */
		_cleanup_close_ int f = -EBADF;
		struct stat st;
		if (resolve_in_root(fd, "etc/passwd", O_PATH, false, &f) < 0 || fstat(f, &st) < 0)
			continue;
		/* A whiteout (0:0) hides the lower layers' file: there is none. */
		if (!(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)))
			chosen = TAKE_FD(fd);
		break;
	}
	/* No /etc/passwd at all (chosen < 0): only numbers can work. */
	return user_resolve_at(chosen, spec, ret);
}
