# eBPF for `berth trace`: clang → `bpftool gen object` → `bpftool gen
# skeleton`, with vmlinux.h made from the build host's BTF. Generated files
# are written to $@.new and renamed, so an interrupted or failed step never
# leaves a half-written file that looks up to date.
EXTRA_DIST += bpf/trace.bpf.c

if ENABLE_BPF
noinst_LIBRARIES += libtracebpf.a
libtracebpf_a_SOURCES = \
	bpf/dl-bpf.c \
	bpf/dl-bpf.h \
	bpf/trace-events.h \
	bpf/trace-loader.c \
	bpf/trace.h \
	$(NULL)
nodist_libtracebpf_a_SOURCES = bpf/trace.skel.h
libtracebpf_a_CPPFLAGS = $(AM_CPPFLAGS) $(BPF_INCLUDES)
libtracebpf_a_CFLAGS = $(AM_CFLAGS) $(LIBBPF_CFLAGS)

BUILT_SOURCES += bpf/vmlinux.h bpf/trace.skel.h
CLEANFILES += \
	bpf/vmlinux.h \
	bpf/vmlinux.h.new \
	bpf/trace.tmp.bpf.o \
	bpf/trace.bpf.o \
	bpf/trace.skel.h \
	bpf/trace.skel.h.new \
	$(NULL)

BPF_CFLAGS = -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(BPF_ARCH) \
	-I$(top_builddir)/bpf -I$(top_srcdir)/bpf $(LIBBPF_CFLAGS)

# No prerequisite: the running kernel's BTF has no useful time stamp, and
# CO-RE makes the result good for other kernels anyway.
bpf/vmlinux.h:
	$(AM_V_GEN)$(MKDIR_P) bpf && \
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.new && mv -f $@.new $@

bpf/trace.tmp.bpf.o: bpf/trace.bpf.c bpf/trace-events.h bpf/vmlinux.h
	$(AM_V_CC)$(CLANG) $(BPF_CFLAGS) -c $(top_srcdir)/bpf/trace.bpf.c -o $@

bpf/trace.bpf.o: bpf/trace.tmp.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen object $@ $<

bpf/trace.skel.h: bpf/trace.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen skeleton $< name trace_bpf > $@.new && mv -f $@.new $@
endif
