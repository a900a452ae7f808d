/* profile.c - provenance of this host and the calibration profile file
 * (profile.h). */
#define _DEFAULT_SOURCE /* gethostname */
#include "profile.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../sim/dc.h"

/* OpenBLAS names its build here; any other CBLAS leaves it NULL. */
extern char *openblas_get_config(void) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));

void dc_calib_prov_probe(dc_calib_prov *p)
{
	static char host[256], cpu[256], date[32];
	memset(p, 0, sizeof *p);
	if (gethostname(host, sizeof host - 1))
		snprintf(host, sizeof host, "unknown");
	snprintf(cpu, sizeof cpu, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		char *c = strchr(line, ':');
		if (!strncmp(line, "model name", 10) && c) {
			snprintf(cpu, sizeof cpu, "%s", c + 2);
			cpu[strcspn(cpu, "\n")] = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	p->host = host;
	p->cpu = cpu;
	p->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	p->blas = openblas_get_config ? openblas_get_config() : "CBLAS";
	p->blas_threads = openblas_get_num_threads ? openblas_get_num_threads()
						   : 0;
	p->date = date;
}

int dc_calib_write(FILE *f, const dc_calib_prov *p, const dc_calib_row *rows,
		   size_t n, dc_err *err)
{
	fprintf(f, "# dcsim calibration profile: kernels timed on this host\n"
		   "# host: %s\n# cpu: %s\n# cores: %d\n# blas: %s\n"
		   "# blas_threads: %d\n"
		   "# dcsim: %s\n# date: %s\n# command: %s\n# model: %s\n"
		   "# time_s is the median of reps calls; max_rel_err is the "
		   "largest |got - want| / rms(want) against a double-precision "
		   "naive reference\n",
		p->host ? p->host : "", p->cpu ? p->cpu : "", p->cores,
		p->blas ? p->blas : "", p->blas_threads,
		p->dcsim ? p->dcsim : "",
		p->date ? p->date : "", p->command ? p->command : "",
		p->model ? p->model : "");
	fputs("op,m,n,k,reps,time_s,flops,bytes,gflop_s,gbyte_s,max_rel_err\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		const dc_calib_row *r = &rows[i];
		fprintf(f, "%s,%d,%d,%d,%d,%.9g,%.9g,%.9g,%.6g,%.6g,%.3g\n",
			r->op, r->m, r->n, r->k, r->reps, r->time_s, r->flops,
			r->bytes, r->flops / r->time_s * 1e-9,
			r->bytes / r->time_s * 1e-9, r->max_rel_err);
	}
	if (ferror(f))
		return dc_err_msg(err, DC_EIO, "calibration profile: write "
				  "failed");
	return DC_OK;
}
