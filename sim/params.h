/* params.h - declarative parameter tables.  One table per scenario section
 * drives reading and validation (types, units, ranges, choices, unknown
 * keys with did-you-mean), defaults, provenance, `dcsim help` text and the
 * resolved-scenario dump. */
#ifndef DC_PARAMS_H
#define DC_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "dc.h"
#include "err.h"
#include "tree.h"
#include "units.h"

typedef enum {
	DC_PT_INT,    /* int64_t; plain integer text, "1e6" accepted if exact */
	DC_PT_REAL,   /* double; a bare number (dimensionless) */
	DC_PT_QTY,    /* double in SI, text with a unit of dimension .dim */
	DC_PT_TIME,   /* dc_time (ns), text with a time unit ("48 h") */
	DC_PT_STR,    /* char * owned by the config (dc_free'd by dc_params_free) */
	DC_PT_ENUM,   /* int: index into .choices */
	DC_PT_BOOL,   /* int 0/1: true/false/yes/no/on/off */
	DC_PT_SECTION /* a nested map read by .sub into the struct at .off,
			 its provenance in the dc_src array at .src_off */
} dc_ptype;

/* Where a value came from (provenance). */
typedef enum {
	DC_SRC_DEFAULT = 0,
	DC_SRC_SCENARIO,
	DC_SRC_CATALOG,
	DC_SRC_CLI,
	DC_SRC_CALIBRATION
} dc_src;

/* flags */
#define DC_PF_MIN      1u  /* .min is an inclusive lower bound */
#define DC_PF_MAX      2u  /* .max is an inclusive upper bound */
#define DC_PF_MIN_EXCL 4u  /* .min is an exclusive lower bound */
#define DC_PF_MAX_EXCL 8u  /* .max is an exclusive upper bound */
#define DC_PF_REQUIRED 16u /* no default: the scenario must give it */

typedef struct dc_param {
	const char *key;     /* key in the section, e.g. "servers" */
	dc_ptype type;
	dc_dim dim;          /* DC_PT_QTY only */
	const char *unit;    /* display unit for QTY/TIME ("kW", "s") */
	const char *def;     /* default as scenario text ("8", "1 s"); NULL if
				required or no default (then the field is
				zeroed / NULL) */
	unsigned flags;
	double min, max;     /* bounds in SI (TIME: seconds) per flags */
	const char *const *choices; /* ENUM: NULL-terminated list */
	size_t off;          /* offsetof(config struct, field) */
	const char *help;    /* one line for `dcsim help` */
	const struct dc_pset *sub; /* SECTION: the nested table */
	size_t src_off;      /* SECTION: offsetof(config, dc_src[sub->n]) */
} dc_param;

/* A section: its key path prefix ("queue"), its table. */
typedef struct dc_pset dc_pset;
struct dc_pset {
	const char *section;
	const dc_param *params;
	size_t n;
	const char *help;
};

/* Read the parameters of SET from MAP (a MAP node, or NULL meaning "section
 * absent": all defaults) into the config struct CFG, recording each value's
 * provenance in src[i] (i = index in the table; src may be NULL).
 * PATH is the key path of the section for messages ("queue", or
 * "workloads[2]").  FILE names the scenario in messages.
 *
 * Every problem is appended to ERR and reading goes on, so one call reports
 * all of them:
 *   "FILE:line:col: error: queue.servers: expected an integer, got 'eight'"
 *   "FILE:line:col: error: queue.arrival_rate: expected a rate (e.g. '5 /s'), got a power ('kW')"
 *   "FILE:line:col: error: queue.servers: 0 is below the minimum 1"
 *   "FILE:line:col: error: queue: unknown key 'sever' (did you mean 'servers'?)"
 *   "FILE: queue.servers: error: required key is missing"  (no position:
 *      the section's own position is used when MAP is non-NULL)
 * Returns DC_OK, or the first error code (DC_EINVAL / DC_ENOMEM).  Strings
 * set before an error are still owned by CFG: call dc_params_free. */
int dc_params_read(const dc_pset *set, const dc_node *map, const char *file,
		   const char *path, void *cfg, dc_src *src, dc_err *err);

/* Set the defaults of SET into CFG (all src = DC_SRC_DEFAULT).  Returns
 * DC_OK or DC_ENOMEM / DC_EINVAL (a malformed default: a bug). */
int dc_params_defaults(const dc_pset *set, void *cfg, dc_src *src, dc_err *err);

/* Set one parameter KEY of SET in CFG from TEXT (used for command-line
 * overrides); records DC_SRC_CLI.  Errors name "PATH.KEY". */
int dc_params_set(const dc_pset *set, const char *path, const char *key,
		  const char *text, void *cfg, dc_src *src, dc_err *err);

/* Free the strings that SET's STR parameters own in CFG; set them NULL. */
void dc_params_free(const dc_pset *set, void *cfg);

/* Format parameter P's value in CFG as scenario text ("250 kW", "8",
 * "flywheel", "true", "\"name\"") into buf.  Returns the length or a
 * negative DC_E* code.  Re-reading the text gives the same value. */
int dc_param_format(const dc_param *p, const void *cfg, char *buf, size_t n);

/* The word for a provenance ("default", "scenario", ...). */
const char *dc_src_name(dc_src s);

/* Levenshtein-nearest of WORD among CANDIDATES (n of them) if the distance
 * is at most max(2, strlen(word)/3), else NULL. */
const char *dc_did_you_mean(const char *word, const char *const *candidates,
			    size_t n);

#endif
