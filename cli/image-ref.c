/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Registry references (the grammar of distribution's reference package)
 * and short names resolved through registries.conf, as Podman does. */

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image-ref.h"
#include "log.h"
#include "parse.h"
#include "util.h"

#define REGISTRIES_CONF "/etc/containers/registries.conf"
#define REGISTRIES_CONF_D "/etc/containers/registries.conf.d"
#define TOML_MAX (1u << 20)

void image_ref_done(ImageRef *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	*r = (ImageRef){ 0 };
}

/* PATH components: [a-z0-9]+ joined by '.', '_', "__" or runs of '-'. */
static bool path_component_ok(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (c == '.' || c == '_' || c == '-') {
			/* '.' and '_' never twice in a row (but "__"), '-' may repeat. */
			if (c == '.' && s[i + 1] == '.')
				return false;
			if (c == '_' && s[i + 1] == '_' && i + 2 < n && s[i + 2] == '_')
				return false;
			continue;
		}
		return false;
	}
	return true;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);
	/* Docker also takes a leading '_'; berth's image names start with a
	 * letter or digit in every component. */
	if (n == 0 || n > 128 || !isalnum((unsigned char)t[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
			return false;
	return true;
}

static bool domain_ok(const char *d)
{
	/* host[:port]: letters, digits, '-' and '.' (no IPv6 [address]:
	 * berth's image names have no brackets). */
	const char *colon = strchr(d, ':');
	size_t host_len = colon ? (size_t)(colon - d) : strlen(d);
	if (host_len == 0)
		return false;
	{
		/* Labels of letters, digits and '-', none empty, none starting
		 * or ending with '-'. */
		for (size_t i = 0; i < host_len; i++) {
			bool start = i == 0 || d[i - 1] == '.';
			bool end = i + 1 == host_len || d[i + 1] == '.';
			if (d[i] == '.' ? start || i + 1 == host_len
					: !isalnum((unsigned char)d[i]) &&
						  (d[i] != '-' || start || end))
				return false;
		}
	}
	if (colon) {
		const char *port = colon + 1;
		if (!*port || strlen(port) > 5 || port[strspn(port, "0123456789")])
			return false;
	}
	return true;
}

static bool is_domain(const char *first, size_t n)
{
	return memchr(first, '.', n) || memchr(first, ':', n) ||
	       (n == strlen("localhost") && strncmp(first, "localhost", n) == 0);
}

#define ref_error(loud, ...) ((loud) ? log_error_errno(-EINVAL, __VA_ARGS__) : -EINVAL)

static int parse(const char *s, ImageRef *ret, bool loud)
{
	*ret = (ImageRef){ 0 };
	if (!s || !*s)
		return ref_error(loud, "empty image reference");
	if (strlen(s) > 255 + 72)
		return ref_error(loud, "image reference `%.40s...` is too long", s);
	_cleanup_free_ char *copy = strdup(s);
	if (!copy)
		return log_error_errno(-ENOMEM, "out of memory");
	ImageRef r = { 0 };
	char *at = strchr(copy, '@');
	if (at) {
		*at = 0;
		const char *hex = at + 1 + strlen("sha256:");
		if (strncmp(at + 1, "sha256:", strlen("sha256:")) != 0 || strlen(hex) != 64 ||
		    hex[strspn(hex, "0123456789abcdef")])
			return ref_error(loud,
					 "invalid image reference `%s`: the digest must be "
					 "sha256: and 64 lowercase hex digits",
					 s);
		if (!(r.digest = strdup(at + 1)))
			return log_error_errno(-ENOMEM, "out of memory");
	}
	const char *rest = copy;
	const char *slash = strchr(copy, '/');
	if (slash && is_domain(copy, (size_t)(slash - copy))) {
		r.domain = strndup(copy, (size_t)(slash - copy));
		rest = slash + 1;
		if (r.domain && !domain_ok(r.domain)) {
			(void)ref_error(
				loud,
				"invalid image reference `%s`: `%s` is not a registry host[:port]",
				s, r.domain);
			image_ref_done(&r);
			return -EINVAL;
		}
	}
	/* A ':' after the last '/' starts the tag. */
	char *colon = strrchr(rest, ':');
	if (colon && !strchr(colon, '/')) {
		*colon = 0;
		if (!tag_ok(colon + 1)) {
			(void)ref_error(loud, "invalid image reference `%s`: invalid tag `%s`", s,
					colon + 1);
			image_ref_done(&r);
			return -EINVAL;
		}
		r.tag = strdup(colon + 1);
	}
	for (const char *p = rest;;) {
		size_t n = strcspn(p, "/");
		if (!path_component_ok(p, n)) {
			(void)ref_error(
				loud,
				"invalid image reference `%s`: `%.*s` is not a valid repository "
				"name component (lowercase letters, digits, and . _ - between "
				"them)",
				s, (int)n, p);
			image_ref_done(&r);
			return -EINVAL;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	/* Docker Hub's official images live under library/. */
	if (r.domain && (streq(r.domain, "index.docker.io") || streq(r.domain, "docker.io"))) {
		free(r.domain);
		r.domain = strdup("docker.io");
		if (!strchr(rest, '/')) {
			if (asprintf(&r.path, "library/%s", rest) < 0)
				r.path = NULL;
		} else
			r.path = strdup(rest);
	} else
		r.path = strdup(rest);
	if (!r.path || (slash && rest != copy && !r.domain)) {
		image_ref_done(&r);
		return log_error_errno(-ENOMEM, "out of memory");
	}
	/* The name a pull stores it under is one berth takes everywhere. */
	_cleanup_free_ char *name = r.domain ? image_ref_name(&r) : NULL;
	if (r.domain && (!name || !image_name_is_valid(name))) {
		image_ref_done(&r);
		if (!name)
			return log_error_errno(-ENOMEM, "out of memory");
		return ref_error(loud,
				 "invalid image reference `%s`: too long (a name component over "
				 "%d characters, or more than 255 in all)",
				 s, NAME_MAX_LEN);
	}
	*ret = r;
	return 0;
}

int image_ref_parse(const char *s, ImageRef *ret)
{
	return parse(s, ret, true);
}

int image_ref_parse_quiet(const char *s, ImageRef *ret)
{
	return parse(s, ret, false);
}

bool image_ref_is_qualified(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash && is_domain(s, (size_t)(slash - s));
}

char *image_ref_name(const ImageRef *r)
{
	char *s;
	if (!r->domain)
		return NULL;
	if (r->digest)
		return asprintf(&s, "%s/%s@%s", r->domain, r->path, r->digest) < 0 ? NULL : s;
	return asprintf(&s, "%s/%s:%s", r->domain, r->path, r->tag ? r->tag : "latest") < 0 ? NULL
											    : s;
}

char *image_ref_with_digest(const ImageRef *r, const char *digest)
{
	char *s;
	return asprintf(&s, "%s/%s@%s", r->domain, r->path, digest) < 0 ? NULL : s;
}

/* ---- registries.conf ---- */

/* The TOML file as JSON, through tomljson (Debian's
 * golang-github-pelletier-go-toml): berth has no TOML parser of its own. */
static int toml_load(const char *path, json_t **ret)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "pipe: %m");
	pid_t pid = fork();
	if (pid < 0) {
		safe_close(fds[0]);
		safe_close(fds[1]);
		return log_error_errno(-errno, "fork: %m");
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		/* Its own message is no one line: ours says what failed. */
		if (dup2(fds[1], STDOUT_FILENO) < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0)
			_exit(126);
		execlp("tomljson", "tomljson", path, (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	safe_close(fds[1]);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = read_full_fd(fds[0], &data, &len);
	safe_close(fds[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return log_error_errno(-ENOENT,
				       "reading %s needs tomljson (Debian's "
				       "golang-github-pelletier-go-toml); install it or name "
				       "the image with its registry",
				       path);
	if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return log_error_errno(-EBADMSG, "%s: not valid TOML", path);
	if (len > TOML_MAX)
		return log_error_errno(-EFBIG, "%s: too large", path);
	json_t *j = json_loadb(data, len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return log_error_errno(-EBADMSG, "%s: not valid TOML", path);
	}
	*ret = j;
	return 0;
}

static int conf_files(char ***ret)
{
	_cleanup_strv_free_ char **files = NULL;
	const char *env = getenv("CONTAINERS_REGISTRIES_CONF");
	if (env && *env) {
		/* As for containers/image: the one file, without drop-ins. */
		if (strv_push(&files, env) < 0)
			return -ENOMEM;
		*ret = TAKE_PTR(files);
		return 0;
	}
	if (access(REGISTRIES_CONF, F_OK) == 0 && strv_push(&files, REGISTRIES_CONF) < 0)
		return -ENOMEM;
	struct dirent **names = NULL;
	int n = scandir(REGISTRIES_CONF_D, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		size_t l = strlen(nm);
		char *p = NULL;
		if (l > 5 && streq(nm + l - 5, ".conf") && nm[0] != '.' &&
		    asprintf(&p, "%s/%s", REGISTRIES_CONF_D, nm) >= 0)
			(void)strv_consume(&files, p);
		free(names[i]);
	}
	free(names);
	*ret = TAKE_PTR(files);
	return 0;
}

int image_ref_candidates(const ImageRef *r, char ***ret)
{
	_cleanup_strv_free_ char **files = NULL, **search = NULL, **out = NULL;
	_cleanup_free_ char *alias = NULL;
	int k = conf_files(&files);
	if (k < 0)
		return log_error_errno(k, "out of memory");
	/* Later files override earlier ones, key by key, as in
	 * containers-registries.conf.d(5). */
	for (size_t i = 0; files && files[i]; i++) {
		json_t *j = NULL;
		int q = toml_load(files[i], &j);
		if (q < 0)
			return q;
		json_t *s = json_object_get(j, "unqualified-search-registries");
		if (json_is_array(s)) {
			strv_free(search);
			search = NULL;
			size_t x;
			json_t *e;
			json_array_foreach(s, x, e)
				if (json_is_string(e) &&
				    strv_push(&search, json_string_value(e)) < 0) {
					json_decref(j);
					return log_error_errno(-ENOMEM, "out of memory");
				}
		}
		const char *a =
			json_string_value(json_object_get(json_object_get(j, "aliases"), r->path));
		if (a) {
			free(alias);
			alias = strdup(a);
		}
		json_decref(j);
	}
	if (alias) {
		/* An alias is a reference of its own; the tag or digest given
		 * with the short name applies to it. */
		ImageRef ar;
		if (image_ref_parse(alias, &ar) < 0 || !ar.domain) {
			image_ref_done(&ar);
			return log_error_errno(-EINVAL,
					       "registries.conf: the alias of `%s`, `%s`, is not a "
					       "fully qualified reference",
					       r->path, alias);
		}
		free(ar.tag);
		free(ar.digest);
		ar.tag = r->tag ? strdup(r->tag) : NULL;
		ar.digest = r->digest ? strdup(r->digest) : NULL;
		char *name = image_ref_name(&ar);
		image_ref_done(&ar);
		if (!name || strv_consume(&out, name) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
		*ret = TAKE_PTR(out);
		return 0;
	}
	for (size_t i = 0; search && search[i]; i++) {
		_cleanup_free_ char *full = NULL;
		if (asprintf(&full, "%s/%s%s%s%s%s", search[i], r->path, r->tag ? ":" : "",
			     r->tag ? r->tag : "", r->digest ? "@" : "",
			     r->digest ? r->digest : "") < 0)
			return log_error_errno(-ENOMEM, "out of memory");
		ImageRef fr;
		if (image_ref_parse(full, &fr) < 0)
			continue;
		char *name = image_ref_name(&fr);
		image_ref_done(&fr);
		if (!name || strv_consume(&out, name) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	*ret = TAKE_PTR(out);
	return 0;
}
