#!/bin/bash
# Images from a registry, through skopeo: image pull by tag, by digest and
# by short name; an index with two platforms; layers stored once (a second
# pull fetches nothing); the image's config applied by run; image inspect;
# tag; login and logout; push, commit, save and load; and hostile input and
# faults (a killed registry, a damaged blob, malformed or huge documents,
# `..` entries and device nodes, a full disk, pulls killed at random), each
# with a one-line error and a store that agrees with the DB.
#
# The registry is Debian's docker-registry (distribution 2.8) on
# 127.0.0.1:5000 with TLS (a certificate the test makes with openssl) and
# htpasswd logins, in a network and mount namespace of the test's own (the
# test executes itself again in one; see registry-lib.sh).
. "$(dirname "$0")/lib.sh"
require_root
for tool in skopeo docker-registry openssl jq python3; do
	command -v "$tool" >/dev/null || t_skip_all "$tool is not installed"
done
if [ -z "${BERTH_REGISTRY_TEST_NS:-}" ]; then
	exec unshare --net --mount --propagation private env BERTH_REGISTRY_TEST_NS=1 "$0" "$@"
fi
mount -t tmpfs -o mode=755 berth-test-run /run || t_skip_all "cannot mount a tmpfs on /run"
# skopeo (and podman) keep a blob cache in /var/lib/containers: the test's
# own, in this mount namespace, so that nothing is written to the host's.
if [ -d /var/lib/containers ]; then
	mount -t tmpfs -o mode=700 berth-test-containers /var/lib/containers
else
	mount -t tmpfs -o mode=755 berth-test-varlib /var/lib
fi || t_skip_all "cannot mount a tmpfs for /var/lib/containers"
ip link set lo up
. "$(dirname "$0")/registry-lib.sh"
t_begin

REG=$ROOT/registry
DATA=$(mktemp -d /tmp/berth-registry-data.XXXXXX)
T_EXTRA_CLEANUP="registry_kill $REG; rm -rf $DATA"
registry_setup "$REG" >/dev/null
registry_start "$REG" || t_skip_all "docker-registry does not start"
A=127.0.0.1:5000
CERTS=$(registry_certdir "$REG")
LOGIN=(--cert-dir "$CERTS" --creds "$(registry_creds)")
# The store agrees with the DB: system check says so, no temporary folder
# is left, and every layer folder has a row.
store_ok() {
	local out
	out=$(berth system check 2>&1) || {
		echo "$out"
		return 1
	}
	[ -z "$(find "$ROOT/images" "$ROOT/layers" -maxdepth 1 -name '.tmp-*' 2>/dev/null)" ] ||
		return 1
	local d
	for d in "$ROOT"/layers/*; do
		[ -d "$d" ] || continue
		[ "$(db "SELECT count(*) FROM layers WHERE digest = 'sha256:${d##*/}'")" = 1 ] || return 1
	done
}
n_images() { db "SELECT count(*) FROM images"; }
n_layers() { db "SELECT count(*) FROM layers"; }

# ---- a first image: three gzip layers ----
D1=$(oci_layout_make "$DATA/app" --layers 3)
registry_push_layout "$DATA/app:latest" test/app:v1 "$REG"
t_is "the registry has the layout's digest" "$D1" "$(registry_manifest_digest test/app:v1 "$REG")"

capture berth image pull "${LOGIN[@]}" $A/test/app:v1
t_is "pull by tag: exit 0, the stored name on stdout, no progress off a terminal" \
	"0 $A/test/app:v1|" "$RC $OUT|$ERR"
t_is "its digest is the manifest's" "$D1" "$(berth image inspect $A/test/app:v1 | jq -r .digest)"
t_is "three layers stored" "3 3" "$(db "SELECT count(*) FROM image_layers") $(n_layers)"
t_ok "the store agrees with the DB" store_ok

# The image's config: Entrypoint ["/bin/sh","-c"], Cmd, Env, WorkingDir,
# Labels, ExposedPorts, StopSignal SIGUSR1.
t_is "run uses Entrypoint and Cmd" "hello from the image" "$(berth run --rm $A/test/app:v1)"
t_is "COMMAND replaces Cmd, after the Entrypoint" "other" \
	"$(berth run --rm $A/test/app:v1 'echo other')"
t_is "Env and WorkingDir" "yes /data" \
	"$(berth run --rm $A/test/app:v1 'echo $FROM_IMAGE $(pwd)')"
t_is "--entrypoint replaces the Entrypoint (and the image's Cmd)" "layer 2" \
	"$(berth run --rm --entrypoint /bin/cat $A/test/app:v1 /etc/layer2)"
t_is "--entrypoint as a JSON array" "from layer 3" \
	"$(berth run --rm --entrypoint '["/bin/cat","/data/common"]' $A/test/app:v1)"
t_is "upper layers win" "from layer 3" "$(berth run --rm $A/test/app:v1 'cat /data/common')"
id=$(berth run -d $A/test/app:v1 'sleep 60')
t_is "StopSignal becomes the container's stop signal" SIGUSR1 \
	"$(jq -r '.annotations["org.berth.stop-signal"]' "$ROOT/containers/$id/config.json")"
berth rm -f "$id" >/dev/null
t_is "--stop-signal wins over the image's" SIGINT "$(
	id=$(berth run -d --stop-signal SIGINT $A/test/app:v1 'sleep 60')
	jq -r '.annotations["org.berth.stop-signal"]' "$ROOT/containers/$id/config.json"
	berth rm -f "$id" >/dev/null
)"

J=$(berth image inspect $A/test/app:v1)
t_is "inspect: labels" yes "$(jq -r '.labels["org.example.test"]' <<<"$J")"
t_is "inspect: exposed ports" '["80/tcp"]' "$(jq -c .exposed_ports <<<"$J")"
t_is "inspect: the manifest digest" "$D1" "$(jq -r .digests.manifest <<<"$J")"
t_is "inspect: the config digest is the manifest's config" \
	"$(jq -r .config.digest "$DATA/app/blobs/sha256/${D1#sha256:}")" "$(jq -r .digests.config <<<"$J")"
t_is "inspect: history, one entry per layer" 3 "$(jq '.history | length' <<<"$J")"
t_is "inspect: each layer's blob digest and size" \
	"$(oci_layout_layers "$DATA/app" | sort | tr '\n' ' ')" \
	"$(jq -r '.layers[].blob_digest' <<<"$J" | sort | tr '\n' ' ')"
t_ok "inspect: each layer's unpacked size" \
	test "$(jq '[.layers[] | select(.size > 0 and .blob_size > 0)] | length' <<<"$J")" = 3
t_is "inspect: architecture and os" "amd64 linux" "$(jq -r '"\(.architecture) \(.os)"' <<<"$J")"

# ---- a second pull fetches nothing ----
# Every blob of the image is damaged in the registry now: a pull that
# fetched any would fail its digest check.
for d in $(oci_layout_layers "$DATA/app"); do
	registry_blob_corrupt "$REG" test/app "$d"
done
capture berth image pull "${LOGIN[@]}" $A/test/app:v1
t_is "a second pull of the same image succeeds without fetching a blob" "0 $A/test/app:v1" "$RC $OUT"
t_is "and stores nothing new" "1 3" "$(n_images) $(n_layers)"

# Another image of the same layers (another config): only its config is
# fetched; the damaged layer blobs are never read.
D2=$(oci_layout_make "$DATA/app2" --layers 3 --config-json '{"Cmd":["echo","two"]}')
registry_push_layout "$DATA/app2:latest" test/app2:v1 "$REG" 2>/dev/null ||
	registry_push_layout "$DATA/app2:latest" test/app2:v1 "$REG"
capture berth image pull "${LOGIN[@]}" $A/test/app2:v1
t_is "an image whose layers are all stored downloads no layer" "0 $A/test/app2:v1" "$RC $OUT"
t_is "two images over the same three layers" "2 3" "$(n_images) $(n_layers)"
t_is "it runs with its own config" two "$(berth run --rm $A/test/app2:v1)"

# ---- by digest ----
capture berth image pull "${LOGIN[@]}" "$A/test/app@$D1"
t_is "pull by digest: the name with the digest" "0 $A/test/app@$D1" "$RC $OUT"
t_is "the same image, one more name" "2 $A/test/app:v1 $A/test/app@$D1" \
	"$(n_images) $(berth image inspect "$A/test/app@$D1" | jq -r '.names | join(" ")')"
BAD=sha256:$(printf '%064d' 0)
capture berth image pull "${LOGIN[@]}" "$A/test/app@$BAD"
t_is "a digest the registry lacks: one line, exit 125" "125 1" "$RC $(wc -l <<<"$ERR")"
t_match "and it names the digest" "$BAD" "$ERR"

# ---- an index of two platforms ----
DA=$(oci_layout_make "$DATA/amd" --layers 1 --salt amd64 --arch amd64)
DR=$(oci_layout_make "$DATA/arm" --layers 1 --salt arm64 --arch arm64 --variant v8)
DI=$(oci_index_make "$DATA/multi" "$DATA/amd" "$DATA/arm")
registry_push_layout "$DATA/multi:latest" test/multi:1 "$REG"
t_is "the registry serves the index" "$DI" "$(registry_manifest_digest test/multi:1 "$REG")"
capture berth image pull "${LOGIN[@]}" $A/test/multi:1
t_is "an index: this machine's platform is pulled" "0 $DA" \
	"$RC $(berth image inspect $A/test/multi:1 | jq -r .digest)"
capture berth image pull "${LOGIN[@]}" --platform linux/arm64 "$A/test/multi@$DI"
t_is "--platform picks another (by the index's digest)" "0 $DR arm64" \
	"$RC $(berth image inspect "$A/test/multi@$DI" | jq -r '"\(.digest) \(.architecture)"')"
DS=$(oci_layout_make "$DATA/s390" --layers 1 --salt s390x --arch s390x)
oci_index_make "$DATA/other" "$DATA/arm" "$DATA/s390" >/dev/null
registry_push_layout "$DATA/other:latest" test/other:1 "$REG"
before="$(n_images) $(n_layers)"
capture berth image pull "${LOGIN[@]}" $A/test/other:1
t_is "an index only for other platforms: exit 125, one line" "125 1" "$RC $(wc -l <<<"$ERR")"
t_match "that names what it has" "no image for linux/amd64 .*linux/arm64/v8, linux/s390x" "$ERR"
t_is "and stores nothing" "$before" "$(n_images) $(n_layers)"
capture berth image pull "${LOGIN[@]}" --platform linux $A/test/other:1
t_is "a bad --platform: one line, exit 125" "125 1" "$RC $(wc -l <<<"$ERR")"

# ---- short names, through registries.conf ----
cat >"$DATA/registries.conf" <<CONF
unqualified-search-registries = ["localhost:5999", "$A"]
[aliases]
"myalias" = "$A/test/app2"
CONF
export CONTAINERS_REGISTRIES_CONF=$DATA/registries.conf
capture berth image pull "${LOGIN[@]}" test/app:v1
t_is "a short name: the search registries in order, the first that has it" \
	"0 $A/test/app:v1" "$RC $OUT"
capture berth image pull "${LOGIN[@]}" myalias:v1
t_is "a short name with an alias" "0 $A/test/app2:v1" "$RC $OUT"
capture berth image pull "${LOGIN[@]}" test/none:v1
t_is "a short name no registry has: exit 125, one line" "125 1" "$RC $(wc -l <<<"$ERR")"
t_match "naming each registry tried" "localhost:5999/test/none:v1: .*; $A/test/none:v1: " "$ERR"
t_is "run finds a pulled image by its short name (no pull)" "hello from the image" \
	"$(berth run --rm --pull never test/app:v1)"
unset CONTAINERS_REGISTRIES_CONF
printf 'unqualified-search-registries = [\n' >"$DATA/bad.conf"
capture env CONTAINERS_REGISTRIES_CONF="$DATA/bad.conf" "$BERTH" image pull test/app:v1
t_is "a registries.conf that is not TOML: exit 125, one line" "125 1" "$RC $(wc -l <<<"$ERR")"
t_match "naming the file" "bad.conf: not valid TOML" "$ERR"
printf '[aliases]\n' >"$DATA/empty.conf"
capture env CONTAINERS_REGISTRIES_CONF="$DATA/empty.conf" "$BERTH" run --rm nosuchimage true
t_is "no search registry: run of an unknown short name says the image is not found" \
	"125 1" "$RC $(wc -l <<<"$ERR")"
t_match "as before" 'image `nosuchimage` not found' "$ERR"

# ---- run pulls what is missing ----
D3=$(oci_layout_make "$DATA/run" --layers 2 --salt run --config-json '{"Cmd":["echo","pulled by run"]}')
registry_push_layout "$DATA/run:latest" test/run:1 "$REG"
capture berth run --rm --pull never "${LOGIN[@]}" $A/test/run:1
t_is "--pull never: a missing image is an error" "125" "$RC"
capture berth run --rm "${LOGIN[@]}" $A/test/run:1
t_is "run pulls a missing image (--pull missing, the default)" "0 pulled by run" "$RC $OUT"
D3b=$(oci_layout_make "$DATA/run" --layers 2 --salt run2 --config-json '{"Cmd":["echo","pulled again"]}')
registry_push_layout "$DATA/run:latest" test/run:1 "$REG"
t_is "a stored image is used as it is" "pulled by run" "$(berth run --rm "${LOGIN[@]}" $A/test/run:1)"
t_is "--pull always takes the registry's current image" "pulled again" \
	"$(berth run --rm --pull always "${LOGIN[@]}" $A/test/run:1)"
t_is "the tag moved; the old image keeps its content under its digest" \
	"$D3b $D3" "$(berth image inspect $A/test/run:1 | jq -r .digest) $(berth image inspect "$A/test/run@$D3" | jq -r .digest)"
capture berth run --rm --pull sometimes $A/test/run:1 true
t_is "a bad --pull: one line, exit 125" "125 1" "$RC $(wc -l <<<"$ERR")"

# ---- zstd layers, whiteouts and opaque folders ----
if command -v zstd >/dev/null; then
	oci_layout_make "$DATA/zst" --layers 2 --zstd --salt zstd >/dev/null
	registry_push_layout "$DATA/zst:latest" test/zst:1 "$REG"
	t_is "zstd layers" "layer 2" "$(berth run --rm "${LOGIN[@]}" --entrypoint /bin/cat $A/test/zst:1 /etc/layer2)"
else
	t_skip "zstd layers" "zstd is not installed"
fi
oci_layout_make "$DATA/wh" --layers 3 --whiteout --salt wh >/dev/null
registry_push_layout "$DATA/wh:latest" test/wh:1 "$REG"
t_is "a whiteout hides the lower file; an opaque folder hides the lower folder's files" \
	"layer3 salt|after-opaque common only3" \
	"$(berth run --rm "${LOGIN[@]}" --entrypoint /bin/sh $A/test/wh:1 -c 'echo $(ls /etc | grep -v -e hosts -e resolv -e hostname -e passwd -e group)"|"$(ls /data)')"

# ---- login, a wrong password, logout ----
# The logins' file is podman's: /run/containers/0/auth.json for root
# without XDG_RUNTIME_DIR (/run is the test's own tmpfs).
unset XDG_RUNTIME_DIR REGISTRY_AUTH_FILE
AUTH=/run/containers/0/auth.json
CA=(--cert-dir "$CERTS")
capture berth image pull "${CA[@]}" $A/test/app2:v1
t_is "without a login the registry refuses: exit 125, one line" "125 1" "$RC $(wc -l <<<"$ERR")"
t_match "saying why" "unauthorized|authentication required" "$ERR"
capture sh -c "echo wrong | '$BERTH' login ${CA[*]} -u alice --password-stdin $A"
t_is "login with a wrong password: exit 125, one line" "125 1" "$RC $(wc -l <<<"$ERR")"
t_ok "and nothing is kept" test ! -s "$AUTH" -o -z "$(jq -r ".auths[\"$A\"] // empty" "$AUTH" 2>/dev/null)"
capture sh -c "echo secret | '$BERTH' login ${CA[*]} -u alice --password-stdin $A"
t_is "login with the right one" "0 Login Succeeded!" "$RC $OUT"
t_is "kept in podman's auth.json" "alice:secret" \
	"$(jq -r ".auths[\"$A\"].auth" "$AUTH" | base64 -d)"
t_is "a pull needs no --creds then" "0 $A/test/app2:v1" \
	"$(berth image pull "${CA[@]}" $A/test/app2:v1 >/dev/null; echo "$? $A/test/app2:v1")"
if command -v podman >/dev/null; then
	t_is "podman sees berth's login" alice "$(podman --root "$DATA/podman/root" \
		--runroot "$DATA/podman/run" --tmpdir "$DATA/podman/tmp" login --get-login $A 2>/dev/null)"
else
	t_skip "podman sees berth's login" "podman is not installed"
fi
capture berth logout $A
t_is "logout" "0" "$RC"
capture berth image pull "${CA[@]}" $A/test/app:v1
t_is "after logout the registry refuses again" 125 "$RC"
capture berth login -u alice $A </dev/null
t_is "login without a password and no terminal: one line, exit 125" "125 1" "$RC $(wc -l <<<"$ERR")"

# ---- push, then pull: the same digest ----
capture berth image push "${LOGIN[@]}" $A/test/app:v1 $A/test/pushed:1
t_is "push: exit 0, the digest on stdout" "0" "$RC"
PD=$OUT
t_is "the registry has what push said" "$PD" "$(registry_manifest_digest test/pushed:1 "$REG")"
berth image rm $A/test/pushed:1 >/dev/null 2>&1
capture berth image pull "${LOGIN[@]}" $A/test/pushed:1
t_is "pulled back: the same digest" "0 $PD" "$RC $(berth image inspect $A/test/pushed:1 | jq -r .digest)"
t_is "and the same files" "$(berth run --rm $A/test/app:v1 'ls -lnR /etc /data /bin | md5sum')" \
	"$(berth run --rm $A/test/pushed:1 'ls -lnR /etc /data /bin | md5sum')"
t_is "a second push gives the same digest (layers packed reproducibly)" "$PD" \
	"$(berth image push "${LOGIN[@]}" $A/test/app:v1 $A/test/pushed:2)"
capture berth image push "${LOGIN[@]}" $A/test/app:v1 "$A/test/pushed@$D1"
t_is "a push to a digest: one line, exit 125" "125 1" "$RC $(wc -l <<<"$ERR")"

# ---- commit, save, load on a fresh root ----
id=$(berth run -d $A/test/wh:1 'echo committed >/data/new; rm /etc/layer3; mkdir -p /opt/x; echo y >/opt/x/f; sleep 60')
wait_for 5 test -e "$ROOT/containers/$id/upper/opt/x/f"
capture berth commit "$id" committed:1
t_is "commit of a running container: exit 0, the name" "0 committed:1" "$RC $OUT"
t_is "the container runs on" running "$(berth status --format json "$id" | jq -r .state)"
berth rm -f "$id" >/dev/null
files() { berth run --rm --entrypoint /bin/sh "$1" -c 'cd / && ls -lnR /etc /data /opt /bin | md5sum; cat /data/new; ls /etc'; }
t_is "the image has the container's changes (a new file, a deleted one)" \
	"committed|$(berth run --rm --entrypoint /bin/ls $A/test/wh:1 /etc | grep -v layer3 | tr '\n' ' ')" \
	"$(berth run --rm --entrypoint /bin/sh committed:1 -c 'cat /data/new; echo "|$(ls /etc | tr "\n" " ")"' | tr -d '\n')"
t_is "on the image's layers: one more" "$(($(berth image inspect $A/test/wh:1 | jq '.layers | length') + 1))" \
	"$(berth image inspect committed:1 | jq '.layers | length')"
t_is "with the image's config" "hello from the image" "$(berth run --rm committed:1)"
t_is "and one more history entry" 4 "$(berth image inspect committed:1 | jq '.history | length')"
BB=$(berth run --rm busybox true >/dev/null; echo busybox)
id=$(berth run -d busybox sh -c 'echo bb >/bb-file; sleep 60')
capture berth commit "$id" bb-committed
t_is "commit of a container of a one-folder image" "0 bb-committed" "$RC $OUT"
t_is "which runs" bb "$(berth run --rm bb-committed cat /bb-file)"
berth rm -f "$id" >/dev/null
capture berth commit nosuchcontainer x:1
t_is "commit of no container: one line, exit 125" "125 1" "$RC $(wc -l <<<"$ERR")"
capture berth commit "$(berth list -q | head -1)" committed:1
t_is "commit to a taken name: exit 125" 125 "$RC"

FRESH=$(mktemp -d /tmp/berth-fresh.XXXXXX)
# A docker archive names its image by a registry reference: localhost/ for
# a local name, as podman does.
for fmt in oci-archive:committed:1 docker-archive:localhost/committed:1; do
	name=${fmt#*:}
	fmt=${fmt%%:*}
	capture berth image save committed:1 -o "$DATA/c.$fmt" --format $fmt
	t_is "save --format $fmt: exit 0, nothing on stdout" "0 " "$RC $OUT"
	capture env BERTH_ROOT="$FRESH/$fmt" "$BERTH" image load -i "$DATA/c.$fmt"
	t_is "load ($fmt) on a fresh root: the name" "0 $name" "$RC $OUT"
	t_is "the same files ($fmt)" "$(files committed:1)" "$(BERTH_ROOT=$FRESH/$fmt files "$name")"
	BERTH_ROOT=$FRESH/$fmt "$BERTH" rm -f $(BERTH_ROOT=$FRESH/$fmt "$BERTH" list -q) >/dev/null 2>&1
done
t_is "save of a pulled image, load under another name" "0 other:1" "$(
	berth image save $A/test/app:v1 -o "$DATA/app.tar" >/dev/null &&
		BERTH_ROOT=$FRESH/x "$BERTH" image load -i "$DATA/app.tar" other:1 | sed 's/^/0 /'
)"
capture berth image save committed:1 -o "$DATA/nodir/c.tar"
t_is "save into a missing folder: one line, exit 125" "125 1" "$RC $(wc -l <<<"$ERR")"
t_ok "and no file is left" test ! -e "$DATA/nodir"
echo "not an archive" >"$DATA/junk.tar"
capture env BERTH_ROOT="$FRESH/junk" "$BERTH" image load -i "$DATA/junk.tar"
t_is "load of a file that is no archive: one line, exit 125" "125 1" "$RC $(wc -l <<<"$ERR")"
rm -rf "$FRESH"

# ---- tag ----
capture berth image tag committed:1 committed:latest localhost/c:2
t_is "tag: two more names" "0 committed:1 committed:latest localhost/c:2" \
	"$RC $(berth image inspect committed:latest | jq -r '.names | join(" ")')"
t_is "image list shows each" 3 "$(berth image list | grep -c "$(berth image inspect committed:1 | jq -r '.id[:12]')")"
capture berth image tag committed:1 $A/test/app:v1
t_is "a taken name: exit 125" 125 "$RC"
berth image rm committed:latest >/dev/null
t_is "rm of one name keeps the image" "committed:1 localhost/c:2" \
	"$(berth image inspect committed:1 | jq -r '.names | join(" ")')"
berth image rm committed:1 >/dev/null
t_is "rm of its main name: the next name takes its place" "localhost/c:2" \
	"$(berth image inspect localhost/c:2 | jq -r '.name')"
t_ok "the store agrees with the DB" store_ok
