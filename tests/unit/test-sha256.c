/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/sha256.c, linked from libcli.a: the FIPS 180-2 test
 * vectors through each entry point, streaming in pieces, a context that
 * starts over after each digest, reading from pipes and bad fds, and
 * which "sha256:..." strings are digests (they become file names). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sha256.h"
#include "util.h"

#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define TWO_BLOCKS "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
#define MILLION_A "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void test_known_vectors(void **state)
{
	(void)state;
	char hex[SHA256_HEX_LEN + 1];
	assert_int_equal(sha256_data("", 0, hex), 0);
	assert_string_equal(hex, EMPTY);
	assert_int_equal(sha256_data("abc", 3, hex), 0);
	assert_string_equal(hex, ABC);
	static const char two[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	assert_int_equal(sha256_data(two, strlen(two), hex), 0);
	assert_string_equal(hex, TWO_BLOCKS);
}

static void test_pieces_give_the_digest_of_the_whole(void **state)
{
	(void)state;
	Sha256 *s = NULL;
	assert_int_equal(sha256_new(&s), 0);
	/* A million 'a' in uneven pieces, with empty updates between. */
	char *buf = malloc(1000000);
	assert_non_null(buf);
	memset(buf, 'a', 1000000);
	size_t off = 0, step = 1;
	while (off < 1000000) {
		size_t n = step < 1000000 - off ? step : 1000000 - off;
		sha256_update(s, buf + off, n);
		sha256_update(s, buf, 0);
		off += n;
		step = step * 3 + 1;
	}
	char hex[SHA256_HEX_LEN + 1];
	assert_int_equal(sha256_final_hex(s, hex), 0);
	assert_string_equal(hex, MILLION_A);
	/* The context starts over. */
	sha256_update(s, "abc", 3);
	assert_int_equal(sha256_final_hex(s, hex), 0);
	assert_string_equal(hex, ABC);
	assert_int_equal(sha256_final_hex(s, hex), 0);
	assert_string_equal(hex, EMPTY);
	assert_null(sha256_free(s));
	assert_null(sha256_free(NULL));
	free(buf);
}

static void test_fd_is_read_to_its_end(void **state)
{
	(void)state;
	/* More than one read's worth (1 MiB), through a pipe that returns
	 * short reads. */
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		char chunk[1000];
		memset(chunk, 'a', sizeof(chunk));
		for (int i = 0; i < 1000; i++)
			if (write_all(p[1], chunk, sizeof(chunk)) < 0)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	char hex[SHA256_HEX_LEN + 1];
	assert_int_equal(sha256_fd(p[0], hex), 0);
	assert_string_equal(hex, MILLION_A);
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(sha256_fd(fd, hex), 0);
	assert_string_equal(hex, EMPTY);
	close(fd);
}

static void test_unreadable_fd_fails(void **state)
{
	(void)state;
	char hex[SHA256_HEX_LEN + 1] = "untouched";
	assert_int_equal(sha256_fd(-1, hex), -EBADF);
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(sha256_fd(fd, hex), -EISDIR);
	close(fd);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_int_equal(sha256_fd(fd, hex), -EBADF);
	close(fd);
	assert_string_equal(hex, "untouched");
}

static void test_only_lowercase_sha256_digests_are_digests(void **state)
{
	(void)state;
	assert_true(digest_is_sha256("sha256:" EMPTY));
	assert_string_equal(digest_hex("sha256:" EMPTY), EMPTY);
	static const char *const bad[] = {
		NULL,
		"",
		"sha256:",
		EMPTY,
		"sha256:" EMPTY "0",
		"sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
		"sha512:" EMPTY,
		"SHA256:" EMPTY,
		"sha256:../../../../../../../../../../../../../../../../../../etc/passwd",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85/",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85g",
	};
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		assert_false(digest_is_sha256(bad[i]));
		assert_null(digest_hex(bad[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_pieces_give_the_digest_of_the_whole),
		cmocka_unit_test(test_fd_is_read_to_its_end),
		cmocka_unit_test(test_unreadable_fd_fails),
		cmocka_unit_test(test_only_lowercase_sha256_digests_are_digests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
