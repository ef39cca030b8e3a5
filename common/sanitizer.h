/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What berth does differently when built with --enable-asan; nothing in
 * any other build. */

#if defined(__SANITIZE_ADDRESS__)
#define BERTH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BERTH_ASAN 1
#endif
#endif

#ifdef BERTH_ASAN
#include <sanitizer/lsan_interface.h>
#endif

/* LeakSanitizer's check at exit stops the process from a helper it
 * clone()s, which gives up when getppid() is not the pid it was given, and
 * the process then waits for it forever. In a process that has joined a
 * container's PID namespace with setns() (which applies to its children)
 * the helper sees a parent pid of 0: such a process checks for leaks
 * before it joins, and then never again. */
static inline void sanitizer_leak_check_before_setns(void)
{
#ifdef BERTH_ASAN
	__lsan_do_leak_check();
#endif
}
