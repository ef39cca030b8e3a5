# make check-vm: the VM-only test and the system tests that need a real
# cgroup v2 kernel (VM_TESTS below) inside a qemu VM whose kernel has a full cgroup v2
# hierarchy, which the hosts' hybrid cgroups lack (resource limits). See
# tests/vm/harness/vm-run; the initramfs cache, a scratch disk and the logs
# live in tests/vm/work/.
#
#   make check-vm                                   the tests in VM_TESTS
#   make check-vm VM_TESTS=tests/vm/vm-cgroup.sh    some of them
#   make check-vm VM_FLAGS='--timeout 1200 --test-timeout 600'
#
# Without qemu or a kernel it prints one line naming the Debian package and
# stops with status 77 (make reports "Error 77"); check-all then goes on.
VM_DIST_FILES = \
	tests/vm/README.md \
	tests/vm/harness/vm-run \
	tests/vm/harness/initramfs-init \
	tests/vm/harness/stage2 \
	$(NULL)
VM_ONLY_TESTS = \
	tests/vm/vm-cgroup.sh \
	tests/vm/vm-runtime.sh \
	tests/vm/vm-rootless.sh \
	$(NULL)
EXTRA_DIST += $(VM_DIST_FILES) $(VM_ONLY_TESTS)

# What needs the VM's kernel: the limits (and the OOM event of trace), the
# guest's own check, the core of run/isolation as a smoke test there, and
# the README's examples, whose `run -m 64M --cpus 0.5` a hybrid host refuses.
# The whole suite runs on the host; under TCG it would take over an hour.
VM_TESTS = \
	tests/vm/vm-cgroup.sh \
	tests/vm/vm-runtime.sh \
	tests/vm/vm-rootless.sh \
	tests/system/10-run.sh \
	tests/system/55-limits.sh \
	tests/system/60-trace.sh \
	tests/system/92-readme.sh \
	$(NULL)
VM_FLAGS =
check-vm: all
	@rc=0; bash $(top_srcdir)/tests/vm/harness/vm-run \
		--builddir=$(abs_top_builddir) --workdir=$(abs_top_builddir)/tests/vm/work \
		$(VM_FLAGS) $(addprefix $(abs_top_srcdir)/,$(VM_TESTS)) || rc=$$?; \
	if test $$rc = 77 && test -n "$(VM_SKIP_OK)"; then rc=0; fi; \
	exit $$rc

clean-vm:
	-rm -rf $(abs_top_builddir)/tests/vm/work

.PHONY: check-vm clean-vm
