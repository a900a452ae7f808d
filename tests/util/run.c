/* run.c - the one main() of the Check suites (run.h). */
#include "run.h"

#include "../../sim/rng.h"

int dc_test_main(Suite *s)
{
	dc_rng_setup();
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
