/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the unit tests of cli/'s image modules share: tar archives built
 * byte by byte (ustar headers, pax records, gzip with stored blocks), so
 * that a test can make exactly the hostile archive it needs; the one line
 * the code under test logged; a private berth root. Include after
 * <cmocka.h>. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "util.h"

/* ---- the log ---- */

static int test_log_fds[2] = { -1, -1 };

/* A group's (or a test's) setup and teardown for cmocka: the log goes to
 * a pipe that logged() reads. */
static inline int test_log_setup(void **state)
{
	(void)state;
	if (pipe2(test_log_fds, O_CLOEXEC) < 0)
		return -1;
	/* Read without blocking: a test that expects no line gets "". */
	if (fcntl(test_log_fds[0], F_SETFL, O_NONBLOCK) < 0)
		return -1;
	log_setup("berth", LOG_LEVEL_INFO);
	log_set_fd(test_log_fds[1]);
	return 0;
}

static inline int test_log_teardown(void **state)
{
	(void)state;
	log_set_fd(STDERR_FILENO);
	close(test_log_fds[0]);
	close(test_log_fds[1]);
	return 0;
}

/* Everything logged since the last call (the unpacking child's lines too,
 * once it has ended), also echoed to stderr for the test's log. */
static inline const char *logged(void)
{
	static char buf[65536];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(test_log_fds[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	if (len > 0)
		fprintf(stderr, "# logged: %s", buf);
	return buf;
}

/* Fails the test unless the log since the last call holds needle. */
#define assert_logged(needle)                                                         \
	do {                                                                          \
		const char *_l = logged();                                            \
		if (!strstr(_l, (needle)))                                            \
			fail_msg("expected `%s` in the log, got `%s`", (needle), _l); \
	} while (0)

/* ---- tar archives ---- */

typedef struct {
	char *data;
	size_t len, alloc;
} TarBuf;

static inline void tar_append(TarBuf *t, const void *p, size_t n)
{
	if (t->len + n > t->alloc) {
		t->alloc = (t->len + n) * 2 + 4096;
		t->data = realloc(t->data, t->alloc);
		assert_non_null(t->data);
	}
	if (n > 0)
		memcpy(t->data + t->len, p, n);
	t->len += n;
}

static inline void tar_pad(TarBuf *t)
{
	static const char zero[512];
	if (t->len % 512)
		tar_append(t, zero, 512 - t->len % 512);
}

typedef struct {
	const char *name;
	char type; /* '0' file, '1' hard link, '2' symlink, '3' char dev, '5' folder, 'x' pax */
	unsigned mode;
	unsigned uid, gid;
	const char *link;
	const void *data;
	size_t len;
	size_t size; /* the size the header claims when it differs from len */
	unsigned devmajor, devminor;
} TarEntry;

/* A numeric field: width - 1 octal digits and a NUL. */
static inline void tar_octal(unsigned char *field, size_t width, uint64_t v)
{
	field[width - 1] = 0;
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (unsigned char)('0' + (v & 7));
}

/* One ustar header and its data. Names longer than 100 bytes need a pax
 * "path" record first (tar_pax). */
static inline void tar_add(TarBuf *t, const TarEntry *e)
{
	unsigned char h[512] = { 0 };
	snprintf((char *)h, 100, "%s", strlen(e->name) < 100 ? e->name : "long-name");
	tar_octal(h + 100, 8, e->mode ? e->mode : (e->type == '5' ? 0755 : 0644));
	tar_octal(h + 108, 8, e->uid);
	tar_octal(h + 116, 8, e->gid);
	tar_octal(h + 124, 12, e->size ? e->size : e->len);
	tar_octal(h + 136, 12, 1700000000u);
	h[156] = (unsigned char)(e->type ? e->type : '0');
	if (e->link)
		snprintf((char *)h + 157, 100, "%s", e->link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	tar_octal(h + 329, 8, e->devmajor);
	tar_octal(h + 337, 8, e->devminor);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof(h); i++)
		sum += h[i];
	tar_octal(h + 148, 7, sum);
	h[155] = ' ';
	tar_append(t, h, sizeof(h));
	tar_append(t, e->data, e->len);
	tar_pad(t);
}

/* A pax extended header with one record "key=value" for the next entry. */
static inline void tar_pax(TarBuf *t, const char *key, const char *value)
{
	/* The record's length counts its own digits. */
	size_t body = strlen(key) + strlen(value) + 3; /* ' ', '=', '\n' */
	size_t n = body;
	for (;;) {
		char digits[32];
		size_t len = body + (size_t)snprintf(digits, sizeof(digits), "%zu", n);
		if (len == n)
			break;
		n = len;
	}
	char *rec = NULL;
	assert_true(asprintf(&rec, "%zu %s=%s\n", n, key, value) > 0);
	assert_int_equal(strlen(rec), n);
	tar_add(t, &(TarEntry){ .name = "PaxHeader", .type = 'x', .data = rec, .len = n });
	free(rec);
}

static inline void tar_file(TarBuf *t, const char *name, const char *content)
{
	tar_add(t, &(TarEntry){ .name = name,
				.type = '0',
				.data = content,
				.len = content ? strlen(content) : 0 });
}

static inline void tar_dir(TarBuf *t, const char *name)
{
	tar_add(t, &(TarEntry){ .name = name, .type = '5' });
}

static inline void tar_symlink(TarBuf *t, const char *name, const char *target)
{
	tar_add(t, &(TarEntry){ .name = name, .type = '2', .link = target, .mode = 0777 });
}

static inline void tar_hardlink(TarBuf *t, const char *name, const char *target)
{
	tar_add(t, &(TarEntry){ .name = name, .type = '1', .link = target });
}

/* The end-of-archive marker: two zero blocks. */
static inline void tar_end(TarBuf *t)
{
	static const char zero[1024];
	tar_append(t, zero, sizeof(zero));
}

static inline void tar_free(TarBuf *t)
{
	free(t->data);
	*t = (TarBuf){ 0 };
}

/* ---- gzip, with stored (uncompressed) deflate blocks ---- */

static inline uint32_t test_crc32(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static inline void gzip_stored(const TarBuf *in, TarBuf *out)
{
	static const unsigned char head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };
	tar_append(out, head, sizeof(head));
	size_t off = 0;
	do {
		size_t n = in->len - off > 65535 ? 65535 : in->len - off;
		unsigned char b[5] = { off + n == in->len ? 1 : 0, n & 0xff, n >> 8, ~n & 0xff,
				       (~n >> 8) & 0xff };
		tar_append(out, b, sizeof(b));
		tar_append(out, in->data + off, n);
		off += n;
	} while (off < in->len);
	uint32_t crc = test_crc32((const unsigned char *)in->data, in->len);
	uint32_t isize = (uint32_t)in->len;
	unsigned char tail[8];
	for (int i = 0; i < 4; i++) {
		tail[i] = (unsigned char)(crc >> (8 * i));
		tail[4 + i] = (unsigned char)(isize >> (8 * i));
	}
	tar_append(out, tail, sizeof(tail));
}

/* ---- files ---- */

static inline bool test_endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && streq(s + n - k, suffix);
}

static inline char *test_mkdtemp(void)
{
	char *t = strdup("/tmp/berth-unit-XXXXXX");
	assert_non_null(t);
	assert_non_null(mkdtemp(t));
	return t;
}

static inline char *test_path(const char *dir, const char *rel)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	return p;
}

static inline void test_write(const char *dir, const char *rel, const void *data, size_t len)
{
	char *p = test_path(dir, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	close(fd);
	free(p);
}

static inline bool test_exists(const char *dir, const char *rel)
{
	char *p = test_path(dir, rel);
	struct stat st;
	bool r = lstat(p, &st) == 0;
	free(p);
	return r;
}

/* Entries of a folder other than . and .. */
static inline size_t test_count_entries(const char *dir)
{
	char *cmd = NULL;
	assert_true(asprintf(&cmd, "ls -A '%s' | wc -l", dir) > 0);
	FILE *f = popen(cmd, "r");
	free(cmd);
	assert_non_null(f);
	size_t n = 0;
	assert_int_equal(fscanf(f, "%zu", &n), 1);
	pclose(f);
	return n;
}

/* A Cli with a private root. */
static inline void test_cli_init(Cli *cli, const char *root)
{
	*cli = (Cli){ .argv0 = "berth" };
	assert_int_equal(paths_init(&cli->paths, root), 0);
}

static inline void test_cli_done(Cli *cli)
{
	if (cli->db)
		db_close(cli->db);
	paths_done(&cli->paths);
	*cli = (Cli){ 0 };
}

/* Runs tests, and root_tests too when we are root (unpacking chroots).
 * Not cmocka's skip(): version 1.1.5 reports it as "not ok N # SKIP",
 * which automake's TAP driver counts as a failure. Tests left out are
 * named in a comment instead, and a file with nothing left to run is
 * skipped as a whole. */
#define run_image_tests(tests, root_tests, setup, teardown)                                    \
	run_image_tests_n(tests, ELEMENTSOF(tests), root_tests, ELEMENTSOF(root_tests), setup, \
			  teardown)

static inline int run_image_tests_n(const struct CMUnitTest *tests, size_t n,
				    const struct CMUnitTest *root_tests, size_t n_root,
				    CMFixtureFunction setup, CMFixtureFunction teardown)
{
	bool root = geteuid() == 0;
	if (!root)
		for (size_t i = 0; i < n_root; i++)
			printf("# skipped, needs root (unpacking chroots): %s\n",
			       root_tests[i].name);
	size_t m = n + (root ? n_root : 0);
	if (m == 0) {
		printf("1..0 # SKIP needs root (unpacking chroots)\n");
		return 0;
	}
	struct CMUnitTest *all = calloc(m, sizeof(*all));
	assert_non_null(all);
	if (n > 0)
		memcpy(all, tests, n * sizeof(*all));
	if (root)
		memcpy(all + n, root_tests, n_root * sizeof(*all));
	int r = _cmocka_run_group_tests("tests", all, m, setup, teardown);
	free(all);
	return r;
}
