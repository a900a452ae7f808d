#!/bin/sh
# Install the Debian packages dcsim needs, only those missing.
set -e
pkgs="build-essential pkgconf libgsl-dev libsqlite3-dev sqlite3 libcsv-dev
libcyaml-dev libyaml-dev check gnuplot-nox valgrind libopenblas-dev"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: all Debian packages present"; exit 0; }
echo "deps: installing$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends $missing
