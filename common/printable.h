/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Text that a container could have written (an error message that came
 * through a pipe it may reach, a name from its image), made safe to show
 * on a terminal: one line, no control characters, no escape sequences.
 *
 * Printable ASCII and well-formed UTF-8 pass as they are. Every other
 * byte is written as \xNN: C0 controls and DEL (ESC starts every escape
 * sequence, CR and LF would fake lines), C1 controls, alone (0x9b is CSI
 * on a terminal that takes 8-bit controls) or encoded (U+0080-U+009F),
 * the Unicode controls that reorder or hide text (bidi overrides, as in
 * "Trojan Source"), and anything that is not UTF-8.
 *
 * Copies at most len bytes of s, stopping at a NUL, into buf (size bytes,
 * at least 4), always NUL-terminated; text that does not fit ends in
 * "...". Returns buf. */
char *printable_text(char *buf, size_t size, const char *s, size_t len);
