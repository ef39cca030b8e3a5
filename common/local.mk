noinst_LIBRARIES += libcommon.a
libcommon_a_SOURCES = \
	common/caps.c \
	common/caps.h \
	common/cgroup.c \
	common/cgroup-devices.c \
	common/cgroup-devices.h \
	common/cgroup-limits.c \
	common/cgroup-limits.h \
	common/cgroup.h \
	common/cleanup.h \
	common/ctr-lock.c \
	common/ctr-lock.h \
	common/dl.c \
	common/dl.h \
	common/log.c \
	common/log.h \
	common/mount-options.c \
	common/mount-options.h \
	common/mount-spec.c \
	common/mount-spec.h \
	common/network.c \
	common/network.h \
	common/oci.c \
	common/oci.h \
	common/parse.c \
	common/parse.h \
	common/paths.c \
	common/paths.h \
	common/printable.c \
	common/printable.h \
	common/protocol.h \
	common/resolve.c \
	common/rootless.c \
	common/rootless.h \
	common/resolve.h \
	common/seccomp-default.h \
	common/seccomp-filter.c \
	common/seccomp-filter.h \
	common/subid.c \
	common/subid.h \
	common/stdio-relay.c \
	common/stdio-relay.h \
	common/sync-msg.c \
	common/sync-msg.h \
	common/sanitizer.h \
	common/tty.c \
	common/tty.h \
	common/tty-relay.c \
	common/tty-relay.h \
	common/untrusted-file.c \
	common/untrusted-file.h \
	common/util.c \
	common/util.h \
	$(NULL)
libcommon_a_CPPFLAGS = $(AM_CPPFLAGS) $(COMMON_INCLUDES)
libcommon_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBCAP_CFLAGS) $(LIBSECCOMP_CFLAGS)
