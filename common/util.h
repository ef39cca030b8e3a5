/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "cleanup.h"

#define streq(a, b) (strcmp((a), (b)) == 0)
#define startswith(s, p) (strncmp((s), (p), strlen(p)) == 0)

/* String vectors. */
size_t strv_length(char *const *l);
int strv_push(char ***l, const char *s); /* copies s */
int strv_consume(char ***l, char *s);    /* takes s, also on failure */
char **strv_copy(char *const *l);
char *strv_join(char *const *l, const char *sep);
bool strv_contains(char *const *l, const char *s);

/* Files. */
int read_full_file(const char *path, char **ret, size_t *ret_size);
/* The same from fd, from where its offset is to its end. */
int read_full_fd(int fd, char **ret, size_t *ret_size);
int read_one_line(const char *path, char **ret);
int write_file(const char *path, const char *data, size_t len, int flags, mode_t mode);
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);
/* Writes the file's content where it is (made if missing, its inode kept
 * if not), without O_TRUNC: ext4 writes back at close a file truncated to
 * nothing and written again. Only for a file nobody reads meanwhile. */
int write_file_in_place(const char *path, const char *data, size_t len, mode_t mode);
int write_string_file(const char *path, const char *s);
int mkdir_p(const char *path, mode_t mode);
int rm_rf(const char *path);
/* What is in the folder at path, not the folder. */
int rm_rf_contents(const char *path);
/* Drops this program's code and constant data pages from our page tables
 * (they stay in the page cache; what runs next faults back in): for a
 * process that will mostly wait from now on. Those segments are never
 * written, so nothing is lost. */
void drop_text_pages(void);
bool is_dir(const char *path);
/* p itself if absolute, else joined to the working directory. */
int absolute_path(const char *p, char **ret);
int fd_set_cloexec(int fd, bool on);
int fd_set_nonblock(int fd);

/* The path of a program in $PATH (newly allocated), or -ENOENT. */
int find_program(const char *name, char **ret);

/* Processes. */
int proc_start_time(pid_t pid, uint64_t *ret);
/* Whether sig, sent to pid, is dropped by the kernel because pid is the
 * init of a PID namespace (the last of its NSpid is 1) that neither
 * blocks, ignores nor catches it: such an init gets only the signals it
 * has a handler for (and SIGKILL and SIGSTOP from an ancestor namespace).
 * From /proc/PID/status; the second reads its text. */
int proc_init_drops_signal(pid_t pid, int sig, bool *ret);
int proc_status_init_drops_signal(const char *status, int sig, bool *ret);
int pidfd_open_checked(pid_t pid, uint64_t start_time, int *ret_fd);
int pidfd_wait_exit(int pidfd, int timeout_ms);
int boot_id(char ret[static 37]);

/* Time. */
uint64_t now_usec(void);
uint64_t now_mono_usec(void);
/* UTC ISO-8601 with milliseconds, e.g. 2026-11-23T16:24:27.123Z */
void format_iso8601(uint64_t usec, char ret[static 32]);
int parse_iso8601(const char *s, uint64_t *ret);
/* Other precisions too, through strptime(). */
int parse_iso8601_slow(const char *s, uint64_t *ret);
/* Decimal digits of v, written at the end of buf; returns where they start. */
char *format_u64(char buf[static 21], uint64_t v);
/* "5 seconds ago", "3 minutes ago" */
void format_ago(uint64_t then_usec, uint64_t now, char *ret, size_t size);
/* 512 B, 1.5 KiB, 2.0 GiB ... */
void format_bytes(uint64_t n, char *buf, size_t size);
/* write() until all of buf is written; retries EINTR. */
int write_all(int fd, const void *buf, size_t len);

/* Randomness. */
int random_hex(char *ret, size_t nchars);
