/* main.c - dcsim entry point: dispatch to the commands. */
#include <stdio.h>
#include <string.h>

#include "../dc.h"
#include "cli.h"
#include "version.h"


int dc_cli_exit_status(int rc)
{
	switch (rc) {
	case DC_OK: return DC_EXIT_OK;
	case DC_EUSAGE: return DC_EXIT_USAGE;
	case DC_EINVAL:
	case DC_ERANGE: return DC_EXIT_DATAERR;
	case DC_ENOENT: return DC_EXIT_NOINPUT;
	case DC_EEXIST:
	case DC_ECREATE: return DC_EXIT_CANTCREAT;
	case DC_EIO: return DC_EXIT_IOERR;
	case DC_EINTR: return DC_EXIT_INTERRUPT;
	default: return DC_EXIT_FAIL;
	}
}

void dc_cli_print_err(const dc_err *err)
{
	const char *s = dc_err_text(err);
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		/* lines that already start with a location keep it */
		int located = !strncmp(s, "error:", 6) || !strncmp(s, "warning:", 8);
		fprintf(stderr, "%s%.*s\n", located ? "dcsim: " : "", (int)n, s);
		s += n + (nl ? 1 : 0);
	}
}

static const char exit_text[] =
	"Exit statuses:\n"
	"  0    success\n"
	"  1    a run or check failed\n"
	"  64   command-line usage error\n"
	"  65   invalid scenario (every error is listed as file:line:col or\n"
	"       file: key.path)\n"
	"  66   a named input file does not exist\n"
	"  73   cannot create output (e.g. --out names a non-empty folder)\n"
	"  74   input/output error\n"
	"  130  interrupted (SIGINT): complete replications are kept, the\n"
	"       run is marked 'interrupted'\n";

static const struct cmd_help {
	const char *name, *synopsis, *text;
} helps[] = {
	{"run", "dcsim run SCENARIO.yaml [options]",
	 "Simulate a scenario and write its results.\n"
	 "  --seed N          base seed (overrides the scenario's seed)\n"
	 "  --reps R          replications (overrides 'replications')\n"
	 "  --until T         simulated horizon, e.g. '48 h' (overrides 'horizon')\n"
	 "  --out DIR         output folder (default results/<name>-<UTC time>);\n"
	 "                    a non-empty folder is refused unless --force\n"
	 "  --format F        csv | sqlite | both (default both)\n"
	 "  --force           replace a non-empty --out folder (only once the\n"
	 "                    new results are complete)\n"
	 "  -q, --quiet       no progress and no summary on the terminal\n"
	 "  -v, --verbose     also print each replication as it ends\n"
	 "Writes scenario.resolved.yaml, manifest.json, results.db, samples.csv,\n"
	 "runs.csv, run_stats.csv, summary.csv, report.md and charts/*.png (with\n"
	 "the .gp scripts and data beside them).\n"},
	{"validate", "dcsim validate SCENARIO.yaml...",
	 "Check scenarios exactly as 'run' reads them, and write nothing.\n"
	 "Prints every error found and 'FILE: ok' for each valid file.\n"},
	{"report", "dcsim report DIR",
	 "Print the summary of a finished run in DIR and redraw its charts\n"
	 "(DIR/charts) and DIR/report.md from results.db (or the CSV files).\n"
	 "On a calibration folder (profile.csv, no run results) it fits the\n"
	 "profile again and redraws DIR/charts/roofline.{csv,gp,png}.\n"},
	{"calibrate", "dcsim calibrate [--model M] [--quick] [--out FILE|DIR] [--force] [-q]\n"
	 "  dcsim calibrate --check PROFILE [--model M] [--quick] [--out DIR] [--force] [-q]\n"
	 "  dcsim calibrate --import vidur|splitwise FILE [--device NAME] [--model M]\n"
	 "                  [--hardware H] [--tp N] [--out FILE] [--force] [-q]\n"
	 "  dcsim calibrate --gpu [--model M] [--quick] [--out FILE] [--force] [-q]",
	 "Time the calibration kernels on this host: GEMMs (CBLAS) over the\n"
	 "linear-layer shapes of model M (default llama2_7b) for 1..1024\n"
	 "tokens, decode attention over KV caches of 128..2048 tokens, causal\n"
	 "prefill attention over 128..512-token prompts, softmax, RMSNorm and\n"
	 "SiLU over 4..1024 token rows, and triads of 128 KiB..64 MiB.  Each\n"
	 "result is checked against a double-precision naive reference (bound\n"
	 "1e-4 of its rms) and timed as the median of repeated calls after a\n"
	 "warm-up; a curve that falls by more than 10 % is measured again.\n"
	 "Then fits per operator class (gemm, attention, softmax, norm,\n"
	 "activation, stream) the law t = t0 + (tc^p + tm^p)^(1/p) with the\n"
	 "compute efficiency a Hill curve of the size and the memory\n"
	 "efficiency raised inside the cache (GSL nonlinear least squares),\n"
	 "prints R2 and the worst error, and writes the profile (default\n"
	 "data/calibration/<host>.csv; an existing file only with --force)\n"
	 "headed by its provenance: device, reference peaks, host, CPU,\n"
	 "cores, BLAS, dcsim version, date, command, fit.  An --out path not\n"
	 "ending in .csv is a folder: profile.csv, calibration.db (SQLite)\n"
	 "and charts/roofline.png.  --quick: fewer shapes, under a minute.\n"
	 "--check PROFILE measures shapes the fit never saw (other token\n"
	 "counts, contexts, sizes) and whole layers of a 1B-class model\n"
	 "(llama3_2_1b: prefill of 32 and 128 tokens, decode after 128 and\n"
	 "1024) and prints predicted against measured; exit 1 when any is\n"
	 "off by more than 15 %.  --import converts a published Vidur\n"
	 "mlp.csv or SplitwiseSim perf_model.csv into a profile (peaks from\n"
	 "the accelerator's catalog row).  --gpu runs the kernels on an\n"
	 "NVIDIA GPU and samples power and temperature (a build with\n"
	 "make CUDA=1).  A scenario uses a profile with perf: {profile:\n"
	 "calibrated, calibration: NAME}.\n"},
	{"help", "dcsim help [COMMAND | scenario]",
	 "Show help for a command, or every scenario key with its unit,\n"
	 "default and meaning ('dcsim help scenario').\n"},
};

int dc_cli_usage(FILE *f, const char *name)
{
	if (!name) {
		fprintf(f, "dcsim %s - datacenter simulation and capacity planning\n\n"
			   "Usage:\n", dc_version);
		for (size_t i = 0; i < DC_ARRAY_LEN(helps); i++)
			fprintf(f, "  %s\n", helps[i].synopsis);
		fprintf(f, "  dcsim --help | --version\n\n%s", exit_text);
		return 0;
	}
	for (size_t i = 0; i < DC_ARRAY_LEN(helps); i++)
		if (!strcmp(name, helps[i].name)) {
			fprintf(f, "Usage: %s\n%s\n%s", helps[i].synopsis,
				helps[i].text, exit_text);
			return 0;
		}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		dc_cli_usage(stderr, NULL);
		return DC_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		dc_cli_usage(stdout, NULL);
		return DC_EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("dcsim %s (%s)\n", dc_version, dc_git_rev);
		return DC_EXIT_OK;
	}
	if (!strcmp(cmd, "run"))
		return dc_cmd_run(argc - 1, argv + 1, argc, argv);
	if (!strcmp(cmd, "validate"))
		return dc_cmd_validate(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return dc_cmd_report(argc - 1, argv + 1);
	if (!strcmp(cmd, "help"))
		return dc_cmd_help(argc - 1, argv + 1);
	if (!strcmp(cmd, "calibrate"))
		return dc_cmd_calibrate(argc - 1, argv + 1, argc, argv);
	fprintf(stderr, "dcsim: unknown command '%s'\n", cmd);
	dc_cli_usage(stderr, NULL);
	return DC_EXIT_USAGE;
}
