/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for printable_text() (common/printable.c): what a container
 * could have written reaches a terminal without a control character. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "printable.h"

static const char *p(const char *s)
{
	static char buf[512];
	return printable_text(buf, sizeof(buf), s, strlen(s));
}

static void test_plain_text_passes_unchanged(void **state)
{
	(void)state;
	assert_string_equal(p("cannot execute `/bin/x`: Permission denied"),
			    "cannot execute `/bin/x`: Permission denied");
	assert_string_equal(p(""), "");
}

static void test_escape_sequences_are_escaped(void **state)
{
	(void)state;
	/* A title change, a screen clear, a colour: nothing of ESC or BEL left. */
	assert_string_equal(p("\033]0;title\007\033[2Jx\033[31m"),
			    "\\x1b]0;title\\x07\\x1b[2Jx\\x1b[31m");
	assert_string_equal(p("a\nb\rc\td\177"), "a\\x0ab\\x0dc\\x09d\\x7f");
}

static void test_c1_controls_are_escaped_raw_and_encoded(void **state)
{
	(void)state;
	/* 0x9b alone is CSI on a terminal that takes 8-bit controls; U+009B
	 * is the same in UTF-8. */
	assert_string_equal(p("x\x9b"
			      "31m"),
			    "x\\x9b31m");
	assert_string_equal(p("x\xc2\x9b"
			      "31m"),
			    "x\\xc2\\x9b31m");
}

static void test_utf8_passes_and_invalid_is_escaped(void **state)
{
	(void)state;
	assert_string_equal(p("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3"),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
	/* Overlong '/', a surrogate, a sequence cut short, a stray byte. */
	assert_string_equal(p("\xc0\xaf"), "\\xc0\\xaf");
	assert_string_equal(p("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(p("\xe2\x82"), "\\xe2\\x82");
	assert_string_equal(p("\x80"), "\\x80");
}

static void test_bidi_overrides_are_escaped(void **state)
{
	(void)state;
	/* U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE. */
	assert_string_equal(p("a\xe2\x80\xae"
			      "b\xe2\x81\xa6"),
			    "a\\xe2\\x80\\xaeb\\xe2\\x81\\xa6");
}

static void test_length_is_bounded(void **state)
{
	(void)state;
	char buf[12];
	assert_string_equal(printable_text(buf, sizeof(buf), "0123456789", 10), "0123456789");
	assert_string_equal(printable_text(buf, sizeof(buf), "01234567890", 11), "01234567890");
	assert_string_equal(printable_text(buf, sizeof(buf), "012345678901", 12), "01234567...");
	/* An escape is never cut in half. */
	assert_string_equal(printable_text(buf, sizeof(buf), "0123456\033xyz", 11), "0123456...");
	/* len bounds the input, and so does a NUL. */
	assert_string_equal(printable_text(buf, sizeof(buf), "abcdef", 3), "abc");
	assert_string_equal(printable_text(buf, sizeof(buf), "ab\0cd", 5), "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_passes_unchanged),
		cmocka_unit_test(test_escape_sequences_are_escaped),
		cmocka_unit_test(test_c1_controls_are_escaped_raw_and_encoded),
		cmocka_unit_test(test_utf8_passes_and_invalid_is_escaped),
		cmocka_unit_test(test_bidi_overrides_are_escaped),
		cmocka_unit_test(test_length_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
