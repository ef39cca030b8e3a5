# Man pages: written in markdown in podman's style (docs/man/*.md) and
# turned into roff by go-md2man at build time, as crun and podman do. The
# roff is not kept in git nor in the tarball: the markdown is the source.
# tests/system/90-docs.sh checks that every option a command's --help
# prints is on its page.
MAN1_PAGES = \
	docs/man/berth.1 \
	docs/man/berth-commit.1 \
	docs/man/berth-exec.1 \
	docs/man/berth-freeze.1 \
	docs/man/berth-generate.1 \
	docs/man/berth-generate-systemd.1 \
	docs/man/berth-image.1 \
	docs/man/berth-image-create.1 \
	docs/man/berth-image-debootstrap.1 \
	docs/man/berth-image-import.1 \
	docs/man/berth-image-inspect.1 \
	docs/man/berth-image-list.1 \
	docs/man/berth-image-load.1 \
	docs/man/berth-image-pull.1 \
	docs/man/berth-image-push.1 \
	docs/man/berth-image-rm.1 \
	docs/man/berth-image-save.1 \
	docs/man/berth-image-tag.1 \
	docs/man/berth-inspect.1 \
	docs/man/berth-list.1 \
	docs/man/berth-login.1 \
	docs/man/berth-logout.1 \
	docs/man/berth-logs.1 \
	docs/man/berth-network.1 \
	docs/man/berth-network-create.1 \
	docs/man/berth-network-inspect.1 \
	docs/man/berth-network-ls.1 \
	docs/man/berth-network-prune.1 \
	docs/man/berth-network-rm.1 \
	docs/man/berth-prune.1 \
	docs/man/berth-rm.1 \
	docs/man/berth-run.1 \
	docs/man/berth-start.1 \
	docs/man/berth-status.1 \
	docs/man/berth-stop.1 \
	docs/man/berth-system.1 \
	docs/man/berth-system-check.1 \
	docs/man/berth-thaw.1 \
	docs/man/berth-trace.1 \
	docs/man/berth-update.1 \
	$(NULL)
MAN8_PAGES = \
	docs/man/berth-runtime.8 \
	docs/man/berth-supervisor.8 \
	$(NULL)

if ENABLE_MAN
man1_MANS = $(MAN1_PAGES)
man8_MANS = $(MAN8_PAGES)
endif
CLEANFILES += $(MAN1_PAGES) $(MAN8_PAGES) $(MAN1_PAGES:=.new) $(MAN8_PAGES:=.new)

SUFFIXES += .1.md .1 .8.md .8
# Written to $@.new and renamed: a failed go-md2man leaves no page that
# looks up to date.
.1.md.1:
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GO_MD2MAN) -in $< -out $@.new && mv -f $@.new $@
.8.md.8:
	$(AM_V_GEN)$(MKDIR_P) $(@D) && $(GO_MD2MAN) -in $< -out $@.new && mv -f $@.new $@

# docs/ is in EXTRA_DIST whole; pages built in the source tree stay out.
dist-hook: dist-hook-man
dist-hook-man:
	rm -f $(distdir)/docs/man/*.1 $(distdir)/docs/man/*.8 $(distdir)/docs/man/*.new
.PHONY: dist-hook-man
