#!/bin/sh
# bench/gpu/calibrate.sh - `dcsim calibrate --gpu` on a machine with an NVIDIA
# GPU (prepared for the H200 device machine): build with CUDA=1, run the
# calibration under a time limit, keep everything in $OUT: the profile
# (fp16 GEMMs), its fp32 sibling, the raw nvidia-smi trace, the build and
# run logs, and what nvidia-smi says about the GPU.
#
# Usage, from the repository root:
#   sh bench/gpu/calibrate.sh [--full]     (default: --quick, about 3 min)
# Environment:
#   OUT      results folder (default bench/results/gpu)
#   LIMIT_S  time limit of the calibration itself (default 300; --full
#            needs about 420)
#   MODEL    model whose shapes are measured (default llama2_7b)
#   GPU      nvidia-smi index / CUDA device to measure (default 0)
# A machine without the Debian packages of the build (an image with CUDA
# but no GSL ...) takes them from bench/gpu/debs: run
# bench/gpu/fetch-debs.sh beforehand where apt works and carry that folder;
# they are unpacked under /tmp/dcsim-deps.  On the device machine:
#   run(command="sh bench/gpu/calibrate.sh", carry=["bench/gpu/debs"],
#       timeout_s=480)
# Exit status: dcsim's (0 when the kernels passed their checks and both
# fits succeeded), 2 when the build failed, 124 when the limit was hit.
set -u
OUT=${OUT:-bench/results/gpu}
LIMIT_S=${LIMIT_S:-300}
MODEL=${MODEL:-llama2_7b}
GPU=${GPU:-0}
mode=--quick
[ "${1:-}" = --full ] && mode=
mkdir -p "$OUT"
say() { echo "calibrate.sh: $*" | tee -a "$OUT/run.log"; }

# the GPU before anything runs
{ nvidia-smi -L; nvidia-smi -i "$GPU" -q -d CLOCK,POWER,TEMPERATURE,PERFORMANCE; } \
	>"$OUT/nvidia-smi.txt" 2>&1 || say "nvidia-smi failed (see nvidia-smi.txt)"

# the build's libraries: the system's, or the carried Debian packages
if ! pkg-config --exists gsl sqlite3 yaml-0.1 2>/dev/null; then
	if ! ls bench/gpu/debs/*.deb >/dev/null 2>&1; then
		say "no GSL/SQLite/libyaml here and no bench/gpu/debs to unpack"
		exit 2
	fi
	D=/tmp/dcsim-deps
	L=$D/usr/lib/x86_64-linux-gnu
	mkdir -p "$D"
	for f in bench/gpu/debs/*.deb; do dpkg-deb -x "$f" "$D"; done
	# the alternatives dpkg would have set up for OpenBLAS
	ln -sf openblas-pthread/libopenblas.so.0 "$L/libopenblas.so.0"
	ln -sf openblas-pthread/libblas.so.3 "$L/libblas.so.3"
	export PATH="$D/usr/bin:$PATH"
	export PKG_CONFIG_LIBDIR="$L/pkgconfig:$L/openblas-pthread/pkgconfig:$D/usr/share/pkgconfig"
	export PKG_CONFIG_SYSROOT_DIR="$D"
	export LD_LIBRARY_PATH="$L:$L/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	export LIBRARY_PATH="$L:$L/openblas-pthread"
	export CPATH="$D/usr/include"
	say "using the Debian packages unpacked in $D"
fi

t0=$(date +%s)
if ! make -j"$(nproc)" CUDA=1 BUILD=build-cuda WERROR=0 >"$OUT/build.log" 2>&1; then
	say "make CUDA=1 failed; the end of build.log:"
	tail -n 30 "$OUT/build.log" | tee -a "$OUT/run.log"
	exit 2
fi
say "built in $(( $(date +%s) - t0 )) s: $(build-cuda/dcsim --version)"

name=$(nvidia-smi -i "$GPU" --query-gpu=name --format=csv,noheader 2>/dev/null |
	head -n 1 | tr 'A-Z' 'a-z' | sed 's/[^a-z0-9][^a-z0-9]*/_/g; s/^_//; s/_$//')
[ -n "$name" ] || name=gpu
say "calibrating ${name} (${mode:-full}), limit ${LIMIT_S} s"
t0=$(date +%s)
CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=$GPU \
	timeout -k 10 "$LIMIT_S" build-cuda/dcsim calibrate --gpu $mode \
	--model "$MODEL" --out "$OUT/$name.csv" --force >>"$OUT/run.log" 2>&1
st=$?
say "dcsim calibrate --gpu: exit $st after $(( $(date +%s) - t0 )) s"
if [ $st -eq 64 ] && grep -q "'--gpu'" "$OUT/run.log"; then
	say "this dcsim's calibrate does not take --gpu yet (sim/cli/main.c" \
	    "must hand it to dc_cmd_calibrate_gpu)"
fi
grep -E '^# (gpu_|peak|device)' "$OUT/$name.csv" 2>/dev/null | tee -a "$OUT/run.log"
exit $st
