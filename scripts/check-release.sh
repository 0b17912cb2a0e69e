#!/usr/bin/env bash
# Checks what `make release` put in dist/: the six binaries, each the
# executable format and architecture its name says (file(1)), static, the
# checksums in SHA256SUMS, and the version given as $1 stamped in each (and
# in the plugin metadata of the one this machine runs).
set -euo pipefail
cd "$(dirname "$0")/../dist"
version=${1:?usage: check-release.sh VERSION}

declare -A want=(
  [linux-amd64]='ELF 64-bit LSB .*x86-64.*statically linked'
  [linux-arm64]='ELF 64-bit LSB .*ARM aarch64.*statically linked'
  [darwin-amd64]='Mach-O 64-bit x86_64 executable'
  [darwin-arm64]='Mach-O 64-bit arm64 executable'
  [windows-amd64]='PE32\+ executable .*x86-64'
  [windows-arm64]='PE32\+ executable .*Aarch64'
)
fail=0
for platform in "${!want[@]}"; do
  bin=docker-telepresence-$platform
  [[ $platform == windows-* ]] && bin+=.exe
  if [ ! -f "$bin" ]; then
    echo "missing: dist/$bin"; fail=1; continue
  fi
  desc=$(file -b "$bin")
  if ! grep -Eq "${want[$platform]}" <<<"$desc"; then
    echo "dist/$bin is not what its name says: $desc"; fail=1
  fi
  # A trimmed build does not record its -ldflags: the stamp is looked for
  # in the binary, and asked of the one this machine runs.
  if ! LC_ALL=C grep -a -q -- "$version" "$bin"; then
    echo "dist/$bin is not stamped with $version"; fail=1
  fi
  info=$(go version -m "$bin")
  if ! grep -q -- "-trimpath=true" <<<"$info" || ! grep -q "CGO_ENABLED=0" <<<"$info"; then
    echo "dist/$bin is not a trimmed static build"; fail=1
  fi
done
native=docker-telepresence-$(go env GOOS)-$(go env GOARCH)
if [ -x "$native" ] && ! ./"$native" docker-cli-plugin-metadata | grep -q "\"Version\": *\"$version\""; then
  echo "dist/$native: its plugin metadata does not say $version"; fail=1
fi
if [ "$(grep -c docker-telepresence- SHA256SUMS)" != 6 ]; then
  echo "dist/SHA256SUMS does not list the six binaries"; fail=1
fi
sha256sum --quiet -c SHA256SUMS || fail=1
[ "$fail" = 0 ] && echo "dist/: six binaries, checksums match, version $version"
exit "$fail"
