# The two commands a newcomer needs (see README.md):
#   make run    set up, build, and dry-run the shipped examples against the shipped rules
#   make test   set up, lint the formatting, build, and run every test (plus the service's contract tests
#               with schemathesis and the AddressSanitizer run of ApprovalJSON); installs the tools the
#               tests drive when missing (scripts/test-tools.sh: msmtp, aiosmtpd)
# `make bench` runs the benchmarks (Benchmarks/README.md); `make fuzz` the fuzzers (Fuzz/README.md).

SWIFT ?= swift
CLI := .build/cli/approvalctl
export LSAN_OPTIONS := suppressions=$(CURDIR)/.ci/lsan.supp

.PHONY: setup lint format build run test test-static-cli test-contract test-asan fuzz-smoke fuzz bench clean

# Installs what the build needs from Debian's packages, only when it is missing.
setup:
	@./scripts/setup.sh

# Installs the release CLI in .build/cli: approvalctl (fully static, for fast start-up) and
# approvalctl-live, the commands that call the approvals API, which approvalctl runs from its folder.
build: setup
	SWIFT=$(SWIFT) ./scripts/build-cli.sh .build/cli

# The example snapshots are dated for 2025-06-01 (as their expected decisions in examples/tests are).
run: build
	$(CLI) dry-run examples/snapshots --rules rules/default.rules.json --now 2025-06-01T00:00:00Z

bench: setup
	./Benchmarks/run.sh

# The sources are `swift format` clean (.swift-format; the generated Confusables.swift is exempt).
FORMATTED := Sources Tests Benchmarks/Sources Fuzz/Sources

test: setup lint
	@./scripts/test-tools.sh
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip SimulatorIntegrationTests
	@# The client's retry and deadline tests measure wall time against a live loopback server, so they
	@# run on their own: beside the CPU-bound suites, a starved task pool measured the load, not the client.
	$(SWIFT) test --skip-build --filter SimulatorIntegrationTests
	$(MAKE) --no-print-directory test-static-cli
	$(MAKE) --no-print-directory test-contract
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz-smoke

# The shipped approvalctl is a fully static release build: the CLI's suites run against it too,
# with the debug build of its companion beside it (the live suites, slow, run in the debug pass).
STATIC_TEST := .build/static-test
test-static-cli:
	SWIFT=$(SWIFT) ./scripts/build-cli.sh --no-live $(STATIC_TEST)
	ln -sf $(CURDIR)/.build/debug/approvalctl-live $(STATIC_TEST)/approvalctl-live
	APPROVALCTL=$(CURDIR)/$(STATIC_TEST)/approvalctl $(SWIFT) test --skip-build \
		--filter 'approvalctlTests|ApprovalHardeningTests' --skip LiveCLITests

# The decision service against its OpenAPI description: schemathesis (PyPI, installed if missing)
# drives the running `approvalctl serve` (started and stopped by the script).
test-contract:
	./scripts/contract-test.sh .build/debug/approvalctl 25

# ApprovalJSON owns every jansson pointer: its tests also run under AddressSanitizer (leaks included).
test-asan:
	APPROVAL_JSON_ONLY=1 $(SWIFT) test --sanitize=address --scratch-path .build-asan

lint:
	$(SWIFT) format lint --strict --recursive $(FORMATTED)

format:
	$(SWIFT) format --in-place --recursive $(FORMATTED)

# A few seconds of each fuzz target (libFuzzer + AddressSanitizer); `make fuzz` runs them longer.
fuzz-smoke:
	FUZZ_SMOKE=1 ./Fuzz/run.sh 10

fuzz:
	./Fuzz/run.sh 600

clean:
	rm -rf .build .build-*
