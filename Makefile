# bulwark -- a thin front of CMake + CTest. See DEVELOPERS.md.
#   make          build everything into build/ (the tool is build/bulwark)
#   make demo     install what is missing, build, scan the bundled samples
#   make check    install what is missing, then the whole suite: a release
#                 build, then an ASan+UBSan build (clang-14) with the fuzz
#                 corpora replayed
#   make bench    the benchmarks in bench/ (figures go to docs/benchmarks.md)
#   make fuzz     libFuzzer builds of fuzz/fuzz_*.c, each run FUZZ_SECONDS
#   make install  PREFIX=/usr/local
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr/local
FUZZ_SECONDS ?= 60

.PHONY: all deps demo check check-release check-asan bench fuzz install clean

all: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

deps:
	@scripts/deps.sh

demo: all
	@scripts/demo.sh $(BUILD)/bulwark

check:
	@scripts/deps.sh --corpus
	@$(MAKE) --no-print-directory check-release check-asan

check-release: all
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

check-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang-14 \
		-DBW_SANITIZE=ON -DBW_BENCH=OFF >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS) -LE slow

bench: all
	@scripts/deps.sh --corpus
	@bench/run.sh $(BUILD)

fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
		-DBW_FUZZ=ON -DBW_TESTS=OFF -DBW_BENCH=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS)
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

install: all
	@cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
