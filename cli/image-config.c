/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* An image's run defaults (the OCI image config's Entrypoint, Cmd, Env,
 * WorkingDir, User), and its user names resolved against the image's own
 * /etc/passwd and /etc/group, read through its layers the way OverlayFS
 * will show them. */

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "images.h"
#include "log.h"
#include "parse.h"
#include "util.h"

void image_defaults_done(ImageDefaults *d)
{
	strv_free(d->entrypoint);
	strv_free(d->cmd);
	strv_free(d->env);
	free(d->workdir);
	free(d->user);
	*d = (ImageDefaults){ 0 };
}

/* A JSON array of strings (or null) as a string vector (or NULL). */
static int strv_from_json(json_t *a, char ***ret)
{
	*ret = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return -EBADMSG;
	_cleanup_strv_free_ char **l = calloc(1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e) {
		if (!json_is_string(e))
			return -EBADMSG;
		int r = strv_push(&l, json_string_value(e));
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

static int string_from_json(json_t *s, char **ret)
{
	*ret = NULL;
	if (!s || json_is_null(s))
		return 0;
	if (!json_is_string(s))
		return -EBADMSG;
	if (!*json_string_value(s))
		return 0;
	*ret = strdup(json_string_value(s));
	return *ret ? 0 : -ENOMEM;
}

int image_defaults_parse(const char *json, ImageDefaults *ret)
{
	*ret = (ImageDefaults){ 0 };
	if (!json)
		return 0;
	json_t *j = json_loads(json, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return -EBADMSG;
	}
	ImageDefaults d = { 0 };
	int r = strv_from_json(json_object_get(j, "Entrypoint"), &d.entrypoint);
	if (r >= 0)
		r = strv_from_json(json_object_get(j, "Cmd"), &d.cmd);
	if (r >= 0)
		r = strv_from_json(json_object_get(j, "Env"), &d.env);
	if (r >= 0)
		r = string_from_json(json_object_get(j, "WorkingDir"), &d.workdir);
	if (r >= 0)
		r = string_from_json(json_object_get(j, "User"), &d.user);
	json_decref(j);
	for (size_t i = 0; r >= 0 && d.env && d.env[i]; i++)
		if (!env_assignment_is_valid(d.env[i]))
			r = -EBADMSG;
	if (r < 0) {
		image_defaults_done(&d);
		return r;
	}
	*ret = d;
	return 0;
}

void image_user_done(ImageUser *u)
{
	free(u->groups);
	free(u->home);
	*u = (ImageUser){ 0 };
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(const char *dir)
{
	char v[2];
	ssize_t n = lgetxattr(dir, "trusted.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

/* Opens rel (e.g. "etc/passwd") as the container will see it: the top
 * layer that has it wins; a whiteout, an opaque folder or a non-folder on
 * the way hides the layers below. Symlinks are not followed: the file
 * must be where it is named. */
static int layers_open(char *const *layers, const char *rel, FILE **ret)
{
	for (size_t i = 0; layers && layers[i]; i++) {
		bool hides_below = false;
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/%s", layers[i], rel) < 0)
			return -ENOMEM;
		/* Each parent folder of rel in this layer. */
		size_t base = strlen(layers[i]) + 1;
		for (char *slash = strchr(path + base, '/'); slash; slash = strchr(slash + 1, '/')) {
			*slash = 0;
			struct stat st;
			int s = lstat(path, &st);
			bool dir = s == 0 && S_ISDIR(st.st_mode);
			if (s == 0 && !dir)
				return -ENOENT; /* a whiteout or a file replaces the folder */
			if (dir && is_opaque(path))
				hides_below = true;
			*slash = '/';
			if (s < 0)
				break;
		}
		struct stat st;
		if (lstat(path, &st) == 0) {
			if (!S_ISREG(st.st_mode) || is_whiteout(&st))
				return -ENOENT;
			int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			FILE *f = fd >= 0 ? fdopen(fd, "re") : NULL;
			if (!f) {
				int r = -errno;
				if (fd >= 0)
					close(fd);
				return r;
			}
			*ret = f;
			return 0;
		}
		if (hides_below)
			return -ENOENT;
	}
	return -ENOENT;
}

/* Finds the line of a passwd/group file whose field 0 is name (or, when
 * name is NULL, whose field 2 is id) and splits it into fields. */
static int db_lookup(FILE *f, const char *name, uint32_t id, char *line, size_t size,
		     char *fields[static 7])
{
	while (fgets(line, (int)size, f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || !*line)
			continue;
		size_t n = 0;
		char *p = line;
		for (; n < 7; n++) {
			fields[n] = p;
			p = p ? strchr(p, ':') : NULL;
			if (p)
				*p++ = 0;
		}
		uint32_t v;
		if (!fields[2] || parse_uint32(fields[2], &v) < 0)
			continue;
		if (name ? streq(fields[0], name) : v == id)
			return 0;
	}
	return -ENOENT;
}

static int lookup_group(char *const *layers, const char *group, uint32_t *ret)
{
	if (parse_uint32(group, ret) >= 0)
		return 0;
	_cleanup_fclose_ FILE *f = NULL;
	char line[4096], *fields[7];
	if (layers_open(layers, "etc/group", &f) < 0 ||
	    db_lookup(f, group, 0, line, sizeof(line), fields) < 0)
		return log_error_errno(-ENOENT, "group `%s` not found in the image's /etc/group", group);
	return parse_uint32(fields[2], ret);
}

/* Supplementary groups: every group of /etc/group that lists the user. */
static int lookup_groups(char *const *layers, const char *user, ImageUser *u)
{
	_cleanup_fclose_ FILE *f = NULL;
	if (layers_open(layers, "etc/group", &f) < 0)
		return 0;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char *fields[4] = { 0 }, *p = line;
		for (size_t n = 0; n < 4 && p; n++) {
			fields[n] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = 0;
		}
		uint32_t gid;
		if (!fields[3] || parse_uint32(fields[2], &gid) < 0 || gid == u->gid)
			continue;
		char *save = NULL;
		for (char *m = strtok_r(fields[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
			if (streq(m, user)) {
				uint32_t *g = realloc(u->groups, (u->n_groups + 1) * sizeof(uint32_t));
				if (!g)
					return -ENOMEM;
				u->groups = g;
				u->groups[u->n_groups++] = gid;
				break;
			}
	}
	return 0;
}

int image_user_resolve(char *const *layers, const char *user, ImageUser *ret)
{
	*ret = (ImageUser){ 0 };
	_cleanup_free_ char *copy = strdup(user);
	if (!copy)
		return log_error_errno(-ENOMEM, "out of memory");
	char *group = strchr(copy, ':');
	if (group)
		*group++ = 0;
	if (!*copy || (group && !*group))
		return log_error_errno(-EINVAL, "invalid image user `%s`", user);

	ImageUser u = { 0 };
	bool numeric = parse_uint32(copy, &u.uid) >= 0;
	_cleanup_fclose_ FILE *f = NULL;
	char line[4096], *fields[7] = { 0 };
	bool found = layers_open(layers, "etc/passwd", &f) >= 0 &&
		     db_lookup(f, numeric ? NULL : copy, u.uid, line, sizeof(line), fields) >= 0;
	if (!numeric && !found)
		return log_error_errno(-ENOENT, "the image's user `%s` is not in its /etc/passwd",
				       copy);
	if (found) {
		if (parse_uint32(fields[2], &u.uid) < 0 || !fields[3] ||
		    parse_uint32(fields[3], &u.gid) < 0)
			return log_error_errno(-EBADMSG, "the image's /etc/passwd entry for `%s` is "
							 "damaged",
					       copy);
		if (fields[5] && fields[5][0] == '/' && !(u.home = strdup(fields[5])))
			return log_error_errno(-ENOMEM, "out of memory");
	}
	int r = 0;
	if (group)
		r = lookup_group(layers, group, &u.gid);
	/* As Docker: a user found in /etc/passwd also gets the groups
	 * /etc/group lists it in, unless a group was named. */
	if (r >= 0 && found && !group)
		r = lookup_groups(layers, fields[0], &u);
	if (r < 0) {
		image_user_done(&u);
		return r == -ENOMEM ? log_error_errno(r, "out of memory") : r;
	}
	*ret = u;
	return 0;
}
