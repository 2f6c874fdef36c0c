# Sourced by build.sh and test.sh: picks the container engine and the flags it needs here.
# podman is preferred; docker is used when its daemon answers. Sets ENGINE_NAME (podman or docker)
# and ENGINE (an array: the command, its global flags) or exits 2 with a one-line message.
#
# podman on hosts without systemd (CI runners, containers) needs the runc runtime and cgroupfs, and
# rootful podman must not apply its default ulimits there: `default_ulimits = []` goes into
# /etc/containers/containers.conf once (an existing setting is left alone). podman runs as root:
# directly, or through sudo when it is allowed without a password.

podman_containers_conf() {
    local conf=/etc/containers/containers.conf
    [ "$(id -u)" -eq 0 ] || [ ${#as_root[@]} -gt 0 ] || return 0
    if [ -f "$conf" ] && grep -Eq '^[[:space:]]*default_ulimits[[:space:]]*=' "$conf"; then
        return 0
    fi
    "${as_root[@]}" mkdir -p /etc/containers
    if [ -f "$conf" ] && grep -Eq '^[[:space:]]*\[containers\][[:space:]]*$' "$conf"; then
        "${as_root[@]}" sed -i '/^[[:space:]]*\[containers\][[:space:]]*$/a default_ulimits = []' "$conf"
    else
        printf '\n[containers]\ndefault_ulimits = []\n' | "${as_root[@]}" tee -a "$conf" >/dev/null
    fi
}

as_root=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
fi
if command -v podman >/dev/null 2>&1; then
    podman_containers_conf
    ENGINE_NAME=podman
    ENGINE=("${as_root[@]}" podman --runtime runc --cgroup-manager=cgroupfs)
elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    ENGINE_NAME=docker
    ENGINE=(docker)
elif command -v docker >/dev/null 2>&1 && [ ${#as_root[@]} -gt 0 ] && sudo -n docker info >/dev/null 2>&1; then
    ENGINE_NAME=docker
    ENGINE=(sudo -n docker)
else
    echo "container: neither podman nor a running docker daemon is available" >&2
    exit 2
fi
