/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "cleanup.h"
#include "mount-spec.h"
#include "parse.h"
#include "util.h"

/* Options that say the same thing in different ways form a group; a group
 * may be given once. "ro,rw" is a contradiction and "ro,ro" a slip, and
 * either is refused rather than settled by the last word. */
typedef enum {
	G_ACCESS, /* ro rw rro readonly */
	G_SUID,
	G_DEV,
	G_EXEC,
	G_RECURSION, /* bind rbind bind-nonrecursive */
	G_PROPAGATION,
	G_RELABEL, /* z Z relabel= */
	G_SIZE,
	G_INODES,
	G_MODE,
	G_UID,
	G_GID,
	G_COPYUP, /* notmpcopyup */
	_G_MAX,
} Group;

enum {
	FOR_BIND = 1 << 0,
	FOR_TMPFS = 1 << 1,
	FOR_ALL = FOR_BIND | FOR_TMPFS,
};

static const unsigned group_applies[_G_MAX] = {
	[G_ACCESS] = FOR_ALL,   [G_SUID] = FOR_ALL,       [G_DEV] = FOR_ALL,
	[G_EXEC] = FOR_ALL,     [G_RECURSION] = FOR_BIND, [G_PROPAGATION] = FOR_ALL,
	[G_RELABEL] = FOR_BIND, [G_SIZE] = FOR_TMPFS,     [G_INODES] = FOR_TMPFS,
	[G_MODE] = FOR_TMPFS,   [G_UID] = FOR_TMPFS,      [G_GID] = FOR_TMPFS,
	[G_COPYUP] = FOR_TMPFS,
};

typedef enum {
	E_RO,
	E_RW,
	E_SET,
	E_CLEAR,
	E_BIND,
	E_RBIND,
	E_PROPAGATION,
	E_RELABEL,
	E_NOTHING, /* what berth does anyway: notmpcopyup */
} Effect;

static const struct {
	const char *name;
	Group group;
	Effect effect;
	unsigned long flag;
} words[] = {
	{ "ro", G_ACCESS, E_RO, 0 },
	/* Read-only with every submount: what ro is in berth anyway. */
	{ "rro", G_ACCESS, E_RO, 0 },
	{ "rw", G_ACCESS, E_RW, 0 },
	{ "nosuid", G_SUID, E_SET, MS_NOSUID },
	{ "suid", G_SUID, E_CLEAR, MS_NOSUID },
	{ "nodev", G_DEV, E_SET, MS_NODEV },
	{ "dev", G_DEV, E_CLEAR, MS_NODEV },
	{ "noexec", G_EXEC, E_SET, MS_NOEXEC },
	{ "exec", G_EXEC, E_CLEAR, MS_NOEXEC },
	{ "bind", G_RECURSION, E_BIND, 0 },
	{ "rbind", G_RECURSION, E_RBIND, 0 },
	{ "private", G_PROPAGATION, E_PROPAGATION, 0 },
	{ "rprivate", G_PROPAGATION, E_PROPAGATION, 0 },
	{ "shared", G_PROPAGATION, E_PROPAGATION, 0 },
	{ "rshared", G_PROPAGATION, E_PROPAGATION, 0 },
	{ "slave", G_PROPAGATION, E_PROPAGATION, 0 },
	{ "rslave", G_PROPAGATION, E_PROPAGATION, 0 },
	{ "unbindable", G_PROPAGATION, E_PROPAGATION, 0 },
	{ "runbindable", G_PROPAGATION, E_PROPAGATION, 0 },
	{ "z", G_RELABEL, E_RELABEL, 0 },
	{ "Z", G_RELABEL, E_RELABEL, 0 },
	{ "notmpcopyup", G_COPYUP, E_NOTHING, 0 },
};

/* Podman's options that berth does not implement: refused with the
 * reason, so that nobody takes the silence for the feature. */
static const struct {
	const char *name;
	const char *why;
} unsupported[] = {
	{ "O", "overlay mounts of a host folder are not supported" },
	{ "U", "berth does not change the owner of a mount's files" },
	{ "copy", "applies to named volumes, which berth does not have" },
	{ "nocopy", "applies to named volumes, which berth does not have" },
	{ "idmap", "idmapped mounts are not supported" },
	{ "tmpcopyup", "berth does not copy the image's files into a tmpfs" },
	{ "chown", "berth does not change the owner of a mount's files" },
	{ "no-dereference", "a symlink source is always followed" },
};

typedef struct {
	MountSpec *m;
	const char *seen[_G_MAX]; /* the option that took each group */
	bool unknown;             /* the last failure was an unknown option */
	char *err;
	size_t errlen;
} Parser;

_printf_(2, 3) static int fail(Parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int take_group(Parser *p, Group g, const char *opt)
{
	if (p->seen[g]) {
		if (streq(p->seen[g], opt))
			return fail(p, "option `%s` is given twice", opt);
		return fail(p, "option `%s` contradicts `%s`", opt, p->seen[g]);
	}
	p->seen[g] = opt;
	return 0;
}

/* uid= and gid= of a tmpfs: (uid_t)-1 means "unchanged" to the kernel,
 * never an owner. */
static int parse_id(Parser *p, const char *opt, const char *v, int64_t *ret)
{
	uint32_t id;
	if (parse_uint32(v, &id) < 0 || id == UINT32_MAX)
		return fail(p, "option `%s`: not a user or group id", opt);
	*ret = id;
	return 0;
}

/* One option of -v's or --tmpfs's list, or a bare word of --mount. */
static int apply_option(Parser *p, const char *opt)
{
	MountSpec *m = p->m;
	int r;
	if (!*opt)
		return fail(p, "an empty option (two commas in a row, or one at an end)");
	for (size_t i = 0; i < ELEMENTSOF(words); i++) {
		if (!streq(opt, words[i].name))
			continue;
		if ((r = take_group(p, words[i].group, opt)) < 0)
			return r;
		switch (words[i].effect) {
		case E_RO:
			m->read_only = true;
			break;
		case E_RW:
			m->read_write = true;
			break;
		case E_SET:
			m->set |= words[i].flag;
			break;
		case E_CLEAR:
			m->clear |= words[i].flag;
			break;
		case E_BIND:
			m->nonrecursive = true;
			break;
		case E_RBIND:
			m->nonrecursive = false;
			break;
		case E_PROPAGATION:
			m->propagation = words[i].name;
			break;
		case E_RELABEL:
			m->relabel = true;
			break;
		case E_NOTHING:
			break;
		}
		return 0;
	}

	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);
	for (size_t i = 0; i < ELEMENTSOF(unsupported); i++)
		if (strlen(unsupported[i].name) == klen &&
		    strncmp(opt, unsupported[i].name, klen) == 0)
			return fail(p, "option `%s`: %s", opt, unsupported[i].why);
	if (!eq) {
		p->unknown = true;
		return fail(p, "unknown option `%s`", opt);
	}

	const char *v = eq + 1;
	if (startswith(opt, "size=")) {
		if ((r = take_group(p, G_SIZE, opt)) < 0)
			return r;
		/* size=0 is no cap at all to the kernel. */
		if (parse_size(v, &m->size) < 0 || m->size == 0)
			return fail(p, "option `%s`: a size above 0 such as 64m", opt);
		return 0;
	}
	if (startswith(opt, "nr_inodes=")) {
		if ((r = take_group(p, G_INODES, opt)) < 0)
			return r;
		/* Suffixes as the kernel's memparse() reads them; 0 is no cap. */
		if (parse_size(v, &m->nr_inodes) < 0 || m->nr_inodes == 0)
			return fail(p, "option `%s`: a number above 0 such as 16k", opt);
		return 0;
	}
	if (startswith(opt, "mode=")) {
		if ((r = take_group(p, G_MODE, opt)) < 0)
			return r;
		char *end;
		errno = 0;
		long mode = *v >= '0' && *v <= '7' ? strtol(v, &end, 8) : -1;
		if (mode < 0 || errno || *end || mode > 07777)
			return fail(p, "option `%s`: an octal mode such as 1777", opt);
		m->mode = (int)mode;
		return 0;
	}
	if (startswith(opt, "uid=")) {
		if ((r = take_group(p, G_UID, opt)) < 0)
			return r;
		return parse_id(p, opt, v, &m->uid);
	}
	if (startswith(opt, "gid=")) {
		if ((r = take_group(p, G_GID, opt)) < 0)
			return r;
		return parse_id(p, opt, v, &m->gid);
	}
	p->unknown = true;
	return fail(p, "unknown option `%s`", opt);
}

/* Whether every option given applies to the mount's type. */
static int check_applies(Parser *p)
{
	unsigned type = p->m->type == MOUNT_SPEC_BIND ? FOR_BIND : FOR_TMPFS;
	for (int g = 0; g < _G_MAX; g++)
		if (p->seen[g] && !(group_applies[g] & type))
			return fail(p, "option `%s` does not apply to a %s", p->seen[g],
				    type == FOR_BIND ? "bind mount" : "tmpfs");
	return 0;
}

static int apply_option_list(Parser *p, char *list)
{
	/* strtok would skip the empty options that apply_option() names. */
	for (char *o = list;;) {
		char *comma = strchr(o, ',');
		if (comma)
			*comma = 0;
		int r = apply_option(p, o);
		if (r < 0)
			return r;
		if (!comma)
			return 0;
		o = comma + 1;
	}
}

static void spec_init(MountSpec *m, MountSpecType type)
{
	*m = (MountSpec){ .type = type, .mode = -1, .uid = -1, .gid = -1 };
}

static bool has_dotdot(const char *path)
{
	for (const char *s = path; *s;) {
		size_t n = strcspn(s, "/");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return true;
		s += n;
		s += strspn(s, "/");
	}
	return false;
}

int mount_spec_check_destination(const char *dst, char **ret, char *err, size_t errlen)
{
	Parser p = { .err = err, .errlen = errlen };
	if (!*dst)
		return fail(&p, "the destination is empty");
	if (strchr(dst, ','))
		return fail(&p,
			    "destination `%s` contains a comma: options go after a `:`, "
			    "as in `:ro`",
			    dst);
	if (dst[0] != '/')
		return fail(&p, "destination `%s` must be an absolute path", dst);
	if (strlen(dst) >= PATH_MAX)
		return fail(&p, "the destination is too long");
	_cleanup_free_ char *norm = malloc(strlen(dst) + 1);
	if (!norm)
		return -ENOMEM;
	char *o = norm;
	for (const char *s = dst; *s;) {
		s += strspn(s, "/");
		size_t n = strcspn(s, "/");
		if (n == 0)
			break;
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return fail(&p, "destination `%s` may not contain `.` or `..`", dst);
		*o++ = '/';
		memcpy(o, s, n);
		o += n;
		s += n;
	}
	*o = 0;
	if (o == norm)
		return fail(&p, "cannot mount over the container's root `/`");
	*ret = TAKE_PTR(norm);
	return 0;
}

static int check_source(Parser *p, const char *src)
{
	if (!*src)
		return fail(p, "the source is empty");
	if (has_dotdot(src))
		return fail(p, "source `%s` may not contain `..`", src);
	if (strlen(src) >= PATH_MAX)
		return fail(p, "the source is too long");
	return 0;
}

static int set_destination(Parser *p, const char *dst)
{
	return mount_spec_check_destination(dst, &p->m->destination, p->err, p->errlen);
}

int mount_spec_parse_volume(const char *arg, MountSpec *ret, char *err, size_t errlen)
{
	spec_init(ret, MOUNT_SPEC_BIND);
	Parser p = { .m = ret, .err = err, .errlen = errlen };
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	char *src = copy, *dst = strchr(copy, ':'), *opts = NULL;
	if (!dst)
		return fail(&p, "expected SRC:DST[:OPTIONS]");
	*dst++ = 0;
	opts = strchr(dst, ':');
	if (opts) {
		*opts++ = 0;
		if (strchr(opts, ':'))
			return fail(&p, "too many `:` (expected SRC:DST[:OPTIONS])");
	}
	int r = check_source(&p, src);
	if (r < 0)
		return r;
	if ((r = set_destination(&p, dst)) < 0)
		return r;
	if (opts) {
		if (!*opts)
			return fail(&p, "the options after the second `:` are empty");
		if ((r = apply_option_list(&p, opts)) < 0)
			return r;
	}
	if ((r = check_applies(&p)) < 0)
		return r;
	ret->source = strdup(src);
	return ret->source ? 0 : -ENOMEM;
}

int mount_spec_parse_tmpfs(const char *arg, MountSpec *ret, char *err, size_t errlen)
{
	spec_init(ret, MOUNT_SPEC_TMPFS);
	Parser p = { .m = ret, .err = err, .errlen = errlen };
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	char *opts = strchr(copy, ':');
	if (opts)
		*opts++ = 0;
	int r = set_destination(&p, copy);
	if (r < 0)
		return r;
	if (opts) {
		if (!*opts)
			return fail(&p, "the options after `:` are empty");
		if ((r = apply_option_list(&p, opts)) < 0)
			return r;
	}
	return check_applies(&p);
}

static int parse_bool(Parser *p, const char *field, const char *v, bool *ret)
{
	if (!v || streq(v, "true") || streq(v, "1"))
		*ret = true;
	else if (streq(v, "false") || streq(v, "0"))
		*ret = false;
	else
		return fail(p, "`%s`: true or false", field);
	return 0;
}

int mount_spec_parse_fields(const char *arg, MountSpec *ret, char *err, size_t errlen)
{
	spec_init(ret, MOUNT_SPEC_BIND);
	Parser p = { .m = ret, .err = err, .errlen = errlen };
	_cleanup_free_ char *copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	const char *type = NULL, *src = NULL, *dst = NULL;
	int r;
	for (char *kv = copy;;) {
		char *comma = strchr(kv, ',');
		if (comma)
			*comma = 0;
		char *eq = strchr(kv, '=');
		const char *v = eq ? eq + 1 : NULL;
		size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
#define KEY(k) (klen == strlen(k) && strncmp(kv, k, klen) == 0)
		const char **slot = KEY("type")                                         ? &type
				    : KEY("src") || KEY("source")                       ? &src
				    : KEY("dst") || KEY("destination") || KEY("target") ? &dst
											: NULL;
		if (slot) {
			if (*slot)
				return fail(&p, "field `%.*s` is given twice", (int)klen, kv);
			if (!v || !*v)
				return fail(&p, "field `%.*s` needs a value", (int)klen, kv);
			*slot = v;
		} else if (KEY("readonly") || (KEY("ro") && v)) {
			bool ro;
			if ((r = take_group(&p, G_ACCESS, kv)) < 0 ||
			    (r = parse_bool(&p, kv, v, &ro)) < 0)
				return r;
			ret->read_only = ro;
			ret->read_write = !ro;
		} else if (KEY("bind-nonrecursive")) {
			if ((r = take_group(&p, G_RECURSION, kv)) < 0 ||
			    (r = parse_bool(&p, kv, v, &ret->nonrecursive)) < 0)
				return r;
		} else if (KEY("bind-propagation")) {
			bool ok = false;
			for (size_t i = 0; v && i < ELEMENTSOF(words); i++)
				ok |= words[i].group == G_PROPAGATION && streq(words[i].name, v);
			if (!ok)
				return fail(&p, "`%s`: a propagation such as rprivate or rslave",
					    kv);
			if ((r = apply_option(&p, v)) < 0)
				return r;
		} else if (KEY("relabel")) {
			if (!v || (!streq(v, "shared") && !streq(v, "private")))
				return fail(&p, "`%s`: shared or private", kv);
			if ((r = take_group(&p, G_RELABEL, kv)) < 0)
				return r;
			ret->relabel = true;
		} else if (KEY("tmpfs-size") || KEY("tmpfs-mode")) {
			/* Docker's names for size= and mode=. */
			if ((r = apply_option(&p, kv + strlen("tmpfs-"))) < 0)
				return r;
		} else if ((r = apply_option(&p, kv)) < 0) {
			if (p.unknown)
				return fail(&p, "unknown field `%.*s`", (int)klen, kv);
			return r;
		}
#undef KEY
		if (!comma)
			break;
		kv = comma + 1;
	}
	if (!type)
		return fail(&p, "needs type=bind or type=tmpfs");
	if (streq(type, "tmpfs"))
		ret->type = MOUNT_SPEC_TMPFS;
	else if (!streq(type, "bind"))
		return fail(&p, "type `%s` is not supported (bind or tmpfs)", type);
	if (ret->type == MOUNT_SPEC_BIND && !src)
		return fail(&p, "type=bind needs src=");
	if (ret->type == MOUNT_SPEC_TMPFS && src)
		return fail(&p, "a tmpfs takes no src=");
	if (!dst)
		return fail(&p, "needs dst=");
	if (src && (r = check_source(&p, src)) < 0)
		return r;
	if ((r = set_destination(&p, dst)) < 0)
		return r;
	if ((r = check_applies(&p)) < 0)
		return r;
	if (src && !(ret->source = strdup(src)))
		return -ENOMEM;
	return 0;
}

int mount_spec_oci_options(const MountSpec *m, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	char buf[64];
	int r = 0;
#define PUSH(s)                                   \
	do {                                      \
		if ((r = strv_push(&l, (s))) < 0) \
			return r;                 \
	} while (0)
	if (m->type == MOUNT_SPEC_BIND)
		PUSH(m->nonrecursive ? "bind" : "rbind");
	if (m->read_only)
		PUSH("ro");
	else if (m->read_write)
		PUSH("rw");
	static const struct {
		unsigned long flag;
		const char *on, *off;
	} flags[] = {
		{ MS_NOSUID, "nosuid", "suid" },
		{ MS_NODEV, "nodev", "dev" },
		{ MS_NOEXEC, "noexec", "exec" },
	};
	/* A tmpfs is nosuid and nodev unless asked otherwise. */
	unsigned long set =
		m->set | (m->type == MOUNT_SPEC_TMPFS ? (MS_NOSUID | MS_NODEV) & ~m->clear : 0);
	for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
		if (set & flags[i].flag)
			PUSH(flags[i].on);
		else if (m->clear & flags[i].flag)
			PUSH(flags[i].off);
	}
	if (m->type == MOUNT_SPEC_TMPFS) {
		snprintf(buf, sizeof(buf), "mode=%04o", m->mode >= 0 ? m->mode : 01777);
		PUSH(buf);
		if (m->size) {
			snprintf(buf, sizeof(buf), "size=%" PRIu64, m->size);
			PUSH(buf);
		}
		if (m->nr_inodes) {
			snprintf(buf, sizeof(buf), "nr_inodes=%" PRIu64, m->nr_inodes);
			PUSH(buf);
		}
		if (m->uid >= 0) {
			snprintf(buf, sizeof(buf), "uid=%" PRId64, m->uid);
			PUSH(buf);
		}
		if (m->gid >= 0) {
			snprintf(buf, sizeof(buf), "gid=%" PRId64, m->gid);
			PUSH(buf);
		}
	}
	/* Mounts made inside never flow back out. */
	if (m->propagation || m->type == MOUNT_SPEC_BIND)
		PUSH(m->propagation ? m->propagation : "rprivate");
#undef PUSH
	if (!l && !(l = calloc(1, sizeof(char *))))
		return -ENOMEM;
	*ret = TAKE_PTR(l);
	return 0;
}

void mount_spec_done(MountSpec *m)
{
	free(m->source);
	free(m->destination);
	m->source = m->destination = NULL;
}
