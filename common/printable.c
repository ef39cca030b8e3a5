/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>

#include "printable.h"

/* The length of the well-formed UTF-8 sequence at s (of at most left
 * bytes), with its code point; 0 if there is none: a stray continuation
 * byte, a sequence cut short, an overlong form, a surrogate or a code
 * point past U+10FFFF. */
static size_t utf8_sequence(const unsigned char *s, size_t left, uint32_t *ret_cp)
{
	size_t n;
	uint32_t cp, min;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return n;
}

/* Code points that control how a terminal shows the text rather than
 * being shown: C1 controls, and the format characters that reorder or
 * hide what follows them. */
static bool code_point_controls(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* What byte i of s (end bytes long) is shown as: into piece (at least 4
 * bytes, one whole UTF-8 sequence), its length; *ret_used, the bytes of s
 * it stands for. */
static size_t piece_at(const unsigned char *s, size_t i, size_t end, char piece[static 4],
		       size_t *ret_used)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp;
	size_t seq;
	*ret_used = 1;
	if (s[i] >= 0x20 && s[i] < 0x7f) {
		piece[0] = (char)s[i];
		return 1;
	}
	if (s[i] >= 0x80 && (seq = utf8_sequence(s + i, end - i, &cp)) > 0 &&
	    !code_point_controls(cp)) {
		for (size_t k = 0; k < seq; k++)
			piece[k] = (char)s[i + k];
		*ret_used = seq;
		return seq;
	}
	piece[0] = '\\';
	piece[1] = 'x';
	piece[2] = hex[s[i] >> 4];
	piece[3] = hex[s[i] & 0xf];
	return 4;
}

char *printable_text(char *buf, size_t size, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t end = 0;
	while (end < len && p[end])
		end++;
	/* All of it if it fits; else as much as leaves room for "...". */
	size_t total = 0, used;
	char piece[4];
	for (size_t i = 0; i < end && total < size; i += used)
		total += piece_at(p, i, end, piece, &used);
	size_t limit = total < size ? size - 1 : size - 4, out = 0;
	for (size_t i = 0; i < end; i += used) {
		size_t n = piece_at(p, i, end, piece, &used);
		if (out + n > limit)
			break;
		for (size_t k = 0; k < n; k++)
			buf[out++] = piece[k];
	}
	if (total >= size)
		for (size_t k = 0; k < 3; k++)
			buf[out++] = '.';
	buf[out] = 0;
	return buf;
}
