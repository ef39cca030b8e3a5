#!/bin/bash
# Files that vanish under berth: an image's folder removed by hand, before
# or while `run` starts a container from it, or the whole root removed
# meanwhile. One clear line and exit 125, never a crash, nothing left.
. "$(dirname "$0")/lib.sh"
require_root
t_begin

berth image create busybox >/dev/null
layer=$(image_layer busybox)
saved=$ROOT/saved-layer
cp -a "$layer" "$saved"

rm -rf "$layer"
capture berth run --rm busybox true
t_is "an image whose folder is gone: exit 125, not a crash" 125 "$RC"
t_match "one line naming the image and what to do" '^berth: image `busybox` is missing its layer `[^`]*`; remove it with `berth image rm busybox` and create it again$' "$ERR"
capture berth run -d --name kept busybox true
t_is "the same for a detached run" 125 "$RC"
t_is "and nothing is recorded" 0 "$(db 'SELECT count(*) FROM containers')"

# A stand-in supervisor that removes the image's folder before it execs the
# real one: `run` has resolved the image by then (it resolves it while the
# supervisor starts).
cp -a "$saved" "$layer"
cat >"$ROOT/remove-then-supervise" <<EOS
#!/bin/sh
sleep 0.3
rm -rf "$layer"
exec "$BERTH_SUPERVISOR" "\$@"
EOS
chmod +x "$ROOT/remove-then-supervise"
for mode in --rm -d; do
	capture env BERTH_SUPERVISOR="$ROOT/remove-then-supervise" "$BERTH" run $mode busybox true
	t_is "image removed while run $mode starts: exit 125" 125 "$RC"
	t_match "with one line that says so" '^berth: the layer `[^`]*` of the container'"'"'s image was removed while the container started$' "$ERR"
	cp -a "$saved" "$layer"
done
t_is "the --rm container is gone" 0 "$(db "SELECT count(*) FROM containers WHERE auto_remove = 1")"

# The whole root removed while `run` starts: an error, not a crash, and no
# mount, cgroup or process left.
other=$(mktemp -d /tmp/berth-test-other.XXXXXX)
berth --root "$other" image create busybox >/dev/null
cat >"$ROOT/remove-root-then-supervise" <<EOS
#!/bin/sh
sleep 0.3
rm -rf "$other"
exec "$BERTH_SUPERVISOR" "\$@"
EOS
chmod +x "$ROOT/remove-root-then-supervise"
capture env BERTH_SUPERVISOR="$ROOT/remove-root-then-supervise" "$BERTH" --root "$other" run --rm busybox true
t_is "root removed while run starts: exit 125" 125 "$RC"
t_match "with an error about what is gone" '^berth: .*(removed|No such file)' "$(echo "$ERR" | tail -n 1)"
t_is "no mount of that root is left" 0 "$(grep -c " $other/" /proc/mounts)"
no_supervisor_of_other() { ! pgrep -f "berth-supervisor --root $other " >/dev/null; }
t_ok "no supervisor of that root is left" wait_for 5 no_supervisor_of_other
rm -rf "$other"

# Every container's cgroup carries the mark of the root it belongs to, so
# that `system check` of another root never takes it for its own.
if [ -n "$CGROUP_ROOT" ]; then
	id=$(berth run -d busybox sleep 100)
	t_is "a container's cgroup is marked with its root" "$ROOT" \
		"$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.berth.root").decode())' "$CGROUP_ROOT/berth/$id")"
	berth rm -f "$id" >/dev/null
else
	t_skip "cgroup marks: no cgroup v2 hierarchy"
fi

t_end
