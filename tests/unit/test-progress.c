/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for cli/progress.c, linked from libcli.a: the progress bar is
 * drawn only when stderr is a terminal (a pty here), shows the file's
 * name, a bar and a percentage (or bytes alone when the total is
 * unknown), redraws at most ten times a second and erases itself. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

static int master = -1, saved_stderr = -1;

/* stderr becomes a pty's slave (or a pipe, when !tty); master reads it. */
static void redirect(bool tty)
{
	int slave;
	if (tty) {
		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		assert_true(master >= 0);
		assert_int_equal(grantpt(master), 0);
		assert_int_equal(unlockpt(master), 0);
		slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
		assert_true(slave >= 0);
		struct termios t;
		assert_int_equal(tcgetattr(slave, &t), 0);
		cfmakeraw(&t);
		assert_int_equal(tcsetattr(slave, TCSANOW, &t), 0);
	} else {
		int p[2];
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		master = p[0];
		slave = p[1];
	}
	assert_int_equal(fcntl(master, F_SETFL, O_NONBLOCK), 0);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(slave, STDERR_FILENO), STDERR_FILENO);
	close(slave);
}

static int restore(void **state)
{
	(void)state;
	if (saved_stderr >= 0) {
		fflush(stderr);
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	if (master >= 0)
		close(master);
	master = -1;
	return 0;
}

/* What was drawn since the last call. */
static const char *drawn(void)
{
	static char buf[4096];
	fflush(stderr);
	size_t len = 0;
	for (int tries = 0; tries < 20; tries++) {
		ssize_t n = read(master, buf + len, sizeof(buf) - 1 - len);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (len > 0 || tries >= 2)
			break;
		usleep(10000);
	}
	buf[len] = 0;
	return buf;
}

static void wait_past_interval(void)
{
	usleep(110000);
}

static void test_nothing_is_drawn_when_stderr_is_no_terminal(void **state)
{
	(void)state;
	redirect(false);
	Progress p;
	progress_init(&p, "layer.tar", 100);
	assert_false(p.enabled);
	progress_update(&p, 50);
	progress_done(&p);
	assert_string_equal(drawn(), "");
	/* A NULL bar is nothing to draw either. */
	progress_update(NULL, 1);
	progress_done(NULL);
}

static void test_label_is_the_files_name_cut_to_fit(void **state)
{
	(void)state;
	redirect(false);
	Progress p;
	progress_init(&p, "/srv/images/alpine-minirootfs.tar.gz", 0);
	assert_string_equal(p.label, "alpine-minirootfs.tar.gz");
	progress_init(&p, "dir/", 0);
	assert_string_equal(p.label, "dir/");
	char longname[200];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	longname[0] = 'a';
	longname[sizeof(longname) - 2] = 'z';
	progress_init(&p, longname, 0);
	assert_int_equal(strlen(p.label), sizeof(p.label) - 1);
	/* Its end is kept: what tells files of one name apart. */
	assert_true(startswith(p.label, "...nnn"));
	assert_string_equal(p.label + strlen(p.label) - 4, "nnnz");
}

static void test_label_of_a_layer_shows_its_digest(void **state)
{
	(void)state;
	redirect(false);
	Progress p;
	/* What image-docker-archive.c and image-oci.c pass. */
	progress_init(&p, "docker-archive:/srv/img.tar: layer 2 (sha256:0123456789ab)", 0);
	assert_string_equal(p.label, "img.tar: layer 2 (sha256:0123456789ab)");
	progress_init(&p,
		      "docker-archive:/srv/an-application-image-of-a-long-name-v1.2.3.tar: "
		      "layer 12 (sha256:0123456789ab)",
		      0);
	assert_string_equal(p.label, "...e-v1.2.3.tar: layer 12 (sha256:0123456789ab)");
	/* A UTF-8 character at the cut is left out whole. */
	progress_init(&p,
		      "/srv/\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		      0);
	assert_string_equal(p.label, "...\xc3\xa9"
				     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

static void test_bar_shows_the_share_done_and_erases_itself(void **state)
{
	(void)state;
	redirect(true);
	Progress p;
	progress_init(&p, "x/layer.tar", 4096);
	assert_true(p.enabled);
	assert_string_equal(drawn(),
			    "\r\033[Klayer.tar [..............................]   0%  0 B / "
			    "4.0 KiB");
	wait_past_interval();
	uint64_t start = now_mono_usec();
	progress_update(&p, 2048);
	assert_string_equal(drawn(), "\r\033[Klayer.tar [###############...............]  50%  "
				     "2.0 KiB / 4.0 KiB");
	/* Within a tenth of a second: not drawn again (unless this busy
	 * machine took that long to get here). */
	progress_update(&p, 3000);
	const char *again = drawn();
	if (now_mono_usec() - start < 100000)
		assert_string_equal(again, "");
	wait_past_interval();
	/* More than the total (a size that grew) is 100 %, not more. */
	progress_update(&p, 10000);
	assert_string_equal(drawn(), "\r\033[Klayer.tar [##############################] 100%  "
				     "9.8 KiB / 4.0 KiB");
	progress_done(&p);
	assert_string_equal(drawn(), "\r\033[K");
}

static void test_unknown_total_shows_bytes_alone(void **state)
{
	(void)state;
	redirect(true);
	Progress p;
	progress_init(&p, "pipe", 0);
	assert_string_equal(drawn(), "\r\033[Kpipe  0 B");
	wait_past_interval();
	progress_update(&p, UINT64_C(3) << 30);
	assert_string_equal(drawn(), "\r\033[Kpipe  3.0 GiB");
}

static void test_disabled_bar_on_a_terminal_draws_nothing(void **state)
{
	(void)state;
	redirect(true);
	Progress p;
	progress_init(&p, "quiet", 10);
	(void)drawn();
	/* As unpack_tar_entry() does for a layer whose bar the caller draws. */
	p.enabled = false;
	wait_past_interval();
	progress_update(&p, 5);
	progress_done(&p);
	assert_string_equal(drawn(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_nothing_is_drawn_when_stderr_is_no_terminal,
					  restore),
		cmocka_unit_test_teardown(test_label_is_the_files_name_cut_to_fit, restore),
		cmocka_unit_test_teardown(test_label_of_a_layer_shows_its_digest, restore),
		cmocka_unit_test_teardown(test_bar_shows_the_share_done_and_erases_itself, restore),
		cmocka_unit_test_teardown(test_unknown_total_shows_bytes_alone, restore),
		cmocka_unit_test_teardown(test_disabled_bar_on_a_terminal_draws_nothing, restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
