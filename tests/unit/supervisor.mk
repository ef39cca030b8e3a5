# Unit tests of supervisor/'s modules: one file a module,
# tests/unit/test-MODULE.c, added to UNIT_TESTS here (tests/local.mk).
if ENABLE_TESTS
# The supervisor's include row (Makefile.am); each test links the library
# its module lives in: libsupervisor.a (which needs the setup core and the
# DB) or libcontainersetup.a.
SUPERVISOR_UNIT_CPPFLAGS = $(AM_CPPFLAGS) $(SUPERVISOR_INCLUDES)
SUPERVISOR_UNIT_CFLAGS = $(UNIT_CFLAGS) $(LIBUV_CFLAGS)
SUPERVISOR_UNIT_LIBS = libsupervisor.a libcontainersetup.a $(UNIT_LDADD) $(LIBUV_LIBS)
SETUP_UNIT_LIBS = libcontainersetup.a $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-exit
tests_unit_test_exit_SOURCES = tests/unit/test-exit.c
tests_unit_test_exit_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_exit_CFLAGS = $(SUPERVISOR_UNIT_CFLAGS)
tests_unit_test_exit_LDADD = $(SUPERVISOR_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-spare
tests_unit_test_spare_SOURCES = tests/unit/test-spare.c
tests_unit_test_spare_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_spare_CFLAGS = $(SUPERVISOR_UNIT_CFLAGS)
tests_unit_test_spare_LDADD = $(SUPERVISOR_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-stage-memfd
tests_unit_test_stage_memfd_SOURCES = tests/unit/test-stage-memfd.c
tests_unit_test_stage_memfd_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_stage_memfd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_stage_memfd_LDADD = $(SETUP_UNIT_LIBS)

# berth-stage is a program of its own: tested as built, next to $(BERTH).
UNIT_TESTS += tests/unit/test-stage
tests_unit_test_stage_SOURCES = tests/unit/test-stage.c
tests_unit_test_stage_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_stage_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_stage_LDADD = $(UNIT_LDADD)

UNIT_TESTS += tests/unit/test-supervisor-control
tests_unit_test_supervisor_control_SOURCES = tests/unit/test-supervisor-control.c
tests_unit_test_supervisor_control_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_supervisor_control_CFLAGS = $(SUPERVISOR_UNIT_CFLAGS)
tests_unit_test_supervisor_control_LDADD = $(SUPERVISOR_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-forward
tests_unit_test_forward_SOURCES = tests/unit/test-forward.c tests/unit/root-tests.h
tests_unit_test_forward_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_forward_CFLAGS = $(SUPERVISOR_UNIT_CFLAGS)
tests_unit_test_forward_LDADD = $(SUPERVISOR_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-setup-error
tests_unit_test_setup_error_SOURCES = tests/unit/test-setup-error.c
tests_unit_test_setup_error_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_setup_error_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_setup_error_LDADD = $(SETUP_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-process
tests_unit_test_process_SOURCES = tests/unit/test-process.c tests/unit/root-tests.h
tests_unit_test_process_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_process_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_process_LDADD = $(SETUP_UNIT_LIBS)


UNIT_TESTS += tests/unit/test-rootfs
tests_unit_test_rootfs_SOURCES = tests/unit/test-rootfs.c tests/unit/root-tests.h
tests_unit_test_rootfs_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_rootfs_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rootfs_LDADD = $(SETUP_UNIT_LIBS)

# A real container (container-fixture.h), as root.
UNIT_TESTS += tests/unit/test-init
tests_unit_test_init_SOURCES = tests/unit/test-init.c tests/unit/container-fixture.h tests/unit/root-tests.h
tests_unit_test_init_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_init_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_init_LDADD = $(SETUP_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-spawn
tests_unit_test_spawn_SOURCES = tests/unit/test-spawn.c tests/unit/container-fixture.h tests/unit/root-tests.h
tests_unit_test_spawn_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_spawn_CFLAGS = $(SUPERVISOR_UNIT_CFLAGS)
tests_unit_test_spawn_LDADD = $(SUPERVISOR_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-loop
tests_unit_test_loop_SOURCES = tests/unit/test-loop.c tests/unit/container-fixture.h tests/unit/root-tests.h
tests_unit_test_loop_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_loop_CFLAGS = $(SUPERVISOR_UNIT_CFLAGS)
tests_unit_test_loop_LDADD = $(SUPERVISOR_UNIT_LIBS)

UNIT_TESTS += tests/unit/test-exec
tests_unit_test_exec_SOURCES = tests/unit/test-exec.c tests/unit/container-fixture.h tests/unit/root-tests.h
tests_unit_test_exec_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_exec_CFLAGS = $(SUPERVISOR_UNIT_CFLAGS)
tests_unit_test_exec_LDADD = $(SUPERVISOR_UNIT_LIBS)
# berth-runtime is a program, not a library: the module is built into its
# test.
UNIT_TESTS += tests/unit/test-runtime-state
tests_unit_test_runtime_state_SOURCES = tests/unit/test-runtime-state.c supervisor/runtime-state.c
tests_unit_test_runtime_state_CPPFLAGS = $(SUPERVISOR_UNIT_CPPFLAGS)
tests_unit_test_runtime_state_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_runtime_state_LDADD = $(SETUP_UNIT_LIBS)

endif
