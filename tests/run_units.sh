#!/bin/sh
# Run the Check unit suites given as arguments (after the build folder).
# Each suite forks per test (CK_FORK=yes).  VALGRIND=1 runs them under
# valgrind memcheck instead (no fork, so leaks in the tests are seen).
# Exit status: 0 when every suite passes.
build=$1; shift
# one BLAS thread: the kernels' results and timings do not depend on how
# many cores the machine lends, and valgrind sees no thread pool
OPENBLAS_NUM_THREADS=1; export OPENBLAS_NUM_THREADS
failed=0; passed=0; names=""; checks=0; bad=0
for t in "$@"; do
	name=$(basename "$t")
	if [ "${VALGRIND:-0}" = 1 ]; then
		CK_FORK=no CK_VALGRIND=1 valgrind -q --leak-check=full \
			--errors-for-leak-kinds=definite --error-exitcode=99 \
			"$t" >"$build/$name.log" 2>&1
	else
		CK_FORK=yes "$t" >"$build/$name.log" 2>&1
	fi
	rc=$?
	summary=$(grep -E '^[0-9]+%: Checks' "$build/$name.log" | tail -n 1)
	n=$(echo "$summary" | sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p')
	if [ -n "$n" ]; then
		set -- $n "$@"
		checks=$((checks + $1)); bad=$((bad + $2 + $3)); shift 3
	fi
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		printf '  ok    %-22s %s\n' "$name" "$summary"
	else
		failed=$((failed + 1)); names="$names $name"
		printf '  FAIL  %-22s %s (exit %d)\n' "$name" "$summary" $rc
		sed 's/^/        /' "$build/$name.log" | grep -v '^        $' | tail -n 40
	fi
done
echo "suites: $passed passed, $failed failed"
echo "checks: $((checks - bad)) passed, $bad failed"
[ $failed -eq 0 ] || { echo "failed:$names"; exit 1; }
