#!/bin/sh
# bench/gpu/fetch-debs.sh - download, here, the Debian 12 packages that
# dcsim's build needs into bench/gpu/debs, for a GPU machine that has CUDA
# but no GSL, SQLite, libyaml, libcsv or OpenBLAS headers and cannot reach a
# package registry (the device machine).  bench/gpu/calibrate.sh unpacks them
# there when the system has none.  The folder is kept out of git
# (.git/info/exclude); name it in the device run's carry.
#
# Usage (repository root, on Debian 12 with apt): sh bench/gpu/fetch-debs.sh
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
dir="$root/bench/gpu/debs"
mkdir -p "$dir"
cd "$dir"
# the libraries and their -dev packages, OpenBLAS's Fortran runtime, and
# pkg-config and make in case the machine lacks them
apt-get download libgsl-dev libgsl27 libgslcblas0 libsqlite3-dev \
	libsqlite3-0 libcsv-dev libcsv3 libyaml-dev libyaml-0-2 \
	libopenblas-dev libopenblas-pthread-dev libopenblas0-pthread \
	libopenblas0 libgfortran5 libquadmath0 pkgconf pkgconf-bin \
	libpkgconf3 make
ex="$root/.git/info/exclude"
if [ -d "$root/.git" ] && ! grep -qx '/bench/gpu/debs/' "$ex" 2>/dev/null; then
	echo '/bench/gpu/debs/' >>"$ex"
fi
echo "fetch-debs: $(ls "$dir" | wc -l) packages, $(du -sh "$dir" | cut -f1) in $dir"
