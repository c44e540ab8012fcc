# alip-swift: two commands on a fresh Debian machine with the Swift toolchain.
#   make demo   installs missing Debian packages, builds (release), generates the digit-scenes data
#               set on first use, trains the CLIP and ALIP demo recipes and prints the evaluation table
#   make test   installs missing Debian packages, builds and runs the whole test suite
# Other targets: build, bench, docs, clean.

SWIFT      ?= swift
DEBS       := libopenblas-dev libhdf5-dev libturbojpeg0-dev libpng-dev zlib1g-dev pkg-config
# The manifest lists the modules under Plugins/ by reading the folder, so it must be evaluated anew
# (SwiftPM otherwise caches it by content and would miss a newly added plugin).
SPMFLAGS   := --manifest-cache none
RELEASE    := -c release $(SPMFLAGS)
# Tests build in release mode (with testability): the numeric tests and end-to-end training run
# many times faster than in debug, which more than pays for the longer compile.
TESTFLAGS  := -c release -Xswiftc -enable-testing $(SPMFLAGS)
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

## Regenerate the recipe reference from the registry.
docs: build
	$(ALIP) components --markdown > Docs/recipe-reference.md

clean:
	rm -rf .build
