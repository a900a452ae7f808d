/* calibrate_import.h - `dcsim calibrate --import vidur|splitwise FILE`:
 * a published GPU profile turned into a dcsim calibration profile
 * (models/calib_import.h) and written with its provenance. */
#ifndef DC_CALIBRATE_IMPORT_H
#define DC_CALIBRATE_IMPORT_H

/* Run `dcsim calibrate --import KIND FILE [--device NAME] [--model M]
 * [--hardware H] [--tp N] [--out OUT] [--force] [-q]`.  ARGC/ARGV start at
 * "calibrate" (as dc_cmd_calibrate gets them); FULL_ARGC/FULL_ARGV are the
 * process's, recorded as the profile's command.  The catalogs are read
 * from $DCSIM_DATA (default data/).  OUT (default
 * data/calibration/vidur_<model>_<device>.csv or
 * data/calibration/splitwise_<model>_<device>[_<variant>]_tp<N>.csv) is
 * written through OUT.partial and renamed; an existing OUT is refused
 * unless --force.  Nothing is written on error.  Returns the exit status:
 * 0, 64 (usage), 65 (malformed input), 66 (a missing file, an unknown
 * model, hardware or device), 73 (OUT exists or cannot be created), 74. */
int dc_cmd_calibrate_import(int argc, char **argv, int full_argc,
			    char **full_argv);

#endif
