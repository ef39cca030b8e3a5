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
# A slow suite runs once per CI run, in the plain build (tests/ci-extra.sh
# sets this for the ASan build's run).
[ -z "${BERTH_SLOW_SUITES_DONE:-}" ] || t_skip_all "a slow suite: run once, in the plain build"
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
SMALL=
# Slow the test's loopback, so that a pull of 8 MiB takes about a second.
# (tbf on a loopback of 1500 bytes: its 64 KiB packets would not fit the
# bucket.)
slow() {
	ip link set lo mtu 1500
	tc qdisc add dev lo root tbf rate 60mbit burst 32kbit latency 50ms
}
fast() {
	tc qdisc del dev lo root 2>/dev/null
	ip link set lo mtu 65536
}
# The registry first: its pid file is under $ROOT, which t_cleanup removes.
reg_cleanup() {
	registry_kill "$REG" 2>/dev/null
	fast
	[ -z "$SMALL" ] || umount -l "$SMALL" 2>/dev/null
	rm -rf "$DATA"
	return 0
}
trap 'reg_cleanup; t_cleanup' EXIT
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

# ---- progress on a terminal, none with -q ----
PTY="python3 $(dirname "$0")/pty-run.py --timeout 60 --"
oci_layout_make "$DATA/tty" --layers 2 --salt tty >/dev/null
registry_push_layout "$DATA/tty:latest" test/tty:1 "$REG"
out=$($PTY "$BERTH" image pull "${LOGIN[@]}" $A/test/tty:1)
t_match "a pull on a terminal shows its progress" "Copying blob" "$out"
t_match "and ends with the name" "$A/test/tty:1" "$out"
berth image rm $A/test/tty:1 >/dev/null
out=$($PTY "$BERTH" image pull -q "${LOGIN[@]}" $A/test/tty:1)
t_no_match "with -q, none" "Copying" "$out"

# ---- pulls of one image at once ----
oci_layout_make "$DATA/par" --layers 3 --salt parallel >/dev/null
registry_push_layout "$DATA/par:latest" test/par:1 "$REG"
before_par=$(n_images)
pids=()
for i in 1 2 3 4; do
	"$BERTH" image pull -q "${LOGIN[@]}" $A/test/par:1 >"$DATA/par.$i" 2>&1 &
	pids+=($!)
done
rcs=
for p in "${pids[@]}"; do
	wait "$p"
	rcs+="$? "
done
t_is "four pulls of one image at once all succeed" "0 0 0 0 " "$rcs"
t_is "and store it once" "$((before_par + 1))" "$(n_images)"
t_ok "the store agrees with the DB" store_ok

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

# ---- Docker's manifests: schema 2 and a manifest list ----
oci_layout_make "$DATA/v2s2" --layers 2 --salt v2s2 \
	--config-json '{"Cmd":["id","-u"],"User":"1234:1234"}' >/dev/null
skopeo copy -q --format v2s2 --dest-cert-dir "$CERTS" --dest-creds "$(registry_creds)" \
	"oci:$DATA/v2s2:latest" "docker://$A/test/v2s2:1"
t_is "the registry holds a Docker schema 2 manifest" application/vnd.docker.distribution.manifest.v2+json \
	"$(registry_inspect test/v2s2:1 "$REG" --raw | jq -r .mediaType)"
capture berth image pull "${LOGIN[@]}" $A/test/v2s2:1
t_is "a Docker schema 2 image is pulled, its digest the registry's" \
	"0 $(registry_manifest_digest test/v2s2:1 "$REG")" "$RC $(berth image inspect $A/test/v2s2:1 | jq -r .digest)"
t_is "and runs as its User" 1234 "$(berth run --rm $A/test/v2s2:1)"
oci_layout_make "$DATA/v2a" --layers 1 --salt v2a --arch amd64 >/dev/null
oci_layout_make "$DATA/v2r" --layers 1 --salt v2r --arch arm64 >/dev/null
oci_index_make "$DATA/v2list" "$DATA/v2a" "$DATA/v2r" >/dev/null
if skopeo copy -q --all --format v2s2 --dest-cert-dir "$CERTS" --dest-creds "$(registry_creds)" \
	"oci:$DATA/v2list:latest" "docker://$A/test/v2list:1" 2>"$DATA/err"; then
	t_is "the registry holds a Docker manifest list" \
		application/vnd.docker.distribution.manifest.list.v2+json \
		"$(registry_inspect test/v2list:1 "$REG" --raw | jq -r .mediaType)"
	capture berth image pull "${LOGIN[@]}" $A/test/v2list:1
	t_is "a manifest list gives this machine's image" "0 amd64" \
		"$RC $(berth image inspect $A/test/v2list:1 | jq -r .architecture)"
else
	t_skip "a Docker manifest list" "skopeo could not convert the index: $(tail -1 "$DATA/err")"
fi

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

# ---- hostile input: nothing half-stored ----
before() { echo "$(n_images) $(n_layers) $(ls "$ROOT/layers" | wc -l)"; }
# one_line_error WHAT PATTERN CMD...: exit 125, one line matching PATTERN,
# and the store as it was.
one_line_error() {
	local what=$1 pattern=$2 was
	shift 2
	was=$(before)
	capture "$@"
	t_is "$what: exit 125, one line" "125 1" "$RC $(wc -l <<<"$ERR")"
	t_match "$what: the error says so" "$pattern" "$ERR"
	t_is "$what: nothing stored" "$was" "$(before)"
	t_ok "$what: the store agrees with the DB" store_ok
}
oci_layout_make "$DATA/bad" --layers 2 --salt corrupt >/dev/null
registry_push_layout "$DATA/bad:latest" test/corrupt:1 "$REG"
registry_blob_corrupt "$REG" test/corrupt "$(oci_layout_layers "$DATA/bad" | tail -1)"
one_line_error "a layer whose digest does not match" "[Dd]igest did not match" \
	berth image pull "${LOGIN[@]}" $A/test/corrupt:1

oci_layout_make "$DATA/dotdot" --layers 2 --dotdot --salt dotdot >/dev/null
registry_push_layout "$DATA/dotdot:latest" test/dotdot:1 "$REG"
one_line_error "a layer with a .. entry" 'refusing entry `../escape`' \
	berth image pull "${LOGIN[@]}" $A/test/dotdot:1
t_ok "nothing escaped" test ! -e "$ROOT/layers/escape" -a ! -e "$ROOT/escape"
oci_layout_make "$DATA/dev" --layers 2 --device --salt device >/dev/null
registry_push_layout "$DATA/dev:latest" test/dev:1 "$REG"
one_line_error "a layer with a device node" 'refusing entry `dev/evil`: a device node' \
	berth image pull "${LOGIN[@]}" $A/test/dev:1

# Documents the registry serves but would not take in a push (nor skopeo
# send): written into its storage (distribution 2.8's filesystem layout).
registry_put_blob() {
	local repo=$1 file=$2 hex
	hex=$(sha256sum "$file" | cut -d' ' -f1)
	mkdir -p "$(dirname "$(registry_blob_path "$REG" "sha256:$hex")")" \
		"$REG/data/docker/registry/v2/repositories/$repo/_layers/sha256/$hex"
	cp "$file" "$(registry_blob_path "$REG" "sha256:$hex")"
	printf 'sha256:%s' "$hex" >"$REG/data/docker/registry/v2/repositories/$repo/_layers/sha256/$hex/link"
	echo "sha256:$hex"
}
registry_put_manifest() {
	local repo=$1 tag=$2 file=$3 hex base
	hex=$(sha256sum "$file" | cut -d' ' -f1)
	mkdir -p "$(dirname "$(registry_blob_path "$REG" "sha256:$hex")")"
	cp "$file" "$(registry_blob_path "$REG" "sha256:$hex")"
	base=$REG/data/docker/registry/v2/repositories/$repo/_manifests
	mkdir -p "$base/revisions/sha256/$hex" "$base/tags/$tag/current" "$base/tags/$tag/index/sha256/$hex"
	printf 'sha256:%s' "$hex" >"$base/revisions/sha256/$hex/link"
	printf 'sha256:%s' "$hex" >"$base/tags/$tag/current/link"
	printf 'sha256:%s' "$hex" >"$base/tags/$tag/index/sha256/$hex/link"
}
# A config that is no JSON, and one larger than 4 MiB: the layout is
# changed after it was made (its config blob, then the manifest and index
# that name it).
layout_set_config() {
	local dir=$1 file=$2 m c cd cs md ms
	m=$(jq -r '.manifests[0].digest' "$dir/index.json")
	c=$(sha256sum "$file" | cut -d' ' -f1)
	cp "$file" "$dir/blobs/sha256/$c"
	jq -c --arg d "sha256:$c" --argjson s "$(stat -c %s "$file")" \
		'.config.digest = $d | .config.size = $s' "$dir/blobs/sha256/${m#sha256:}" >"$dir/m.json"
	md=$(sha256sum "$dir/m.json" | cut -d' ' -f1)
	ms=$(stat -c %s "$dir/m.json")
	mv "$dir/m.json" "$dir/blobs/sha256/$md"
	jq -c --arg d "sha256:$md" --argjson s "$ms" \
		'.manifests[0].digest = $d | .manifests[0].size = $s' "$dir/index.json" >"$dir/i.json"
	mv "$dir/i.json" "$dir/index.json"
}
oci_layout_make "$DATA/badcfg" --layers 1 --salt badcfg >/dev/null
echo '{"architecture": "amd64", "rootfs": ' >"$DATA/garbage.json"
layout_set_config "$DATA/badcfg" "$DATA/garbage.json"
registry_push_layout "$DATA/badcfg:latest" test/badcfg:1 "$REG"
one_line_error "a malformed config" "invalid JSON" berth image pull "${LOGIN[@]}" $A/test/badcfg:1
oci_layout_make "$DATA/hugecfg" --layers 1 --salt hugecfg >/dev/null
registry_push_layout "$DATA/hugecfg:latest" test/hugecfg:1 "$REG"
head -c 5000000 /dev/zero | tr '\0' x >"$DATA/big.txt"
M=$DATA/hugecfg/blobs/sha256/$(jq -r '.manifests[0].digest' "$DATA/hugecfg/index.json" | cut -d: -f2)
jq -c --rawfile big "$DATA/big.txt" '.config.Labels.big = $big' \
	"$DATA/hugecfg/blobs/sha256/$(jq -r .config.digest "$M" | cut -d: -f2)" >"$DATA/huge.json"
C=$(registry_put_blob test/hugecfg "$DATA/huge.json")
jq -c --arg d "$C" --argjson s "$(stat -c %s "$DATA/huge.json")" \
	'.config.digest = $d | .config.size = $s' "$M" >"$DATA/huge-cfg-manifest.json"
registry_put_manifest test/hugecfg 1 "$DATA/huge-cfg-manifest.json"
one_line_error "a config larger than 4 MiB" "larger than 4 MiB" \
	berth image pull "${LOGIN[@]}" $A/test/hugecfg:1

M1=$DATA/app/blobs/sha256/${D1#sha256:}
jq -c --rawfile big "$DATA/big.txt" '.annotations.big = $big' "$M1" >"$DATA/huge-manifest.json"
registry_put_manifest test/app hugemanifest "$DATA/huge-manifest.json"
# distribution 2.8 refuses to serve it (500); berth's own limit is shown
# with a registry (a skopeo) that does.
one_line_error "a manifest larger than 4 MiB" "larger than 4 MiB|500 Internal Server Error" \
	berth image pull "${LOGIN[@]}" $A/test/app:hugemanifest
cat >"$DATA/skopeo-huge" <<SH
#!/bin/sh
# A registry that answers with a manifest of 5 MB.
[ "\$1" = inspect ] && exec head -c 5000000 /dev/zero
exec skopeo "\$@"
SH
chmod +x "$DATA/skopeo-huge"
one_line_error "a manifest larger than 4 MiB (berth's own limit)" "larger than 4 MiB, refused" \
	env BERTH_SKOPEO="$DATA/skopeo-huge" "$BERTH" image pull "${LOGIN[@]}" $A/test/app:v1
jq -c '.layers = "not a list"' "$M1" >"$DATA/bad-manifest.json"
registry_put_manifest test/app badmanifest "$DATA/bad-manifest.json"
one_line_error "a malformed manifest" "." berth image pull "${LOGIN[@]}" $A/test/app:badmanifest
cat >"$DATA/skopeo-v1" <<SH
#!/bin/sh
# A registry that answers with a Docker schema 1 manifest.
[ "\$1" = inspect ] && exec echo '{"schemaVersion":1,"name":"test/app","tag":"v1","fsLayers":[]}'
exec skopeo "\$@"
SH
chmod +x "$DATA/skopeo-v1"
one_line_error "a Docker schema 1 manifest" "schema 1 manifest" \
	env BERTH_SKOPEO="$DATA/skopeo-v1" "$BERTH" image pull "${LOGIN[@]}" $A/test/app:v1

# ---- faults: a registry killed mid-pull, a disk that fills up ----
oci_layout_make "$DATA/big" --layers 2 --big 8 --salt big >/dev/null
registry_push_layout "$DATA/big:latest" test/big:1 "$REG"
# Waits until a pull has a partial blob in its temporary folder.
downloading() {
	[ -n "$(find "$ROOT/images" -path '*/.tmp-*' -type f -size +64k 2>/dev/null)" ]
}
slow
was=$(before)
"$BERTH" image pull "${LOGIN[@]}" $A/test/big:1 >"$DATA/out" 2>"$DATA/err" &
pull=$!
wait_for 20 downloading
registry_kill "$REG"
wait $pull
RC=$?
t_is "the registry killed mid-pull: exit 125, one line" "125 1" "$RC $(wc -l <"$DATA/err")"
t_diag "$(cat "$DATA/err")"
t_is "nothing stored" "$was" "$(before)"
registry_start "$REG"
t_ok "the store agrees with the DB, the next command swept the download" store_ok
fast
capture berth image pull -q "${LOGIN[@]}" $A/test/big:1
t_is "the next pull completes" "0 $A/test/big:1" "$RC $OUT"
berth image rm $A/test/big:1 >/dev/null

# The disk under the store fills up while a pull downloads: a small
# tmpfs as the root, filled by the test once the download has begun.
SMALL=$DATA/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=560m berth-test-small "$SMALL"
slow
BERTH_ROOT=$SMALL/root "$BERTH" image list >/dev/null
BERTH_ROOT=$SMALL/root "$BERTH" image pull "${LOGIN[@]}" $A/test/big:1 >"$DATA/out" 2>"$DATA/err" &
pull=$!
ROOT_SAVED=$ROOT
ROOT=$SMALL/root
wait_for 20 downloading
fallocate -l "$(($(df -B1 --output=avail "$SMALL" | tail -1) - 4096))" "$SMALL/filler" 2>/dev/null ||
	dd if=/dev/zero of="$SMALL/filler" bs=1M 2>/dev/null
wait $pull
RC=$?
fast
t_is "the disk full during a pull: exit 125, one line" "125 1" "$RC $(wc -l <"$DATA/err")"
t_match "saying so" "is full|no space left on device|less than .* MiB left" "$(cat "$DATA/err")"
rm -f "$SMALL/filler"
t_ok "the store agrees with the DB once there is room again" store_ok
t_is "nothing half-stored" "0 0" "$(n_images) $(n_layers)"
capture berth image pull -q "${LOGIN[@]}" $A/test/big:1
t_is "the next pull completes" "0 $A/test/big:1" "$RC $OUT"
ROOT=$ROOT_SAVED
umount -l "$SMALL"
SMALL=

# ---- pulls killed at random points, 30 times ----
# A skopeo of this root's, running (a zombie has no command line; one the
# machine's init does not reap is dead all the same).
no_skopeo() {
	! ps -eo stat=,args= | awk -v r="$ROOT/images" '$1 !~ /^Z/ && /[s]kopeo copy/ && index($0, r)' |
		grep -q .
}
slow
killed=0 completed=0 consistent=0
for i in $(seq 30); do
	berth image rm $A/test/big:1 >/dev/null 2>&1
	"$BERTH" image pull "${LOGIN[@]}" $A/test/big:1 >/dev/null 2>&1 &
	pull=$!
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	kill -KILL $pull 2>/dev/null && killed=$((killed + 1))
	wait $pull 2>/dev/null
	# skopeo dies with its berth.
	wait_for 5 no_skopeo
	berth image pull -q "${LOGIN[@]}" $A/test/big:1 >/dev/null 2>"$DATA/err" &&
		completed=$((completed + 1))
	store_ok >/dev/null && [ "$(n_images)" -ge 1 ] && consistent=$((consistent + 1))
done
fast
t_diag "$killed of 30 pulls were killed before they ended"
t_ok "most pulls were killed midway" test "$killed" -ge 20
t_is "after each, the next pull completes" 30 "$completed"
t_is "and no row or folder is left half-made" 30 "$consistent"
t_ok "no skopeo is left" no_skopeo

reg_cleanup
t_end
