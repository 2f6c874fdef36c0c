#!/usr/bin/env bash
# Builds the image cerner-mock:dev (container/Containerfile) with podman or docker: static release
# binaries of cerner-mock and cerner-harness (glibc linked in with +crt-static, so the image needs
# no libc), staged into a root file system with a non-root user, then `FROM scratch`.
#
#   bash container/build.sh [TAG]      # TAG defaults to cerner-mock:dev
#
# The static build has its own target triple folder (target/<triple>/release), so it does not
# disturb the debug build; cold, it takes several minutes on two cores (README, "Container image").
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-cerner-mock:dev}
source container/engine.sh

triple=$(rustc -vV | sed -n 's/^host: //p')
case "$triple" in
    *-linux-gnu) ;;
    *) echo "container/build.sh: static linking is set up for *-linux-gnu hosts, not $triple" >&2; exit 2 ;;
esac
echo "building static binaries for $triple" >&2
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    cargo build --release --locked --target "$triple" -p cerner-mock -p cerner-harness --bins
bin=target/$triple/release
for b in cerner-mock cerner-harness; do
    # A dynamically linked binary would not start in an image without a libc: refuse it here.
    if readelf -l "$bin/$b" | grep -q 'Requesting program interpreter'; then
        echo "container/build.sh: $bin/$b is not statically linked" >&2
        exit 2
    fi
done

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
root=$context/rootfs
mkdir -p "$root/usr/local/bin" "$root/etc" "$root/tmp"
chmod 1777 "$root/tmp"
for b in cerner-mock cerner-harness; do
    cp "$bin/$b" "$root/usr/local/bin/$b"
    # Symbols are of no use in the image; stripping halves the binaries.
    strip --strip-all "$root/usr/local/bin/$b" 2>/dev/null || true
done
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$root/etc/group"
# The harness's `record` and `sandbox` speak HTTPS to real servers: take the build host's CA bundle.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$root/etc/ssl/certs"
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
fi
cp container/Containerfile "$context/Containerfile"

# The docker image format keeps HEALTHCHECK (the OCI format drops it).
format=()
[ "$ENGINE_NAME" = podman ] && format=(--format docker)
"${ENGINE[@]}" build "${format[@]}" --tag "$tag" --file "$context/Containerfile" "$context" >&2
echo "$tag"
