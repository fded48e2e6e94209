# SPDX-License-Identifier: GPL-2.0
#
# hotcanary build. Everything is written below $(OUTPUT); the source tree stays clean.
#   make            build/hotcanary
#   make static     build/static/hotcanary (and static fixtures), for the VM tests
#   make check      every suite: lint, unit, host and ulp (real uprobes, ptrace), VM and
#                   livepatch scenarios (real kernels under qemu), built as DEVELOPER=1;
#                   check-SUITE runs one. The test command: README's, and what .ci/run runs
#   make lint       clang-format, shellcheck and cppcheck over the tree (tools/lint/)
#   make format     rewrite every C file as .clang-format says
#   DEVELOPER=1     warnings are errors (make check always builds this way)
#   make fuzz       every libFuzzer target for FUZZ_S seconds (default 60), ASan and UBSan
#   make bench      per-call overhead against an empty probe pair and bpftrace, a probe's
#                   cost by the instruction it is on, and a byte-identical ulp fix's ratios
#   make bench-judge  the judge's false rollbacks and detection rates, simulated (~2 min)
#   make docs       the README's example comparison picture, into tools/docs/ (root)
#   make deps       install every build and test dependency from Debian's archive
#   make install    PREFIX=/usr DESTDIR=...: binary, man pages, completion, systemd unit
#   make deb        build/hotcanary_VERSION_ARCH.deb, checked with lintian if present
#   V=1             show full commands

OUTPUT ?= build
CLANG ?= clang
BPFTOOL ?= bpftool
CC := gcc
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_DIR ?= vmlinux/$(ARCH)

ifeq ($(wildcard $(VMLINUX_DIR)/vmlinux.h),)
$(error no '$(VMLINUX_DIR)/vmlinux.h' for architecture '$(ARCH)'; generate it with tools/gen-vmlinux-h.sh)
endif

# clang -target bpf does not search the host's include dirs; add them back after ours, so
# <asm/types.h> resolves on Debian's multiarch layout.
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 | \
	sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

CFLAGS ?= -g -O2
HC_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Wmissing-prototypes \
	-Wshadow -I$(OUTPUT)/skel -Ibpf -Iuser $(CFLAGS)
# make DEVELOPER=1 (as CI builds): every warning is an error, and a few more warnings
ifeq ($(DEVELOPER),1)
HC_CFLAGS += -Werror -Wstrict-prototypes -Wold-style-definition -Wmissing-declarations \
	-Wformat-security -Wundef -Wpointer-arith -Wvla
endif
# libdw's static archive reads compressed sections: zlib, liblzma and bzip2 after it
LIBS := -lbpf -ldw -lelf -lz -ljson-c -lyaml -lcapstone -lcap-ng -llzma -lbz2 -lm
BPF_CFLAGS := -g -O2 -Wall -Werror=undef -target bpf -D__TARGET_ARCH_$(ARCH) -I$(VMLINUX_DIR) \
	-Ibpf $(CLANG_BPF_SYS_INCLUDES)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/skel/%.skel.h,$(BPF_SRCS))
# user/patch/: one patch driver per file (user/patch/patch.h); user/cmd/: one command per file
# and what commands share (user/cmd.h), dispatched by user/main.c
USER_SRCS := $(wildcard user/*.c user/patch/*.c user/cmd/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/obj/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/obj/main.o,$(USER_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
ULP_FIXTURES := $(OUTPUT)/tests/ulp_target $(OUTPUT)/tests/ulp_asm_target \
	$(patsubst %,$(OUTPUT)/tests/ulp_fix_%.so,good slow errors segv import ctor same) \
	$(OUTPUT)/tests/ulp_fix_same_o0.so \
	$(OUTPUT)/tests/ngx_fix_good.so $(OUTPUT)/tests/ngx_fix_slow.so \
	$(OUTPUT)/tests/pg_fix_good.so $(OUTPUT)/tests/pg_fix_slow.so $(OUTPUT)/tests/pg_fix_rebuilt.so
ULP_PROGS := $(OUTPUT)/tests/ulp_engine $(OUTPUT)/tests/ulp_bench
FIXTURES := $(OUTPUT)/tests/fixture $(OUTPUT)/tests/libfixture.so $(OUTPUT)/tests/nested \
	$(OUTPUT)/tests/stripped/nested \
	$(OUTPUT)/demo $(OUTPUT)/tests/bench_target $(ULP_FIXTURES)
STATIC_BINS := $(OUTPUT)/static/hotcanary

.PHONY: FORCE all ulp static man install deb check-deb check check-unit check-unit-asan fuzz check-fuzz check-host check-ulp check-vm check-scenarios vm-modules bench bench-judge bench-vm deps demo docs \
	lint check-lint format clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUTPUT)/hotcanary

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c bpf/hotcanary.h bpf/hist.h bpf/watched.bpf.h $(VMLINUX_DIR)/vmlinux.h | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp
	$(Q)rm -f $@.tmp

$(OUTPUT)/tests/%.bpf.o: tests/bench/%.bpf.c $(VMLINUX_DIR)/vmlinux.h | $(OUTPUT)/tests
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp
	$(Q)rm -f $@.tmp

$(OUTPUT)/skel/%.skel.h: $(OUTPUT)/bpf/%.bpf.o | $(OUTPUT)/skel
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(OUTPUT)/skel/%.skel.h: $(OUTPUT)/tests/%.bpf.o | $(OUTPUT)/skel
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# The objects follow their flags: a build with other ones (DEVELOPER, CFLAGS) rebuilds them.
# The file changes only when the flags do (as git's GIT-CFLAGS).
$(OUTPUT)/cflags: FORCE | $(OUTPUT)
	$(Q)echo '$(HC_CFLAGS)' | cmp -s - $@ || echo '$(HC_CFLAGS)' > $@

FORCE:

$(OUTPUT)/obj/%.o: user/%.c $(SKELS) $(OUTPUT)/cflags | $(OUTPUT)/obj/patch $(OUTPUT)/obj/cmd
	$(call msg,CC,$@)
	$(Q)$(CC) $(HC_CFLAGS) -MMD -MP -c $< -o $@

# 'q', not 'r': user/klp.c and user/patch/klp.c are both klp.o in the archive, and 'r' would
# keep only one of them
$(OUTPUT)/libhotcanary.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar qcs $@ $^

$(OUTPUT)/hotcanary: $(OUTPUT)/obj/main.o $(OUTPUT)/libhotcanary.a
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(HC_CFLAGS) $^ $(LIBS) -o $@

static: $(STATIC_BINS)

$(OUTPUT)/static/hotcanary: $(OUTPUT)/obj/main.o $(OUTPUT)/libhotcanary.a | $(OUTPUT)/static
	$(call msg,STATIC,$@)
	$(Q)$(CC) $(HC_CFLAGS) -static $^ $(LIBS) -o $@

# ---- tests -----------------------------------------------------------------------------------

# the fixtures the unit tests read; the sanitizer build reads those of the normal one
FIXTURE_OUT ?= $(OUTPUT)/tests

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(OUTPUT)/libhotcanary.a $(FIXTURES) | $(OUTPUT)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(HC_CFLAGS) -Itests/unit -DFIXTURE_DIR='"$(abspath $(FIXTURE_OUT))"' \
		-DSRC_DIR='"$(CURDIR)"' $< $(OUTPUT)/libhotcanary.a $(LIBS) -lcmocka -o $@

# The fixtures keep frame pointers and no inlining so each probed function is a real call.
FIXTURE_CFLAGS := -std=gnu11 -g -O1 -fno-inline -fno-omit-frame-pointer -Wall

$(OUTPUT)/tests/libfixture.so: tests/fixtures/libfixture.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIC -shared $< -o $@

$(OUTPUT)/tests/fixture: tests/fixtures/fixture.c $(OUTPUT)/tests/libfixture.so | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -pie -fPIE $< -L$(OUTPUT)/tests -lfixture \
		-Wl,-rpath,'$$ORIGIN' -o $@

$(OUTPUT)/tests/nested: tests/fixtures/nested.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -no-pie -fno-PIE $< -o $@

# stripped copies of nested: one whose debug file is found by .gnu_debuglink in .debug/,
# one found by build-id only, under a --debug-dir the test makes
$(OUTPUT)/tests/stripped/nested: $(OUTPUT)/tests/nested | $(OUTPUT)/tests
	$(call msg,STRIP,$@)
	$(Q)mkdir -p $(OUTPUT)/tests/stripped/.debug $(OUTPUT)/tests/stripped-id
	$(Q)objcopy --only-keep-debug $< $(OUTPUT)/tests/stripped/.debug/nested.debug
	$(Q)objcopy --strip-all $< $(OUTPUT)/tests/stripped-id/nested
	$(Q)cd $(OUTPUT)/tests/stripped/.debug && \
		objcopy --strip-all --add-gnu-debuglink=nested.debug ../../nested ../nested

$(OUTPUT)/tests/bench_target: tests/bench/bench_target.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) -std=gnu11 -g -O2 -Wall $< -o $@

# userspace hotpatching: a PIE service with endbr64 and its symbol table, fixes for it, and
# hand-written functions the site checks must refuse
ULP_CFLAGS := -std=gnu11 -g -O2 -fcf-protection -Wall -pthread

$(OUTPUT)/tests/ulp_target: tests/fixtures/ulp_target.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ULP_CFLAGS) -fPIE -pie $< -o $@

$(OUTPUT)/tests/ulp_fix_%.so: tests/fixtures/ulp_fix_%.c tests/fixtures/ulp_fix_common.h tests/fixtures/fix_spin.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ULP_CFLAGS) -fPIC -shared $< -o $@

# score() again, without its endbr64 and unoptimised: a fix that begins otherwise (push rbp)
# than the function it replaces does past its endbr64 (lea)
$(OUTPUT)/tests/ulp_fix_same_o0.so: tests/fixtures/ulp_fix_same.c | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ULP_CFLAGS) -O0 -fcf-protection=none -fPIC -shared $< -o $@

# fixes for Debian's nginx (tests/host/ulp.sh nginx): one source, a good build and a slow one
$(OUTPUT)/tests/ngx_fix_good.so: tests/fixtures/ngx_fix.c tests/fixtures/fix_spin.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ULP_CFLAGS) -fPIC -shared $< -o $@

$(OUTPUT)/tests/ngx_fix_slow.so: tests/fixtures/ngx_fix.c tests/fixtures/fix_spin.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ULP_CFLAGS) -DNGX_FIX_SLOW_NS=50000 -fPIC -shared $< -o $@

# fixes for Debian's PostgreSQL 15 (tests/host/ulp.sh postgres), as for nginx
$(OUTPUT)/tests/pg_fix_good.so: tests/fixtures/pg_fix.c tests/fixtures/fix_spin.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ULP_CFLAGS) -fPIC -shared $< -o $@

$(OUTPUT)/tests/pg_fix_slow.so: tests/fixtures/pg_fix.c tests/fixtures/fix_spin.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ULP_CFLAGS) -DPG_FIX_SLOW_NS=200000 -fPIC -shared $< -o $@

# the good fix rebuilt: other bytes, the same code
$(OUTPUT)/tests/pg_fix_rebuilt.so: tests/fixtures/pg_fix.c tests/fixtures/fix_spin.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ULP_CFLAGS) -DPG_FIX_MARK='"rebuilt"' -fPIC -shared $< -o $@

$(OUTPUT)/tests/ulp_asm_target: tests/fixtures/ulp_asm_target.c tests/fixtures/ulp_asm.S | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(ULP_CFLAGS) -fPIE -pie $^ -o $@

$(OUTPUT)/tests/ulp_%: tests/host/ulp_%.c $(OUTPUT)/libhotcanary.a $(ULP_FIXTURES) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(HC_CFLAGS) -DFIXTURE_DIR='"$(abspath $(OUTPUT)/tests)"' $< \
		$(OUTPUT)/libhotcanary.a $(LIBS) -o $@

$(OUTPUT)/tests/ulp_%: tests/bench/ulp_%.c $(OUTPUT)/libhotcanary.a $(ULP_FIXTURES) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(HC_CFLAGS) -DFIXTURE_DIR='"$(abspath $(OUTPUT)/tests)"' $< \
		$(OUTPUT)/libhotcanary.a $(LIBS) -o $@

ulp: $(ULP_FIXTURES) $(ULP_PROGS)

$(OUTPUT)/tests/bench_floor: tests/bench/bench_floor.c $(OUTPUT)/skel/bench_floor.skel.h | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(HC_CFLAGS) $< $(LIBS) -o $@

$(OUTPUT)/demo: tools/demo/demo.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) $< -o $@

$(OUTPUT)/demo-%.so: tools/demo/%.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIC -shared $< -o $@

# every suite runs, even after one failed; one summary line each, then the total
# what a new user runs is what CI runs: every suite, every warning an error
check: export DEVELOPER = 1
check:
	$(Q)OUTPUT=$(OUTPUT) MAKE="$(MAKE)" bash tests/check.sh

# nothing to build: the sources as they are (tools/lint/lint.sh)
lint check-lint:
	$(Q)sh tools/lint/lint.sh

format:
	$(Q)sh tools/lint/lint.sh --format

# some unit tests read the test modules that vm-modules builds (modinfo of real .ko files)
check-unit: $(UNIT_BINS) vm-modules
	$(Q)sh tests/unit/run.sh $(UNIT_BINS)

# The unit tests again, every object built with AddressSanitizer (and LeakSanitizer) and
# UBSan, in $(OUTPUT)/asan: any report ends the test binary with an error, and so fails it.
SAN_CFLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
SAN_UNIT_BINS := $(patsubst $(OUTPUT)/%,$(OUTPUT)/asan/%,$(UNIT_BINS))
check-unit-asan: $(FIXTURES) vm-modules
	$(Q)$(MAKE) OUTPUT=$(OUTPUT)/asan CFLAGS="$(SAN_CFLAGS)" FIXTURE_OUT=$(OUTPUT)/tests \
		$(SAN_UNIT_BINS)
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		SUITE=unit-asan sh tests/unit/run.sh $(SAN_UNIT_BINS)

# ---- fuzzing: libFuzzer targets over every parser of untrusted input ------------------------
# Every object is built again with clang's coverage and ASan/UBSan in $(OUTPUT)/fuzz; each
# target runs FUZZ_S seconds from its seed corpus (tests/fuzz/corpus/TARGET).
FUZZ_S ?= 60
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -I$(OUTPUT)/skel -Ibpf \
	-Iuser -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_TARGETS := policy recording journal elfsym
FUZZ_BINS := $(patsubst %,$(OUTPUT)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_OBJS := $(patsubst user/%.c,$(OUTPUT)/fuzz/obj/%.o,$(filter-out user/main.c,$(USER_SRCS)))

$(OUTPUT)/fuzz/obj/%.o: user/%.c $(SKELS) | $(OUTPUT)/fuzz/obj $(OUTPUT)/fuzz/obj/patch \
		$(OUTPUT)/fuzz/obj/cmd
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

# 'q' as for libhotcanary.a: two objects are called klp.o
$(OUTPUT)/fuzz/libhotcanary.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar qcs $@ $^

$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(OUTPUT)/fuzz/libhotcanary.a
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(OUTPUT)/fuzz/libhotcanary.a $(LIBS) -o $@

fuzz: $(FUZZ_BINS)
	$(Q)OUTPUT=$(OUTPUT) FUZZ_S=$(FUZZ_S) FUZZ_RUNS=$(FUZZ_RUNS) bash tests/fuzz/run.sh \
		$(FUZZ_TARGETS)

# in 'make check': every target a short while, from the seeds and what earlier runs found
check-fuzz: $(FUZZ_BINS)
	$(Q)OUTPUT=$(OUTPUT) FUZZ_S=15 bash tests/fuzz/run.sh $(FUZZ_TARGETS)

check-host: $(OUTPUT)/hotcanary $(FIXTURES) $(OUTPUT)/tests/test_prom
	$(Q)OUTPUT=$(OUTPUT) bash tests/host/run.sh

check-ulp: $(OUTPUT)/hotcanary $(ULP_FIXTURES) $(OUTPUT)/tests/ulp_engine $(OUTPUT)/tests/test_prom
	$(Q)OUTPUT=$(OUTPUT) bash tests/host/ulp.sh

# test modules (a kernel WARN, later livepatches) built against each VM kernel's headers
vm-modules:
	$(Q)OUTPUT=$(OUTPUT) sh tests/vm/build-modules.sh

# The scenarios take 22 min here; their budget keeps make check under CI's 90 min even when
# guests hang and are booted again (tests/vm/run.sh kills a guest that hangs).
SCENARIO_BUDGET ?= 3000

# A scenario whose VM crashed under emulation (multi-threaded TCG's stale int3 on 6.12, before
# its VM ran single-threaded: tests/vm/README.md) is run again, at most twice, and every crash
# is still counted and printed.
check-vm: static vm-modules
	$(Q)OUTPUT=$(OUTPUT) bash tests/vm/run.sh

check-scenarios: static vm-modules
	$(Q)OUTPUT=$(OUTPUT) sh tests/vm/run-scenario --kernel all --retry-crashed 2 \
		--budget $(SCENARIO_BUDGET) tests/vm/livepatch/*/

# the good patch 10 times, alone and under bursty load, and every bad one 5 times per kernel:
# false rollbacks, detect_ms
bench-vm: static
	$(Q)OUTPUT=$(OUTPUT) sh tests/vm/run-scenario --kernel all --retry-crashed 2 --summary \
		--repeat 10 tests/vm/livepatch/good tests/vm/livepatch/bursty \
		--repeat 5 $(filter-out tests/vm/livepatch/good/ tests/vm/livepatch/bursty/,$(wildcard tests/vm/livepatch/*/))

bench: $(OUTPUT)/hotcanary $(OUTPUT)/tests/bench_target $(OUTPUT)/tests/bench_floor \
		$(OUTPUT)/tests/ulp_bench ulp
	$(Q)OUTPUT=$(OUTPUT) bash tests/bench/bench.sh
	@# a byte-identical fix of a few-ns function, 10 rollouts: the arms' p50 ratios (~6 min);
	@# a harmless fix in processes of 4 speeds, 10 rollouts (~7 min); PostgreSQL's good fix 5
	@# times (~4 min)
	$(Q)OUTPUT=$(OUTPUT) SAME_RUNS=10 SPEED_RUNS=10 PG_RUNS=5 bash tests/host/ulp.sh same \
		speeds postgres

# the judge's own code on simulated windows: false rollbacks and holds of A/A, detection
$(OUTPUT)/tests/bench_judge: tests/bench/bench_judge.c $(OUTPUT)/libhotcanary.a | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(HC_CFLAGS) -Itests/unit $< $(OUTPUT)/libhotcanary.a $(LIBS) -o $@

bench-judge: $(OUTPUT)/tests/bench_judge
	$(Q)$(OUTPUT)/tests/bench_judge 2

deps:
	$(Q)sh tools/install-deps.sh

# the README's example: the fixture recorded before and after a 20% slowdown, compared and
# drawn into tools/docs/compare.{txt,svg,png}, which are committed (needs root: uprobes)
docs: $(OUTPUT)/hotcanary $(OUTPUT)/tests/fixture $(OUTPUT)/tests/libfixture.so
	$(Q)OUTPUT=$(OUTPUT) sh tools/docs/make-docs.sh

# ---- installing and packaging ----------------------------------------------------------------
PREFIX ?= /usr
DESTDIR ?=
# Debian 12 keeps units in /lib/systemd/system, which usrmerge makes /usr/lib's alias
SYSTEMD_UNIT_DIR ?= /lib/systemd/system
VERSION := $(shell sed -n 's/^\#define HC_VERSION "\(.*\)"/\1/p' user/main.c)
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
DEB := $(OUTPUT)/hotcanary_$(VERSION)_$(DEB_ARCH).deb

$(OUTPUT)/man/hotcanary.8.gz: tools/man/hotcanary.8 | $(OUTPUT)/man
	$(Q)gzip -9n <$< >$@

$(OUTPUT)/man/hotcanary-policy.5.gz: user/policy.h tools/man/gen-policy-man.sh | $(OUTPUT)/man
	$(call msg,MAN,$@)
	$(Q)sh tools/man/gen-policy-man.sh $< | gzip -9n >$@

man: $(OUTPUT)/man/hotcanary.8.gz $(OUTPUT)/man/hotcanary-policy.5.gz

# the binary, its man pages, bash completion, the unit that runs 'recover' at boot and the
# example policies; PREFIX=/usr and DESTDIR as every Debian package build expects
install: $(OUTPUT)/hotcanary man
	$(Q)install -D -m 0755 $(OUTPUT)/hotcanary $(DESTDIR)$(PREFIX)/sbin/hotcanary
	$(Q)install -D -m 0644 $(OUTPUT)/man/hotcanary.8.gz \
		$(DESTDIR)$(PREFIX)/share/man/man8/hotcanary.8.gz
	$(Q)install -D -m 0644 $(OUTPUT)/man/hotcanary-policy.5.gz \
		$(DESTDIR)$(PREFIX)/share/man/man5/hotcanary-policy.5.gz
	$(Q)install -D -m 0644 tools/completion/hotcanary.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/hotcanary
	$(Q)install -D -m 0644 tools/systemd/hotcanary-recover.service \
		$(DESTDIR)$(SYSTEMD_UNIT_DIR)/hotcanary-recover.service
	$(Q)install -d -m 0755 $(DESTDIR)$(PREFIX)/share/doc/hotcanary/examples
	$(Q)install -m 0644 policies/*.yaml $(DESTDIR)$(PREFIX)/share/doc/hotcanary/examples/

# A Debian package of 'make install', with dpkg-deb alone (no debhelper): the dependencies
# come from dpkg-shlibdeps, the copyright from LICENSE.
deb: $(OUTPUT)/hotcanary man
	$(Q)OUTPUT=$(OUTPUT) VERSION=$(VERSION) ARCH=$(DEB_ARCH) MAKE="$(MAKE)" \
		sh tools/deb/build.sh $(DEB)

# the package installed by apt on a fresh Debian 12 (debootstrap, cached), not on this host
check-deb: deb
	$(Q)OUTPUT=$(OUTPUT) bash tests/deb/check.sh $(DEB)

demo: $(OUTPUT)/hotcanary $(OUTPUT)/demo $(OUTPUT)/demo-fix_good.so $(OUTPUT)/demo-fix_bad.so
	$(Q)OUTPUT=$(OUTPUT) sh tools/demo/run.sh

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/skel $(OUTPUT)/obj $(OUTPUT)/obj/patch $(OUTPUT)/obj/cmd \
		$(OUTPUT)/tests $(OUTPUT)/static $(OUTPUT)/fuzz/obj $(OUTPUT)/fuzz/obj/patch \
		$(OUTPUT)/fuzz/obj/cmd $(OUTPUT)/man:
	$(Q)mkdir -p $@

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/obj/*.d $(OUTPUT)/obj/patch/*.d $(OUTPUT)/obj/cmd/*.d)
