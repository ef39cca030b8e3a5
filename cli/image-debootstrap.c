/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* berth image debootstrap NAME [SUITE]: the seeds' `debootstrap stable DIR
 * MIRROR` recipe as one command. debootstrap runs into the image's
 * temporary folder, in a mount and PID namespace of its own, so that the
 * /proc it mounts in the target and every process it starts go away with
 * it, even when berth is killed half-way. */

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "images.h"
#include "log.h"
#include "printable.h"
#include "util.h"

#define DEFAULT_MIRROR "http://deb.debian.org/debian"
#define DEFAULT_VARIANT "minbase"

typedef struct {
	char *uri;
	int score;
} Mirror;

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == 0 || p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
			return true;
	return false;
}

static bool is_debian_archive(const char *uri)
{
	size_t n = strlen(uri);
	while (n > 0 && uri[n - 1] == '/')
		n--;
	return n >= 7 && strncmp(uri + n - 7, "/debian", 7) == 0;
}

/* Debian's security archive: security.debian.org, or a folder
 * debian-security on any mirror (deb.debian.org/debian-security). Only
 * these: a mirror whose name merely has the word in it is a mirror. */
static bool is_security_archive(const char *uri)
{
	const char *host = strstr(uri, "://");
	host = host ? host + 3 : uri;
	size_t n = strcspn(host, "/");
	/* Without user info and port: [user@]host[:port]. */
	const char *at = memchr(host, '@', n);
	if (at) {
		n -= (size_t)(at + 1 - host);
		host = at + 1;
	}
	const char *colon = memchr(host, ':', n);
	if (colon)
		n = (size_t)(colon - host);
	if (n == strlen("security.debian.org") && strncasecmp(host, "security.debian.org", n) == 0)
		return true;
	for (const char *p = host + strcspn(host, "/"); *p == '/';) {
		p++;
		size_t k = strcspn(p, "/");
		if (k == strlen("debian-security") && strncmp(p, "debian-security", k) == 0)
			return true;
		p += k;
	}
	return false;
}

/* The best source for the suite: a Debian archive that lists it, then any
 * Debian archive, then a source that lists it. Third-party repositories
 * (other components, other suites) never qualify, nor do security
 * archives, which carry only the updates of a release. */
static void consider(Mirror *best, const char *uri, const char *suites, const char *components,
		     const char *suite)
{
	if (!uri || !suites || !startswith(uri, "http") || is_security_archive(uri) ||
	    (components && *components && !word_in(components, "main")))
		return;
	bool debian = is_debian_archive(uri), exact = word_in(suites, suite);
	int score = debian && exact ? 3 : debian ? 2 : exact ? 1 : 0;
	if (score == 0 || score <= best->score)
		return;
	free(best->uri);
	best->uri = strdup(uri);
	best->score = score;
}

/* One-line format: deb [options] URI SUITE COMPONENT... */
static void scan_list(FILE *f, const char *suite, Mirror *best)
{
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		if (!startswith(p, "deb ") && !startswith(p, "deb\t"))
			continue;
		p += 4;
		p += strspn(p, " \t");
		if (*p == '[') {
			char *end = strchr(p, ']');
			if (!end)
				continue;
			p = end + 1;
		}
		char *save = NULL;
		char *uri = strtok_r(p, " \t\n", &save);
		char *s = strtok_r(NULL, " \t\n", &save);
		char *comps = save;
		if (uri && s)
			consider(best, uri, s, comps, suite);
	}
}

static char *field(const char *para, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = para; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			v += strspn(v, " \t");
			return strndup(v, strcspn(v, "\n"));
		}
	return NULL;
}

/* deb822 format: paragraphs of Types:, URIs:, Suites:, Components:. */
static void scan_sources(FILE *f, const char *suite, Mirror *best)
{
	_cleanup_free_ char *para = NULL;
	size_t len = 0;
	char line[4096];
	for (bool more = true; more;) {
		more = fgets(line, sizeof(line), f) != NULL;
		bool blank = !more || line[strspn(line, " \t\r\n")] == 0;
		if (!blank && line[0] != '#') {
			size_t l = strlen(line);
			char *n = realloc(para, len + l + 1);
			if (!n)
				return;
			para = n;
			memcpy(para + len, line, l + 1);
			len += l;
			continue;
		}
		if (!blank || !para)
			continue;
		_cleanup_free_ char *types = field(para, "Types"), *uris = field(para, "URIs"),
				    *suites = field(para, "Suites"),
				    *comps = field(para, "Components"),
				    *enabled = field(para, "Enabled");
		if (types && word_in(types, "deb") && (!enabled || !streq(enabled, "no")) && uris) {
			char *save = NULL;
			for (char *u = strtok_r(uris, " \t", &save); u;
			     u = strtok_r(NULL, " \t", &save))
				consider(best, u, suites, comps, suite);
		}
		para[0] = 0;
		len = 0;
	}
}

/* The machine's own Debian mirror, as apt is configured: the one place
 * these machines (and most users behind a proxy or a local mirror) can
 * reach. */
char *debootstrap_find_mirror(const char *apt_dir, const char *suite)
{
	Mirror best = { 0 };
	_cleanup_free_ char *list_file = NULL, *list_dir = NULL;
	if (asprintf(&list_file, "%s/sources.list", apt_dir) < 0 ||
	    asprintf(&list_dir, "%s/sources.list.d", apt_dir) < 0)
		return NULL;
	_cleanup_fclose_ FILE *f = fopen(list_file, "re");
	if (f)
		scan_list(f, suite, &best);
	DIR *d = opendir(list_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		bool list = n > 5 && streq(de->d_name + n - 5, ".list");
		bool sources = n > 8 && streq(de->d_name + n - 8, ".sources");
		if (!list && !sources)
			continue;
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", list_dir, de->d_name) < 0)
			break;
		_cleanup_fclose_ FILE *g = fopen(p, "re");
		if (!g)
			continue;
		if (list)
			scan_list(g, suite, &best);
		else
			scan_sources(g, suite, &best);
	}
	if (d)
		closedir(d);
	return best.uri ? best.uri : strdup(DEFAULT_MIRROR);
}

char *debootstrap_host_codename(const char *os_release)
{
	_cleanup_fclose_ FILE *f = fopen(os_release, "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f))
		if (startswith(line, "VERSION_CODENAME=")) {
			char *v = line + strlen("VERSION_CODENAME=");
			/* The opening quote first: os-release(5) allows one. */
			if (*v == '"' || *v == '\'')
				v++;
			v[strcspn(v, "\"'\n")] = 0;
			if (*v)
				return strdup(v);
		}
	return strdup("stable");
}

typedef struct {
	const char *suite, *mirror, *variant, *include;
} Run;

_noreturn_ static void child_exec(const Run *run, const char *rootfs, pid_t parent)
{
	/* Outer child: dies with berth; its own child is PID 1 of a new PID
	 * namespace, and the kernel kills every process in it when that one
	 * dies. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(125);
	if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		log_error_errno(-errno, "debootstrap: new namespaces: %m");
		_exit(125);
	}
	/* The new PID 1 cannot ask getppid() whether we still live (its
	 * parent is outside its namespace): a pipe we hold open tells it. */
	int alive[2];
	if (pipe2(alive, O_CLOEXEC) < 0)
		_exit(125);
	pid_t pid = fork();
	if (pid < 0)
		_exit(125);
	if (pid == 0) {
		close(alive[1]);
		struct pollfd pfd = { .fd = alive[0], .events = POLLIN };
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || poll(&pfd, 1, 0) != 0)
			_exit(125);
		/* Our stdout is for the image name only. */
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(125);
		_cleanup_free_ char *variant = NULL, *include = NULL;
		if (asprintf(&variant, "--variant=%s", run->variant) < 0 ||
		    (run->include && asprintf(&include, "--include=%s", run->include) < 0))
			_exit(125);
		const char *argv[8];
		size_t n = 0;
		argv[n++] = DEBOOTSTRAP_PATH;
		argv[n++] = variant;
		if (include)
			argv[n++] = include;
		argv[n++] = run->suite;
		argv[n++] = rootfs;
		argv[n++] = run->mirror;
		argv[n] = NULL;
		execv(DEBOOTSTRAP_PATH, (char **)argv);
		log_error_errno(-errno, "execute %s: %m (install the Debian package debootstrap)",
				DEBOOTSTRAP_PATH);
		_exit(127);
	}
	close(alive[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* debootstrap keeps the packages it installed; an image does not need
 * them (apt downloads again when the container installs something). */
static void drop_package_cache(const char *rootfs)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/var/cache/apt/archives", rootfs) < 0)
		return;
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n > 4 && streq(de->d_name + n - 4, ".deb"))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
}

static int populate(Cli *cli, const char *rootfs, void *userdata)
{
	const Run *run = userdata;
	if (access(DEBOOTSTRAP_PATH, X_OK) < 0)
		return log_error_errno(-errno, "%s: %m (install the Debian package debootstrap)",
				       DEBOOTSTRAP_PATH);
	log_info("debootstrap %s from %s (variant %s) ...", run->suite, run->mirror, run->variant);
	pid_t parent = getpid();
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return log_error_errno(-errno, "fork: %m");
	if (pid == 0)
		child_exec(run, rootfs, parent);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return log_error_errno(-EIO,
				       "debootstrap %s failed (exit status %d): see its output "
				       "above",
				       run->suite,
				       WIFEXITED(status) ? WEXITSTATUS(status)
							 : 128 + WTERMSIG(status));
	drop_package_cache(rootfs);
	return 0;
}

int image_debootstrap(Cli *cli, const char *name, const DebootstrapOptions *o)
{
	_cleanup_free_ char *suite =
		o->suite ? strdup(o->suite) : debootstrap_host_codename("/etc/os-release");
	if (!suite)
		return log_error_errno(-ENOMEM, "out of memory");
	/* Passed as arguments to debootstrap: keep them to plain words. The
	 * error shows them as one line, whatever the user typed. */
	char shown[256];
	if (!*suite || strspn(suite, "abcdefghijklmnopqrstuvwxyz0123456789-.") != strlen(suite))
		return log_error_errno(-EINVAL, "invalid suite `%s`",
				       printable_text(shown, sizeof(shown), suite, strlen(suite)));
	_cleanup_free_ char *mirror =
		o->mirror ? strdup(o->mirror) : debootstrap_find_mirror("/etc/apt", suite);
	if (!mirror)
		return log_error_errno(-ENOMEM, "out of memory");
	if (!startswith(mirror, "http://") && !startswith(mirror, "https://") &&
	    !startswith(mirror, "file:///"))
		return log_error_errno(-EINVAL,
				       "invalid mirror `%s`: expected an http(s):// or "
				       "file:/// URL",
				       printable_text(shown, sizeof(shown), mirror,
						      strlen(mirror)));
	_cleanup_free_ char *source = NULL;
	if (asprintf(&source, "debootstrap:%s %s", suite, mirror) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	Run run = {
		.suite = suite,
		.mirror = mirror,
		.variant = o->variant ? o->variant : DEFAULT_VARIANT,
		.include = o->include,
	};
	FlatImage f = {
		.name = name,
		.source = source,
		/* As Debian's own container images do. */
		.config = "{\"Cmd\":[\"bash\"]}",
		.populate = populate,
		.userdata = &run,
	};
	return image_create_flat(cli, &f);
}
