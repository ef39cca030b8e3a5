noinst_LIBRARIES += libdb.a
libdb_a_SOURCES = \
	db/container.c \
	db/db-internal.h \
	db/db.c \
	db/db.h \
	db/event.c \
	db/image.c \
	db/layer.c \
	db/network.c \
	db/relative-paths.c \
	db/repair.c \
	db/sqlite-errno.c \
	$(NULL)
libdb_a_CPPFLAGS = $(AM_CPPFLAGS) $(DB_INCLUDES)
libdb_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
