/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Files that berth reads from an image or a running container: its
 * /etc/passwd and /etc/group, an OCI layout's index and blobs, the layers
 * it copies for a user namespace. Whoever made the image (or runs as root
 * in the container) chose what each one is. So such a file is
 *   - looked up inside its root, never outside it (resolve_in_root(): ".."
 *     and absolute symlinks stay in, magic links are not followed);
 *   - checked to be a regular file before anything opens it for reading:
 *     a FIFO is never waited on (open() would block until a writer came),
 *     a device is never opened (/dev/zero never ends; opening some devices
 *     does something by itself: a watchdog, a tape, a modem);
 *   - then reopened, that very inode, through /proc/self/fd, with
 *     O_NONBLOCK and O_NOCTTY, so no swap in between can change what is
 *     opened;
 *   - and read up to a bound that the caller names.
 * image import may still make FIFOs and device nodes as an image's data;
 * berth never opens one itself. */

/* Opens path inside rootfd for reading (O_NONBLOCK, O_NOCTTY, O_CLOEXEC).
 * With no_symlinks, a symlink anywhere on the way is refused (ELOOP).
 * Returns -EISDIR for a folder, -EBADFD for anything else that is not a
 * regular file (FIFO, device, socket), and sets *ret_type to the file's
 * type (S_IFMT bits) when it got that far, also on those two errors, so
 * that the caller can say what it found. */
int untrusted_open(int rootfd, const char *path, bool no_symlinks, mode_t *ret_type, int *ret_fd);

/* Reads fd (a regular file) from its offset to its end: -EFBIG when that
 * is more than max bytes. The result is NUL-terminated; *ret_size does not
 * count the NUL. */
int untrusted_read_fd(int fd, size_t max, char **ret, size_t *ret_size);

/* Both: the whole of path inside rootfd, at most max bytes. */
int untrusted_read_file(int rootfd, const char *path, size_t max, mode_t *ret_type, char **ret,
			size_t *ret_size);

/* "a FIFO", "a character device", ...: for messages. */
const char *file_type_name(mode_t type);
