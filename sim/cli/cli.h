/* cli.h - the dcsim command line: commands, exit statuses, output folders.
 * Only this layer prints to the terminal and maps DC_* codes to exit
 * statuses (sysexits.h). */
#ifndef DC_CLI_H
#define DC_CLI_H

#include <stdio.h>

#include "../err.h"

/* Exit statuses (documented in README and `dcsim help`). */
enum {
	DC_EXIT_OK = 0,
	DC_EXIT_FAIL = 1,       /* a run or check failed */
	DC_EXIT_USAGE = 64,     /* EX_USAGE */
	DC_EXIT_DATAERR = 65,   /* EX_DATAERR: invalid scenario */
	DC_EXIT_NOINPUT = 66,   /* EX_NOINPUT: missing input */
	DC_EXIT_CANTCREAT = 73, /* EX_CANTCREAT: cannot create output */
	DC_EXIT_IOERR = 74,     /* EX_IOERR */
	DC_EXIT_INTERRUPT = 130 /* stopped by SIGINT */
};

/* The exit status for a DC_* code. */
int dc_cli_exit_status(int rc);

/* Print ERR's text to stderr prefixed by "dcsim: " on lines without a
 * location. */
void dc_cli_print_err(const dc_err *err);

/* ARGC/ARGV start at the command's name; FULL_ARGC/FULL_ARGV are the
 * process's, recorded in manifest.json. */
int dc_cmd_run(int argc, char **argv, int full_argc, char **full_argv);
int dc_cmd_validate(int argc, char **argv);
int dc_cmd_report(int argc, char **argv);
int dc_cmd_help(int argc, char **argv);
int dc_cmd_calibrate(int argc, char **argv, int full_argc, char **full_argv);

/* Usage text of one command (or all when NAME is NULL) to F.  Returns 0
 * if NAME is known. */
int dc_cli_usage(FILE *f, const char *name);

/* Output folder staging: results are written into a fresh sibling folder
 * and moved into place only when complete, so an existing folder is never
 * half overwritten and a failed run leaves nothing behind. */
typedef struct dc_outdir {
	char *final;    /* the folder the user asked for */
	char *stage;    /* where the run writes */
} dc_outdir;

/* Check that FINAL may be written (absent, empty, or FORCE) and create the
 * staging folder (and FINAL's missing parents).  DC_EEXIST if FINAL is a
 * non-empty folder or a file and FORCE is off; DC_ECREATE if it cannot be
 * created.  Text in ERR. */
int dc_outdir_open(dc_outdir *o, const char *final, int force, dc_err *err);

/* Move the staging folder into place (replacing FINAL when forced).
 * DC_EIO / DC_ECREATE on failure, with the staged results left where they
 * are and named in ERR. */
int dc_outdir_commit(dc_outdir *o, dc_err *err);

/* Remove the staging folder and everything in it; free the names. */
void dc_outdir_abort(dc_outdir *o);

/* Free the names only. */
void dc_outdir_free(dc_outdir *o);

/* Join DIR and NAME into a new string (dc_free it); NULL on ENOMEM. */
char *dc_path_join(const char *dir, const char *name);

#endif
