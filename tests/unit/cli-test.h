/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the unit tests of cli/'s modules share: the lines an error printed
 * (log.h's output, caught in a pipe), what a function wrote on stdout
 * (caught in a memfd), a temporary folder, and a Cli whose root is one.
 * Include after <cmocka.h>. */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "util.h"

static int test_log_fds[2] = { -1, -1 };

/* From now on log.h writes into a pipe that logged() reads. */
static inline void test_log_catch(void)
{
	assert_int_equal(pipe2(test_log_fds, O_CLOEXEC | O_NONBLOCK), 0);
	log_setup("berth", LOG_LEVEL_INFO);
	log_set_fd(test_log_fds[1]);
}

static inline void test_log_release(void)
{
	log_set_fd(STDERR_FILENO);
	close(test_log_fds[0]);
	close(test_log_fds[1]);
	test_log_fds[0] = test_log_fds[1] = -1;
}

/* Everything logged since the last call ("" if nothing). */
static inline const char *logged(void)
{
	static char buf[8192];
	size_t n = 0;
	ssize_t k;
	while (n < sizeof(buf) - 1 && (k = read(test_log_fds[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	return buf;
}

/* What fn(arg) writes on stdout, newly allocated. */
static inline char *test_capture_stdout(void (*fn)(void *arg), void *arg)
{
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	int mfd = memfd_create("test-stdout", MFD_CLOEXEC);
	assert_true(saved >= 0 && mfd >= 0);
	assert_true(dup2(mfd, STDOUT_FILENO) >= 0);
	fn(arg);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	off_t size = lseek(mfd, 0, SEEK_END);
	assert_true(size >= 0);
	char *text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(pread(mfd, text, (size_t)size, 0), size);
	close(mfd);
	return text;
}

/* What fn(f, arg) writes on a FILE, newly allocated. */
static inline char *test_capture_file(void (*fn)(FILE *f, void *arg), void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	fn(f, arg);
	assert_int_equal(fclose(f), 0);
	return text;
}

static inline char *test_make_dir(const char *name)
{
	char tmpl[PATH_MAX];
	snprintf(tmpl, sizeof(tmpl), "/tmp/%s.XXXXXX", name);
	assert_non_null(mkdtemp(tmpl));
	char *dir = strdup(tmpl);
	assert_non_null(dir);
	return dir;
}

static inline void test_remove_dir(char *dir)
{
	if (dir)
		assert_int_equal(rm_rf(dir), 0);
	free(dir);
}

/* "dir/name", newly allocated. */
static inline char *test_path(const char *dir, const char *name)
{
	char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* A file of text at dir/name (folders on the way made, dir too). */
static inline void test_write_file(const char *dir, const char *name, const char *text)
{
	char *path = test_path(dir, name);
	for (size_t i = 1; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		path[i] = '/';
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, text, strlen(text)), 0);
	close(fd);
	free(path);
}

/* A Cli whose root is a new temporary folder (its state DB opened on
 * first use, as berth does). */
static inline void test_cli_init(Cli *cli, const char *name)
{
	char *root = test_make_dir(name);
	*cli = (Cli){ .argv0 = "berth" };
	assert_int_equal(paths_init(&cli->paths, root), 0);
	free(root);
}

static inline void test_cli_done(Cli *cli)
{
	cli->db = db_close(cli->db);
	if (cli->paths.state_dir)
		assert_int_equal(rm_rf(cli->paths.state_dir), 0);
	paths_done(&cli->paths);
}
