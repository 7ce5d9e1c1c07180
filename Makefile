# rdmatop — the two commands of the README:
#   make demo   set up, build, and run rdmatop on the built-in demo
#   make test   set up, build, and run every test
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: all setup-demo setup-test build build-debug demo test test-swift unit-test bench clean fuzz fuzz-build fuzz-smoke

all: build

setup-demo:
	@scripts/setup.sh demo

setup-test:
	@scripts/setup.sh test

# Release binaries for the demo and for use. rdmatop carries the Swift runtime and Foundation
# inside (--static-swift-stdlib): it runs where no Swift toolchain is installed, needing only
# Debian's shared libraries (libbpf, ncurses, libmnl, libdeflate, and libcurl for
# Foundation's networking, which FlyingFox links), and starts in about 10 ms instead of 17.
# The check after it fails the build if a Swift library is still linked dynamically.
RELEASE_FLAGS := -c release --static-swift-stdlib
build: setup-demo
	swift build $(RELEASE_FLAGS) --product rdmatop
	@! ldd .build/release/rdmatop | grep -E 'libswift|libFoundation' || \
		{ echo "build: .build/release/rdmatop still links the Swift runtime dynamically" >&2; exit 1; }
	swift build $(RELEASE_FLAGS) --product rocegen

build-debug: setup-test
	swift build --build-tests

demo: build
	@scripts/demo.sh

# Unit and end-to-end tests (the live-probe ones need root: CI runs as root); real SoftRoCE
# traffic in a qemu VM (skipped, saying so, only where qemu cannot run); the kernel series:
# applies, builds and passes checkpatch patch by patch; and booted with rdmatop in RDMA mode.
# The kernel builds need nothing from Swift: scripts/overlap runs them (the lab's image, then
# check) in the background at idle priority while test-swift runs, prints their results after it,
# and fails if any failed. The lab's VM run, last in test-swift, waits for the image (the
# lab's lock) if it is still being built.
test: setup-test
	@scripts/overlap 'kernel-patches/lab --build-only' kernel-patches/check \
		-- $(MAKE) --no-print-directory test-swift

# The tests that need the Swift build (the last one also the lab's kernel image), and the
# fuzzing smoke run (its own ASan build in .build-fuzz) right after swift test.
# A failing expectation can be thousands of lines above the end, and CI keeps only the end:
# on failure, the failed tests' lines and the expectations that failed (known issues left out)
# are printed again last.
test-swift: build-debug
	@set -o pipefail; swift test --skip-build 2>&1 | tee .build/swift-test.log || \
		{ echo "swift test failed; what failed (from .build/swift-test.log):"; \
		  grep -E '^✘|recorded an issue|error:' .build/swift-test.log | grep -v 'known issue' | tail -n 40; exit 1; }
	$(MAKE) fuzz-smoke
	tests/lab/softroce-test
	kernel-patches/lab --rdmatop .build/debug/rdmatop

# Per-packet costs in Swift, then bench/run: the probe under BPF_PROG_TEST_RUN, rdmatop vs
# tshark vs plain C on one capture, 100k QPs, and a live-frames sender into a veth (root).
bench:
	@scripts/setup.sh bench
	swift build $(RELEASE_FLAGS) --product rdmatop
	swift build $(RELEASE_FLAGS) --product rocegen
	swift build $(RELEASE_FLAGS) --product rdmatop-bench
	.build/release/rdmatop-bench
	bench/run

clean:
	rm -rf .build .build-fuzz

# Coverage-guided fuzzing (libFuzzer with AddressSanitizer), fuzz/README.md: `make fuzz` runs
# every target for FUZZ_SECONDS on a release build; `make test` runs each for
# FUZZ_SMOKE_SECONDS from the committed corpus, so that a regression on an input it holds, or
# near one, fails. The smoke uses the release build too: a debug build takes half the CPU to
# build, but runs the committed corpus 4-29x slower (command-line 3 inputs a second against 86:
# its 957 took 4 of a fresh clone's 23 minutes of make test), and every run starts with it.
FUZZ_TARGETS ?= capture decoder pipeline replay probe-event view command-line
FUZZ_CONFIG ?= release
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_CONFIG ?= release
FUZZ_SMOKE_SECONDS ?= 5

fuzz-build: setup-test
	swift build -c $(FUZZ_CONFIG) --product rdmatop-fuzz --scratch-path .build-fuzz \
		-Xswiftc -sanitize=fuzzer,address -Xlinker --export-dynamic

fuzz: fuzz-build
	fuzz/run .build-fuzz/$(FUZZ_CONFIG)/rdmatop-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke:
	$(MAKE) --no-print-directory fuzz-build FUZZ_CONFIG=$(FUZZ_SMOKE_CONFIG)
	fuzz/run .build-fuzz/$(FUZZ_SMOKE_CONFIG)/rdmatop-fuzz $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
