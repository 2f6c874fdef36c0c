#!/usr/bin/env bash
# Builds the image (container/build.sh), runs it, and checks what the README promises of it: the
# binary's own health check passes (bounded wait), GET /__admin/health answers {"status":"ok"} on
# the published port, a FHIR base answers, the emulator runs as user 65532 (not root), and the image
# is under 40 MB. The container is removed on exit, whatever happened; the image is kept.
#
#   bash container/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source container/engine.sh
tag=cerner-mock:dev
name=cerner-mock-test-$$
max_bytes=40000000

fail() { echo "container/test.sh: FAIL: $*" >&2; exit 1; }

bash container/build.sh "$tag" >/dev/null
trap '"${ENGINE[@]}" rm -f "$name" >/dev/null 2>&1 || true' EXIT

size=$("${ENGINE[@]}" image inspect --format '{{.Size}}' "$tag")
[ "$size" -lt "$max_bytes" ] || fail "the image is $size bytes, not under $max_bytes"
echo "image size: $size bytes"
healthcheck=$("${ENGINE[@]}" image inspect --format '{{json .Config.Healthcheck.Test}}' "$tag")
[ "$healthcheck" = '["CMD","/usr/local/bin/cerner-mock","health"]' ] || fail "HEALTHCHECK is $healthcheck"

# Published on a free loopback port of the host; inside the container it listens on 0.0.0.0:8080.
"${ENGINE[@]}" run -d --name "$name" -p 127.0.0.1::8080 "$tag" >/dev/null 2>&1 \
    || fail "the container did not start: $("${ENGINE[@]}" run --rm "$tag" --help 2>&1 | tail -1)"
port=$("${ENGINE[@]}" port "$name" 8080/tcp | head -1 | sed 's/.*://')
[ -n "$port" ] || fail "no published port"

# The image's HEALTHCHECK, run as the engine runs it (podman without systemd runs it on request;
# docker runs it on its interval). 60 tries a second apart bound the wait on a loaded machine.
healthy=""
for _ in $(seq 60); do
    if [ "$ENGINE_NAME" = podman ]; then
        "${ENGINE[@]}" healthcheck run "$name" >/dev/null 2>&1 && healthy=yes
    else
        [ "$("${ENGINE[@]}" inspect --format '{{.State.Health.Status}}' "$name")" = healthy ] && healthy=yes
    fi
    [ -n "$healthy" ] && break
    [ "$("${ENGINE[@]}" inspect --format '{{.State.Running}}' "$name")" = true ] \
        || fail "the container stopped: $("${ENGINE[@]}" logs "$name" 2>&1 | tail -3)"
    sleep 1
done
[ -n "$healthy" ] || fail "not healthy after 60 s: $("${ENGINE[@]}" logs "$name" 2>&1 | tail -3)"
echo "health check: healthy"

# GET over the published port, with bash's /dev/tcp (no HTTP client needed on the host).
get() {
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$1" "$port" >&3
    timeout 10 cat <&3
    exec 3<&-
}
answer=$(get /__admin/health)
case "$answer" in
    "HTTP/1.1 200"*'{"status":"ok"}') echo "GET /__admin/health: 200 {\"status\":\"ok\"}" ;;
    *) fail "GET /__admin/health answered: $answer" ;;
esac
metadata=$(get /r4/ec2458f2-1e24-41c8-b71b-0e701af7583d/metadata | head -1 | tr -d '\r')
[ "$metadata" = "HTTP/1.1 200 OK" ] || fail "GET /r4/<sandbox>/metadata answered: $metadata"
echo "GET /r4/<sandbox>/metadata: 200"

# The user the emulator's process runs as, read from the host's /proc (the image has no shell).
pid=$("${ENGINE[@]}" inspect --format '{{.State.Pid}}' "$name")
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[ "$uid" = 65532 ] || fail "the emulator runs as uid $uid, not 65532"
echo "user: uid $uid (not root)"
echo "container/test.sh: ok"
