/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "mount-options.h"
#include "parse.h"
#include "util.h"

static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} flag_options[] = {
	{ "ro", false, MS_RDONLY },
	{ "rw", true, MS_RDONLY },
	{ "nosuid", false, MS_NOSUID },
	{ "suid", true, MS_NOSUID },
	{ "nodev", false, MS_NODEV },
	{ "dev", true, MS_NODEV },
	{ "noexec", false, MS_NOEXEC },
	{ "exec", true, MS_NOEXEC },
	{ "sync", false, MS_SYNCHRONOUS },
	{ "async", true, MS_SYNCHRONOUS },
	{ "dirsync", false, MS_DIRSYNC },
	{ "remount", false, MS_REMOUNT },
	{ "noatime", false, MS_NOATIME },
	{ "atime", true, MS_NOATIME },
	{ "nodiratime", false, MS_NODIRATIME },
	{ "diratime", true, MS_NODIRATIME },
	{ "relatime", false, MS_RELATIME },
	{ "norelatime", true, MS_RELATIME },
	{ "strictatime", false, MS_STRICTATIME },
	{ "nostrictatime", true, MS_STRICTATIME },
	{ "mand", false, MS_MANDLOCK },
	{ "nomand", true, MS_MANDLOCK },
};

static const struct {
	const char *name;
	unsigned long flag;
} propagation_options[] = {
	{ "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

int mount_options_parse(char *const *options, MountOptions *ret)
{
	MountOptions o = { 0 };
	_cleanup_strv_free_ char **data = NULL;

	for (size_t i = 0; options && options[i]; i++) {
		const char *opt = options[i];
		bool done = false;
		for (size_t k = 0; k < ELEMENTSOF(flag_options) && !done; k++)
			if (streq(opt, flag_options[k].name)) {
				if (flag_options[k].clear) {
					o.flags &= ~flag_options[k].flag;
					o.clear |= flag_options[k].flag;
				} else {
					o.flags |= flag_options[k].flag;
					o.clear &= ~flag_options[k].flag;
				}
				done = true;
			}
		for (size_t k = 0; k < ELEMENTSOF(propagation_options) && !done; k++)
			if (streq(opt, propagation_options[k].name)) {
				o.propagation = propagation_options[k].flag;
				done = true;
			}
		if (!done && (streq(opt, "bind") || streq(opt, "rbind"))) {
			o.bind = true;
			o.flags |= MS_BIND | (streq(opt, "rbind") ? MS_REC : 0);
			done = true;
		}
		if (done)
			continue;
		if (!*opt || strchr(opt, ','))
			return -EINVAL;
		int r = strv_push(&data, opt);
		if (r < 0)
			return r;
	}
	if (data) {
		o.data = strv_join(data, ",");
		if (!o.data)
			return -ENOMEM;
	}
	*ret = o;
	return 0;
}

void mount_options_done(MountOptions *o)
{
	free(o->data);
	o->data = NULL;
}

static bool is_flag_word(const char *opt)
{
	for (size_t k = 0; k < ELEMENTSOF(flag_options); k++)
		if (streq(opt, flag_options[k].name))
			return true;
	for (size_t k = 0; k < ELEMENTSOF(propagation_options); k++)
		if (streq(opt, propagation_options[k].name))
			return true;
	return streq(opt, "bind") || streq(opt, "rbind");
}

const char *mount_options_bad(char *const *options, bool bind)
{
	for (size_t i = 0; options && options[i]; i++) {
		const char *opt = options[i];
		if (!*opt || strchr(opt, ',') || (bind && !is_flag_word(opt)))
			return opt;
	}
	return NULL;
}

#define PAGE_BYTES UINT64_C(4096)

uint64_t tmpfs_size_default(int64_t memory_limit)
{
	uint64_t size = TMPFS_SIZE_DEFAULT;
	if (memory_limit > 0 && (uint64_t)memory_limit / 2 < size)
		size = (uint64_t)memory_limit / 2 / PAGE_BYTES * PAGE_BYTES;
	return size < PAGE_BYTES ? PAGE_BYTES : size;
}

int tmpfs_options_cap(char ***options, uint64_t default_size)
{
	const char *size_opt = NULL;
	bool has_inodes = false;
	for (char **o = *options; o && *o; o++) {
		if (startswith(*o, "size="))
			size_opt = *o + strlen("size=");
		has_inodes |= startswith(*o, "nr_inodes=");
	}
	char buf[64];
	int r;
	uint64_t size = default_size;
	if (!size_opt) {
		snprintf(buf, sizeof(buf), "size=%" PRIu64, size);
		if ((r = strv_push(options, buf)) < 0)
			return r;
	} else if (parse_size(size_opt, &size) < 0 || size == 0)
		/* size=50% (of RAM), or 0 (no cap): count its inodes as if it
		 * had the default size. */
		size = default_size;
	if (has_inodes)
		return 0;
	uint64_t inodes = size / PAGE_BYTES;
	snprintf(buf, sizeof(buf), "nr_inodes=%" PRIu64, inodes < 1024 ? 1024 : inodes);
	return strv_push(options, buf);
}
