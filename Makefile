# dcsim - GNU Makefile.  `make run` sets up and runs the default scenario;
# `make test` builds and runs every test.  See README.md.

# --- CUDA (issue 5, GPU calibration): make CUDA=1 builds in its own folder
ifeq ($(CUDA),1)
BUILD   ?= build-cuda
endif
# --- end CUDA
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
WERROR  ?= 1
SAN     ?= 0
PKG_CONFIG ?= pkg-config

VERSION := 0.1.0
GIT_REV := $(shell git describe --always --dirty --abbrev=12 2>/dev/null || echo unknown)

PKGS    := gsl sqlite3 yaml-0.1
CSTD    := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wformat=2 -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif
OPT     ?= -O2 -g
ifeq ($(SAN),1)
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=undefined
LDSAN   := -fsanitize=address,undefined
endif
# GSL takes any CBLAS: OpenBLAS replaces its reference gslcblas, and the
# calibration kernels (models/kernels.c) call the same library.
DEPCFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) openblas 2>/dev/null)
DEPLIBS   = $(filter-out -lgslcblas,$(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)) \
            $(shell $(PKG_CONFIG) --libs openblas 2>/dev/null || echo -lopenblas) -lcsv -lm
CHECKFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECKLIBS  = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

CFLAGS  ?=
ALL_CFLAGS = $(CSTD) $(OPT) $(WARN) $(DEPCFLAGS) $(CFLAGS) -MMD -MP

LIB_SRC := $(wildcard sim/*.c) $(wildcard models/*.c) $(wildcard reports/*.c)
CLI_SRC := $(wildcard sim/cli/*.c)
TEST_SRC := $(wildcard tests/check_*.c)
TEST_UTIL := $(wildcard tests/util/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/version.o
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_UTIL_OBJ := $(TEST_UTIL:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libdcsim.a

# --- CUDA (issue 5, GPU calibration): `make CUDA=1` compiles models/cuda/*.cu
# with nvcc into the library, defines DC_CUDA for the C sources (dcsim
# calibrate --gpu) and links cuBLAS and the CUDA runtime.  The default build
# needs no CUDA and is unchanged.
ifeq ($(CUDA),1)
NVCC      ?= $(firstword $(wildcard /usr/local/cuda/bin/nvcc) \
                         $(shell command -v nvcc 2>/dev/null))
ifeq ($(NVCC),)
$(error make CUDA=1: nvcc not found; give NVCC=/path/to/nvcc)
endif
CUDA_HOME ?= $(patsubst %/bin/nvcc,%,$(NVCC))
# Ampere and Hopper machine code, and Hopper PTX for later GPUs
CUDA_ARCH ?= -gencode arch=compute_80,code=sm_80 \
             -gencode arch=compute_90,code=[sm_90,compute_90]
NVCCFLAGS ?= -O2 -g -std=c++17 $(CUDA_ARCH) \
             -Xcompiler -Wall,-Wextra,-Wshadow,-Wno-unused-parameter
ifeq ($(WERROR),1)
NVCCFLAGS += -Werror all-warnings -Xcompiler -Werror
endif
CUDA_OBJ   := $(patsubst %.cu,$(BUILD)/%.o,$(wildcard models/cuda/*.cu))
LIB_OBJ    += $(CUDA_OBJ)
ALL_CFLAGS += -DDC_CUDA
DEPLIBS    += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 \
              -lcublas -lcudart -lstdc++

$(BUILD)/models/cuda/%.o: models/cuda/%.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -MMD -MP -c $< -o $@
endif
# --- end CUDA
DCSIM := $(BUILD)/dcsim

.PHONY: FORCE all run deps test check-unit check-golden sanitize valgrind bench \
        install uninstall clean format help
.DEFAULT_GOAL := all

all: $(DCSIM)

help:
	@echo "make run       install missing packages, build, run scenarios/default.yaml"
	@echo "make test      build and run every test (unit suites + golden)"
	@echo "make sanitize  the tests under ASan+UBSan (build folder build-san)"
	@echo "make valgrind  the unit tests under valgrind memcheck"
	@echo "make bench     the benchmark suite; writes bench/results/*.csv"
	@echo "make deps      install the Debian packages dcsim needs"
	@echo "make install   install dcsim (PREFIX=$(PREFIX), DESTDIR honoured)"

deps:
	@sh .ci/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	$(DCSIM) run scenarios/default.yaml

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CHECKFLAGS) -c $< -o $@

# The version and revision, rewritten only when they change.
$(BUILD)/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@printf '#include "sim/cli/version.h"\nconst char dc_version[] = "%s";\nconst char dc_git_rev[] = "%s";\n' \
		'$(VERSION)' '$(GIT_REV)' >$@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

$(BUILD)/gen/version.o: $(BUILD)/gen/version.c
	$(CC) $(CPPFLAGS) -I. $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(DCSIM): $(CLI_OBJ) $(LIB)
	$(CC) $(OPT) $(LDSAN) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(DEPLIBS)

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(TEST_UTIL_OBJ) $(LIB)
	$(CC) $(OPT) $(LDSAN) $(LDFLAGS) -o $@ $< $(TEST_UTIL_OBJ) $(LIB) \
	      $(CHECKLIBS) $(DEPLIBS)

# Unit suites (Check, fork mode), then the golden end-to-end tests.
test: $(DCSIM) $(TEST_BIN)
	@sh tests/run_units.sh $(BUILD) $(TEST_BIN)
	@sh tests/golden/run.sh $(DCSIM)

check-unit: $(TEST_BIN)
	@sh tests/run_units.sh $(BUILD) $(TEST_BIN)

check-golden: $(DCSIM)
	@sh tests/golden/run.sh $(DCSIM)

sanitize:
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 test

valgrind: $(TEST_BIN)
	@VALGRIND=1 sh tests/run_units.sh $(BUILD) $(TEST_BIN)

bench: $(BUILD)/bench/hold $(BUILD)/bench/campus $(BUILD)/bench/serving \
       $(BUILD)/bench/kernels $(DCSIM)
	@mkdir -p bench/results
	$(BUILD)/bench/hold bench/results/hold.csv
	$(BUILD)/bench/campus scenarios/campus.yaml bench/results/campus.csv
	$(BUILD)/bench/serving scenarios/serving-bench.yaml bench/results/serving.csv
	OPENBLAS_NUM_THREADS=1 $(BUILD)/bench/kernels bench/results/kernels.csv
	@t0=$$(date +%s.%N); $(DCSIM) calibrate --quick -q --force \
		--out bench/results/calibrate-quick.csv && \
	 awk -v a=$$t0 -v b=$$(date +%s.%N) \
	   'BEGIN { printf "calibrate --quick: %.1f s wall (target < 60 s)\n", b - a }'
	@# accuracy: the quick profile predicting shapes it never saw and whole
	@# layers (bound +-15 %; a loaded machine shows here, hence no failure)
	@$(DCSIM) calibrate --check bench/results/calibrate-quick.csv --quick -q \
		>bench/results/calibrate-check.txt; \
	 tail -1 bench/results/calibrate-check.txt | sed 's/^/calibrate --check: /'

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	$(CC) $(OPT) $(LDSAN) $(LDFLAGS) -o $@ $< $(LIB) $(DEPLIBS)

install: $(DCSIM)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(DCSIM) $(DESTDIR)$(PREFIX)/bin/dcsim

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/dcsim

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(TEST_SRC) sim/*.h models/*.h reports/*.h

clean:
	rm -rf build build-san build-cuda

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
