bin_PROGRAMS += berth
berth_SOURCES = \
	cli/cli.h \
	cli/cmd_image.c \
	cli/cmd_list.c \
	cli/cmd_rm.c \
	cli/cmd_run.c \
	cli/container.c \
	cli/image-busybox.c \
	cli/image-config.c \
	cli/image-debootstrap.c \
	cli/image-docker-archive.c \
	cli/image-import.c \
	cli/image-layers.c \
	cli/image-layers.h \
	cli/image-oci.c \
	cli/image-unpack.c \
	cli/image-unpack.h \
	cli/images.c \
	cli/images.h \
	cli/launch.c \
	cli/main.c \
	cli/progress.c \
	cli/progress.h \
	cli/sha256.c \
	cli/sha256.h \
	$(NULL)
berth_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SQLITE_CFLAGS) $(LIBARCHIVE_CFLAGS) \
	$(LIBCRYPTO_CFLAGS)
berth_LDADD = libdb.a libcommon.a $(JANSSON_LIBS) $(SQLITE_LIBS) $(LIBARCHIVE_LIBS) \
	$(LIBCRYPTO_LIBS)
