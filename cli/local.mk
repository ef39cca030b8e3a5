# Every command but main() is in libcli.a, so that a unit test can link
# the module it tests.
noinst_LIBRARIES += libcli.a
libcli_a_SOURCES = \
	cli/bulk.c \
	cli/bulk.h \
	cli/cancel.c \
	cli/cancel.h \
	cli/cli.h \
	cli/cmd_exec.c \
	cli/cmd_generate.c \
	cli/cmd_image.c \
	cli/cmd_lifecycle.c \
	cli/cmd_logs.c \
	cli/cmd_network.c \
	cli/cmd_registry.c \
	cli/control.c \
	cli/dl-archive.c \
	cli/dl-archive.h \
	cli/dl-crypto.c \
	cli/dl-crypto.h \
	cli/cmd_list.c \
	cli/cmd_rm.c \
	cli/cmd_run.c \
	cli/cmd_system.c \
	cli/system-repair.c \
	cli/system.h \
	cli/cmd_update.c \
	cli/mounts.c \
	cli/options.c \
	cli/options.h \
	cli/mounts.h \
	cli/user.c \
	cli/userns.c \
	cli/userns.h \
	cli/user.h \
	cli/cmd_trace.c \
	cli/container.c \
	cli/resources.c \
	cli/resources.h \
	cli/run-network.c \
	cli/run-network.h \
	cli/image-busybox.c \
	cli/image-commit.c \
	cli/image-config.c \
	cli/image-debootstrap.c \
	cli/image-docker-archive.c \
	cli/image-import.c \
	cli/image-layers.c \
	cli/image-layers.h \
	cli/image-oci.c \
	cli/image-pack.c \
	cli/image-pack.h \
	cli/image-pull.c \
	cli/image-ref.c \
	cli/image-ref.h \
	cli/skopeo.c \
	cli/skopeo.h \
	cli/image-resolve.c \
	cli/image-save.c \
	cli/image-unpack.c \
	cli/image-unpack.h \
	cli/images.c \
	cli/images.h \
	cli/launch.c \
	cli/limits-output.c \
	cli/progress.c \
	cli/progress.h \
	cli/sha256.c \
	cli/sha256.h \
	$(NULL)
CLI_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES) -DPKGLIBEXECDIR=\"$(pkglibexecdir)\"
CLI_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(LIBARCHIVE_CFLAGS) \
	$(LIBCRYPTO_CFLAGS)
libcli_a_CPPFLAGS = $(CLI_CPPFLAGS)
libcli_a_CFLAGS = $(CLI_CFLAGS)

bin_PROGRAMS += berth
berth_SOURCES = cli/main.c
berth_CPPFLAGS = $(CLI_CPPFLAGS)
berth_CFLAGS = $(CLI_CFLAGS)
# What libcli.a links, users first: libtracebpf.a uses libdb.a and
# libcommon.a, libdb.a uses libcommon.a. libarchive, libcrypto and libbpf
# are not linked: dlopen() (common/dl.h).
CLI_LIBS = libcli.a $(BERTH_TRACE_LIBS) libdb.a libcommon.a $(JANSSON_LIBS) $(SQLITE_LIBS) \
	$(LIBCAP_LIBS) $(LIBSECCOMP_LIBS)
berth_LDADD = $(CLI_LIBS)
BERTH_TRACE_LIBS =

if ENABLE_BPF
# `berth trace`; without eBPF, cmd_trace.c alone says it is not built in.
libcli_a_SOURCES += \
	cli/trace-attrib.c \
	cli/trace-cli.h \
	cli/trace-format.c \
	$(NULL)
BERTH_TRACE_LIBS += libtracebpf.a
endif

# Bash completion, installed as `berth` where bash-completion looks for it
# (configure's --with-bashcompletiondir).
EXTRA_DIST += cli/berth.bash
install-data-local: install-bash-completion
uninstall-local: uninstall-bash-completion
install-bash-completion:
	$(MKDIR_P) '$(DESTDIR)$(bashcompletiondir)'
	$(INSTALL_DATA) $(srcdir)/cli/berth.bash '$(DESTDIR)$(bashcompletiondir)/berth'
uninstall-bash-completion:
	rm -f '$(DESTDIR)$(bashcompletiondir)/berth'
.PHONY: install-bash-completion uninstall-bash-completion
