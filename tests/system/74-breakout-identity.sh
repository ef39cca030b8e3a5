#!/bin/bash
# The breakout suite, identity and what berth reads: ids that the kernel
# takes as "unchanged", files of an image or a container that are not what
# they seem (a FIFO, a device, an endless or outsized file, a symlink out of
# the root), a signal while a run is slow, and a root of another user's.
# Every attempt must fail, fast and with a clear error, and leave nothing
# behind. docs/security.md ("Identity, and what berth reads") gives the
# rules.
. "$(dirname "$0")/lib.sh"
require_root
command -v jq >/dev/null || t_skip_all "needs jq"
t_begin
berth image create busybox >/dev/null

DATA=$ROOT/data
mkdir -p "$DATA"
# Bounded: an attack that works holds berth (with its signals blocked,
# before this was fixed); -k ends it all the same.
T="timeout -k 3 20"
# The busybox layer (relative to the root in the DB, absolute in older
# roots).
BB=$(db "SELECT json_extract(layers, '\$[0]') FROM images WHERE name='busybox'")
[[ $BB = /* ]] || BB=$ROOT/$BB
[ -d "$BB/etc" ] || { echo "Bail out! no busybox layer ($BB)"; exit 1; }
# image NAME: a folder image, a copy of busybox's, to spoil.
image() {
	rm -rf "${DATA:?}/$1"
	cp -a "$BB" "$DATA/$1"
	echo "$DATA/$1"
}
no_leftovers() {
	[ -z "$(ls -A "$ROOT/containers")" ] && [ "$(db 'SELECT count(*) FROM containers')" = 0 ]
}
# run_timed CMD...: capture, and $MS, the milliseconds it took.
run_timed() {
	local t0
	t0=$(date +%s%N)
	capture "$@"
	MS=$((($(date +%s%N) - t0) / 1000000))
}

# --- 5. 4294967295 is (uid_t)-1: "unchanged", so root -----------------------
capture $T "$BERTH" run --rm -u 4294967295 busybox id -u
t_is "run -u 4294967295: refused (the command ran as uid 0)" 125 "$RC"
t_match "run -u 4294967295: the error names the id" \
	'^berth: user `4294967295`: uid 4294967295 is \(uid_t\)-1' "$ERR"
capture $T "$BERTH" run --rm -u 1000:4294967295 busybox id -g
t_is "run -u 1000:4294967295: refused (the command ran as gid 0)" "125" "$RC"
t_match "run -u 1000:4294967295: the error names the gid" 'gid 4294967295 is \(gid_t\)-1' "$ERR"
t_is "the largest usable ids, 4294967294, still work" "4294967294 4294967294" \
	"$($T "$BERTH" run --rm -u 4294967294:4294967294 busybox sh -c 'echo $(id -u) $(id -g)')"

IDS=$(image ids)
echo 'evil:x:4294967295:0:evil:/:/bin/sh' >>"$IDS/etc/passwd"
echo 'evilgid:x:1000:4294967295:evilgid:/:/bin/sh' >>"$IDS/etc/passwd"
echo 'evilg:x:4294967295:' >>"$IDS/etc/group"
echo 'member:x:1001:1001:member:/:/bin/sh' >>"$IDS/etc/passwd"
echo 'evilsupp:x:4294967295:member' >>"$IDS/etc/group"
for u in evil evilgid 1000:evilg member; do
	capture $T "$BERTH" run --rm -u "$u" "$IDS" id
	t_is "run -u $u, whose /etc/passwd or /etc/group entry is 4294967295: refused" 125 "$RC"
	t_match "run -u $u: the error names the id" '^berth: user `.*`: .*4294967295 is \((uid|gid)_t\)-1' "$ERR"
	t_is "run -u $u: in one line" 1 "$(grep -c . <<<"$ERR")"
done

# An image whose config says User 4294967295, or a user /etc/passwd gives
# that uid (an OCI layout made here, as in 50-images.sh).
L=$DATA/oci
mkdir -p "$L/blobs/sha256"
echo '{"imageLayoutVersion": "1.0.0"}' >"$L/oci-layout"
echo '{"schemaVersion": 2, "manifests": []}' >"$L/index.json"
oci_blob() {
	local h
	h=$(sha256sum "$1" | cut -d' ' -f1)
	mv "$1" "$L/blobs/sha256/$h"
	echo "sha256:$h $(stat -c %s "$L/blobs/sha256/$h")"
}
tar --numeric-owner -C "$IDS" -cf "$DATA/layer.tar" .
diff=sha256:$(sha256sum "$DATA/layer.tar" | cut -d' ' -f1)
read -r ld ls <<<"$(oci_blob "$DATA/layer.tar")"
oci_image() {
	local d s
	jq -n --argjson c "$2" --arg diff "$diff" \
		'{architecture: "amd64", os: "linux", config: $c, rootfs: {type: "layers", diff_ids: [$diff]}}' >"$DATA/config.json"
	read -r d s <<<"$(oci_blob "$DATA/config.json")"
	jq -n --arg d "$d" --argjson s "$s" --arg ld "$ld" --argjson ls "$ls" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $d, size: $s},
		  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $ld, size: $ls}]}' >"$DATA/manifest.json"
	read -r d s <<<"$(oci_blob "$DATA/manifest.json")"
	jq --arg d "$d" --argjson s "$s" --arg tag "$1" \
		'.manifests += [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		  annotations: {"org.opencontainers.image.ref.name": $tag}}]' "$L/index.json" >"$DATA/index.json"
	mv "$DATA/index.json" "$L/index.json"
}
oci_image num '{"Cmd": ["id", "-u"], "User": "4294967295"}'
oci_image name '{"Cmd": ["id", "-u"], "User": "evil"}'
for tag in num name; do
	berth image import "u$tag" "oci:$L:$tag" >/dev/null
	capture $T "$BERTH" run --rm "u$tag"
	t_is "an image whose User is $([ $tag = num ] && echo 4294967295 || echo 'a user of uid 4294967295'): refused" \
		125 "$RC"
	t_match "and the error names the uid" 'uid 4294967295 is \(uid_t\)-1' "$ERR"
done
t_ok "the refused runs left no container folder or row" no_leftovers

# --- 6. what berth reads cannot stall it: run -u -----------------------------
for file in passwd group; do
	for kind in fifo zero; do
		IMG=$(image "$file-$kind")
		rm -f "$IMG/etc/$file"
		if [ $kind = fifo ]; then
			mkfifo "$IMG/etc/$file"
			what="a FIFO"
		else
			mknod "$IMG/etc/$file" c 1 5 # /dev/zero's numbers
			what="a character device"
		fi
		run_timed $T "$BERTH" run --rm -u nobody "$IMG" true
		t_is "run -u with /etc/$file $what (${kind}): refused" 125 "$RC"
		t_ok "run -u with /etc/$file $what: at once (took ${MS} ms, timeout 20 s)" test "$MS" -lt 10000
		t_is "run -u with /etc/$file $what: one line that names it" \
			"berth: the container's /etc/$file is $what, not a regular file: refused" "$ERR"
		t_ok "run -u with /etc/$file $what: no container folder or row left" no_leftovers
	done
done
# Without -u the image's /etc/passwd is read all the same (root's groups).
run_timed $T "$BERTH" run --rm "$DATA/passwd-fifo" true
t_is "run without -u, /etc/passwd a FIFO: refused at once, not stalled" "125 fast" \
	"$RC $([ "$MS" -lt 10000 ] && echo fast || echo "slow ($MS ms)")"

IMG=$(image big)
truncate -s 16G "$IMG/etc/passwd"
run_timed $T "$BERTH" run --rm -u nobody "$IMG" true
t_is "an /etc/passwd of 16 GiB (sparse): refused at once" "125 fast" \
	"$RC $([ "$MS" -lt 10000 ] && echo fast || echo "slow ($MS ms)")"
t_is "and the error names the file and the bound" \
	"berth: the container's /etc/passwd is larger than 8 MiB: refused" "$ERR"
IMG=$(image big2)
{
	cat "$BB/etc/passwd"
	head -c $((9 << 20)) /dev/zero | tr '\0' '#'
} >"$IMG/etc/passwd"
capture $T "$BERTH" run --rm -u nobody "$IMG" true
t_is "an /etc/passwd just over the bound (9 MiB): refused" \
	"125 berth: the container's /etc/passwd is larger than 8 MiB: refused" "$RC $ERR"

# A symlink out of the root is followed inside it, never on the host.
echo 'hostonly:x:4242:4242:host:/:/bin/sh' >"$DATA/host-passwd"
for target in "$DATA/host-passwd" "../../../../../../../..$DATA/host-passwd"; do
	IMG=$(image link)
	ln -sf "$target" "$IMG/etc/passwd"
	capture $T "$BERTH" run --rm -u hostonly "$IMG" id -u
	t_is "/etc/passwd a symlink to $target on the host: not followed out of the root" \
		"125 berth: unknown user \`hostonly\`: not in the container's /etc/passwd" "$RC $ERR"
done
IMG=$(image shadow)
ln -sf /etc/shadow "$IMG/etc/passwd"
echo 'shadowed:x:4343:4343::/:/bin/sh' >"$IMG/etc/shadow"
t_is "/etc/passwd -> /etc/shadow: the image's own shadow is read, not the host's" 4343 \
	"$($T "$BERTH" run --rm -u shadowed "$IMG" id -u 2>&1)"

# A SIGTERM while a run is slow (a user namespace's copy of a large image)
# ends it: the command never runs, nothing is left.
IMG=$(image many)
mkdir "$IMG/many"
(cd "$IMG/many" && seq 1 40000 | xargs touch)
mkdir -p "$DATA/out"
chmod 1777 "$DATA/out" # for the container's root, an unprivileged uid here
$T "$BERTH" run --rm --userns auto -v "$DATA/out:/out" "$IMG" sh -c 'echo ran >/out/ran' \
	>/dev/null 2>"$DATA/term.err" &
pid=$!
# The container's folder holds the copy from its start.
wait_for 20 sh -c "ls -d '$ROOT'/containers/*/lower >/dev/null 2>&1"
kill -TERM "$(pgrep -P "$pid" -x berth)" 2>/dev/null
wait "$pid"
rc=$?
t_is "SIGTERM during the copy of the layers: berth dies of it (143)" 143 "$rc"
t_ok "the command never ran" test ! -e "$DATA/out/ran"
t_ok "no container folder or row is left" no_leftovers
t_ok "no supervisor of this root is left" wait_for 10 t_no_supervisors

# --- 6. the same against exec -u, from inside a running container ----------
id=$(berth run -d busybox sleep 600)
capture $T "$BERTH" exec -u 4294967295 "$id" id -u
t_is "exec -u 4294967295: refused" 125 "$RC"
t_match "exec -u 4294967295: the error names the uid" 'uid 4294967295 is \(uid_t\)-1' "$ERR"
capture $T "$BERTH" exec -u 0:4294967295 "$id" id -g
t_is "exec -u 0:4294967295: refused" "125" "$RC"
t_match "exec -u 0:4294967295: the error names the gid" 'gid 4294967295 is \(gid_t\)-1' "$ERR"
berth exec "$id" sh -c 'echo "evil:x:4294967295:0::/:/bin/sh" >>/etc/passwd'
capture $T "$BERTH" exec -u evil "$id" id -u
t_is "exec -u USER whose /etc/passwd entry the container set to 4294967295: refused" "125" "$RC"

berth exec "$id" sh -c 'cp /etc/passwd /etc/passwd.real && rm /etc/passwd && mkfifo /etc/passwd'
run_timed $T "$BERTH" exec -u nobody "$id" true
t_is "exec -u, the container's /etc/passwd a FIFO: refused at once" "125 fast" \
	"$RC $([ "$MS" -lt 10000 ] && echo fast || echo "slow ($MS ms)")"
t_is "and says what it is" "berth: the container's /etc/passwd is a FIFO, not a regular file: refused" "$ERR"
berth exec "$id" sh -c 'rm /etc/passwd && ln -s /dev/zero /etc/passwd'
run_timed $T "$BERTH" exec -u nobody "$id" true
t_is "exec -u, the container's /etc/passwd -> /dev/zero: refused at once" "125 fast" \
	"$RC $([ "$MS" -lt 10000 ] && echo fast || echo "slow ($MS ms)")"
t_is "and says what it is" \
	"berth: the container's /etc/passwd is a character device, not a regular file: refused" "$ERR"
berth exec "$id" sh -c 'rm /etc/passwd && mv /etc/passwd.real /etc/passwd && rm /etc/group && mkfifo /etc/group'
run_timed $T "$BERTH" exec -u nobody "$id" true
t_is "exec -u, the container's /etc/group a FIFO: refused at once" "125 fast" \
	"$RC $([ "$MS" -lt 10000 ] && echo fast || echo "slow ($MS ms)")"
t_match "and says what it is" "/etc/group is a FIFO, not a regular file" "$ERR"
berth exec "$id" sh -c 'rm /etc/group && ln -s /dev/zero /etc/group'
run_timed $T "$BERTH" exec -u nobody "$id" true
t_is "exec -u, the container's /etc/group -> /dev/zero: refused at once" "125 fast" \
	"$RC $([ "$MS" -lt 10000 ] && echo fast || echo "slow ($MS ms)")"
t_is "the container still runs" running "$(db "SELECT state FROM containers WHERE id='$id'")"
berth rm -f "$id" >/dev/null

# --- 6. an OCI layout to import: index.json and blobs are read the same way -
O=$DATA/oci-fifo
cp -a "$L" "$O"
rm "$O/index.json"
mkfifo "$O/index.json"
run_timed $T "$BERTH" image import f "oci:$O:num"
t_is "image import, the layout's index.json a FIFO: refused at once" "125 fast" \
	"$RC $([ "$MS" -lt 10000 ] && echo fast || echo "slow ($MS ms)")"
t_match "and says what it is" '`index.json` is a FIFO, not a regular file' "$ERR"
O=$DATA/oci-zero
cp -a "$L" "$O"
blob=$(jq -r '.manifests[0].digest' "$O/index.json" | cut -d: -f2)
rm "$O/blobs/sha256/$blob"
mknod "$O/blobs/sha256/$blob" c 1 5
run_timed $T "$BERTH" image import z "oci:$O:num"
t_is "image import, a manifest blob that is /dev/zero: refused at once" "125 fast" \
	"$RC $([ "$MS" -lt 10000 ] && echo fast || echo "slow ($MS ms)")"
t_match "and says what it is" "blobs/sha256/$blob\` is a character device, not a regular file" "$ERR"

# --- 9. a root that another user owns is refused -----------------------------
OTHER=$(mktemp -d /tmp/berth-test-other.XXXXXX)
OTHER2=$(mktemp -d /tmp/berth-test-other.XXXXXX)
T_EXTRA_CLEANUP="rm -rf '$OTHER' '$OTHER2'"
chown nobody "$OTHER"
capture "$BERTH" --root "$OTHER" list
t_is "--root DIR of another user (nobody): refused, with DIR and its owner" \
	"125 berth: the root \`$OTHER\` belongs to uid $(id -u nobody) (nobody), not to uid 0, which runs berth: refused" \
	"$RC $ERR"
capture env BERTH_ROOT="$OTHER" "$BERTH" run --rm busybox true
t_is "BERTH_ROOT=DIR of another user: refused" 125 "$RC"
t_is "and nothing was made in it" "" "$(ls -A "$OTHER")"
mkdir -p "$OTHER2/run"
chown nobody "$OTHER2/run"
capture "$BERTH" --root "$OTHER2" list
t_is "a runtime folder (ROOT/run) of another user: refused" \
	"125 berth: the runtime folder \`$OTHER2/run\` belongs to uid $(id -u nobody) (nobody), not to uid 0, which runs berth: refused" \
	"$RC $ERR"
chown root "$OTHER" "$OTHER2/run"
capture "$BERTH" --root "$OTHER" list -q
t_is "the same folders, once they are root's: used" "0" "$RC"

t_end
