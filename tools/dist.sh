#!/usr/bin/env bash
# tools/dist.sh - builds the binary a shop can run: pimap for x86_64 Linux, statically linked
# against glibc (no shared libraries, no program interpreter), then checks it and prints its
# size and sha256.
#
#   bash tools/dist.sh          # from anywhere; writes dist/pimap-<version>-x86_64-linux-static
#
# Build: RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked
#        --target x86_64-unknown-linux-gnu   (plus -W linker-messages, below)
# The explicit --target keeps build scripts and proc macros dynamic (RUSTFLAGS then apply only
# to the target). musl and the Windows std cannot be installed on the CI machine, hence glibc.
# Static glibc is enough for what pimap uses: no host look-ups (getaddrinfo is not linked), no
# SQLite extensions (SQLite is bundled); the one NSS call is a HOME look-up (below). Linker
# warnings, and glibc functions that need the build machine's shared libraries at run time,
# are printed as "dist.sh: WARNING: ..." lines (they do not fail the build).
#
# Checks (any failure: exit 1 with one "dist.sh: FAIL: ..." line):
#   - the ELF has no program interpreter (readelf -l) and no DT_NEEDED entry (readelf -d);
#     `file` and `ldd` are shown too when installed;
#   - `env -i ./pimap --version` prints the crate's version;
#   - `env -i ./pimap scan TREE -q -o INV` (and again with --respect-ignore, which looks up
#     HOME through NSS when it is unset) on a small temporary tree: a text file, a CSV and,
#     when python3 has sqlite3, a SQLite database, each with the fake phone 13812345678. Each
#     exits 0, and INV parses, lists each file with a phone finding and has no errors.
# Then it prints the binary's path, size and sha256 (also written to <binary>.sha256).
#
# Environment (optional):
#   PIMAP_DIST_TARGET_DIR  cargo's target dir for this build (default target, the project's
#                          own: with --target the static build goes to
#                          target/x86_64-unknown-linux-gnu/release, apart from target/release,
#                          whose dynamic binary the tests and the accuracy gate use, while the
#                          host's build scripts and proc macros, which RUSTFLAGS do not reach,
#                          are shared with the test build instead of compiled again)
#   PIMAP_DIST_DIR         where the binary is copied (default dist/, gitignored)
#
# Time: .ci/run runs it after the tests. Every target crate is compiled again (the flags differ
# from the test build's); with object storage's HTTP and TLS stack (aws-lc's C library among
# them) that took 7 min 28 s in a clean-clone CI run on 2 cores; a rerun with nothing changed
# takes seconds. Binary: about 116 MiB, static-pie (the release profile's debug = 1 line
# tables; `objcopy --strip-debug` makes it a fraction of that).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TRIPLE=x86_64-unknown-linux-gnu
TARGET_DIR=${PIMAP_DIST_TARGET_DIR:-target}
DIST_DIR=${PIMAP_DIST_DIR:-dist}
PHONE=13812345678

fail() { echo "dist.sh: FAIL: $*" >&2; exit 1; }
note() { echo "dist.sh: $*" >&2; }

for tool in cargo readelf sha256sum python3; do
  command -v "$tool" >/dev/null || fail "$tool is needed and not installed"
done

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || fail "no version = \"...\" line in Cargo.toml"

work=$(mktemp -d "${TMPDIR:-/tmp}/pimap-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. Build. Only the flags below are used: a RUSTFLAGS or CARGO_ENCODED_RUSTFLAGS from the
# caller would change (or, the encoded one, silently replace) them. `-W linker-messages` makes
# rustc show what the linker prints (the lint is allow-by-default).
note "building pimap $version for $TRIPLE, static (target dir $TARGET_DIR)"
start=$SECONDS
unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS CARGO_BUILD_TARGET
if ! RUSTFLAGS='-C target-feature=+crt-static -W linker-messages' cargo build --release --locked \
  --target "$TRIPLE" --target-dir "$TARGET_DIR" --bin pimap 2>&1 | tee "$work/build.log" >&2; then
  fail "cargo build failed (output above)"
fi
built=$TARGET_DIR/$TRIPLE/release/pimap
[ -x "$built" ] || fail "cargo build succeeded but $built is missing"
build_seconds=$((SECONDS - start))
# cargo replays a crate's warnings on a rerun, so linker warnings are seen even when nothing
# was rebuilt.
if grep -q "linker stderr" "$work/build.log"; then
  note "WARNING: the linker warned (above); a glibc function that needs shared libraries at run time (NSS, getaddrinfo, dlopen) may fail in the static binary"
fi
# rust-lld, rustc's default linker on this target since Rust 1.90, does not print glibc's
# link-time warnings (".gnu.warning.X" sections: "Using 'X' in statically linked applications
# requires at runtime the shared libraries from the glibc version used for linking"). So the
# binary's own symbols are compared with the functions libc.a carries such a warning for.
# Reviewed and tested: dlopen/dlmopen (SQLite's load_extension, never called by pimap, and
# glibc's NSS for modules other than files); getpwuid_r (std::env::home_dir, which the walker
# calls for git's global ignore file only with --respect-ignore and HOME unset; glibc's
# built-in files NSS serves it, exercised below). Any other is a warning.
libc_a=$(cc -print-file-name=libc.a 2>/dev/null || true)
if command -v nm >/dev/null && command -v objdump >/dev/null && [ -f "$libc_a" ]; then
  objdump -h "$libc_a" 2>/dev/null | grep -o '\.gnu\.warning\.[A-Za-z0-9_]*' |
    sed 's/^\.gnu\.warning\.//' | sort -u >"$work/warned"
  nm --defined-only "$built" 2>/dev/null | awk '{print $3}' | sort -u >"$work/symbols"
  [ -s "$work/symbols" ] || note "WARNING: nm lists no symbols in $built: glibc's link warnings cannot be checked"
  unreviewed=$(comm -12 "$work/warned" "$work/symbols" | grep -vxE 'dlopen|dlmopen|getpwuid_r' | tr '\n' ' ' || true)
  if [ -n "$unreviewed" ]; then
    note "WARNING: linker (glibc): the static binary contains $unreviewed- functions glibc only supports statically with the shared libraries of the build machine's glibc (NSS, getaddrinfo, dlopen); review their use"
  fi
else
  note "WARNING: nm, objdump or libc.a missing: glibc's link warnings not checked"
fi

# 2. Copy.
mkdir -p "$DIST_DIR"
out=$DIST_DIR/pimap-$version-x86_64-linux-static
rm -f "$out.tmp" "$out.sha256"
cp "$built" "$out.tmp"
chmod 0755 "$out.tmp"
mv -f "$out.tmp" "$out"

# 3. Static: no interpreter, no shared libraries.
LC_ALL=C readelf -lW "$out" >"$work/phdr" 2>&1 || fail "readelf -l cannot read $out"
LC_ALL=C readelf -dW "$out" >"$work/dyn" 2>&1 || fail "readelf -d cannot read $out"
if grep -q 'INTERP' "$work/phdr"; then
  fail "$out has a program interpreter ($(grep -o 'interpreter: [^]]*' "$work/phdr" | head -n 1)): not static"
fi
if grep -q '(NEEDED)' "$work/dyn"; then
  fail "$out needs shared libraries: $(grep '(NEEDED)' "$work/dyn" | sed 's/.*Shared library: //' | tr '\n' ' ')"
fi
if command -v file >/dev/null; then
  note "file: $(file -b "$out")"
fi
if command -v ldd >/dev/null; then
  # ldd prints "not a dynamic executable" / "statically linked" (and exits 1) for a static binary.
  ldd_out=$(LC_ALL=C ldd "$out" 2>&1 || true)
  case $ldd_out in
    *"not a dynamic executable"* | *"statically linked"*) note "ldd: $ldd_out" ;;
    *) fail "ldd lists dependencies of $out: $(echo "$ldd_out" | tr '\n' ' ')" ;;
  esac
fi

# 4. Runs with an empty environment (no PATH, HOME, LANG, PIMAP_KEY).
abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
got=$(env -i "$abs" --version 2>&1) || fail "env -i $out --version exited $?: $got"
[ "$got" = "pimap $version" ] || fail "env -i $out --version printed '$got', expected 'pimap $version'"

tree=$work/tree
mkdir -p "$tree/exports"
printf '客户留言：请联系 %s 改地址\n' "$PHONE" >"$tree/notes.txt"
printf '订单号,收货人,联系手机\n20261129001,王芳,%s\n' "$PHONE" >"$tree/exports/orders.csv"
expected=(notes.txt exports/orders.csv)
if python3 -c 'import sqlite3' 2>/dev/null; then
  python3 - "$tree/shop.db" "$PHONE" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("create table customers (id integer primary key, name text, mobile text)")
db.execute("insert into customers (name, mobile) values (?, ?)", ("王芳", sys.argv[2]))
db.commit()
db.close()
PY
  expected+=(shop.db)
else
  note "python3 has no sqlite3 module: the bundled SQLite is not exercised"
fi
# The second scan reads git's global ignore file, looking up HOME through NSS (HOME is unset).
for extra in "" --respect-ignore; do
  inv=$work/inv${extra:+-respect-ignore}.json
  rc=0
  env -i "$abs" scan "$tree" -q -o "$inv" ${extra:+"$extra"} >"$work/scan.out" 2>&1 || rc=$?
  [ "$rc" = 0 ] || fail "env -i $out scan${extra:+ $extra} exited $rc: $(head -c 300 "$work/scan.out" | tr '\n' ' ')"
  why=$(python3 - "$inv" "${expected[@]}" 2>&1 <<'PY'
import json, sys
path, expected = sys.argv[1], sys.argv[2:]
try:
    inv = json.load(open(path, encoding="utf-8"))
except Exception as e:
    sys.exit(f"inventory does not parse: {e}")
files = {f["path"]: f for f in inv.get("files", [])}
for name in expected:
    f = files.get(name)
    if f is None:
        sys.exit(f"{name} is not in the inventory's files (errors: {inv.get('errors')})")
    if f.get("by_category", {}).get("phone", 0) < 1:
        sys.exit(f"no phone finding in {name}: {f.get('by_category')}")
if inv.get("errors"):
    sys.exit(f"the test scan has errors: {inv['errors']}")
PY
  ) || fail "env -i $out scan${extra:+ $extra}: $(echo "$why" | tail -n 1)"
done

# 5. Report.
size=$(stat -c %s "$out")
sha=$(sha256sum "$out" | cut -d ' ' -f 1)
(cd "$DIST_DIR" && sha256sum "$(basename "$out")" >"$(basename "$out").sha256")
note "checks passed: static (no interpreter, no DT_NEEDED), runs under env -i, scan found the phone in ${#expected[@]} files"
echo "binary:  $out"
echo "size:    $size bytes ($(( (size + 524288) / 1048576 )) MiB)"
echo "sha256:  $sha  (also in $out.sha256)"
echo "time:    build ${build_seconds}s, total $((SECONDS - start))s"
