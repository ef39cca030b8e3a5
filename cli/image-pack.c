/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Packing a folder in OverlayFS form into an OCI layer tar.
 *
 * Two libarchive writers are chained, the mirror of image-unpack.c's two
 * readers: the first writes the tar, and its write callback hashes those
 * bytes (the diff_id); with gzip they go on as the data of the one entry of
 * a second, "raw" writer with libarchive's gzip filter, whose callback
 * hashes and writes what comes out (the blob). libarchive's gzip filter
 * rather than zlib's deflate(): berth links neither library, libarchive
 * (with zlib behind it) is already opened with dlopen() for import, and
 * one code path compresses.
 *
 * The folder is walked from an fd of each folder with openat(O_NOFOLLOW)
 * and fstatat(AT_SYMLINK_NOFOLLOW): no symlink in it is ever followed,
 * whatever a container put there. */

#include <dirent.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <locale.h>
#include <search.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "dl-archive.h"
#include "dl.h"
#include "image-pack.h"
#include "log.h"
#include "rootless.h"
#include "printable.h"
#include "util.h"

#define BUF_SIZE (256 * 1024)
#define SHOW_MAX 512
#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
/* OverlayFS's metadata: trusted.overlay.*, or, in a layer a rootless
 * berth's overlay wrote (its `userxattr`), user.overlay.*. Only the prefix
 * our overlay writes: root's container may set user.overlay.* itself, and
 * it is dropped, not taken for OverlayFS's. */
static const char *overlay_xattr_key(const char *name)
{
	const char *prefix = rootless() ? "user.overlay." : "trusted.overlay.";
	return startswith(name, prefix) ? name + strlen(prefix) : NULL;
}

static void archive_entry_freep(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
}

/* A file of several links: the name it was first written under. */
typedef struct {
	dev_t dev;
	ino_t ino;
	char *name;
} Inode;

typedef struct {
	const char *dir, *what;
	int out_fd;
	dev_t dev; /* dir's file system, which the walk does not leave */
	struct archive *tar, *gz;
	Sha256 *diff, *blob; /* blob only with gzip: otherwise it is diff */
	uint64_t blob_size, files;
	int output_error; /* the first failure to write out_fd (or to gzip) */
	void *inodes;     /* tsearch() tree of Inode */
	char *buf, *xattr_value;
	const PackOptions *o;
	char *unmapped; /* the first file whose owner the maps lack */
	int64_t unmapped_id;
} Pack;

/* A folder's entry, before sorting. */
typedef struct {
	char *name;     /* in the folder */
	char *whiteout; /* ".wh.NAME" for a whiteout, else NULL */
	struct stat st;
} Child;

static const char *child_tar_name(const Child *c)
{
	return c->whiteout ? c->whiteout : c->name;
}

static int child_cmp(const void *a, const void *b)
{
	return strcmp(child_tar_name(a), child_tar_name(b));
}

static void children_free(Child *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].name);
		free(c[i].whiteout);
	}
	free(c);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int inode_cmp(const void *a, const void *b)
{
	const Inode *x = a, *y = b;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static void inode_free(void *p)
{
	Inode *i = p;
	free(i->name);
	free(i);
}

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/* dir/rel for a message: names are data, keep them to one clean line.
 * errno is kept, as it is read in the same argument list
 * (log_error_errno(-errno, ..., show(...))), in an order C leaves open. */
static const char *show(const Pack *p, const char *rel, char buf[static SHOW_MAX])
{
	int saved = errno;
	_cleanup_free_ char *full = NULL;
	const char *r = "?";
	if (asprintf(&full, "%s%s%s", p->dir, *rel ? "/" : "", rel) >= 0)
		r = printable_text(buf, SHOW_MAX, full, strlen(full));
	else
		full = NULL;
	errno = saved;
	return r;
}

static int archive_failed(Pack *p, struct archive *a, const char *rel)
{
	const char *m = archive_error_string(a);
	char s[SHOW_MAX];
	if (p->output_error < 0) {
		if (m)
			return log_error_errno(p->output_error, "%s: write the layer: %s", p->what,
					       m);
		return log_error_errno(p->output_error, "%s: write the layer: %m", p->what);
	}
	int e = archive_errno(a);
	return log_error_errno(e > 0 ? -e : -EIO, "%s: `%s`: %s", p->what, show(p, rel, s),
			       m ? m : "cannot be written to the layer");
}

static la_ssize_t blob_write(struct archive *a, void *userdata, const void *buf, size_t len)
{
	Pack *p = userdata;
	int r = write_all(p->out_fd, buf, len);
	if (r < 0) {
		p->output_error = r;
		archive_set_error(a, -r, "%s", strerror(-r));
		return -1;
	}
	if (p->blob)
		sha256_update(p->blob, buf, len);
	p->blob_size += len;
	return (la_ssize_t)len;
}

static la_ssize_t tar_write(struct archive *a, void *userdata, const void *buf, size_t len)
{
	Pack *p = userdata;
	sha256_update(p->diff, buf, len);
	if (!p->gz)
		return blob_write(a, userdata, buf, len);
	la_ssize_t n = archive_write_data(p->gz, buf, len);
	if (n < 0 || (size_t)n != len) {
		const char *m = archive_error_string(p->gz);
		if (p->output_error == 0)
			p->output_error = -EIO;
		archive_set_error(a, -p->output_error, "%s", m ? m : "gzip failed");
		return -1;
	}
	return n;
}

/* A host id as the container sees it: the inverse of maps; -1 unmapped. */
static int64_t id_from_host(const SpecIdMap *maps, size_t n, uint32_t id)
{
	if (n == 0)
		return id;
	for (size_t i = 0; i < n; i++)
		if (id >= maps[i].host_id && id - maps[i].host_id < maps[i].size)
			return (int64_t)maps[i].container_id + (id - maps[i].host_id);
	return -1;
}

static struct archive_entry *entry_new(Pack *p, const char *name, const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return NULL;
	int64_t uid = id_from_host(p->o->uid_map, p->o->n_uid_map, st->st_uid);
	int64_t gid = id_from_host(p->o->gid_map, p->o->n_gid_map, st->st_gid);
	if ((uid < 0 || gid < 0) && !p->unmapped) {
		p->unmapped = strdup(name);
		p->unmapped_id = uid < 0 ? st->st_uid : st->st_gid;
	}
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, st->st_mode & S_IFMT);
	archive_entry_set_perm(e, st->st_mode & 07777);
	archive_entry_set_uid(e, uid < 0 ? 0 : uid);
	archive_entry_set_gid(e, gid < 0 ? 0 : gid);
	/* Whole seconds and no atime or ctime: the same folder, the same bytes
	 * (and no pax header just for the time). */
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
	return e;
}

static int write_header(Pack *p, struct archive_entry *e, const char *rel)
{
	int r = archive_write_header(p->tar, e);
	if (r < ARCHIVE_WARN)
		return archive_failed(p, p->tar, rel);
	if (r == ARCHIVE_WARN)
		log_debug("%s: %s: %s", p->what, rel, archive_error_string(p->tar));
	p->files++;
	return 0;
}

static int finish_entry(Pack *p, const char *rel)
{
	if (archive_write_finish_entry(p->tar) < ARCHIVE_WARN)
		return archive_failed(p, p->tar, rel);
	return 0;
}

/* An empty entry in OCI's whiteout form (".wh.NAME", ".wh..wh..opq"):
 * mode 0, owned by 0:0, as docker and containerd write them; the time is
 * that of what it stands for. */
static int write_marker(Pack *p, const char *name, const struct stat *of)
{
	struct stat st = {
		.st_mode = S_IFREG,
		.st_mtim = of->st_mtim,
	};
	_cleanup_(archive_entry_freep) struct archive_entry *e = entry_new(p, name, &st);
	if (!e)
		return log_error_errno(-ENOMEM, "out of memory");
	archive_entry_set_size(e, 0);
	int r = write_header(p, e, name);
	if (r < 0)
		return r;
	return finish_entry(p, name);
}

/* The xattrs a layer keeps: a file's capabilities and the user
 * namespace, not OverlayFS's own (trusted.overlay.*, and user.overlay.*
 * of a mount with userxattr), ACLs or security labels; added sorted by
 * name, so that the order the file system lists them in does not reach
 * the layer.
 * Only folders and regular files can hold any of them (the kernel allows
 * user.* on nothing else), so only those are asked, through their fd.
 * Also says whether a folder is opaque, and refuses what only OverlayFS
 * itself can read. */
static int add_xattrs(Pack *p, int fd, struct archive_entry *e, const char *rel, bool *ret_opaque)
{
	char s[SHOW_MAX];
	_cleanup_free_ char *list = NULL;
	ssize_t n;
	for (;;) {
		n = flistxattr(fd, NULL, 0);
		if (n < 0 && errno == ENOTSUP)
			n = 0; /* a file system without xattrs */
		if (n < 0)
			return log_error_errno(-errno, "%s: list the xattrs of `%s`: %m", p->what,
					       show(p, rel, s));
		free(list);
		list = malloc((size_t)n + 1);
		if (!list)
			return log_error_errno(-ENOMEM, "out of memory");
		if (n == 0)
			break;
		n = flistxattr(fd, list, (size_t)n);
		if (n >= 0)
			break;
		if (errno != ERANGE) /* ERANGE: one was added since */
			return log_error_errno(-errno, "%s: list the xattrs of `%s`: %m", p->what,
					       show(p, rel, s));
	}

	_cleanup_free_ const char **keep = calloc((size_t)n / 2 + 1, sizeof(*keep));
	if (!keep)
		return log_error_errno(-ENOMEM, "out of memory");
	size_t n_keep = 0;
	bool opaque = false;
	for (const char *name = list; name < list + n; name += strlen(name) + 1) {
		const char *key = overlay_xattr_key(name);
		if (key) {
			if (streq(key, "metacopy") || streq(key, "redirect"))
				return log_error_errno(-EOPNOTSUPP,
						       "%s: `%s`: an OverlayFS %s, whose %s is in "
						       "a lower layer: cannot be packed from this "
						       "folder alone",
						       p->what, show(p, rel, s), key,
						       streq(key, "metacopy") ? "data" : "content");
			if (streq(key, "opaque")) {
				ssize_t k = fgetxattr(fd, name, p->xattr_value, XATTR_SIZE_MAX);
				opaque = k == 1 && p->xattr_value[0] == 'y';
			}
			continue;
		}
		if (streq(name, "security.capability") ||
		    (startswith(name, "user.") && !startswith(name, "user.overlay.")))
			keep[n_keep++] = name;
	}
	qsort(keep, n_keep, sizeof(*keep), str_cmp);
	for (size_t i = 0; i < n_keep; i++) {
		ssize_t k = fgetxattr(fd, keep[i], p->xattr_value, XATTR_SIZE_MAX);
		if (k < 0 && errno == ENODATA)
			continue; /* removed since it was listed */
		if (k < 0)
			return log_error_errno(-errno, "%s: read xattr %s of `%s`: %m", p->what,
					       keep[i], show(p, rel, s));
		archive_entry_xattr_add_entry(e, keep[i], p->xattr_value, (size_t)k);
	}
	if (ret_opaque)
		*ret_opaque = opaque;
	return 0;
}

static int write_data(Pack *p, int fd, const struct stat *st, const char *rel)
{
	char s[SHOW_MAX];
	uint64_t left = (uint64_t)st->st_size;
	while (left > 0) {
		ssize_t n = read(fd, p->buf, left < BUF_SIZE ? (size_t)left : BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return log_error_errno(-errno, "%s: read `%s`: %m", p->what,
					       show(p, rel, s));
		if (n == 0)
			break;
		if (archive_write_data(p->tar, p->buf, (size_t)n) != n)
			return archive_failed(p, p->tar, rel);
		left -= (uint64_t)n;
	}
	/* The header already gave the size: a file that shrank or grew under
	 * us would make the layer lie. */
	ssize_t more;
	do
		more = read(fd, p->buf, 1);
	while (more < 0 && errno == EINTR);
	if (left > 0 || more > 0)
		return log_error_errno(-EBUSY, "%s: `%s` changed while it was being packed",
				       p->what, show(p, rel, s));
	if (more < 0)
		return log_error_errno(-errno, "%s: read `%s`: %m", p->what, show(p, rel, s));
	return 0;
}

/* Opens name in dfd as what fstatat() saw: the same inode, so a file
 * swapped for another (a fifo, a symlink) since is not read. */
static int open_same(Pack *p, int dfd, const char *name, int flags, struct stat *st,
		     const char *rel)
{
	char s[SHOW_MAX];
	_cleanup_close_ int fd =
		openat(dfd, name, flags | O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "%s: open `%s`: %m", p->what, show(p, rel, s));
	struct stat now;
	if (fstat(fd, &now) < 0)
		return log_error_errno(-errno, "%s: stat `%s`: %m", p->what, show(p, rel, s));
	if (now.st_dev != st->st_dev || now.st_ino != st->st_ino ||
	    (now.st_mode & S_IFMT) != (st->st_mode & S_IFMT))
		return log_error_errno(-EBUSY, "%s: `%s` changed while it was being packed",
				       p->what, show(p, rel, s));
	*st = now;
	return TAKE_FD(fd);
}

/* The first name of a file of several links is remembered and 0 returned;
 * for the next ones, 1 and the first name in *ret_target. */
static int hard_link(Pack *p, const struct stat *st, const char *rel, const char **ret_target)
{
	Inode key = { .dev = st->st_dev, .ino = st->st_ino };
	Inode **found = tfind(&key, &p->inodes, inode_cmp);
	if (found) {
		*ret_target = (*found)->name;
		return 1;
	}
	Inode *i = malloc(sizeof(*i));
	if (!i)
		return log_error_errno(-ENOMEM, "out of memory");
	*i = key;
	i->name = strdup(rel);
	if (!i->name || !tsearch(i, &p->inodes, inode_cmp)) {
		inode_free(i);
		return log_error_errno(-ENOMEM, "out of memory");
	}
	return 0;
}

static int pack_dir(Pack *p, int dfd, const char *rel);

/* A folder (rel "" for the root, written as "./"): its entry, the opaque
 * marker right after it, then its contents. */
static int pack_folder(Pack *p, int fd, const struct stat *st, const char *rel)
{
	_cleanup_(archive_entry_freep) struct archive_entry *e =
		entry_new(p, *rel ? rel : "./", st);
	if (!e)
		return log_error_errno(-ENOMEM, "out of memory");
	bool opaque;
	int r = add_xattrs(p, fd, e, rel, &opaque);
	if (r < 0)
		return r;
	r = write_header(p, e, rel);
	if (r < 0)
		return r;
	r = finish_entry(p, rel);
	if (r < 0)
		return r;
	if (opaque) {
		_cleanup_free_ char *marker = NULL;
		if (asprintf(&marker, "%s%s" WHITEOUT_OPAQUE, rel, *rel ? "/" : "") < 0)
			return log_error_errno(-ENOMEM, "out of memory");
		r = write_marker(p, marker, st);
		if (r < 0)
			return r;
	}
	if (st->st_dev != p->dev) {
		/* A mount point: like tar --one-file-system, the folder
		 * without what is mounted on it. */
		log_debug("%s: %s: another file system, not packed", p->what, rel);
		return 0;
	}
	return pack_dir(p, fd, rel);
}

static int pack_child(Pack *p, int dfd, Child *c, const char *rel)
{
	char s[SHOW_MAX];
	struct stat *st = &c->st;

	if (S_ISSOCK(st->st_mode)) {
		log_debug("%s: %s: a socket, not packed", p->what, rel);
		return 0;
	}
	if (c->whiteout)
		return write_marker(p, rel, st);
	if (startswith(c->name, WHITEOUT_PREFIX))
		return log_error_errno(-EINVAL,
				       "%s: `%s`: a name starting with \"" WHITEOUT_PREFIX
				       "\" would read as a whiteout in an OCI layer",
				       p->what, show(p, rel, s));
	if (S_ISDIR(st->st_mode)) {
		_cleanup_close_ int fd = open_same(p, dfd, c->name, O_DIRECTORY, st, rel);
		if (fd < 0)
			return fd;
		return pack_folder(p, fd, st, rel);
	}

	const char *target = NULL;
	if (st->st_nlink > 1) {
		int r = hard_link(p, st, rel, &target);
		if (r < 0)
			return r;
	}
	_cleanup_(archive_entry_freep) struct archive_entry *e = entry_new(p, rel, st);
	if (!e)
		return log_error_errno(-ENOMEM, "out of memory");
	if (target) {
		archive_entry_set_hardlink(e, target);
		archive_entry_set_size(e, 0);
		int r = write_header(p, e, rel);
		return r < 0 ? r : finish_entry(p, rel);
	}

	_cleanup_close_ int fd = -EBADF;
	if (S_ISREG(st->st_mode)) {
		/* O_NONBLOCK: a fifo swapped in since must not block us. */
		fd = open_same(p, dfd, c->name, O_NONBLOCK, st, rel);
		if (fd < 0)
			return fd;
		int r = add_xattrs(p, fd, e, rel, NULL);
		if (r < 0)
			return r;
		archive_entry_set_size(e, st->st_size);
	} else if (S_ISLNK(st->st_mode)) {
		char link_target[PATH_MAX + 1];
		ssize_t n = readlinkat(dfd, c->name, link_target, sizeof(link_target));
		if (n < 0)
			return log_error_errno(-errno, "%s: read the symlink `%s`: %m", p->what,
					       show(p, rel, s));
		if ((size_t)n >= sizeof(link_target))
			return log_error_errno(-ENAMETOOLONG, "%s: read the symlink `%s`: %m",
					       p->what, show(p, rel, s));
		link_target[n] = 0;
		archive_entry_set_symlink(e, link_target);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		archive_entry_set_rdev(e, st->st_rdev);

	int r = write_header(p, e, rel);
	if (r < 0)
		return r;
	if (fd >= 0) {
		r = write_data(p, fd, st, rel);
		if (r < 0)
			return r;
	}
	return finish_entry(p, rel);
}

static int read_children(Pack *p, int dfd, const char *rel, Child **ret, size_t *ret_n)
{
	char s[SHOW_MAX];
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "%s: open `%s`: %m", p->what, show(p, rel, s));
	DIR *d = fdopendir(fd);
	if (!d) {
		int r = -errno;
		close(fd);
		return log_error_errno(r, "%s: read the folder `%s`: %m", p->what, show(p, rel, s));
	}
	Child *c = NULL;
	size_t n = 0, allocated = 0;
	int r = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno != 0)
				r = log_error_errno(-errno, "%s: read the folder `%s`: %m", p->what,
						    show(p, rel, s));
			break;
		}
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (n == allocated) {
			size_t a = allocated ? allocated * 2 : 16;
			Child *m = reallocarray(c, a, sizeof(*c));
			if (!m) {
				r = log_error_errno(-ENOMEM, "out of memory");
				break;
			}
			c = m;
			allocated = a;
		}
		Child *x = &c[n];
		*x = (Child){ .name = strdup(de->d_name) };
		if (!x->name) {
			r = log_error_errno(-ENOMEM, "out of memory");
			break;
		}
		n++;
		if (fstatat(dfd, x->name, &x->st, AT_SYMLINK_NOFOLLOW) < 0) {
			_cleanup_free_ char *path = NULL;
			r = -errno;
			if (asprintf(&path, "%s%s%s", rel, *rel ? "/" : "", x->name) < 0)
				path = NULL;
			r = log_error_errno(r, "%s: stat `%s`: %m", p->what,
					    show(p, path ? path : rel, s));
			break;
		}
		if (is_whiteout(&x->st) &&
		    asprintf(&x->whiteout, WHITEOUT_PREFIX "%s", x->name) < 0) {
			x->whiteout = NULL;
			r = log_error_errno(-ENOMEM, "out of memory");
			break;
		}
	}
	closedir(d);
	if (r < 0) {
		children_free(c, n);
		return r;
	}
	/* In the names the tar gives them: bytes, as strcmp() orders them. */
	if (n > 0)
		qsort(c, n, sizeof(*c), child_cmp);
	*ret = c;
	*ret_n = n;
	return 0;
}

static int pack_dir(Pack *p, int dfd, const char *rel)
{
	Child *c;
	size_t n;
	int r = read_children(p, dfd, rel, &c, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s%s%s", rel, *rel ? "/" : "", child_tar_name(&c[i])) < 0) {
			r = log_error_errno(-ENOMEM, "out of memory");
			break;
		}
		r = pack_child(p, dfd, &c[i], path);
	}
	children_free(c, n);
	return r;
}

static int pack_open(Pack *p, bool gzip)
{
	p->tar = archive_write_new();
	p->buf = malloc(BUF_SIZE);
	p->xattr_value = malloc(XATTR_SIZE_MAX);
	if (!p->tar || !p->buf || !p->xattr_value || sha256_new(&p->diff) < 0 ||
	    (gzip && sha256_new(&p->blob) < 0))
		return log_error_errno(-ENOMEM, "out of memory");

	if (gzip) {
		p->gz = archive_write_new();
		if (!p->gz)
			return log_error_errno(-ENOMEM, "out of memory");
		/* ARCHIVE_WARN would mean libarchive was built without zlib and
		 * runs the gzip program instead: not reproducible, refused. No
		 * time and no file name in the gzip header. No blocking, so
		 * nothing is padded after the gzip trailer. */
		if (archive_write_set_format_raw(p->gz) != ARCHIVE_OK ||
		    archive_write_add_filter_gzip(p->gz) != ARCHIVE_OK ||
		    archive_write_set_options(p->gz, "gzip:!timestamp") != ARCHIVE_OK ||
		    archive_write_set_bytes_per_block(p->gz, 0) != ARCHIVE_OK ||
		    archive_write_open(p->gz, p, NULL, blob_write, NULL) != ARCHIVE_OK)
			return archive_failed(p, p->gz, "");
		_cleanup_(archive_entry_freep) struct archive_entry *e = archive_entry_new();
		if (!e)
			return log_error_errno(-ENOMEM, "out of memory");
		archive_entry_set_pathname(e, "layer.tar");
		archive_entry_set_filetype(e, AE_IFREG);
		if (archive_write_header(p->gz, e) != ARCHIVE_OK)
			return archive_failed(p, p->gz, "");
	}

	/* xattrs as SCHILY.xattr.NAME only, which Go's archive/tar (docker,
	 * containerd) and GNU tar read, not twice with LIBARCHIVE.xattr.NAME.
	 * Unblocked: the tar ends with its two zero records, not padded to
	 * 10 KiB, as Go's archive/tar writes layers. */
	if (archive_write_set_format_pax_restricted(p->tar) != ARCHIVE_OK ||
	    archive_write_set_options(p->tar, "pax:xattrheader=SCHILY") != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(p->tar, 0) != ARCHIVE_OK ||
	    archive_write_open(p->tar, p, NULL, tar_write, NULL) != ARCHIVE_OK)
		return archive_failed(p, p->tar, "");
	return 0;
}

static int pack_close(Pack *p)
{
	/* The tar first: its end flows into the gzip writer. */
	if (archive_write_close(p->tar) != ARCHIVE_OK)
		return archive_failed(p, p->tar, "");
	if (p->gz && archive_write_close(p->gz) != ARCHIVE_OK)
		return archive_failed(p, p->gz, "");
	return 0;
}

static void pack_free(Pack *p)
{
	/* archive_write_free() does not close an archive that failed, and
	 * libarchive 3.6 then leaks its output state: closed here first (a
	 * no-op after pack_close()). */
	if (p->tar) {
		(void)archive_write_close(p->tar);
		archive_write_free(p->tar);
	}
	if (p->gz) {
		(void)archive_write_close(p->gz);
		archive_write_free(p->gz);
	}
	sha256_free(p->diff);
	sha256_free(p->blob);
	tdestroy(p->inodes, inode_free);
	free(p->buf);
	free(p->xattr_value);
}

static int pack_run(Pack *p, bool gzip, PackResult *ret)
{
	char s[SHOW_MAX];
	_cleanup_close_ int fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "%s: open `%s`: %m", p->what, show(p, "", s));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return log_error_errno(-errno, "%s: stat `%s`: %m", p->what, show(p, "", s));
	p->dev = st.st_dev;

	int r = pack_open(p, gzip);
	if (r < 0)
		return r;
	r = pack_folder(p, fd, &st, "");
	if (r < 0)
		return r;
	r = pack_close(p);
	if (r < 0)
		return r;

	PackResult res = { .blob_size = p->blob_size, .files = p->files };
	if (sha256_final_hex(p->diff, res.diff_hex) < 0 ||
	    (p->blob && sha256_final_hex(p->blob, res.blob_hex) < 0))
		return log_error_errno(-EIO, "sha256 failed");
	if (!p->blob)
		memcpy(res.blob_hex, res.diff_hex, sizeof(res.blob_hex));
	*ret = res;
	return 0;
}

int layer_pack_dir(const char *dir, int out_fd, const PackOptions *o, PackResult *ret)
{
	int r = dl_archive_load();
	if (r < 0)
		return r;
	/* libarchive writes names as UTF-8 in pax headers, converted from the
	 * locale's charset: the caller's locale would change the bytes. So
	 * C.UTF-8, in which image-unpack.c reads them too: a UTF-8 name goes
	 * through as it is, any other is written as bytes (hdrcharset=BINARY).
	 * uselocale() is this thread's alone, and libarchive looks the charset
	 * up when it first converts a name, inside pack_run(). Without
	 * C.UTF-8 (glibc before 2.35 may lack it), C: every name that is not
	 * ASCII is then written as bytes. */
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (loc == (locale_t)0) {
		(void)log_debug_errno(
			-errno,
			"C.UTF-8 locale: %m; names that are not ASCII are written as bytes");
		loc = newlocale(LC_CTYPE_MASK, "C", (locale_t)0);
		if (loc == (locale_t)0)
			return log_error_errno(-errno, "newlocale: %m");
	}
	locale_t old = uselocale(loc);
	Pack p = {
		.dir = dir,
		.what = o->what ? o->what : "layer",
		.out_fd = out_fd,
		.o = o,
	};
	r = pack_run(&p, o->gzip, ret);
	if (r >= 0 && p.unmapped)
		r = log_error_errno(-EOVERFLOW,
				    "%s: `%s` is owned by host id %lld, which the container's "
				    "user namespace does not map",
				    p.what, p.unmapped, (long long)p.unmapped_id);
	free(p.unmapped);
	pack_free(&p);
	uselocale(old);
	freelocale(loc);
	return r;
}
