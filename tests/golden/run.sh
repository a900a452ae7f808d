#!/bin/sh
# Golden end-to-end tests of the dcsim command line: scenario error
# transcripts (tests/golden/NAME.yaml -> NAME.out, the expected output of
# `dcsim validate` followed by "exit N"), exit statuses for each error
# class, output-folder rules, determinism, interruption and `report`.
# Usage: run.sh path/to/dcsim.  Prints "N passed, N failed".
set -u
dcsim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dcsim-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "  FAIL  $*"; }

# expect_status WANT DESCRIPTION CMD...: run CMD, compare its exit status
expect_status() {
	want=$1; what=$2; shift 2
	"$@" >"$tmp/out" 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok; else
		bad "$what: exit $got, want $want"; sed 's/^/        /' "$tmp/out" | head -n 20
	fi
}

cd "$root" || exit 1

# 1. scenario error transcripts
for y in tests/golden/*.yaml; do
	name=${y%.yaml}
	{ "$dcsim" validate "$y"; echo "exit $?"; } >"$tmp/got" 2>&1
	if diff -u "$name.out" "$tmp/got" >"$tmp/diff"; then ok; else
		bad "golden $name"; sed 's/^/        /' "$tmp/diff"
	fi
done

# 2. exit statuses, one per class
expect_status 0 "--version" "$dcsim" --version
expect_status 0 "--help" "$dcsim" --help
expect_status 0 "help run" "$dcsim" help run
expect_status 0 "help scenario" "$dcsim" help scenario
expect_status 64 "no command" "$dcsim"
expect_status 64 "unknown command" "$dcsim" frobnicate
expect_status 64 "unknown option" "$dcsim" run scenarios/queue.yaml --bogus
expect_status 64 "bad --format" "$dcsim" run scenarios/queue.yaml --format xml
expect_status 64 "--seed without value" "$dcsim" run scenarios/queue.yaml --seed
expect_status 64 "run without scenario" "$dcsim" run
expect_status 65 "invalid scenario" "$dcsim" run tests/golden/errors.yaml --out "$tmp/never"
[ ! -e "$tmp/never" ] && ok || bad "invalid scenario wrote $tmp/never"
expect_status 65 "bad --seed value" "$dcsim" run scenarios/queue.yaml --seed -3 --out "$tmp/never"
expect_status 65 "bad --until unit" "$dcsim" run scenarios/queue.yaml --until "3 kg" --out "$tmp/never"
[ ! -e "$tmp/never" ] && ok || bad "bad override wrote $tmp/never"
expect_status 66 "missing scenario" "$dcsim" run "$tmp/nope.yaml"
expect_status 66 "validate missing" "$dcsim" validate "$tmp/nope.yaml"
expect_status 0 "help calibrate" "$dcsim" help calibrate
expect_status 64 "calibrate bad option" "$dcsim" calibrate --bogus
expect_status 64 "calibrate --out without value" "$dcsim" calibrate --out
expect_status 66 "calibrate unknown model" "$dcsim" calibrate --model nope --out "$tmp/never.csv"
: > "$tmp/taken.csv"
expect_status 73 "calibrate over an existing profile" "$dcsim" calibrate --quick -q --out "$tmp/taken.csv"
expect_status 66 "report missing" "$dcsim" report "$tmp/nope"

# 3. a run, its files, and the output-folder rules
run() { "$dcsim" run scenarios/queue.yaml -q --until "6 h" --reps 3 "$@"; }
expect_status 0 "run" run --out "$tmp/a"
for f in scenario.resolved.yaml manifest.json results.db samples.csv \
	 summary.csv runs.csv run_stats.csv report.md; do
	[ -s "$tmp/a/$f" ] && ok || bad "run did not write $f"
done
ls "$tmp/a/charts/"*.gp >/dev/null 2>&1 && ok || bad "no chart scripts"
if command -v gnuplot >/dev/null 2>&1; then
	ls "$tmp/a/charts/"*.png >/dev/null 2>&1 && ok || bad "no chart images"
fi
ls -d "$tmp"/a.partial-* >/dev/null 2>&1 && bad "staging folder left" || ok
grep -q '^seed: 42  *# scenario' "$tmp/a/scenario.resolved.yaml" && ok ||
	bad "resolved scenario lacks the seed's provenance"
grep -q '^replications: 3  *# cli' "$tmp/a/scenario.resolved.yaml" && ok ||
	bad "resolved scenario lacks the --reps override"
grep -q '^warmup: .*# scenario' "$tmp/a/scenario.resolved.yaml" && ok ||
	bad "resolved scenario lacks warmup"
grep -q '^rng: .*# default' "$tmp/a/scenario.resolved.yaml" && ok ||
	bad "resolved scenario lacks a default's provenance"
# the resolved scenario is itself a valid scenario
cp "$tmp/a/scenario.resolved.yaml" "$tmp/resolved.yaml"
expect_status 0 "resolved scenario validates" "$dcsim" validate "$tmp/resolved.yaml"
if command -v sqlite3 >/dev/null 2>&1; then
	n=$(sqlite3 "$tmp/a/results.db" "select count(*) from runs where status='complete'")
	[ "$n" = 3 ] && ok || bad "runs table has $n complete runs, want 3"
	s=$(sqlite3 "$tmp/a/results.db" "select count(*) from pragma_table_list where strict=1 and name in ('runs','samples','summary')")
	[ "$s" = 3 ] && ok || bad "tables not STRICT ($s of 3)"
fi
expect_status 73 "non-empty --out refused" run --out "$tmp/a"
expect_status 73 "--out is a file" run --out "$tmp/a/manifest.json"
cp "$tmp/a/manifest.json" "$tmp/manifest.before"
cmp -s "$tmp/a/manifest.json" "$tmp/manifest.before" && ok || bad "refused run changed files"
mkdir "$tmp/empty"
expect_status 0 "empty --out accepted" run --out "$tmp/empty"
expect_status 0 "--force replaces" run --out "$tmp/a" --force --seed 7
grep -q '^seed: 7 ' "$tmp/a/scenario.resolved.yaml" && ok || bad "--force did not replace"
expect_status 0 "csv only" run --out "$tmp/c" --format csv
[ ! -e "$tmp/c/results.db" ] && [ -s "$tmp/c/samples.csv" ] && ok || bad "--format csv"
expect_status 0 "sqlite only" run --out "$tmp/s" --format sqlite
[ -s "$tmp/s/results.db" ] && [ ! -e "$tmp/s/samples.csv" ] && ok || bad "--format sqlite"
expect_status 0 "report" "$dcsim" report "$tmp/s"
grep -q 'queue.wait' "$tmp/out" && ok || bad "report printed no summary"
expect_status 0 "report from csv" "$dcsim" report "$tmp/c"
ls "$tmp/s/charts/"*.gp >/dev/null 2>&1 && ok || bad "report did not redraw charts"
ls -d "$tmp"/s/charts.* >/dev/null 2>&1 && bad "report left a staging folder" || ok
printf 'not a database at all, not even close ...............' >"$tmp/s/results.db"
expect_status 65 "report on a corrupt results.db" "$dcsim" report "$tmp/s"
rm "$tmp/c/samples.csv" && mkdir "$tmp/c/samples.csv"
expect_status 74 "report with an unreadable samples.csv" "$dcsim" report "$tmp/c"

# the default scenario (a small datacenter) runs and reports a PUE
expect_status 0 "default scenario" "$dcsim" run scenarios/default.yaml -q --until "2 d" --out "$tmp/dflt"
grep -q '"facility.pue_period"' "$tmp/dflt/summary.csv" && ok || bad "default run has no facility.pue_period"
# every value of the resolved scenario says where it came from
if grep -vE '^ *(#|-$|[a-z_]+:$)' "$tmp/dflt/scenario.resolved.yaml" |
	grep -vE '# (scenario|default|catalog|cli|calibration)$' >"$tmp/noprov"; then
	bad "resolved values without provenance:"; head -5 "$tmp/noprov"
else ok; fi
grep -q 'ups_a: .*# catalog' "$tmp/dflt/scenario.resolved.yaml" && ok ||
	bad "generation values not marked as catalog"
cp "$tmp/dflt/scenario.resolved.yaml" "$tmp/dflt-resolved.yaml"
DCSIM_DATA="$root/data" expect_status 0 "resolved default scenario validates" \
	"$dcsim" validate "$tmp/dflt-resolved.yaml"

# 4. determinism: same scenario and seed -> identical bytes
run --out "$tmp/d1" --seed 11 && run --out "$tmp/d2" --seed 11 &&
	run --out "$tmp/d3" --seed 12
for f in samples.csv summary.csv runs.csv run_stats.csv scenario.resolved.yaml; do
	cmp -s "$tmp/d1/$f" "$tmp/d2/$f" && ok || bad "$f differs between identical runs"
done
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$tmp/d1/results.db" .dump >"$tmp/d1.sql"
	sqlite3 "$tmp/d2/results.db" .dump >"$tmp/d2.sql"
	cmp -s "$tmp/d1.sql" "$tmp/d2.sql" && ok || bad "results.db dumps differ"
fi
cmp -s "$tmp/d1/samples.csv" "$tmp/d3/samples.csv" && bad "seed 12 gave seed 11's samples" || ok

# 5. SIGINT: complete replications kept, run marked interrupted, exit 130
"$dcsim" run scenarios/mmc.yaml -q --reps 50 --out "$tmp/i" 2>/dev/null &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
st=$?
[ $st -eq 130 ] && ok || bad "interrupted run exit $st, want 130"
grep -q '"status": *"interrupted"' "$tmp/i/manifest.json" 2>/dev/null && ok ||
	bad "manifest not marked interrupted"
if command -v sqlite3 >/dev/null 2>&1; then
	st=$(sqlite3 "$tmp/i/results.db" "select status from runs order by run desc limit 1")
	[ "$st" = interrupted ] && ok || bad "last run status '$st', want interrupted"
	ic=$(sqlite3 "$tmp/i/results.db" "pragma integrity_check")
	[ "$ic" = ok ] && ok || bad "interrupted results.db: $ic"
fi

# 7. calibrate --import: published profiles as dcsim profiles
vid=data/calibration/vidur/a100_llama2_7b_mlp.csv
spw=data/calibration/splitwise/perf_model.csv
expect_status 0 "import vidur" "$dcsim" calibrate --import vidur "$vid" -q --out "$tmp/vidur.csv"
grep -q '^# device: a100_80gb$' "$tmp/vidur.csv" &&
	grep -q "^# source: $vid\$" "$tmp/vidur.csv" &&
	grep -q '^# model: llama2_7b$' "$tmp/vidur.csv" &&
	grep -q '^# rows_raised_to_monotonic: 387$' "$tmp/vidur.csv" && ok ||
	bad "imported Vidur profile lacks its provenance"
[ "$(grep -c '^qkv,[0-9]*,12288,4096,' "$tmp/vidur.csv")" = 259 ] && ok ||
	bad "imported Vidur profile: TP 1 qkv rows (n 12288, k 4096)"
expect_status 0 "import splitwise" "$dcsim" calibrate --import splitwise "$spw" -q --out "$tmp/sw.csv"
grep -q '^prefill,2048,8,2048,0,0.136576134,' "$tmp/sw.csv" &&
	grep -q '^decode,16,8,512,0,0.0341667289,' "$tmp/sw.csv" && ok ||
	bad "imported Splitwise rows differ from llm.md V7 (136.6 ms, 34.2 ms)"
expect_status 73 "import over an existing profile" "$dcsim" calibrate --import splitwise "$spw" -q --out "$tmp/sw.csv"
expect_status 0 "import --force" "$dcsim" calibrate --import splitwise "$spw" -q --force --hardware a100-80gb --out "$tmp/sw.csv"
grep -q '^prefill,2048,8,2048,0,0.274159' "$tmp/sw.csv" && ok || bad "--force did not replace (A100 prompt 2048: 274 ms, V8)"
expect_status 64 "import unknown kind" "$dcsim" calibrate --import vidar "$vid"
expect_status 64 "import without FILE" "$dcsim" calibrate --import vidur
expect_status 64 "import --tp for vidur" "$dcsim" calibrate --import vidur "$vid" --tp 8 --out "$tmp/never.csv"
expect_status 64 "import bad --tp" "$dcsim" calibrate --import splitwise "$spw" --tp x --out "$tmp/never.csv"
expect_status 66 "import missing file" "$dcsim" calibrate --import vidur "$tmp/nope.csv" --out "$tmp/never.csv"
expect_status 66 "import unknown hardware" "$dcsim" calibrate --import splitwise "$spw" --hardware tpu --out "$tmp/never.csv"
expect_status 66 "import a model the catalog lacks" "$dcsim" calibrate --import splitwise "$spw" --model bloom-176b --hardware a100-80gb --out "$tmp/never.csv"
printf 'num_tokens,num_tensor_parallel_workers,n_head,n_kv_head,n_embd,n_expanded_embd,use_gated_mlp,time_stats.attn_pre_proj.median,time_stats.attn_post_proj.median,time_stats.mlp_up_proj.median,time_stats.mlp_down_proj.median\n1,1,32,32,4096,11008,True,0.1,abc,0.1,0.1\n' >"$tmp/badv.csv"
expect_status 65 "import malformed table" "$dcsim" calibrate --import vidur "$tmp/badv.csv" --out "$tmp/never.csv"
grep -q 'badv.csv:2:31: error: column .time_stats.attn_post_proj.median.: expected a number' "$tmp/out" && ok ||
	bad "import error not positioned"
[ ! -e "$tmp/never.csv" ] && [ ! -e "$tmp/never.csv.partial" ] && ok || bad "a failed import wrote $tmp/never.csv"

# 8. calibrate --check and `report` on a calibration folder
# (reports/calib_out.h): the roofline is redrawn from profile.csv (a GEMM
# curve and triads made here)
expect_status 66 "check a missing profile" "$dcsim" calibrate --check "$tmp/nope.csv" -q
mkdir "$tmp/cal" "$tmp/badcal"
awk 'BEGIN {
	print "# device: golden CPU\n# peak_flops: 2e+11\n# peak_bw: 2e+10"
	print "# peaks: measured\nop,m,n,k,reps,time_s,flops,bytes"
	for (m = 1; m <= 1024; m *= 4) {
		f = 2 * m * 1024 * 1024; b = 4 * (2 * m * 1024 + 1024 * 1024)
		e = 0.9 * m / (m + 8); tc = f / (e * 2e11); tm = b / (0.8 * 2e10)
		printf "gemm,%d,1024,1024,3,%.9g,%.9g,%.9g\n", m, 5e-5 + (tc > tm ? tc : tm), f, b
	}
	for (n = 4096; n <= 4194304; n *= 32)
		printf "triad,1,%d,0,3,%.9g,%d,%d\n", n, 5e-6 + 12 * n / 1.4e10, 2 * n, 12 * n
}' >"$tmp/cal/profile.csv"
expect_status 0 "report on a calibration folder" "$dcsim" report "$tmp/cal"
grep -q "^roofline: $tmp/cal/charts/roofline\.\(png\|gp\)$" "$tmp/out" && ok ||
	bad "calibration report did not name its chart"
for f in roofline.csv roofline.gp; do
	[ -s "$tmp/cal/charts/$f" ] && ok || bad "calibration report did not write charts/$f"
done
grep -q "^fitted,gemm,gemm," "$tmp/cal/charts/roofline.csv" && ok || bad "roofline has no fitted curve"
if command -v gnuplot >/dev/null 2>&1; then
	[ -s "$tmp/cal/charts/roofline.png" ] && ok || bad "no roofline.png"
fi
ls -d "$tmp"/cal/charts.* >/dev/null 2>&1 && bad "calibration report left a staging folder" || ok
[ ! -e "$tmp/cal/report.md" ] && ok || bad "calibration report wrote report.md"
printf '# peak_flops: 1e9\nop,m,n,k,time_s,flops,bytes\nfrob,1,1,1,1,1,1\n' >"$tmp/badcal/profile.csv"
expect_status 65 "report on a bad calibration profile" "$dcsim" report "$tmp/badcal"
grep -q "unknown operator 'frob'" "$tmp/out" && ok || bad "bad profile not named"
expect_status 65 "check a bad profile" "$dcsim" calibrate --check "$tmp/badcal/profile.csv" -q
grep -q "profile has no '# device:' line" "$tmp/out" && ok || bad "check: bad profile not explained"

expect_status 0 "validate a calibrated scenario" "$dcsim" validate scenarios/calibrated.yaml
printf 'name: c\nhorizon: 1 min\ninference:\n  - model: llama2_7b\n    perf: {profile: calibrated}\n' >"$tmp/nocal.yaml"
expect_status 65 "calibrated without a profile" "$dcsim" validate "$tmp/nocal.yaml"
grep -q 'inference\[0\]\.perf\.calibration: error: perf.profile calibrated needs a profile' "$tmp/out" && ok ||
	bad "calibrated without a profile: message"
printf 'name: c\nhorizon: 1 min\ninference:\n  - model: llama2_7b\n    perf: {profile: calibrated, calibration: nope}\n' >"$tmp/nocal.yaml"
expect_status 65 "calibrated with a missing profile" "$dcsim" validate "$tmp/nocal.yaml"
grep -q "cannot use calibration profile 'nope'" "$tmp/out" && ok || bad "missing profile: message"

expect_status 69 "calibrate --gpu without CUDA" "$dcsim" calibrate --gpu -q --out "$tmp/never.csv"
grep -q 'built without CUDA; rebuild with make CUDA=1' "$tmp/out" && ok || bad "--gpu without CUDA: message"

# 6. layering: the engine (sim/, not its cli/) includes no model or report
# header and writes nothing (it reads only the scenario file it is given)
if grep -nE '#include "\.\./(models|reports)/' sim/*.c sim/*.h >"$tmp/inc"; then
	bad "sim/ includes a model or report header"; cat "$tmp/inc"
else ok; fi
if grep -nE '\b(printf|fprintf|puts|fputs|fwrite|putchar|perror)\(|fopen\([^)]*"[wa]' \
	sim/*.c models/*.c >"$tmp/io"; then
	bad "sim/ or models/ print or write files"; cat "$tmp/io"
else ok; fi

echo "golden: $pass passed, $fail failed"
[ $fail -eq 0 ]
