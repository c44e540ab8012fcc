# alip-swift: two commands on a fresh Debian machine with the Swift toolchain.
#   make demo   installs missing Debian packages, builds (release), generates the digit-scenes data
#               set on first use, trains the demo recipe and prints the evaluation table
#   make test   installs missing Debian packages, builds and runs the whole test suite
# Other targets: build, bench, docs, clean.

SWIFT      ?= swift
DEBS       := libopenblas-dev libhdf5-dev libturbojpeg0-dev libpng-dev pkg-config
RELEASE    := -c release
# Tests build in release mode (with testability): the numeric tests and end-to-end training run
# many times faster than in debug, which more than pays for the longer compile.
TESTFLAGS  := -c release -Xswiftc -enable-testing
ALIP       := .build/release/alip

.PHONY: deps build demo test bench docs clean

## Install the Debian packages the build links against, when any is missing.
deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(RELEASE) --product alip

demo: build
	$(ALIP) demo

test: deps
	$(SWIFT) build $(TESTFLAGS) --build-tests
	$(SWIFT) test $(TESTFLAGS) --skip-build

bench: build
	$(ALIP) bench

clean:
	rm -rf .build
