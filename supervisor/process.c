/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* What every process berth starts in a container goes through last, for
 * the container's init and for `berth exec` alike: identity and
 * privileges. Runs after clone(), so no allocation and one line of error. */

#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "supervisor.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int process_apply_identity(const ProcessIdentity *id, char *msg, size_t msglen)
{
	/* Supplementary groups first, then gid, then uid: each step needs
	 * the privileges the next one drops. */
	if (setgroups(id->n_groups, (const gid_t *)id->groups) < 0) {
		snprintf(msg, msglen, "setgroups: %s", strerror(errno));
		return -errno;
	}
	if (setresgid(id->gid, id->gid, id->gid) < 0) {
		snprintf(msg, msglen, "setgid %u: %s", id->gid, strerror(errno));
		return -errno;
	}
	if (setresuid(id->uid, id->uid, id->uid) < 0) {
		snprintf(msg, msglen, "setuid %u: %s", id->uid, strerror(errno));
		return -errno;
	}
	if (id->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(msg, msglen, "set no_new_privs: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void process_close_fds(int keep)
{
	/* No descriptor of berth may reach the command (the class of
	 * CVE-2024-21626): everything above stdio is closed on exec. */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3; fd < 4096; fd++)
			if (fd != keep)
				close(fd);
}
