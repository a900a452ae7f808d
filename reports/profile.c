/* profile.c - provenance of this host and the calibration profile file
 * (profile.h). */
#define _DEFAULT_SOURCE /* gethostname */
#include "profile.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../models/calib_fit.h"
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

void dc_calib_host_peaks(const dc_calib_row *rows, size_t n,
			 double *peak_flops, double *peak_bw)
{
	*peak_flops = *peak_bw = 0;
	for (size_t i = 0; i < n; i++) {
		const dc_calib_row *r = &rows[i];
		if (!(r->time_s > 0))
			continue;
		if (!strcmp(r->op, "triad"))
			*peak_bw = r->bytes / r->time_s;
		else if (dc_op_class_of(r->op) == DC_OC_GEMM &&
			 r->flops / r->time_s > *peak_flops)
			*peak_flops = r->flops / r->time_s;
	}
}

int dc_calib_write(FILE *f, const dc_calib_prov *p, const dc_calib_row *rows,
		   size_t n, dc_err *err)
{
	int imported = p->kind && !strcmp(p->kind, "imported");
	fprintf(f, "# dcsim calibration profile: %s\n",
		imported ? "published measurements imported"
			 : "kernels timed on this host");
	fprintf(f, "# device: %s\n# peak_flops: %.6g\n# peak_bw: %.6g\n"
		   "# peaks: %s\n",
		p->device ? p->device : p->cpu ? p->cpu : "",
		p->peak_flops, p->peak_bw, p->peak_note ? p->peak_note : "");
	fprintf(f, "# host: %s\n# cpu: %s\n# cores: %d\n# blas: %s\n"
		   "# blas_threads: %d\n"
		   "# dcsim: %s\n# date: %s\n# command: %s\n# model: %s\n",
		p->host ? p->host : "", p->cpu ? p->cpu : "", p->cores,
		p->blas ? p->blas : "", p->blas_threads,
		p->dcsim ? p->dcsim : "",
		p->date ? p->date : "", p->command ? p->command : "",
		p->model ? p->model : "");
	if (p->extra)
		for (const char *s = p->extra; *s;) {
			size_t len = strcspn(s, "\n");
			fprintf(f, "# %.*s\n", (int)len, s);
			s += len + (s[len] == '\n');
		}
	if (!imported)
		fputs("# time_s is the median of reps calls; max_rel_err is "
		      "the largest |got - want| / rms(want) against a "
		      "double-precision naive reference\n", f);
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
