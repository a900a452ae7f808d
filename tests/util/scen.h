/* scen.h - test helpers: run a scenario file through the engine into an
 * in-memory table of summary rows, write scenario text to a file, and
 * check that a scenario is rejected with a given message. */
#ifndef DC_TEST_SCEN_H
#define DC_TEST_SCEN_H

#include "../../sim/runner.h"

#define DC_TEST_MAXROWS 512

typedef struct dc_rows {
	dc_stat_row r[DC_TEST_MAXROWS];
	char metric[DC_TEST_MAXROWS][48], entity[DC_TEST_MAXROWS][48];
	int n;
} dc_rows;

/* Run the scenario at PATH with overrides into *G (zeroed first); the
 * test fails on any error. */
void dc_test_run(const char *path, const dc_override *ov, size_t nov,
		 dc_rows *g);

/* The summary row of METRIC/ENTITY; the test fails if there is none. */
const dc_stat_row *dc_test_row(const dc_rows *g, const char *metric,
			       const char *entity);

/* 1 if G has a row for METRIC/ENTITY. */
int dc_test_has(const dc_rows *g, const char *metric, const char *entity);

/* Write TEXT to a temporary scenario file and return its path (static). */
const char *dc_test_write(const char *text);

/* Loading TEXT as a scenario fails with DC_EINVAL and a message holding
 * NEEDLE. */
void dc_test_rejects(const char *text, const char *needle);

#endif
