#!/usr/bin/env bash
# The native library and the PowerShell module, end to end:
#   1. the C header (bindings/native/include/vmrotate.h) matches the exported functions,
#      compiles as C and links against the library (bindings/native/tests/c/smoke.c);
#   2. the module folder is assembled with the native library (dev profile, cargo's target
#      dir, so it shares compiled dependencies with `cargo test`);
#   3. VmRotate.Native.cs and the Mono test program are compiled with mcs (as C# 5, the
#      language Windows PowerShell 5.1's Add-Type compiles) and run against the real library
#      and a simulator the program starts; it prints "N passed, N failed";
#   4. the Pester tests, where pwsh exists.
# Needs mono-mcs and mono-runtime (scripts/install-deps.sh installs them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
[[ "$target" == /* ]] || target="$root/$target"

echo "== native library: the C header is current"
cargo test -p vmrotate-native --locked --test header --quiet

echo "== PowerShell module folder"
module="$(bash bindings/powershell/build-module.sh)"
echo "$module"
library="$(find "$module/runtimes" -type f -name '*vmrotate_native*' | head -n 1)"
tests="$target/powershell-tests"
if grep -q VMROTATE_TEST_CRASH_AT "$library"; then
  echo "error: $library contains the crash test hook: build it without the test-hooks feature" >&2
  exit 1
fi
mkdir -p "$tests"

echo "== native library: the header compiles as C and links"
cc -std=c99 -Wall -Wextra -Werror -I bindings/native/include -o "$tests/smoke" \
  bindings/native/tests/c/smoke.c -L "$(dirname "$library")" -lvmrotate_native \
  -Wl,-rpath,"$(dirname "$library")"
"$tests/smoke"

echo "== VmRotate.Native.cs on Mono, against the native library and the simulator"
for tool in mcs mono; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found; run scripts/install-deps.sh" >&2; exit 1; }
done
vcsim="$(bash scripts/build-vcsim.sh)"
mcs -langversion:5 -warnaserror+ -out:"$tests/NativeTests.exe" \
  bindings/powershell/VmRotate/VmRotate.Native.cs bindings/powershell/tests/mono/NativeTests.cs
mono "$tests/NativeTests.exe" "$library" "$vcsim"

echo "== Pester"
if command -v pwsh >/dev/null; then
  VMR_MODULE="$module" VCSIM_BIN="$vcsim" pwsh -NoProfile -NonInteractive -Command '
    $ErrorActionPreference = "Stop"
    Import-Module Pester -MinimumVersion 5.0
    $result = Invoke-Pester -Path bindings/powershell/tests -Output Detailed -PassThru
    if ($result.FailedCount -gt 0 -or $result.Result -ne "Passed") { exit 1 }'
else
  echo "Pester tests skipped: pwsh is not installed here (they run where PowerShell 7 and Pester 5 are)"
fi
