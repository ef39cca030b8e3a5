/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <termios.h>

/* Pseudo-terminals for -t/--tty. The pty is made in the container's own
 * devpts instance (so ttyname() and /dev/pts/N work inside), its master
 * travels to whoever relays it over a unix socket (SCM_RIGHTS). */

/* Opens dev/pts/ptmx under rootfd (the container's root) as a new master,
 * checks it is devpts, unlocks it and opens its peer: no path lookup of
 * /dev/pts/N, so nothing in the container can swap the slave under us. */
int tty_open_pair(int rootfd, int *ret_master, int *ret_slave);

int tty_send_fd(int sock, int fd);
int tty_recv_fd(int sock, int *ret_fd);

/* Raw mode on the user's terminal while a container owns it. */
int tty_make_raw(int fd, struct termios *ret_saved);
void tty_restore(int fd, const struct termios *saved);
/* Copies the window size of from (the user's terminal) to the pty master. */
void tty_copy_winsize(int from, int to);
