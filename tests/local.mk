# Unit tests (cmocka, TAP, no root) and system tests (the real binaries,
# as root; they skip with a reason otherwise). All report TAP.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_LOG_DRIVER = $(LOG_DRIVER)
# The unit tests (no extension) through tests/unit/cmocka-tap.sh.
LOG_COMPILER = bash $(top_srcdir)/tests/unit/cmocka-tap.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
TEST_EXTENSIONS = .sh
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	BERTH="$(abs_top_builddir)/berth"; export BERTH; \
	BERTH_SUPERVISOR="$(abs_top_builddir)/berth-supervisor"; export BERTH_SUPERVISOR; \
	top_srcdir="$(abs_top_srcdir)"; export top_srcdir; \
	$(NULL)

if ENABLE_ASAN
# Under --enable-asan every berth process writes its sanitizer reports to
# files, in a folder per test next to its .log: the supervisor's stderr is
# supervisor.log in the container's folder, which goes with the container,
# so a report there would be lost. tests/system/lib.sh fails a test that
# leaves one; a unit test fails on the report itself (abort_on_error).
# Options from the caller's environment come last and win.
AM_TESTS_ENVIRONMENT += \
	BERTH_SANITIZER_LOGS="$(abs_top_builddir)/$${log%.log}.sanitizers"; \
	export BERTH_SANITIZER_LOGS; \
	rm -rf "$$BERTH_SANITIZER_LOGS"; $(MKDIR_P) "$$BERTH_SANITIZER_LOGS" || exit 99; \
	am_asan="detect_leaks=1:abort_on_error=1:log_path=$$BERTH_SANITIZER_LOGS/asan"; \
	ASAN_OPTIONS="$$am_asan$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}"; export ASAN_OPTIONS; \
	am_ubsan="print_stacktrace=1:halt_on_error=1:log_path=$$BERTH_SANITIZER_LOGS/ubsan"; \
	UBSAN_OPTIONS="$$am_ubsan$${UBSAN_OPTIONS:+:$$UBSAN_OPTIONS}"; export UBSAN_OPTIONS; \
	$(NULL)
endif
clean-sanitizer-logs:
	-rm -rf tests/unit/*.sanitizers tests/system/*.sanitizers
.PHONY: clean-sanitizer-logs

if ENABLE_TESTS
UNIT_TESTS = \
	tests/unit/test-parse \
	tests/unit/test-oci \
	tests/unit/test-db \
	tests/unit/test-devices \
	tests/unit/test-tty-relay \
	tests/unit/test-log \
	tests/unit/test-seccomp \
	tests/unit/test-mount-spec \
	tests/unit/test-printable \
	tests/unit/test-stdio-relay \
	tests/unit/test-options \
	tests/unit/test-container-setup \
	tests/unit/test-ctr-log \
	tests/unit/test-rootless \
	$(NULL)
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

# Each test may include what the module it tests may (Makefile.am).
UNIT_CPPFLAGS = $(AM_CPPFLAGS) $(COMMON_INCLUDES)
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS)
UNIT_LDADD = libdb.a libcommon.a $(CMOCKA_LIBS) $(JANSSON_LIBS) $(SQLITE_LIBS) $(LIBCAP_LIBS) $(LIBSECCOMP_LIBS)

tests_unit_test_parse_SOURCES = tests/unit/test-parse.c
tests_unit_test_parse_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_parse_LDADD = $(UNIT_LDADD)
tests_unit_test_rootless_SOURCES = tests/unit/test-rootless.c
tests_unit_test_rootless_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_rootless_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rootless_LDADD = $(UNIT_LDADD)
tests_unit_test_oci_SOURCES = tests/unit/test-oci.c
tests_unit_test_oci_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_oci_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_oci_LDADD = $(UNIT_LDADD)
tests_unit_test_db_SOURCES = tests/unit/test-db.c
tests_unit_test_db_CPPFLAGS = $(AM_CPPFLAGS) $(DB_INCLUDES)
tests_unit_test_db_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_db_LDADD = $(UNIT_LDADD)
tests_unit_test_devices_SOURCES = tests/unit/test-devices.c
tests_unit_test_devices_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_devices_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_devices_LDADD = $(UNIT_LDADD)
tests_unit_test_tty_relay_SOURCES = tests/unit/test-tty-relay.c
tests_unit_test_tty_relay_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_tty_relay_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tty_relay_LDADD = $(UNIT_LDADD)
tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LDADD)
tests_unit_test_seccomp_SOURCES = tests/unit/test-seccomp.c
tests_unit_test_seccomp_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_seccomp_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_seccomp_LDADD = $(UNIT_LDADD)
tests_unit_test_mount_spec_SOURCES = tests/unit/test-mount-spec.c
tests_unit_test_mount_spec_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_mount_spec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mount_spec_LDADD = $(UNIT_LDADD)
tests_unit_test_printable_SOURCES = tests/unit/test-printable.c
tests_unit_test_printable_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_printable_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_printable_LDADD = $(UNIT_LDADD)
tests_unit_test_stdio_relay_SOURCES = tests/unit/test-stdio-relay.c
tests_unit_test_stdio_relay_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_stdio_relay_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_stdio_relay_LDADD = $(UNIT_LDADD)
# A module of cli/, linked from libcli.a as berth links it.
tests_unit_test_container_setup_SOURCES = tests/unit/test-container-setup.c
tests_unit_test_container_setup_CPPFLAGS = $(UNIT_CPPFLAGS) -I$(top_srcdir)/supervisor
tests_unit_test_container_setup_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_container_setup_LDADD = libcontainersetup.a $(UNIT_LDADD)
tests_unit_test_ctr_log_SOURCES = tests/unit/test-ctr-log.c
tests_unit_test_ctr_log_CPPFLAGS = $(AM_CPPFLAGS) $(SUPERVISOR_INCLUDES)
tests_unit_test_ctr_log_CFLAGS = $(UNIT_CFLAGS) $(LIBUV_CFLAGS)
tests_unit_test_ctr_log_LDADD = libsupervisor.a libcontainersetup.a $(UNIT_LDADD) $(LIBUV_LIBS)
tests_unit_test_options_SOURCES = tests/unit/test-options.c
tests_unit_test_options_CPPFLAGS = $(AM_CPPFLAGS) $(CLI_INCLUDES)
tests_unit_test_options_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_options_LDADD = $(CLI_LIBS) $(CMOCKA_LIBS)
endif

# One fragment a group of modules: the unit tests of cli/'s image code,
# of the rest of cli/, and of supervisor/. Each appends to UNIT_TESTS.
include tests/unit/cli-images.mk
include tests/unit/cli.mk
include tests/unit/supervisor.mk

SYSTEM_TESTS = \
	tests/system/01-build.sh \
	tests/system/10-run.sh \
	tests/system/20-list-status-rm.sh \
	tests/system/30-errors.sh \
	tests/system/31-options.sh \
	tests/system/40-isolation.sh \
	tests/system/50-images.sh \
	tests/system/45-lifecycle.sh \
	tests/system/46-faults.sh \
	tests/system/47-bulk.sh \
	tests/system/47-concurrency.sh \
	tests/system/48-systemd.sh \
	tests/system/49-tty.sh \
	tests/system/49-tty-input.sh \
	tests/system/52-mounts-identity.sh \
	tests/system/53-userns.sh \
	tests/system/57-rootless.sh \
	tests/system/55-limits.sh \
	tests/system/60-trace.sh \
	tests/system/70-security.sh \
	tests/system/71-breakout.sh \
	tests/system/72-breakout-stdio.sh \
	tests/system/73-breakout-exec.sh \
	tests/system/74-breakout-identity.sh \
	tests/system/75-seccomp.sh \
	tests/system/76-breakout-mounts.sh \
	tests/system/80-state.sh \
	tests/system/81-lost-files.sh \
	tests/system/82-full-disk.sh \
	tests/system/83-killed-commands.sh \
	tests/system/84-damaged-db.sh \
	tests/system/85-moved-root.sh \
	tests/system/86-runtime.sh \
	tests/system/89-network.sh \
	tests/system/87-podman.sh \
	tests/system/88-containerd.sh \
	tests/system/90-docs.sh \
	tests/system/91-completion.sh \
	tests/system/92-readme.sh \
	tests/system/93-registry.sh \
	$(NULL)
TESTS += $(SYSTEM_TESTS)

# The whole suite the README promises: unit, system, then the VM (skipped,
# not failed, on a machine that cannot run it).
check-all: check
	@$(MAKE) $(AM_MAKEFLAGS) check-vm VM_SKIP_OK=1
.PHONY: check-all
