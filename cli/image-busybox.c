/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* The default image, made from the host's static busybox: no network, a
 * few hundred kilobytes, and enough of a system (applet links, passwd,
 * group, hosts, resolv.conf) for scripts and the tests. */

#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "images.h"
#include "log.h"
#include "util.h"

/* A static busybox runs in any root; a dynamic one would need its libc. */
static int elf_is_static(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph),
			  (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
		    (ssize_t)sizeof(ph))
			return -ENOEXEC;
		if (ph.p_type == PT_INTERP)
			return 0;
	}
	return 1;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	_cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	_cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0)
		return -errno;
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0)
				return -errno;
			off += w;
		}
	}
	if (fchmod(out, mode) < 0)
		return -errno;
	return RET_NERRNO(close(TAKE_FD(out)));
}

/* busybox --list-full: one applet path per line, e.g. "usr/bin/awk". */
static int busybox_applets(char **ret)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	char *argv[] = { (char *)BUSYBOX_PATH, (char *)"--list-full", NULL };
	char *envp[] = { NULL };
	pid_t pid;
	int r = -posix_spawn(&pid, BUSYBOX_PATH, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (r < 0) {
		close(pfd[0]);
		return r;
	}
	size_t size = 0, alloc = 16384;
	_cleanup_free_ char *buf = malloc(alloc);
	for (;;) {
		if (!buf) {
			r = -ENOMEM;
			break;
		}
		if (size + 1 >= alloc) {
			char *n = realloc(buf, alloc *= 2);
			if (!n) {
				r = -ENOMEM;
				break;
			}
			buf = n;
		}
		ssize_t k = read(pfd[0], buf + size, alloc - size - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : 0;
			break;
		}
		size += (size_t)k;
	}
	close(pfd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ENOEXEC;
	buf[size] = 0;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Laid out by hand: files of the image, a line each. */
/* clang-format off */
static const char busybox_passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
	"bin:x:2:2:bin:/bin:/bin/false\n"
	"sys:x:3:3:sys:/dev:/bin/false\n"
	"sync:x:4:100:sync:/bin:/bin/sync\n"
	"mail:x:8:8:mail:/var/spool/mail:/bin/false\n"
	"www-data:x:33:33:www-data:/var/www:/bin/false\n"
	"operator:x:37:37:Operator:/var:/bin/false\n"
	"nobody:x:65534:65534:nobody:/home:/bin/false\n";

static const char busybox_group[] =
	"root:x:0:\n"
	"daemon:x:1:\n"
	"bin:x:2:\n"
	"sys:x:3:\n"
	"adm:x:4:\n"
	"tty:x:5:\n"
	"disk:x:6:\n"
	"lp:x:7:\n"
	"mail:x:8:\n"
	"kmem:x:9:\n"
	"wheel:x:10:root\n"
	"floppy:x:11:\n"
	"audio:x:29:\n"
	"www-data:x:33:\n"
	"operator:x:37:\n"
	"staff:x:50:\n"
	"users:x:100:\n"
	"nogroup:x:65534:\n";

static const char busybox_hosts[] = "127.0.0.1\tlocalhost\n"
				    "::1\tlocalhost ip6-localhost ip6-loopback\n";
/* clang-format on */

static const char busybox_resolv[] =
	"# Placeholder: berth gives containers only a loopback network by default.\n";

static int populate_busybox(const char *rootfs)
{
	static const struct {
		const char *path;
		mode_t mode;
		/* Laid out by hand: a table. */
		/* clang-format off */
	} dirs[] = {
		{ "bin", 0755 },  { "sbin", 0755 },  { "usr", 0755 }, { "usr/bin", 0755 },
		{ "usr/sbin", 0755 }, { "etc", 0755 }, { "proc", 0555 }, { "sys", 0555 },
		{ "dev", 0755 },  { "tmp", 01777 },  { "root", 0700 }, { "home", 0755 },
		{ "var", 0755 },  { "var/tmp", 01777 }, { "var/spool", 0755 },
		{ "var/spool/mail", 0755 }, { "var/www", 0755 }, { "run", 0755 }, { "mnt", 0755 },
	};
	/* clang-format on */
	_cleanup_close_ int root = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return log_error_errno(-errno, "open `%s`: %m", rootfs);
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
		if (mkdirat(root, dirs[i].path, dirs[i].mode) < 0 ||
		    fchmodat(root, dirs[i].path, dirs[i].mode, 0) < 0)
			return log_error_errno(-errno, "create /%s in the image: %m", dirs[i].path);

	_cleanup_free_ char *bb = NULL;
	if (asprintf(&bb, "%s/bin/busybox", rootfs) < 0)
		return -ENOMEM;
	int r = copy_file(BUSYBOX_PATH, bb, 0755);
	if (r < 0)
		return log_error_errno(r, "copy %s into the image: %m", BUSYBOX_PATH);

	_cleanup_free_ char *list = NULL;
	r = busybox_applets(&list);
	if (r < 0)
		return log_error_errno(r, "list the applets of %s: %m", BUSYBOX_PATH);
	for (char *line = strtok(list, "\n"); line; line = strtok(NULL, "\n")) {
		while (*line == '/')
			line++;
		if (!*line || strstr(line, "..") || streq(line, "bin/busybox"))
			continue;
		if (symlinkat("/bin/busybox", root, line) < 0 && errno != EEXIST && errno != ENOENT)
			return log_error_errno(-errno, "link /%s in the image: %m", line);
	}

	static const struct {
		const char *path, *data;
		mode_t mode;
	} files[] = {
		{ "etc/passwd", busybox_passwd, 0644 },
		{ "etc/group", busybox_group, 0644 },
		{ "etc/shadow", "root:*:19000:0:99999:7:::\n", 0600 },
		{ "etc/hosts", busybox_hosts, 0644 },
		{ "etc/resolv.conf", busybox_resolv, 0644 },
		{ "etc/hostname", "localhost\n", 0644 },
	};
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", rootfs, files[i].path) < 0)
			return -ENOMEM;
		r = write_file(p, files[i].data, strlen(files[i].data), O_CREAT | O_EXCL,
			       files[i].mode);
		/* As for the folders: the caller's umask must not take
		 * /etc/passwd away from the container's other users. */
		if (r >= 0 && fchmodat(root, files[i].path, files[i].mode, 0) < 0)
			r = -errno;
		if (r < 0)
			return log_error_errno(r, "write /%s in the image: %m", files[i].path);
	}
	return 0;
}

static int populate(Cli *cli, const char *rootfs, void *userdata)
{
	return populate_busybox(rootfs);
}

int image_create_busybox(Cli *cli, const char *name)
{
	int r = elf_is_static(BUSYBOX_PATH);
	if (r < 0)
		return log_error_errno(r, "%s: %m (install the Debian package busybox-static)",
				       BUSYBOX_PATH);
	if (r == 0)
		return log_error_errno(-ENOEXEC,
				       "%s is dynamically linked; install the Debian "
				       "package busybox-static",
				       BUSYBOX_PATH);
	FlatImage f = {
		.name = name,
		.source = "busybox:" BUSYBOX_PATH,
		.populate = populate,
	};
	return image_create_flat(cli, &f);
}
