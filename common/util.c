/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>

#include "util.h"

char **strv_free(char **l)
{
	if (!l)
		return NULL;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
	return NULL;
}

size_t strv_length(char *const *l)
{
	size_t n = 0;
	if (l)
		while (l[n])
			n++;
	return n;
}

int strv_consume(char ***l, char *s)
{
	if (!s)
		return -ENOMEM;
	size_t n = strv_length(*l);
	char **c = realloc(*l, sizeof(char *) * (n + 2));
	if (!c) {
		free(s);
		return -ENOMEM;
	}
	c[n] = s;
	c[n + 1] = NULL;
	*l = c;
	return 0;
}

int strv_push(char ***l, const char *s)
{
	return strv_consume(l, strdup(s));
}

char **strv_copy(char *const *l)
{
	size_t n = strv_length(l);
	char **c = calloc(n + 1, sizeof(char *));
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(l[i]);
		if (!c[i])
			return strv_free(c);
	}
	return c;
}

char *strv_join(char *const *l, const char *sep)
{
	size_t len = 1, seplen = strlen(sep), n = strv_length(l);
	for (size_t i = 0; i < n; i++)
		len += strlen(l[i]) + seplen;
	char *r = malloc(len), *p = r;
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			p = stpcpy(p, sep);
		p = stpcpy(p, l[i]);
	}
	*p = 0;
	return r;
}

bool strv_contains(char *const *l, const char *s)
{
	for (size_t i = 0; l && l[i]; i++)
		if (streq(l[i], s))
			return true;
	return false;
}

int read_full_file(const char *path, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return read_full_fd(fd, ret, ret_size);
}

int read_full_fd(int fd, char **ret, size_t *ret_size)
{
	size_t size = 0, alloc = 4096;
	_cleanup_free_ char *buf = malloc(alloc);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (size + 1 >= alloc) {
			if (alloc > 64u * 1024 * 1024)
				return -EFBIG;
			char *n = realloc(buf, alloc * 2);
			if (!n)
				return -ENOMEM;
			buf = n;
			alloc *= 2;
		}
		ssize_t k = read(fd, buf + size, alloc - size - 1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		size += (size_t)k;
	}
	buf[size] = 0;
	if (ret_size)
		*ret_size = size;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_one_line(const char *path, char **ret)
{
	char *s;
	int r = read_full_file(path, &s, NULL);
	if (r < 0)
		return r;
	s[strcspn(s, "\n")] = 0;
	*ret = s;
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *data = buf;
	while (len > 0) {
		ssize_t k = write(fd, data, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += k;
		len -= (size_t)k;
	}
	return 0;
}

int write_file(const char *path, const char *data, size_t len, int flags, mode_t mode)
{
	_cleanup_close_ int fd = open(path, flags | O_WRONLY | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, data, len);
	if (r < 0)
		return r;
	return RET_NERRNO(close(TAKE_FD(fd)));
}

int write_file_in_place(const char *path, const char *data, size_t len, mode_t mode)
{
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
	if (fd < 0)
		return -errno;
	int r = write_all(fd, data, len);
	if (r < 0)
		return r;
	/* What was longer is cut (ext4 does work for a size left as it is). */
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return -errno;
	if (end > (off_t)len && ftruncate(fd, (off_t)len) < 0)
		return -errno;
	return RET_NERRNO(close(TAKE_FD(fd)));
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return -ENOMEM;
	int r = write_file(tmp, data, len, O_CREAT | O_TRUNC | O_EXCL, mode);
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
}

int write_string_file(const char *path, const char *s)
{
	/* For kernel interface files (cgroupfs, procfs): no O_CREAT, no
	 * truncation semantics beyond what the kernel file implements. */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	size_t len = strlen(s);
	ssize_t k = write(fd, s, len);
	if (k < 0)
		return -errno;
	if ((size_t)k != len)
		return -EIO;
	return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0) {
		if (errno != EEXIST)
			return -errno;
		if (!is_dir(p))
			return -ENOTDIR;
	}
	return 0;
}

int absolute_path(const char *p, char **ret)
{
	if (p[0] == '/') {
		*ret = strdup(p);
		return *ret ? 0 : -ENOMEM;
	}
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	return asprintf(ret, "%s/%s", cwd, p) < 0 ? -ENOMEM : 0;
}

bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fd_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0)
		return -errno;
	return RET_NERRNO(fcntl(fd, F_SETFL, flags | O_NONBLOCK));
}

int fd_set_cloexec(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFD);
	if (flags < 0)
		return -errno;
	flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
	return RET_NERRNO(fcntl(fd, F_SETFD, flags));
}

/* Removes the tree under dirfd without following symlinks and without
 * crossing into other filesystems: a mount left inside a container's
 * directory must never make us delete the host's files. */
static int rm_rf_children(int dirfd, dev_t dev)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return -errno;
	}
	int ret = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && ret == 0)
				ret = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				if (ret == 0)
					ret = -EXDEV;
				continue;
			}
			int sub = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				/* Overlay work directories are mode 000: root can
				 * open them, but be ready for EACCES anyway. */
				if (errno == EACCES && fchmodat(dirfd, de->d_name, 0700, 0) == 0)
					sub = openat(dirfd, de->d_name,
						     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							     O_CLOEXEC);
				if (sub < 0) {
					if (errno != ENOENT && ret == 0)
						ret = -errno;
					continue;
				}
			}
			int r = rm_rf_children(sub, dev);
			if (r < 0 && ret == 0)
				ret = r;
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
			    ret == 0)
				ret = -errno;
		} else if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT && ret == 0)
			ret = -errno;
	}
	closedir(d);
	return ret;
}

/* What is below the directory fd (which it closes), on its filesystem. */
static int rm_rf_below(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return rm_rf_children(fd, st.st_dev);
}

int rm_rf_contents(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : rm_rf_below(fd);
}

int rm_rf(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR || errno == ELOOP)
			return RET_NERRNO(unlink(path));
		return -errno;
	}
	int r = rm_rf_below(fd);
	if (r < 0)
		return r;
	if (rmdir(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int proc_start_time(pid_t pid, uint64_t *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *s = NULL;
	int r = read_full_file(path, &s, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	/* The command name (field 2) may contain spaces and parentheses: the
	 * fields after it start after the last ')'. starttime is field 22. */
	char *p = strrchr(s, ')');
	if (!p)
		return -EIO;
	p++;
	for (int field = 2; field < 21; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
	}
	unsigned long long v;
	if (sscanf(p + 1, "%llu", &v) != 1)
		return -EIO;
	*ret = v;
	return 0;
}

/* The value of the field `name:` of a /proc/PID/status, or NULL. */
static const char *status_field(const char *status, const char *name)
{
	size_t len = strlen(name);
	for (const char *l = status; *l;) {
		if (strncmp(l, name, len) == 0 && l[len] == ':')
			return l + len + 1;
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return NULL;
}

int proc_status_init_drops_signal(const char *status, int sig, bool *ret)
{
	if (sig < 1 || sig > 64)
		return -EINVAL;
	const char *ns = status_field(status, "NSpid");
	if (!ns)
		return -EIO;
	/* "NSpid:\t4242\t1": one pid per PID namespace, ours first. */
	unsigned long last = 0;
	int levels = 0;
	for (char *end;; ns = end) {
		errno = 0;
		unsigned long v = strtoul(ns, &end, 10);
		if (end == ns || errno)
			break;
		last = v;
		levels++;
	}
	if (levels == 0)
		return -EIO;
	uint64_t handled = 0;
	const char *sets[] = { "SigBlk", "SigIgn", "SigCgt" };
	for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
		const char *v = status_field(status, sets[i]);
		unsigned long long mask;
		if (!v || sscanf(v, "%llx", &mask) != 1)
			return -EIO;
		handled |= mask;
	}
	*ret = levels > 1 && last == 1 && !(handled & (UINT64_C(1) << (sig - 1)));
	return 0;
}

int proc_init_drops_signal(pid_t pid, int sig, bool *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	_cleanup_free_ char *s = NULL;
	int r = read_full_file(path, &s, NULL);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	return proc_status_init_drops_signal(s, sig, ret);
}

/* Opens a pidfd for pid and makes sure it refers to the process that was
 * recorded with start_time: the pidfd is taken first, so if the start time
 * read afterwards matches, the fd cannot point to a process that reused
 * the pid. -ESRCH when the recorded process is gone. */
int pidfd_open_checked(pid_t pid, uint64_t start_time, int *ret_fd)
{
	if (pid <= 0)
		return -ESRCH;
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return errno == ESRCH ? -ESRCH : -errno;
	uint64_t st;
	int r = proc_start_time(pid, &st);
	if (r < 0)
		return r;
	if (st != start_time)
		return -ESRCH;
	/* A zombie still has its /proc entry: treat it as gone. */
	char path[64], state = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_free_ char *s = NULL;
	if (read_full_file(path, &s, NULL) == 0) {
		char *p = strrchr(s, ')');
		if (p && p[1] == ' ')
			state = p[2];
	}
	if (state == 'Z' || state == 'X')
		return -ESRCH;
	if (ret_fd)
		*ret_fd = TAKE_FD(fd);
	return 0;
}

int pidfd_wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		return r == 0 ? -ETIMEDOUT : 0;
	}
}

int boot_id(char ret[static 37])
{
	_cleanup_free_ char *s = NULL;
	int r = read_one_line("/proc/sys/kernel/random/boot_id", &s);
	if (r < 0)
		return r;
	snprintf(ret, 37, "%s", s);
	return 0;
}

uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t now_mono_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The proleptic Gregorian date of a day since 1970-01-01 (Howard Hinnant's
 * civil_from_days), for days >= 0. */
static void civil_from_days(uint64_t z, uint64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	uint64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

void format_iso8601(uint64_t usec, char ret[static 32])
{
	/* Arithmetic, not gmtime_r(): that reads /etc/localtime at its first
	 * call in every process (tzset), for a time in UTC. */
	uint64_t secs = usec / 1000000, y;
	unsigned m, d, sod = (unsigned)(secs % 86400);
	civil_from_days(secs / 86400, &y, &m, &d);
	/* At most 27 bytes (the year of UINT64_MAX µs has six digits); the
	 * compiler cannot see that. */
	char b[96];
	snprintf(b, sizeof(b), "%04llu-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned long long)y, m, d,
		 sod / 3600, sod / 60 % 60, sod % 60, (unsigned)((usec / 1000) % 1000));
	memcpy(ret, b, 32);
	ret[31] = 0;
}

/* 9999-12-31T23:59:59Z */
#define ISO8601_MAX_SEC ((time_t)253402300799)

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, size_t n, unsigned *ret)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*ret = v;
	return true;
}

int parse_iso8601(const char *s, uint64_t *ret)
{
	/* The form berth writes, "YYYY-MM-DDTHH:MM:SS.mmmZ", without strptime:
	 * `berth list` parses one per container. */
	unsigned y, mo, d, h, mi, se, ms;
	if (strlen(s) == 24 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
	    s[16] == ':' && s[19] == '.' && s[23] == 'Z' && digits(s, 4, &y) &&
	    digits(s + 5, 2, &mo) && digits(s + 8, 2, &d) && digits(s + 11, 2, &h) &&
	    digits(s + 14, 2, &mi) && digits(s + 17, 2, &se) && digits(s + 20, 3, &ms) &&
	    y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && se < 61) {
		int64_t days = days_from_civil(y, mo, d);
		uint64_t secs = (uint64_t)days * 86400 + h * 3600u + mi * 60u + se;
		if (secs > (uint64_t)ISO8601_MAX_SEC)
			return -EINVAL;
		*ret = secs * 1000000 + ms * 1000ull;
		return 0;
	}
	return parse_iso8601_slow(s, ret);
}

int parse_iso8601_slow(const char *s, uint64_t *ret)
{
	struct tm tm = { 0 };
	unsigned ms = 0;
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		/* Digits only (strtoul() would take spaces and a sign, and
		 * overflow on a long fraction): the first three are the
		 * milliseconds, the rest are dropped. */
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (unsigned scale = 100; *p >= '0' && *p <= '9'; p++) {
			ms += (unsigned)(*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p != 'Z' || p[1])
		return -EINVAL;
	/* timegm() normalises a leap second past 9999-12-31T23:59:59, the last
	 * time with the four-digit year that strptime() reads back, into one
	 * format_iso8601() would print as year 10000. */
	time_t t = timegm(&tm);
	if (t < 0 || t > ISO8601_MAX_SEC)
		return -EINVAL;
	*ret = (uint64_t)t * 1000000 + ms * 1000ull;
	return 0;
}

char *format_u64(char buf[static 21], uint64_t v)
{
	char *p = buf + 20;
	*p = 0;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

void format_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;
	while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
}

void format_ago(uint64_t then, uint64_t now, char *ret, size_t size)
{
	uint64_t d = now > then ? (now - then) / 1000000 : 0;
	static const struct {
		uint64_t secs;
		const char *unit;
	} units[] = { { 86400 * 365, "year" }, { 86400 * 7, "week" }, { 86400, "day" },
		      { 3600, "hour" },        { 60, "minute" },      { 1, "second" } };
	if (d == 0) {
		snprintf(ret, size, "just now");
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(units); i++)
		if (d >= units[i].secs) {
			/* Without snprintf: `berth list` does this for every row. */
			uint64_t n = d / units[i].secs;
			char num[21];
			const char *parts[] = { format_u64(num, n), " ", units[i].unit,
						n == 1 ? "" : "s", " ago" };
			size_t len = 0;
			/* Truncated as snprintf() would. */
			for (size_t k = 0; k < ELEMENTSOF(parts) && len + 1 < size; k++) {
				size_t pl = strlen(parts[k]);
				if (len + pl + 1 > size)
					pl = size - len - 1;
				memcpy(ret + len, parts[k], pl);
				len += pl;
			}
			ret[len] = 0;
			return;
		}
}

int random_hex(char *ret, size_t nchars)
{
	uint8_t buf[64];
	size_t nbytes = (nchars + 1) / 2;
	if (nbytes > sizeof(buf))
		return -EINVAL;
	size_t got = 0;
	while (got < nbytes) {
		ssize_t k = getrandom(buf + got, nbytes - got, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)k;
	}
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < nchars; i++)
		ret[i] = hex[(buf[i / 2] >> ((i % 2) ? 0 : 4)) & 0xf];
	ret[nchars] = 0;
	return 0;
}

/* Every read-only segment of the program itself (headers, code, constant
 * data): never written, so their pages can always come back from the file.
 * Not the segments with PF_W: RELRO data, written by the relocations,
 * would come back unrelocated. */
static int drop_readonly_segments(struct dl_phdr_info *info, size_t size, void *userdata)
{
	(void)size;
	(void)userdata;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		uintptr_t start = (info->dlpi_addr + ph->p_vaddr + page - 1) & ~(page - 1);
		uintptr_t end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(page - 1);
		if (end > start)
			(void)madvise((void *)start, end - start, MADV_DONTNEED);
	}
	return 1; /* the first object is the program itself */
}

void drop_text_pages(void)
{
	(void)dl_iterate_phdr(drop_readonly_segments, NULL);
}

int find_program(const char *name, char **ret)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		const char *end = strchrnul(p, ':');
		char *c = NULL;
		if (end > p) {
			if (asprintf(&c, "%.*s/%s", (int)(end - p), p, name) < 0)
				return -ENOMEM;
			if (access(c, X_OK) == 0) {
				*ret = c;
				return 0;
			}
			free(c);
		}
		p = *end ? end + 1 : end;
	}
	return -ENOENT;
}
