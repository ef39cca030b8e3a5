/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Unpacking tar streams into image folders.
 *
 * Two libarchive readers are chained: the first ("raw") only decompresses
 * and hashes the bytes it reads (the blob digest), the second parses the
 * tar from the first one's output and hashes that (the OCI diff_id). So a
 * layer is read once, whatever its compression, and both digests come out
 * of the same pass.
 *
 * Entries are written with archive_write_disk and its SECURE_* flags, after
 * our own check of every name (which gives the user a clear reason), in a
 * child process chrooted into the destination: three independent fences
 * between an archive and the host's files. */

#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "dl-archive.h"
#include "dl-crypto.h"
#include "image-unpack.h"
#include "log.h"
#include "progress.h"
#include "rootless.h"
#include "util.h"

#define BUF_SIZE (256 * 1024)
#define FREE_CHECK_INTERVAL (UINT64_C(64) << 20)
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
/* Where OverlayFS looks for an opaque folder's mark: a rootless berth's
 * overlay (`userxattr`) in user.overlay.*, since trusted.* are the host
 * root's. */
#define OPAQUE_XATTR (rootless() ? "user.overlay.opaque" : "trusted.overlay.opaque")

/* Owner, mode, times, xattrs, ACLs; never file flags (an immutable bit
 * would make the image impossible to remove). Names are taken as numbers:
 * no lookup is set, so the host's /etc/passwd never maps an image's ids. */
#define DISK_FLAGS                                                                       \
	(ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |           \
	 ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL | ARCHIVE_EXTRACT_SECURE_SYMLINKS | \
	 ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

typedef struct {
	int32_t error;
	UnpackResult result;
} UnpackReport;

typedef struct {
	const UnpackOptions *o;
	int fd;
	Sha256 *blob, *diff;
	struct archive *raw, *tar, *disk;
	uint64_t raw_bytes, tar_bytes, files, next_free_check;
	bool over_limit, disk_full;
	Progress progress;
	char *rawbuf, *tarbuf;
	char **opaque;   /* folders to mark opaque once every entry is written */
	RootlessIds ids; /* a rootless berth's: owners must be below n_uids, n_gids */
} Unpack;

/* Archive names are data: keep control characters out of our one-line
 * messages. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t i = 0;
	for (; s && s[i] && i + 4 < size; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s && s[i])
		memcpy(buf + i, "...", 3), i += 3;
	buf[i] = 0;
	return buf;
}

static int refuse(Unpack *u, const char *name, const char *why)
{
	char p[256];
	progress_done(&u->progress);
	return log_error_errno(-EPERM, "%s: refusing entry `%s`: %s", u->o->what,
			       printable(name, p, sizeof(p)), why);
}

static int read_error(Unpack *u, struct archive *a)
{
	progress_done(&u->progress);
	if (u->over_limit)
		return log_error_errno(-EFBIG,
				       "%s: unpacks to more than %" PRIu64 " bytes: refusing a "
				       "possible archive bomb (see --max-size)",
				       u->o->what, u->o->max_bytes);
	if (u->disk_full)
		return log_error_errno(-ENOSPC,
				       "%s: less than %" PRIu64 " MiB left on the image store's "
				       "file system: stopped unpacking",
				       u->o->what, UNPACK_MIN_FREE_BYTES >> 20);
	const char *msg = archive_error_string(a);
	if (u->files == 0)
		return log_error_errno(-EBADMSG,
				       "%s: not a tar archive (plain, gzip, bzip2, xz or "
				       "zstd): %s",
				       u->o->what, msg ? msg : "unreadable");
	return log_error_errno(-EBADMSG, "%s: damaged or truncated archive: %s", u->o->what,
			       msg ? msg : "read error");
}

static la_ssize_t raw_read(struct archive *a, void *userdata, const void **ret_buf)
{
	Unpack *u = userdata;
	ssize_t n;
	do
		n = read(u->fd, u->rawbuf, BUF_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	sha256_update(u->blob, u->rawbuf, (size_t)n);
	u->raw_bytes += (uint64_t)n;
	progress_update(&u->progress, u->raw_bytes);
	*ret_buf = u->rawbuf;
	return n;
}

static la_ssize_t tar_read(struct archive *a, void *userdata, const void **ret_buf)
{
	Unpack *u = userdata;
	la_ssize_t n = archive_read_data(u->raw, u->tarbuf, BUF_SIZE);
	if (n < 0) {
		const char *m = archive_error_string(u->raw);
		archive_set_error(a, archive_errno(u->raw) > 0 ? archive_errno(u->raw) : EIO, "%s",
				  m ? m : "decompression failed");
		return -1;
	}
	u->tar_bytes += (uint64_t)n;
	if (u->tar_bytes > u->o->max_bytes) {
		u->over_limit = true;
		archive_set_error(a, EFBIG, "size limit");
		return -1;
	}
	if (u->tar_bytes >= u->next_free_check) {
		/* We are chrooted into the destination: "/" is its file system. */
		struct statvfs sv;
		if (statvfs("/", &sv) == 0 &&
		    (uint64_t)sv.f_bavail * sv.f_frsize < UNPACK_MIN_FREE_BYTES) {
			u->disk_full = true;
			archive_set_error(a, ENOSPC, "file system full");
			return -1;
		}
		u->next_free_check = u->tar_bytes + FREE_CHECK_INTERVAL;
	}
	sha256_update(u->diff, u->tarbuf, (size_t)n);
	*ret_buf = u->tarbuf;
	return n;
}

/* Drops "." components, repeated and trailing slashes; returns why the
 * name is refused, or NULL. An empty result names the root. */
static const char *path_normalize(char *p)
{
	if (p[0] == '/')
		return "absolute path";
	char *w = p;
	const char *s = p;
	while (*s) {
		const char *c = s;
		size_t len = strcspn(s, "/");
		s += len;
		while (*s == '/')
			s++;
		if (len == 0 || (len == 1 && c[0] == '.'))
			continue;
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return "`..` in the path would leave the image";
		if (w != p)
			*w++ = '/';
		memmove(w, c, len);
		w += len;
	}
	*w = 0;
	return NULL;
}

/* OverlayFS reads its own metadata from trusted.overlay.* (and, when
 * mounted with userxattr, user.overlay.*): an archive must not be able to
 * plant redirects or metacopy markers. Opaque folders come only from
 * .wh..wh..opq entries. */
static int strip_overlay_xattrs(struct archive_entry *e)
{
	const char *name;
	const void *value;
	size_t size;
	bool found = false;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		if (startswith(name, "trusted.overlay.") || startswith(name, "user.overlay."))
			found = true;
	if (!found)
		return 0;
	struct archive_entry *copy = archive_entry_clone(e);
	if (!copy)
		return -ENOMEM;
	archive_entry_xattr_clear(e);
	archive_entry_xattr_reset(copy);
	while (archive_entry_xattr_next(copy, &name, &value, &size) == ARCHIVE_OK)
		if (!startswith(name, "trusted.overlay.") && !startswith(name, "user.overlay."))
			archive_entry_xattr_add_entry(e, name, value, size);
	archive_entry_free(copy);
	return 0;
}

static int write_error(Unpack *u, const char *name)
{
	const char *m = archive_error_string(u->disk);
	int e = archive_errno(u->disk);
	if (e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS) {
		char p[256];
		progress_done(&u->progress);
		return log_error_errno(-e, "%s: write `%s`: %s", u->o->what,
				       printable(name, p, sizeof(p)), m ? m : strerror(e));
	}
	/* Everything else archive_write_disk refuses is about the entry
	 * itself, e.g. "Cannot extract through symlink". */
	return refuse(u, name, m ? m : "cannot be written");
}

static int write_entry(Unpack *u, struct archive_entry *e, const char *name)
{
	int r = archive_write_header(u->disk, e);
	if (r < ARCHIVE_WARN)
		return write_error(u, name);
	if (r == ARCHIVE_WARN)
		log_debug("%s: %s: %s", u->o->what, name, archive_error_string(u->disk));
	if (archive_entry_size(e) > 0)
		for (;;) {
			const void *buf;
			size_t size;
			la_int64_t off;
			r = archive_read_data_block(u->tar, &buf, &size, &off);
			if (r == ARCHIVE_EOF)
				break;
			if (r < ARCHIVE_WARN)
				return read_error(u, u->tar);
			if (archive_write_data_block(u->disk, buf, size, off) < ARCHIVE_WARN)
				return write_error(u, name);
		}
	r = archive_write_finish_entry(u->disk);
	if (r < ARCHIVE_WARN)
		return write_error(u, name);
	return 0;
}

static bool is_whiteout(const char *path)
{
	struct stat st;
	return fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(0, 0);
}

/* OCI whiteouts (image-spec layer.md) become what OverlayFS reads: ".wh.NAME"
 * a 0:0 character device NAME, ".wh..wh..opq" the opaque xattr on its
 * folder. Returns 1 when the entry was consumed. */
static int convert_whiteout(Unpack *u, struct archive_entry *e, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t parent_len = slash ? (size_t)(slash - path) : 0;

	if (!startswith(base, WHITEOUT_PREFIX)) {
		/* A folder that replaces a whiteout made earlier in this layer
		 * must hide the lower layers' folder of that name. */
		if (archive_entry_filetype(e) == AE_IFDIR && is_whiteout(path)) {
			if (unlink(path) < 0)
				return -errno;
			return strv_push(&u->opaque, path);
		}
		return 0;
	}
	if (streq(base, WHITEOUT_OPAQUE))
		return strv_consume(&u->opaque, strndup(path, parent_len)) < 0 ? -ENOMEM : 1;
	if (startswith(base, WHITEOUT_META_PREFIX))
		return 1; /* AUFS bookkeeping such as .wh..wh.plnk: nothing to make */

	const char *name = base + strlen(WHITEOUT_PREFIX);
	if (!*name || streq(name, ".") || streq(name, ".."))
		return refuse(u, path, "not a valid whiteout");
	_cleanup_free_ char *target = NULL;
	if (asprintf(&target, "%.*s%s%s", (int)parent_len, path, slash ? "/" : "", name) < 0)
		return -ENOMEM;
	/* A whiteout hides only what lower layers have; an entry this layer
	 * made itself stays (image-spec: "files that are present in the same
	 * layer as a whiteout file can only be hidden by ... subsequent layers"). */
	struct stat st;
	if (fstatat(AT_FDCWD, target, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 1;
	struct archive_entry *wh = archive_entry_new();
	if (!wh)
		return -ENOMEM;
	archive_entry_set_pathname(wh, target);
	archive_entry_set_filetype(wh, AE_IFCHR);
	archive_entry_set_perm(wh, 0);
	archive_entry_set_rdev(wh, makedev(0, 0));
	archive_entry_set_mtime(wh, archive_entry_mtime(e), 0);
	int r = write_entry(u, wh, path);
	archive_entry_free(wh);
	return r < 0 ? r : 1;
}

/* Opens (making it if needed) a folder one component at a time with
 * O_NOFOLLOW, so no symlink in the tree can redirect the xattr. */
static int open_dir_nofollow(const char *path, int *ret_fd)
{
	_cleanup_close_ int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST)
			return -errno;
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0)
			return -errno;
		close(fd);
		fd = next;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int apply_opaque(Unpack *u)
{
	for (size_t i = 0; u->opaque && u->opaque[i]; i++) {
		_cleanup_close_ int fd = -EBADF;
		int r = open_dir_nofollow(u->opaque[i], &fd);
		if (r >= 0 && fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
			r = -errno;
		if (r < 0)
			return refuse(u, u->opaque[i],
				      r == -ELOOP || r == -ENOTDIR
					      ? "an opaque-folder marker in a non-folder"
					      : "cannot mark the folder opaque");
	}
	return 0;
}

/* The archive's "./" entry describes the image's root folder itself. */
static int apply_root(Unpack *u, struct archive_entry *e, const char *name)
{
	if (archive_entry_filetype(e) != AE_IFDIR)
		return refuse(u, name, "the image's root must be a folder");
	if (chown("/", (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0 ||
	    chmod("/", archive_entry_perm(e) & 07777) < 0)
		return log_error_errno(-errno, "%s: set the owner and mode of the root: %m",
				       u->o->what);
	return 0;
}

static int unpack_one(Unpack *u, struct archive_entry *e)
{
	const char *orig = archive_entry_pathname(e);
	if (!orig)
		return refuse(u, "?", "its name cannot be read");
	_cleanup_free_ char *path = strdup(orig), *link = NULL;
	if (!path)
		return -ENOMEM;
	const char *why = path_normalize(path);
	if (why)
		return refuse(u, orig, why);

	const char *hl = archive_entry_hardlink(e);
	if (hl) {
		link = strdup(hl);
		if (!link)
			return -ENOMEM;
		why = path_normalize(link);
		if (why || !*link) {
			char p[256], msg[400];
			snprintf(msg, sizeof(msg), "hard link to `%s`: %s",
				 printable(hl, p, sizeof(p)), why ? why : "the image's root");
			return refuse(u, orig, msg);
		}
		archive_entry_set_hardlink(e, link);
	}
	if (!*path)
		return apply_root(u, e, orig);
	/* Image layers carry no device nodes (a container gets its own /dev):
	 * one in a layer is refused rather than made on the host's disk. A
	 * whiteout is a ".wh." file here, turned into a 0:0 device only by
	 * us. Root filesystem tarballs may have /dev. */
	mode_t type = archive_entry_filetype(e);
	if (u->o->whiteouts && (type == AE_IFCHR || type == AE_IFBLK))
		return refuse(u, orig,
			      "a device node, which image layers may not carry (the container "
			      "gets its own /dev)");
	if (rootless() && (type == AE_IFCHR || type == AE_IFBLK))
		return refuse(u, orig,
			      "a device node, which a rootless berth cannot make (the container "
			      "gets the host's /dev/null and the like)");
	/* A rootless berth writes each owner as the id it is in the user
	 * namespace; an id the namespace lacks cannot own a file there. */
	if (u->ids.n_uids) {
		bool by_uid = (uint64_t)archive_entry_uid(e) >= u->ids.n_uids;
		int64_t id = by_uid ? archive_entry_uid(e) : archive_entry_gid(e);
		uint32_t n = by_uid ? u->ids.n_uids : u->ids.n_gids;
		if (id < 0 || (uint64_t)id >= n) {
			char msg[300];
			snprintf(msg, sizeof(msg),
				 "owned by %s %" PRId64 ", which your user namespace lacks: it "
				 "has ids 0 to %u (you, then your ranges in /etc/subuid and "
				 "/etc/subgid)",
				 by_uid ? "uid" : "gid", id, n - 1);
			return refuse(u, orig, msg);
		}
	}

	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    (uint64_t)archive_entry_size(e) > u->o->max_bytes - u->tar_bytes) {
		u->over_limit = true;
		return read_error(u, u->tar);
	}
	if (u->o->whiteouts) {
		int r = convert_whiteout(u, e, path);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	int r = strip_overlay_xattrs(e);
	if (r < 0)
		return r;
	archive_entry_set_pathname(e, path);
	return write_entry(u, e, orig);
}

static int unpack_entries(Unpack *u)
{
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(u->tar, &e);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return read_error(u, u->tar);
		if (r == ARCHIVE_WARN)
			log_debug("%s: %s", u->o->what, archive_error_string(u->tar));
		if (++u->files > u->o->max_files) {
			progress_done(&u->progress);
			return log_error_errno(-EMFILE,
					       "%s: more than %" PRIu64 " entries: refusing a "
					       "possible tar bomb (see --max-files)",
					       u->o->what, u->o->max_files);
		}
		r = unpack_one(u, e);
		if (r < 0)
			return r;
	}
}

/* Everything after the tar's end marker still counts for both digests. */
static int drain(Unpack *u)
{
	for (;;) {
		la_ssize_t n = archive_read_data(u->raw, u->tarbuf, BUF_SIZE);
		if (n < 0)
			return read_error(u, u->raw);
		if (n == 0)
			break;
		sha256_update(u->diff, u->tarbuf, (size_t)n);
		u->tar_bytes += (uint64_t)n;
		/* A bomb can hide after the end marker too. */
		if (u->tar_bytes > u->o->max_bytes) {
			u->over_limit = true;
			return read_error(u, u->raw);
		}
	}
	for (;;) {
		ssize_t n = read(u->fd, u->rawbuf, BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return log_error_errno(-errno, "%s: read: %m", u->o->what);
		if (n == 0)
			return 0;
		sha256_update(u->blob, u->rawbuf, (size_t)n);
	}
}

static int unpack_run(Unpack *u, UnpackResult *ret)
{
	u->raw = archive_read_new();
	u->tar = archive_read_new();
	u->disk = archive_write_disk_new();
	u->rawbuf = malloc(BUF_SIZE);
	u->tarbuf = malloc(BUF_SIZE);
	if (!u->raw || !u->tar || !u->disk || !u->rawbuf || !u->tarbuf ||
	    sha256_new(&u->blob) < 0 || sha256_new(&u->diff) < 0)
		return log_error_errno(-ENOMEM, "out of memory");
	int r;
	if (rootless() && (r = rootless_ids(&u->ids)) < 0)
		return log_error_errno(r, "read the user namespace's map: %m");

	/* Only in-process decompressors: libarchive would otherwise run
	 * external programs (lzop, grzip, ...) on untrusted input. */
	archive_read_support_filter_gzip(u->raw);
	archive_read_support_filter_bzip2(u->raw);
	archive_read_support_filter_xz(u->raw);
	archive_read_support_filter_lzma(u->raw);
	archive_read_support_filter_zstd(u->raw);
	archive_read_support_format_raw(u->raw);
	archive_read_support_format_tar(u->tar);
	archive_write_disk_set_options(u->disk, DISK_FLAGS);

	struct archive_entry *raw_entry;
	if (archive_read_open(u->raw, u, NULL, raw_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(u->raw, &raw_entry) != ARCHIVE_OK)
		return read_error(u, u->raw);
	if (archive_read_open(u->tar, u, NULL, tar_read, NULL) != ARCHIVE_OK)
		return read_error(u, u->tar);

	r = unpack_entries(u);
	if (r < 0)
		return r;
	/* Folder modes and times are set here, deepest first. */
	if (archive_write_close(u->disk) < ARCHIVE_WARN)
		return write_error(u, "(folder permissions)");
	r = apply_opaque(u);
	if (r < 0)
		return r;
	r = drain(u);
	if (r < 0)
		return r;
	progress_done(&u->progress);
	if (sha256_final_hex(u->blob, ret->blob_hex) < 0 ||
	    sha256_final_hex(u->diff, ret->diff_hex) < 0)
		return log_error_errno(-EIO, "sha256 failed");
	ret->files = u->files;
	ret->bytes = u->tar_bytes;
	return 0;
}

static void unpack_free(Unpack *u)
{
	if (u->tar)
		archive_read_free(u->tar);
	if (u->raw)
		archive_read_free(u->raw);
	if (u->disk)
		archive_write_free(u->disk);
	sha256_free(u->blob);
	sha256_free(u->diff);
	free(u->rawbuf);
	free(u->tarbuf);
	strv_free(u->opaque);
}

/* In the child: fence ourselves into dest, then unpack. */
static int unpack_child(int fd, const char *dest, pid_t parent, const UnpackOptions *o,
			UnpackResult *ret)
{
	/* Die with the CLI: a killed import must not go on writing into a
	 * temporary folder that the next import will sweep away. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		return -ESRCH;
	/* Names in pax headers are UTF-8; in a UTF-8 locale libarchive hands
	 * them through untouched instead of converting through iconv (whose
	 * modules would not be found inside the chroot). */
	setlocale(LC_CTYPE, "C.UTF-8");
	if (chroot(dest) < 0 || chdir("/") < 0)
		return log_error_errno(-errno, "enter `%s`: %m", dest);
	umask(0);

	Unpack u = { .o = o, .fd = fd, .next_free_check = 0 };
	if (o->progress)
		progress_init(&u.progress, o->what, o->total);
	int r = unpack_run(&u, ret);
	progress_done(&u.progress);
	unpack_free(&u);
	return r;
}

/* close_fd: the write end of the pipe fd reads from, if any: the child
 * must not hold it, or it would never see the end of the data. */
static int run_child(int fd, int close_fd, const char *dest, const UnpackOptions *o, pid_t *ret_pid,
		     int *ret_report_fd)
{
	/* Before the fork, so that the child does not load them again for
	 * every layer. */
	int r = dl_archive_load();
	if (r < 0)
		return r;
	r = dl_crypto_load();
	if (r < 0)
		return r;
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "pipe: %m");
	pid_t parent = getpid();
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return log_error_errno(r, "fork: %m");
	}
	if (pid == 0) {
		close(pfd[0]);
		if (close_fd >= 0)
			close(close_fd);
		UnpackReport rep = { 0 };
		rep.error = unpack_child(fd, dest, parent, o, &rep.result);
		ssize_t n = write(pfd[1], &rep, sizeof(rep));
		_exit(n == (ssize_t)sizeof(rep) && rep.error >= 0 ? 0 : 1);
	}
	close(pfd[1]);
	*ret_pid = pid;
	*ret_report_fd = pfd[0];
	return 0;
}

static int wait_child(pid_t pid, int report_fd, const UnpackOptions *o, bool quiet,
		      UnpackResult *ret)
{
	UnpackReport rep;
	size_t got = 0;
	while (got < sizeof(rep)) {
		ssize_t n = read(report_fd, (char *)&rep + got, sizeof(rep) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(report_fd);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(rep)) {
		if (quiet)
			return -EIO;
		if (WIFSIGNALED(status))
			return log_error_errno(-EIO, "%s: the unpacking process was killed by %s",
					       o->what, strsignal(WTERMSIG(status)));
		return log_error_errno(-EIO, "%s: the unpacking process failed", o->what);
	}
	if (rep.error < 0)
		return rep.error; /* the child said why */
	*ret = rep.result;
	return 0;
}

int unpack_tar_fd(int fd, const char *dest, const UnpackOptions *o, UnpackResult *ret)
{
	pid_t pid;
	int report_fd;
	int r = run_child(fd, -EBADF, dest, o, &pid, &report_fd);
	if (r < 0)
		return r;
	return wait_child(pid, report_fd, o, false, ret);
}

int unpack_tar_entry(struct archive *outer, const char *dest, const UnpackOptions *o,
		     UnpackResult *ret)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "pipe: %m");
	UnpackOptions child_opts = *o;
	child_opts.progress = false; /* drawn here, from the outer file's position */
	pid_t pid;
	int report_fd;
	int r = run_child(pfd[0], pfd[1], dest, &child_opts, &pid, &report_fd);
	close(pfd[0]);
	if (r < 0) {
		close(pfd[1]);
		return r;
	}

	/* The child may stop reading early (a refused entry): its error is
	 * the one to show, so a broken pipe here is not an error of ours. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	Progress progress;
	progress_init(&progress, o->what, o->progress ? o->total : 0);
	if (!o->progress)
		progress.enabled = false;
	_cleanup_free_ char *buf = malloc(BUF_SIZE);
	int pump = buf ? 0 : -ENOMEM;
	while (pump >= 0) {
		la_ssize_t n = archive_read_data(outer, buf, BUF_SIZE);
		if (n < 0) {
			const char *m = archive_error_string(outer);
			pump = log_error_errno(-EBADMSG, "%s: damaged or truncated archive: %s",
					       o->what, m ? m : "read error");
			break;
		}
		if (n == 0)
			break;
		progress_update(&progress, (uint64_t)archive_filter_bytes(outer, -1));
		if (write_all(pfd[1], buf, (size_t)n) < 0)
			break; /* the child has stopped: it reports why */
	}
	progress_done(&progress);
	sigaction(SIGPIPE, &old, NULL);
	if (pump < 0) {
		/* Killed before it sees the pipe close, so that it does not
		 * report a truncated layer on top of our error. */
		(void)kill(pid, SIGKILL);
		close(pfd[1]);
		UnpackResult ignored;
		(void)wait_child(pid, report_fd, o, true, &ignored);
		return pump;
	}
	close(pfd[1]);
	return wait_child(pid, report_fd, o, false, ret);
}
