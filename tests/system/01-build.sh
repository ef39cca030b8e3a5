#!/bin/bash
# The build: both binaries, `make install DESTDIR=...` puts the supervisor
# under libexecdir, and an installed berth that cannot find its supervisor
# says so in one line.
. "$(dirname "$0")/lib.sh"
builddir=$(dirname "$BERTH")

t_ok "berth is built" test -x "$BERTH"
t_ok "berth-supervisor is built next to it" test -x "$builddir/berth-supervisor"
t_match "berth --version" '^berth [0-9.]+$' "$("$BERTH" --version)"
# Only `image import` and `trace` need these; linked, they cost every call
# 5 ms (common/dl.h). They must stay dlopen()ed.
needed=$(readelf -d "$BERTH" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p')
t_is "berth links neither libarchive, libcrypto nor libbpf" "" \
	"$(grep -E 'libarchive|libcrypto|libbpf' <<<"$needed" | paste -sd' ')"
t_ok "berth does link libc (readelf works)" grep -q '^libc\.so' <<<"$needed"

dest=$(mktemp -d /tmp/berth-destdir.XXXXXX)
T_EXTRA_CLEANUP="rm -rf $dest"
trap 'rm -rf "$dest"' EXIT
make -s -C "$builddir" install DESTDIR="$dest" >/dev/null 2>&1
t_is "make install DESTDIR works" 0 $?
prefix=$(sed -n 's/^prefix = //p' "$builddir/Makefile")
libexecdir=$(sed -n 's/^libexecdir = //p' "$builddir/Makefile" | sed "s|\${exec_prefix}|$prefix|")
t_ok "berth is installed in bindir" test -x "$dest$prefix/bin/berth"
t_ok "berth-supervisor is installed in libexecdir/berth" test -x "$dest$libexecdir/berth/berth-supervisor"
t_ok "berth-supervisor is not in bindir" test ! -e "$dest$prefix/bin/berth-supervisor"

if [ ! -e "$libexecdir/berth/berth-supervisor" ]; then
	out=$(env -u BERTH_SUPERVISOR BERTH_ROOT="$dest/root" "$dest$prefix/bin/berth" run --rm busybox true 2>&1)
	t_is "without its supervisor berth exits 125" 125 $?
	t_match "and names what is missing" '^berth: cannot find berth-supervisor' "$out"
fi
echo "1..$T_N"
[ "$T_FAILED" -eq 0 ]
