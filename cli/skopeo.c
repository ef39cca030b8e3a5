/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Running skopeo: arguments, credentials, output and its one-line error. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "skopeo.h"
#include "util.h"

#define STDERR_MAX (64u << 10)

static char last_error[1024];

const char *skopeo_last_error(void)
{
	return last_error;
}

const char *skopeo_path(void)
{
	const char *e = getenv("BERTH_SKOPEO");
	return e && *e ? e : "skopeo";
}

/* skopeo logs through logrus: `time="..." level=fatal msg="..."`. The
 * message of the last fatal or error line, unquoted, else the last line. */
static void error_from_stderr(const char *err, char *buf, size_t size)
{
	const char *best = NULL, *last = NULL;
	for (const char *l = err; l && *l;) {
		const char *end = strchrnul(l, '\n');
		if (end > l) {
			last = l;
			const char *lv = strstr(l, "level=");
			if (lv && lv < end &&
			    (startswith(lv, "level=fatal") || startswith(lv, "level=error")))
				best = l;
		}
		l = *end ? end + 1 : end;
	}
	const char *l = best ? best : last;
	if (!l) {
		snprintf(buf, size, "failed without a message");
		return;
	}
	const char *end = strchrnul(l, '\n');
	const char *m = strstr(l, "msg=\"");
	size_t o = 0;
	if (m && m < end) {
		for (const char *p = m + 5; p < end && *p != '"' && o + 1 < size; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			buf[o++] = *p;
		}
	} else {
		for (const char *p = l; p < end && o + 1 < size; p++)
			buf[o++] = *p;
	}
	buf[o] = 0;
	/* "Error parsing image name \"docker://R\": reading manifest ...":
	 * the caller names R already. */
	const char *prefix = "Error parsing image name \"";
	if (startswith(buf, prefix)) {
		char *q = strstr(buf + strlen(prefix), "\": ");
		if (q)
			memmove(buf, q + 3, strlen(q + 3) + 1);
	}
	/* Keep it one line. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static int push_opt(char ***argv, const char *role, const char *name, const char *value)
{
	_cleanup_free_ char *s = NULL;
	if (asprintf(&s, "--%s%s%s%s%s", role ? role : "", role ? "-" : "", name, value ? "=" : "",
		     value ? value : "") < 0)
		return -ENOMEM;
	return strv_consume(argv, TAKE_PTR(s));
}

/* USER:PASS as an auth.json of its own, in a memfd the child reads as
 * /proc/self/fd/N: a password never shows on a command line. */
static int creds_authfile(const RegistryOptions *o, int *ret_fd)
{
	const char *colon = strchr(o->creds, ':');
	if (!colon || colon == o->creds)
		return log_error_errno(-EINVAL, "invalid --creds: give USER:PASSWORD");
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(o->creds);
	_cleanup_free_ char *enc = malloc(4 * ((n + 2) / 3) + 1);
	if (!enc)
		return log_error_errno(-ENOMEM, "out of memory");
	const unsigned char *s = (const unsigned char *)o->creds;
	size_t k = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) |
			     (i + 2 < n ? s[i + 2] : 0);
		enc[k++] = b64[v >> 18 & 63];
		enc[k++] = b64[v >> 12 & 63];
		enc[k++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		enc[k++] = i + 2 < n ? b64[v & 63] : '=';
	}
	enc[k] = 0;
	_cleanup_free_ char *doc = NULL;
	if (asprintf(&doc, "{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}", o->registry, enc) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	explicit_bzero(enc, k);
	int fd = memfd_create("berth-creds", 0);
	if (fd < 0)
		return log_error_errno(-errno, "memfd_create: %m");
	int r = write_all(fd, doc, strlen(doc));
	explicit_bzero(doc, strlen(doc));
	if (r < 0) {
		safe_close(fd);
		return log_error_errno(r, "write credentials: %m");
	}
	*ret_fd = fd;
	return 0;
}

int skopeo_run(const char *verb, const RegistryOptions *o, const char *role, char *const *args,
	       const char *what, char **out, size_t *out_len, size_t max)
{
	last_error[0] = 0;
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_close_ int creds_fd = -EBADF;
	_cleanup_free_ char *authfile = NULL;
	int r = 0;
	if (strv_push(&argv, skopeo_path()) < 0 || strv_push(&argv, verb) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	if (o && o->creds && o->registry) {
		if ((r = creds_authfile(o, &creds_fd)) < 0)
			return r;
		if (asprintf(&authfile, "/proc/self/fd/%d", creds_fd) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	if (o) {
		const char *af = authfile ? authfile : o->authfile;
		if (af && (r = push_opt(&argv, NULL, "authfile", af)) < 0)
			return log_error_errno(r, "out of memory");
		if (o->tls_verify >= 0)
			r = push_opt(&argv, role, "tls-verify", o->tls_verify ? "true" : "false");
		if (r >= 0 && o->cert_dir)
			r = push_opt(&argv, role, "cert-dir", o->cert_dir);
		if (r >= 0 && !out && o->quiet && (streq(verb, "copy")))
			r = push_opt(&argv, NULL, "quiet", NULL);
		if (r < 0)
			return log_error_errno(r, "out of memory");
	}
	for (size_t i = 0; args && args[i]; i++)
		if (strv_push(&argv, args[i]) < 0)
			return log_error_errno(-ENOMEM, "out of memory");

	int po[2] = { -EBADF, -EBADF }, pe[2], pin[2] = { -EBADF, -EBADF };
	if (pipe2(pe, O_CLOEXEC) < 0 || (out && pipe2(po, O_CLOEXEC) < 0))
		return log_error_errno(-errno, "pipe: %m");
	if (o && o->stdin_data) {
		/* A password: far below a pipe's capacity, written now. */
		if (pipe2(pin, O_CLOEXEC) < 0)
			return log_error_errno(-errno, "pipe: %m");
		r = write_all(pin[1], o->stdin_data, strlen(o->stdin_data));
		pin[1] = safe_close(pin[1]);
		if (r < 0) {
			safe_close(pin[0]);
			return log_error_errno(r, "write to skopeo: %m");
		}
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		r = log_error_errno(-errno, "fork: %m");
		safe_close(pin[0]);
		safe_close(pe[0]);
		safe_close(pe[1]);
		safe_close(po[0]);
		safe_close(po[1]);
		return r;
	}
	if (pid == 0) {
		/* skopeo dies with us: a killed pull leaves no download behind. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(126);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		int in = pin[0] >= 0 ? pin[0] : (o && o->inherit_stdin) ? STDIN_FILENO : null;
		if (null < 0 || dup2(in, STDIN_FILENO) < 0)
			_exit(126);
		int outfd = out ? po[1] : (o && o->quiet) ? null : STDERR_FILENO;
		if (dup2(outfd, STDOUT_FILENO) < 0 || dup2(pe[1], STDERR_FILENO) < 0)
			_exit(126);
		if (creds_fd >= 0 && fd_set_cloexec(creds_fd, false) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	safe_close(pe[1]);
	safe_close(po[1]);
	safe_close(pin[0]);
	_cleanup_free_ char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	bool too_big = false;
	struct pollfd p[2] = { { .fd = pe[0], .events = POLLIN },
			       { .fd = po[0], .events = POLLIN } };
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			char chunk[16384];
			ssize_t k = read(p[i].fd, chunk, sizeof(chunk));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				safe_close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			char **buf = i == 0 ? &ebuf : &obuf;
			size_t *len = i == 0 ? &elen : &olen;
			size_t cap = i == 0 ? STDERR_MAX : max;
			if (*len + (size_t)k > cap) {
				if (i == 1) {
					/* Refused before it is all in memory. */
					too_big = true;
					kill(pid, SIGKILL);
				}
				continue;
			}
			char *nb = realloc(*buf, *len + (size_t)k + 1);
			if (!nb) {
				kill(pid, SIGKILL);
				continue;
			}
			memcpy(nb + *len, chunk, (size_t)k);
			*len += (size_t)k;
			nb[*len] = 0;
			*buf = nb;
		}
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (too_big)
		return log_error_errno(-EFBIG, "%s: larger than %zu MiB, refused", what, max >> 20);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return log_error_errno(-ENOENT,
				       "%s: `%s` not found: berth talks to registries through "
				       "skopeo (apt-get install skopeo)",
				       what, argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		error_from_stderr(ebuf, last_error, sizeof(last_error));
		if (WIFSIGNALED(status))
			snprintf(last_error, sizeof(last_error), "skopeo killed by signal %d",
				 WTERMSIG(status));
		r = strstr(last_error, "unauthorized") || strstr(last_error, "authentication")
			    ? -EACCES
			    : -EIO;
		if (!o || !o->silent)
			log_error("%s: %s", what, last_error);
		return r;
	}
	if (out) {
		if (!obuf && !(obuf = strdup("")))
			return log_error_errno(-ENOMEM, "out of memory");
		*out = TAKE_PTR(obuf);
		if (out_len)
			*out_len = olen;
	}
	return 0;
}
