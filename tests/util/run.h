/* run.h - the one main() of the Check suites. */
#ifndef DC_TEST_RUN_H
#define DC_TEST_RUN_H

#include <check.h>

/* Set up dcsim's RNG type, run every test of S (CK_FORK and friends from
 * the environment), free it; 0 when all passed, else 1. */
int dc_test_main(Suite *s);

#endif
