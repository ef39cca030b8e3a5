# The container-setup core (container-setup.h, docs/architecture.md):
# common/ only, so that it cannot reach the state DB.
noinst_LIBRARIES += libcontainersetup.a
libcontainersetup_a_SOURCES = \
	supervisor/clone.c \
	supervisor/container-setup.c \
	supervisor/container-setup.h \
	supervisor/setup-error.c \
	supervisor/init.c \
	supervisor/init-plan.h \
	supervisor/rootfs.c \
	supervisor/rootfs.h \
	supervisor/process.c \
	supervisor/stage-memfd.c \
	$(NULL)
libcontainersetup_a_CPPFLAGS = $(AM_CPPFLAGS) $(COMMON_INCLUDES) -DPKGLIBEXECDIR=\"$(pkglibexecdir)\"
libcontainersetup_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)

# The supervisor but main() is libsupervisor.a, so that a unit test can
# link the module it tests; berth-stage (stage.c) is a program of its own.
noinst_LIBRARIES += libsupervisor.a
libsupervisor_a_SOURCES = \
	supervisor/ctr-log.c \
	supervisor/exit.c \
	supervisor/forward.c \
	supervisor/loop.c \
	supervisor/network.c \
	supervisor/rootfs-fuse.c \
	supervisor/spawn.c \
	supervisor/supervisor.h \
	supervisor/exec.c \
	supervisor/control.c \
	supervisor/notify.c \
	supervisor/spare.c \
	$(NULL)
SUPERVISOR_CPPFLAGS = $(AM_CPPFLAGS) $(SUPERVISOR_INCLUDES)
SUPERVISOR_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS)
libsupervisor_a_CPPFLAGS = $(SUPERVISOR_CPPFLAGS)
libsupervisor_a_CFLAGS = $(SUPERVISOR_CFLAGS)

# berth-runtime: runc's command line over the same core (runtime.h).
bin_PROGRAMS += berth-runtime
berth_runtime_SOURCES = \
	supervisor/runtime.c \
	supervisor/runtime.h \
	supervisor/runtime-create.c \
	supervisor/runtime-hooks.c \
	supervisor/runtime-ops.c \
	supervisor/runtime-update.c \
	supervisor/runtime-exec.c \
	supervisor/runtime-state.c \
	$(NULL)
berth_runtime_CPPFLAGS = $(SUPERVISOR_CPPFLAGS)
berth_runtime_CFLAGS = $(SUPERVISOR_CFLAGS)
berth_runtime_LDADD = libcontainersetup.a libdb.a libcommon.a $(JANSSON_LIBS) $(SQLITE_LIBS) \
	$(LIBCAP_LIBS) $(LIBSECCOMP_LIBS)

# Built in the top build folder next to `berth`, which is where an
# uninstalled `berth` looks for it; installed under $(pkglibexecdir).
pkglibexec_PROGRAMS += berth-supervisor
berth_supervisor_SOURCES = supervisor/main.c
berth_supervisor_CPPFLAGS = $(SUPERVISOR_CPPFLAGS)
berth_supervisor_CFLAGS = $(SUPERVISOR_CFLAGS)
berth_supervisor_LDFLAGS = $(AM_LDFLAGS) $(SUPERVISOR_LDFLAGS)
berth_supervisor_LDADD = libsupervisor.a libcontainersetup.a libdb.a libcommon.a $(SUPERVISOR_LIBS)
if STATIC_SUPERVISOR
# glibc's dlopen() and getpwuid_r() would load the host's shared libraries
# in a static program: SQLite and libuv get calls that refuse instead.
berth_supervisor_SOURCES += supervisor/static-libc.c
berth_supervisor_LDFLAGS += -Wl,--wrap=dlopen -Wl,--wrap=getpwuid_r
endif

# The same objects linked against the shared C library, for valgrind
# (tests/valgrind/run-stop-cycle.sh): memcheck replaces malloc() in a
# shared libc only.
check_PROGRAMS += tests/valgrind/berth-supervisor-dynamic
tests_valgrind_berth_supervisor_dynamic_SOURCES =
tests_valgrind_berth_supervisor_dynamic_LDADD = $(berth_supervisor_OBJECTS) libsupervisor.a libcontainersetup.a \
	libdb.a libcommon.a $(LIBUV_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) $(LIBCAP_LIBS) \
	$(LIBSECCOMP_LIBS)
tests_valgrind_berth_supervisor_dynamic_DEPENDENCIES = $(berth_supervisor_OBJECTS) libsupervisor.a libcontainersetup.a \
	libdb.a libcommon.a

# The static program every container's command is exec'd from, out of a
# sealed memfd copy (see supervisor/stage.c).
pkglibexec_PROGRAMS += berth-stage
berth_stage_SOURCES = \
	supervisor/stage.c \
	$(NULL)
# Static, so no sanitizer: it runs for an instant, then execs the command.
# Without a C library where configure knows how (STAGE_NOLIBC); no stack
# protector or fortify there, which would need one.
if STAGE_NOLIBC
berth_stage_CPPFLAGS = $(AM_CPPFLAGS) $(SUPERVISOR_INCLUDES) -DSTAGE_NOLIBC -U_FORTIFY_SOURCE
berth_stage_CFLAGS = $(BERTH_CFLAGS) -ffreestanding -fno-stack-protector -fno-builtin -fno-pie \
	-fno-asynchronous-unwind-tables
berth_stage_LDFLAGS = $(BERTH_LDFLAGS) -static -nostdlib -no-pie -Wl,--build-id=none
berth_stage_LDADD =
else
berth_stage_CPPFLAGS = $(AM_CPPFLAGS) $(SUPERVISOR_INCLUDES)
berth_stage_CFLAGS = $(BERTH_CFLAGS)
berth_stage_LDFLAGS = $(BERTH_LDFLAGS) -static
endif
