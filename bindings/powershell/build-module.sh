#!/usr/bin/env bash
# Assembles the VmRotate PowerShell module folder for one platform and prints its path:
#
#   DIR/VmRotate/VmRotate.psd1, VmRotate.psm1, VmRotate.Native.cs, VmRotate.format.ps1xml
#   DIR/VmRotate/runtimes/<rid>/<native library>
#
# Usage: bash bindings/powershell/build-module.sh [--release] [--out DIR] [--rid RID --library FILE]
#
#   --release        build the native library with the release profile (default: dev)
#   --out DIR        where the module folder goes (default: <cargo target dir>/powershell)
#   --rid RID        the platform of --library: win-x64, win-arm64, linux-x64, linux-arm64,
#                    osx-x64, osx-arm64
#   --library FILE   a native library built elsewhere (e.g. vmrotate_native.dll from a Windows
#                    build) to pack instead of building one here
#
# Run it once per platform into the same --out to make one module folder for several
# platforms; copy the VmRotate folder into a folder of $env:PSModulePath to install it.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
[[ "$target" == /* ]] || target="$root/$target"
profile=dev
out="$target/powershell"
rid=""
library=""

while (($#)); do
  case "$1" in
    --release) profile=release ;;
    --out) out="$2"; shift ;;
    --rid) rid="$2"; shift ;;
    --library) library="$2"; shift ;;
    *) echo "error: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done

# The runtime identifier of this machine, as VmRotate.psm1 computes it for the running process.
host_rid() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=osx ;;
    MINGW* | MSYS* | CYGWIN*) os=win ;;
    *) echo "error: unsupported OS $(uname -s)" >&2; exit 2 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "error: unsupported architecture $(uname -m)" >&2; exit 2 ;;
  esac
  echo "$os-$arch"
}

# The native library's file name on platform $1.
library_name() {
  case "$1" in
    win-*) echo vmrotate_native.dll ;;
    osx-*) echo libvmrotate_native.dylib ;;
    linux-*) echo libvmrotate_native.so ;;
    *) echo "error: unknown runtime identifier $1: use e.g. win-x64, linux-x64, osx-arm64" >&2; exit 2 ;;
  esac
}

if [ -n "$library" ]; then
  [ -n "$rid" ] || { echo "error: --library needs --rid to say which platform it is for" >&2; exit 2; }
  [ -f "$library" ] || { echo "error: no such library: $library" >&2; exit 2; }
else
  [ -n "$rid" ] || rid="$(host_rid)"
  [ "$rid" = "$(host_rid)" ] || { echo "error: cannot build for $rid here: build on that platform, or pass --library" >&2; exit 2; }
  cargo_profile=(); dir=debug
  if [ "$profile" = release ]; then cargo_profile=(--release); dir=release; fi
  (cd "$root" && cargo build -p vmrotate-native --locked "${cargo_profile[@]}") >&2
  library="$target/$dir/$(library_name "$rid")"
fi

module="$out/VmRotate"
mkdir -p "$module/runtimes/$rid"
cp "$root/bindings/powershell/VmRotate/VmRotate.psd1" \
   "$root/bindings/powershell/VmRotate/VmRotate.psm1" \
   "$root/bindings/powershell/VmRotate/VmRotate.Native.cs" \
   "$root/bindings/powershell/VmRotate/VmRotate.format.ps1xml" "$module/"
cp "$library" "$module/runtimes/$rid/$(library_name "$rid")"
echo "$module"
