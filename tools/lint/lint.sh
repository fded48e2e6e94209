#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make lint (and the lint suite of make check): every C file against .clang-format, every
# shell script through shellcheck, the user-space C through cppcheck. One FAIL line per file
# a checker refuses, with its findings, then the closing line "lint: N passed, N failed",
# one count per file and checker. Without the tools: "lint: SKIPPED: ..." (exit 0), a
# failure under CI (CI set, not false or 0).
#   sh tools/lint/lint.sh            check
#   sh tools/lint/lint.sh --format   rewrite the C files in place (make format)
set -u

cd "$(dirname "$0")/../.." || exit 2
lint=tools/lint
# clang-format's output changes between releases: the tree is formatted by Debian 12's, 14
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
ci=false
case ${CI:-} in
'' | false | 0) ;;
*) ci=true ;;
esac

# tracked files, else (a tarball) what find sees
files()
{
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files "$@"
	else
		for pat in "$@"; do
			find . -path ./build -prune -o -path ./.git -prune -o -type f -name "$pat" \
				-print | sed 's|^\./||'
		done | sort -u
	fi
}

# every C file but the generated vmlinux.h
c_files()
{
	files '*.c' '*.h' | grep -v '^vmlinux/'
}

# user space, the tests and the tools; not BPF nor kernel modules, which need the kernel's
# headers (the compilers check those with -Wall)
cppcheck_files()
{
	files '*.c' | grep -v -e '^vmlinux/' -e '^bpf/' -e '\.bpf\.c$' -e '^tests/vm/'
}

# *.sh, *.bash, and any other file whose first line runs a shell
shell_files()
{
	files '*' | while read -r f; do
		case ${f##*/} in
		*.sh | *.bash) echo "$f" ;;
		*.*) ;;
		*) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*/(env )?(ba|da)?sh( |$)|^#!/bin/busybox sh' &&
			echo "$f" ;;
		esac
	done
}

if [ "${1:-}" = --format ]; then
	command -v "$CLANG_FORMAT" >/dev/null 2>&1 || {
		echo "lint: $CLANG_FORMAT not found; run 'make deps'" >&2
		exit 1
	}
	c_files | xargs "$CLANG_FORMAT" -i
	exit
fi

missing=
for t in "$CLANG_FORMAT" shellcheck cppcheck; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	if $ci; then
		echo "lint: FAILED: not installed:$missing; run 'make deps'"
		echo "lint: 0 passed, 1 failed"
		exit 1
	fi
	echo "lint: SKIPPED: not installed:$missing; run 'make deps'"
	exit 0
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/hc-lint.XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT
trap 'rm -rf "$out"; exit 130' INT TERM
passed=0
failed=0

# result CHECKER FILE LOG: a pass, or a FAIL line and the first findings
result()
{
	if [ -s "$3" ]; then
		echo "FAIL $1 $2"
		head -n 20 "$3" | sed 's/^/    /'
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

echo "=== clang-format ($("$CLANG_FORMAT" --version | sed -n 's/.*version \([0-9.]*\).*/\1/p'))"
c_files >"$out/c"
while read -r f; do
	"$CLANG_FORMAT" --dry-run -Werror "$f" >"$out/log" 2>&1 || [ -s "$out/log" ] ||
		echo "$f: clang-format failed" >"$out/log"
	result clang-format "$f" "$out/log"
done <"$out/c"

echo "=== shellcheck ($(shellcheck --version | sed -n 's/^version: //p'))"
shell_files >"$out/sh"
while read -r f; do
	shellcheck -x -f gcc "$f" >"$out/log" 2>&1
	result shellcheck "$f" "$out/log"
done <"$out/sh"

echo "=== cppcheck ($(cppcheck --version | sed 's/^Cppcheck //'))"
cppcheck_files >"$out/cpp"
# one run over every file (it shares the headers' work), the findings sorted out by file
# shellcheck disable=SC2046 # one word per file
cppcheck -j2 --quiet --std=c11 -D_GNU_SOURCE -Iuser -Ibpf -Itests/unit \
	--enable=warning,style,performance,portability --inline-suppr \
	--library="$lint/cppcheck.cfg" --suppressions-list="$lint/cppcheck.supp" \
	--template='{file}:{line}: {severity}: {id}: {message}' \
	$(cat "$out/cpp") >"$out/cppcheck" 2>&1
while read -r f; do
	grep "^$f:" "$out/cppcheck" >"$out/log"
	result cppcheck "$f" "$out/log"
done <"$out/cpp"
# anything not about one of the files (a bad option, a crash) fails the run too
grep -v -F -f "$out/cpp" "$out/cppcheck" >"$out/log"
[ -s "$out/log" ] && result cppcheck "(the run)" "$out/log"

if [ "$failed" -gt 0 ]; then
	echo "lint: fix what is above; make format rewrites the C files as .clang-format says," \
		"and tools/lint/cppcheck.supp says how to suppress a wrong finding" >&2
fi
echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
