#!/usr/bin/env bash
# scripts/package.sh: build the release tarball of the heron client.
#
# Builds the four product binaries in release mode (never the test stand-ins), generates shell
# completions and man pages from each binary's own command-line definition, and packs:
#
#   dist/heron-rs-<version>-<target>.tar.gz
#     heron-rs-<version>-<target>/
#       bin/          heron heron-uploader heron-statemgr heron-aurora-render
#       completions/  bash/<bin>  zsh/_<bin>  fish/<bin>.fish
#       man/man1/     <bin>.1
#       conf/         the ready cluster folders (aurora-zk-s3, aurora-zk-hdfs, local)
#       docs/  README.md  LICENSE (if present)
#
# Put the tarball on every machine that manages topologies (Heron's documentation asks the client
# to be there), unpack it, and add its bin/ to PATH.
#
# Usage: scripts/package.sh [--skip-build]
#   --skip-build   pack the binaries already in the release target dir
# Prints the tarball's path and its sha256 on stdout (also written to <tarball>.sha256).
# Takes several minutes on a small machine (release build with thin LTO).

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

skip_build=0
for arg in "$@"; do
    case $arg in
    --skip-build) skip_build=1 ;;
    -h | --help)
        sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "error: unknown argument $arg (try --help)" >&2
        exit 2
        ;;
    esac
done

bins=(heron heron-uploader heron-statemgr heron-aurora-render)
packages=(-p heron-cli -p heron-uploader -p heron-statemgr -p heron-aurora-render)

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
[[ -n $version ]] || { echo "error: no version in [workspace.package] of Cargo.toml" >&2; exit 1; }
target=$(rustc -vV | sed -n 's/^host: //p')
[[ -n $target ]] || { echo "error: rustc -vV printed no host triple" >&2; exit 1; }
target_dir=${CARGO_TARGET_DIR:-$root/target}
release_dir=$target_dir/release

if [[ $skip_build == 0 ]]; then
    echo "building ${bins[*]} (release, $target)..." >&2
    cargo build --release --locked --bins "${packages[@]}" >&2
fi
for b in "${bins[@]}"; do
    [[ -x $release_dir/$b ]] || {
        echo "error: $release_dir/$b not built (run without --skip-build)" >&2
        exit 3
    }
done

name=heron-rs-$version-$target
mkdir -p dist
stage=$(mktemp -d "$root/dist/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
out=$stage/$name
mkdir -p "$out/bin" "$out/completions/bash" "$out/completions/zsh" "$out/completions/fish" \
    "$out/man/man1"

for b in "${bins[@]}"; do
    install -m 0755 "$release_dir/$b" "$out/bin/$b"
    # Each binary prints these from its own clap definition (hidden `--generate KIND`).
    "$out/bin/$b" --generate complete-bash >"$out/completions/bash/$b"
    "$out/bin/$b" --generate complete-zsh >"$out/completions/zsh/_$b"
    "$out/bin/$b" --generate complete-fish >"$out/completions/fish/$b.fish"
    "$out/bin/$b" --generate man >"$out/man/man1/$b.1"
    for f in "$out/completions/bash/$b" "$out/completions/zsh/_$b" \
        "$out/completions/fish/$b.fish" "$out/man/man1/$b.1"; do
        [[ -s $f ]] || { echo "error: $b --generate wrote nothing to ${f#"$out"/}" >&2; exit 1; }
    done
done

cp -R conf "$out/conf"
cp -R docs "$out/docs"
cp README.md "$out/"
[[ -f LICENSE ]] && cp LICENSE "$out/"

tarball=$root/dist/$name.tar.gz
# Fixed owner and order, so two packs of the same build give the same listing.
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$stage" -czf "$tarball.tmp" "$name"
mv "$tarball.tmp" "$tarball"
(cd "$root/dist" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")

echo "$tarball"
cut -d' ' -f1 "$tarball.sha256"
