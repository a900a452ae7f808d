/* calibrate_gpu.c - `dcsim calibrate --gpu` (calibrate_gpu.h): the kernels
 * on the GPU, then a load program traced by nvidia-smi in a thread, the
 * power and thermal fits, the profiles and the raw trace.  Without CUDA
 * (no DC_CUDA) only the options are checked and the command says how to
 * get it. */
#include "calibrate_gpu.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifdef DC_CUDA
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../../models/calib_fit.h"
#include "../../models/cuda/calib_gpu.h"
#include "../../models/gpu_trace.h"
#include "../../reports/profile.h"
#include "../alloc.h"
#include "../dc.h"
#include "../table.h"
#include "calib_common.h"
#include "version.h"
#endif

typedef struct gpu_args {
	const char *model, *out;
	int quick, force, quiet;
} gpu_args;

static int parse(int argc, char **argv, gpu_args *a)
{
	*a = (gpu_args){.model = "llama2_7b"};
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "--gpu"))
			continue;
		if (!strcmp(s, "--quick"))
			a->quick = 1;
		else if (!strcmp(s, "--force"))
			a->force = 1;
		else if (!strcmp(s, "-q") || !strcmp(s, "--quiet"))
			a->quiet = 1;
		else if ((!strcmp(s, "--model") || !strcmp(s, "--out")) &&
			 i + 1 < argc)
			*(s[2] == 'm' ? &a->model : &a->out) = argv[++i];
		else {
			fprintf(stderr, "dcsim calibrate --gpu: unknown or "
				"incomplete option '%s'\n", s);
			return DC_EXIT_USAGE;
		}
	}
	return DC_EXIT_OK;
}

#ifndef DC_CUDA

int dc_cmd_calibrate_gpu(int argc, char **argv, int full_argc,
			 char **full_argv)
{
	(void)full_argc, (void)full_argv;
	gpu_args a;
	int ex = parse(argc, argv, &a);
	if (ex)
		return ex;
	fprintf(stderr, "dcsim calibrate --gpu: this dcsim was built without "
		"CUDA; rebuild with make CUDA=1\n");
	return DC_EXIT_GPU_UNAVAILABLE;
}

#else /* DC_CUDA */

#define SAMPLE_MS 50      /* nvidia-smi -lms: 20 Hz asked, >= 10 Hz needed */
#define SETTLE_S 1.5      /* a stage's power is read after this ... */
#define WINDOW_S 6.0      /* ... for at most this long */
#define FIRST_LINE_S 15.0 /* wait for nvidia-smi's first sample */

/* ---------------------------------------------------------- the sampler */

/* nvidia-smi -lms in a child process, its lines read by a thread into a
 * buffer allocated before the thread starts (the thread allocates
 * nothing: the allocation seam is not thread-safe). */
typedef struct sampler {
	FILE *pipe;
	long pid;            /* nvidia-smi's (the shell exec'd it) */
	pthread_t th;
	int running;
	char *buf;
	size_t cap;
	atomic_size_t len;
	atomic_int lines, done, dropped;
} sampler;

static void *sampler_main(void *arg)
{
	sampler *s = arg;
	char line[512];
	while (fgets(line, sizeof line, s->pipe)) {
		size_t n = strlen(line), len = atomic_load(&s->len);
		if (len + n + 1 > s->cap) {
			atomic_fetch_add(&s->dropped, 1);
			continue;
		}
		memcpy(s->buf + len, line, n + 1);
		atomic_store(&s->len, len + n);
		atomic_fetch_add(&s->lines, 1);
	}
	atomic_store(&s->done, 1);
	return NULL;
}

static void sampler_stop(sampler *s)
{
	if (s->pid > 0 && !atomic_load(&s->done))
		kill((pid_t)s->pid, SIGTERM);
	if (s->running)
		pthread_join(s->th, NULL);
	if (s->pipe)
		pclose(s->pipe);
	s->pipe = NULL, s->running = 0, s->pid = 0;
}

/* Start `nvidia-smi -i SEL --query-gpu=QUERY ... -lms` with UTC
 * timestamps; wait for its first sample. */
static int sampler_start(sampler *s, const char *sel, const char *query,
			 dc_err *err)
{
	char cmd[1280], args[512], line[64];
	/* the shell says its pid, then becomes nvidia-smi (line-buffered
	 * through stdbuf where there is one: into a pipe its output would
	 * otherwise come in 4 KiB blocks and the last one be lost) */
	snprintf(args, sizeof args, "nvidia-smi -i '%s' --query-gpu=%s "
		 "--format=csv,noheader,nounits -lms %d", sel, query,
		 SAMPLE_MS);
	snprintf(cmd, sizeof cmd, "echo $$; if command -v stdbuf >/dev/null "
		 "2>&1; then exec env TZ=UTC0 stdbuf -oL %s; else exec env "
		 "TZ=UTC0 %s; fi", args, args);
	atomic_store(&s->len, 0), atomic_store(&s->lines, 0);
	atomic_store(&s->done, 0), atomic_store(&s->dropped, 0);
	s->buf[0] = 0;
	s->pipe = popen(cmd, "r");
	if (!s->pipe || !fgets(line, sizeof line, s->pipe))
		return dc_err_msg(err, DC_EFAIL, "cannot start nvidia-smi: %s",
				  strerror(errno));
	s->pid = strtol(line, NULL, 10);
	if (pthread_create(&s->th, NULL, sampler_main, s))
		return dc_err_msg(err, DC_EFAIL, "cannot start the sampler "
				  "thread");
	s->running = 1;
	struct timespec ts = {0, 20000000};
	for (int i = 0; i < FIRST_LINE_S / 0.02; i++) {
		if (atomic_load(&s->lines) > 0)
			return DC_OK;
		if (atomic_load(&s->done))
			break;
		nanosleep(&ts, NULL);
	}
	if (atomic_load(&s->done))
		return dc_err_msg(err, DC_EFAIL, "nvidia-smi exited without a "
				  "sample of '%s'", query);
	return dc_err_msg(err, DC_EFAIL, "nvidia-smi gave no sample of "
			  "'%s' within %.0f s", query, FIRST_LINE_S);
}

/* ---------------------------------------------------- nvidia-smi facts */

typedef struct smi_info {
	char name[128], driver[64], clk_sm[32], clk_mem[32], power[32],
		vbios[64];
} smi_info;

static void trim_copy(char *dst, size_t cap, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	snprintf(dst, cap, "%.*s", (int)n, s);
}

/* One line of `nvidia-smi -i SEL --query-gpu=name,driver_version,...`;
 * -1 when nvidia-smi gives none. */
static int smi_query(const char *sel, smi_info *q)
{
	char cmd[512], line[1024];
	snprintf(cmd, sizeof cmd, "nvidia-smi -i '%s' --query-gpu=name,"
		 "driver_version,clocks.max.sm,clocks.max.memory,power.limit,"
		 "vbios_version --format=csv,noheader,nounits 2>/dev/null", sel);
	FILE *p = popen(cmd, "r");
	int ok = p && fgets(line, sizeof line, p);
	if (p)
		pclose(p);
	char *f[6] = {q->name, q->driver, q->clk_sm, q->clk_mem, q->power,
		      q->vbios};
	size_t cap[6] = {sizeof q->name, sizeof q->driver, sizeof q->clk_sm,
			 sizeof q->clk_mem, sizeof q->power, sizeof q->vbios};
	const char *s = line;
	for (int i = 0; ok && i < 6; i++) {
		size_t n = strcspn(s, i < 5 ? "," : "\n");
		if (i < 5 && !s[n])
			ok = 0;
		else
			trim_copy(f[i], cap[i], s, n), s += n + 1;
	}
	return ok ? 0 : -1;
}

/* ------------------------------------------------------------- the run */

typedef struct gpu_run {
	gpu_args a;
	dc_gpu_info info;
	smi_info smi;
	int have_smi;
	char sel[64];        /* nvidia-smi -i: the PCI bus id, or an index */
	char query[256];
	char out[4096], fp32[4200], trace[4200];
	char cmd[2048], ver[128];
	dc_llm_arch arch;
	dc_calib_row *r16, *r32;
	size_t n16, n32;
	dc_gpu_stage st[8];
	size_t nst;
	double t_start[9], load_rate;
	sampler smp;
	dc_gpu_trace tr;
	dc_gpu_analysis an;
	int fit_rc, unavailable;
	int falls;     /* a curve of the rows falls (calib_fit.h) */
	int recorded;  /* the load program ran and nvidia-smi sampled it */
	int analysed;  /* the trace parsed: AN holds its analysis */
} gpu_run;

static void slug(const char *name, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *s = name; *s && n + 1 < cap; s++) {
		int c = (unsigned char)*s;
		if (isalnum(c))
			out[n++] = (char)tolower(c);
		else if (n && out[n - 1] != '_')
			out[n++] = '_';
	}
	while (n && out[n - 1] == '_')
		n--;
	out[n] = 0;
	if (!n)
		snprintf(out, cap, "gpu");
}

static void paths(gpu_run *r)
{
	if (r->a.out) {
		snprintf(r->out, sizeof r->out, "%s", r->a.out);
	} else {
		char s[128];
		slug(r->info.name, s, sizeof s);
		snprintf(r->out, sizeof r->out, "data/calibration/%s.csv", s);
	}
	size_t n = strlen(r->out);
	if (n > 4 && !strcmp(r->out + n - 4, ".csv"))
		n -= 4;
	snprintf(r->fp32, sizeof r->fp32, "%.*s.fp32.csv", (int)n, r->out);
	snprintf(r->trace, sizeof r->trace, "%.*s.trace.csv", (int)n, r->out);
}

/* The nvidia-smi selector of the CUDA device: its PCI bus id when
 * nvidia-smi knows it, else the CUDA ordinal. */
static void select_gpu(gpu_run *r)
{
	const char *b = r->info.pci_bus_id;
	int ok = *b && strspn(b, "0123456789abcdefABCDEF:.") == strlen(b);
	snprintf(r->sel, sizeof r->sel, "%s", ok ? b : "0");
	r->have_smi = !smi_query(r->sel, &r->smi);
	if (!r->have_smi) {
		snprintf(r->sel, sizeof r->sel, "%d", r->info.device);
		r->have_smi = !smi_query(r->sel, &r->smi);
	}
}

static int setup(gpu_run *r, dc_err *err)
{
	int rc = dc_gpu_probe(0, &r->info, err);
	if (rc) {
		r->unavailable = rc == DC_ENOENT;
		return rc;
	}
	select_gpu(r);
	if (!r->have_smi) {
		r->unavailable = 1;
		return dc_err_msg(err, DC_EFAIL, "nvidia-smi does not answer for "
				  "%s (%s); the power and temperature trace "
				  "needs it", r->info.name, r->info.pci_bus_id);
	}
	paths(r);
	const char *outs[3] = {r->out, r->fp32, r->trace};
	for (int i = 0; i < 3; i++)
		if (!r->a.force && access(outs[i], F_OK) == 0)
			return dc_err_msg(err, DC_ECREATE, "%s: exists; give "
					  "--force to replace it", outs[i]);
	return dc_cli_load_arch(r->a.model, &r->arch, err);
}

static void progress(void *ctx, const dc_calib_row *row, size_t i, size_t n)
{
	fprintf(stderr, "  [%2zu/%zu] %-11s %-4s %6d x %6d x %6d  %10.4f ms  "
		"%9.1f GFLOP/s  %7.1f GB/s  err %.2g\n", i + 1, n, row->op,
		(const char *)ctx, row->m, row->n, row->k, row->time_s * 1e3,
		row->flops / row->time_s * 1e-9,
		row->bytes / row->time_s * 1e-9, row->max_rel_err);
}

static int kernels(gpu_run *r, dc_err *err)
{
	dc_gpu_calib_opts o = {&r->arch, r->info.device, r->a.quick,
			       DC_GPU_FP16, r->a.quiet ? NULL : progress,
			       (void *)"fp16"};
	int rc = dc_gpu_calibrate(&o, &r->r16, &r->n16, err);
	o.gemm = DC_GPU_FP32, o.progress_ctx = (void *)"fp32";
	if (!rc)
		rc = dc_gpu_calibrate(&o, &r->r32, &r->n32, err);
	size_t pairs[2];
	if (!rc)
		r->falls = dc_calib_nonmonotonic(r->r16, r->n16, pairs, 1) ||
			   dc_calib_nonmonotonic(r->r32, r->n32, pairs, 1);
	return rc;
}

/* Idle, a duty-cycle staircase, a sustained load, a cool-down. */
static void program(gpu_run *r)
{
	static const dc_gpu_stage quick[] = {{0, 5},    {0.25, 5}, {0.5, 5},
					     {0.75, 5}, {1, 60},   {0, 60}};
	static const dc_gpu_stage full[] = {{0, 10},  {0.2, 8}, {0.4, 8},
					    {0.6, 8}, {0.8, 8}, {1, 120},
					    {0, 120}};
	r->nst = r->a.quick ? DC_ARRAY_LEN(quick) : DC_ARRAY_LEN(full);
	memcpy(r->st, r->a.quick ? quick : full, r->nst * sizeof *r->st);
}

static double program_s(const gpu_run *r)
{
	double s = 0;
	for (size_t i = 0; i < r->nst; i++)
		s += r->st[i].seconds;
	return s;
}

/* Start the sampler with the query dcsim parses; drivers that renamed
 * the throttle reasons (clocks_event_reasons) get that name. */
static int start_trace(gpu_run *r, dc_err *err)
{
	static const char *alt = "timestamp,power.draw,temperature.gpu,"
				 "clocks.sm,utilization.gpu,"
				 "clocks_event_reasons.active";
	snprintf(r->query, sizeof r->query, "%s", DC_GPU_TRACE_QUERY);
	int rc = sampler_start(&r->smp, r->sel, r->query, NULL);
	if (rc && atomic_load(&r->smp.lines) == 0) {
		sampler_stop(&r->smp);
		snprintf(r->query, sizeof r->query, "%s", alt);
		rc = sampler_start(&r->smp, r->sel, r->query, err);
		if (rc)
			dc_err_msg(err, rc, "nvidia-smi gave no sample of '%s' "
				   "either", DC_GPU_TRACE_QUERY);
	}
	return rc;
}

static int record(gpu_run *r, dc_err *err)
{
	program(r);
	/* 200 bytes a line at twice the asked rate, plus a minute */
	r->smp.cap = (size_t)((program_s(r) + 60) * 2000.0 / SAMPLE_MS * 200);
	r->smp.buf = dc_malloc(r->smp.cap);
	if (!r->smp.buf)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	if (!r->a.quiet)
		fprintf(stderr, "dcsim calibrate --gpu: load program of %.0f s "
			"(idle, duty cycles, sustained load, cool-down), "
			"nvidia-smi every %d ms\n", program_s(r), SAMPLE_MS);
	int rc = start_trace(r, err);
	if (!rc)
		rc = dc_gpu_load_run(r->info.device, r->st, r->nst, r->t_start,
				     &r->load_rate, err);
	struct timespec tail = {1, 0}; /* the samples of the last second */
	if (!rc)
		nanosleep(&tail, NULL);
	sampler_stop(&r->smp);
	if (!rc && atomic_load(&r->smp.dropped))
		dc_err_warn(err, "the trace buffer was full: %d samples dropped",
			    atomic_load(&r->smp.dropped));
	return rc;
}

static int analyse(gpu_run *r, dc_err *err)
{
	/* a line cut short when nvidia-smi was stopped is not a sample */
	size_t len = atomic_load(&r->smp.len);
	while (len && r->smp.buf[len - 1] != '\n')
		len--;
	atomic_store(&r->smp.len, len);
	int rc = dc_gpu_trace_parse(r->trace, r->smp.buf, len, &r->tr, err);
	if (rc)
		return rc;
	double duty[8];
	for (size_t i = 0; i < r->nst; i++)
		duty[i] = r->st[i].duty;
	r->fit_rc = dc_gpu_trace_analyse(&r->tr, r->t_start, duty, r->nst,
					 SETTLE_S, WINDOW_S, &r->an, err);
	if (r->an.rate_hz < 10)
		dc_err_warn(err, "nvidia-smi sampled at %.1f Hz, under the 10 Hz "
			    "the thermal fit is meant for", r->an.rate_hz);
	return DC_OK;
}

/* --------------------------------------------------------------- peaks */

/* The row of data/accelerators.csv for GPU name NAME, or NULL. */
static const char *catalog_key(const char *name)
{
	char s[128];
	slug(name, s, sizeof s);
	if (strstr(s, "h200"))
		return "h200";
	if (strstr(s, "h100") && !strstr(s, "pcie") && !strstr(s, "nvl"))
		return "h100_sxm";
	if (strstr(s, "a100"))
		return strstr(s, "80gb") ? "a100_80gb" : "a100_40gb";
	if (strstr(s, "v100"))
		return "v100";
	if (strstr(s, "p40"))
		return "p40";
	return NULL;
}

/* The catalog's figures for NAME (all NAN when it has no row). */
static void catalog(const char *name, dc_accel *g)
{
	memset(g, 0, sizeof *g);
	g->peak_fp16 = g->hbm_bw = NAN;
	const char *key = catalog_key(name);
	char path[4096];
	snprintf(path, sizeof path, "%s/accelerators.csv", dc_cli_data_dir());
	dc_table *t = NULL;
	if (key && !dc_table_load(path, &t, NULL) &&
	    dc_accel_load(t, key, g, NULL)) {
		g->peak_fp16 = g->hbm_bw = NAN;
		g->name[0] = 0;
	}
	dc_table_free(t);
}

/* Reference peaks of a profile: the datasheet's where the catalog has
 * them (fp16 only: it has no fp32 peak), else the best measured rates. */
static void peaks(const gpu_run *r, int fp16, dc_calib_prov *p, char *note,
		  size_t cap)
{
	dc_accel g;
	catalog(r->info.name, &g);
	double mf, mb;
	dc_calib_host_peaks(fp16 ? r->r16 : r->r32, fp16 ? r->n16 : r->n32,
			    &mf, &mb);
	int df = fp16 && isfinite(g.peak_fp16), db = isfinite(g.hbm_bw);
	p->peak_flops = df ? g.peak_fp16 : mf;
	p->peak_bw = db ? g.hbm_bw : mb;
	char f[160], b[160];
	snprintf(f, sizeof f, "datasheet peak_fp16 of %s in "
		 "data/accelerators.csv", g.name);
	snprintf(b, sizeof b, "datasheet hbm_bw of %s in data/accelerators.csv",
		 g.name);
	snprintf(note, cap, "peak_flops: %s; peak_bw: %s",
		 df ? f
		    : fp16 ? "best measured fp16 GEMM rate (no peak_fp16 for "
			     "this GPU in data/accelerators.csv)"
			   : "best measured fp32 GEMM rate (the catalog has no "
			     "fp32 peak)",
		 db ? b
		    : "measured triad bandwidth (no hbm_bw for this GPU in "
		      "data/accelerators.csv)");
}

/* -------------------------------------------------------------- output */

/* "key: value" lines of the GPU, its software and the load program. */
static char *extra_lines(const gpu_run *r, int fp16)
{
	size_t cap = 16384, len = 0;
	char *s = dc_malloc(cap);
	if (!s)
		return NULL;
	const dc_gpu_info *g = &r->info;
	const smi_info *q = &r->smi;
	len += (size_t)snprintf(s + len, cap - len,
		"gpu_name: %s\ngpu_pci_bus_id: %s\ngpu_driver: %s\n"
		"gpu_vbios: %s\ncuda: driver API %d.%d, runtime %d.%d, cuBLAS "
		"%d.%d.%d\ngpu_compute_capability: %d.%d\ngpu_sms: %d\n"
		"gpu_memory_bytes: %.6g\ngpu_sm_clock_max_mhz: %s\n"
		"gpu_mem_clock_max_mhz: %s\ngpu_power_limit_w: %s\n",
		g->name, g->pci_bus_id, q->driver, q->vbios,
		g->driver_api / 1000, g->driver_api % 1000 / 10,
		g->runtime_api / 1000, g->runtime_api % 1000 / 10,
		g->cublas_version / 10000, g->cublas_version / 100 % 100,
		g->cublas_version % 100, g->cc_major, g->cc_minor, g->sms,
		g->mem_bytes, q->clk_sm, q->clk_mem, q->power);
	len += (size_t)snprintf(s + len, cap - len,
		"gemm: %s\nother_kernels: softmax, RMSNorm, SiLU, decode "
		"attention and triad in fp32 CUDA C\n%s: %s\n",
		fp16 ? "fp16 A, B and C with fp32 accumulation (cublasGemmEx)"
		     : "fp32 (cublasSgemm, no TF32)",
		fp16 ? "fp32_profile" : "fp16_profile", fp16 ? r->fp32 : r->out);
	len += (size_t)snprintf(s + len, cap - len, "load_program:");
	for (size_t i = 0; i < r->nst; i++)
		len += (size_t)snprintf(s + len, cap - len, " %g x %g s%s",
					r->st[i].duty, r->st[i].seconds,
					i + 1 < r->nst ? "," : "");
	len += (size_t)snprintf(s + len, cap - len, "; fp16 GEMM 8192^3 at "
				"%.4g FLOP/s while busy\ntrace_file: %s "
				"(nvidia-smi -lms %d)\n", r->load_rate,
				r->trace, SAMPLE_MS);
	if (r->analysed)
		dc_gpu_analysis_lines(&r->an, s + len, cap - len);
	else
		snprintf(s + len, cap - len, "gpu_trace: %s (see the "
			 "command's errors)\n", r->recorded ? "not parsed"
							    : "not recorded");
	return s;
}

static int put_trace(FILE *f, const void *ctx, dc_err *err)
{
	const gpu_run *r = ctx;
	fprintf(f, "# dcsim calibrate --gpu trace: TZ=UTC0 nvidia-smi -i %s "
		"--query-gpu=%s --format=csv,noheader,nounits -lms %d\n"
		"# device: %s\n# profile: %s\n# command: %s\n", r->sel,
		r->query, SAMPLE_MS, r->info.name, r->out, r->cmd);
	for (size_t i = 0; i < r->nst; i++)
		fprintf(f, "# stage: %zu duty %g start_epoch_s %.3f end_epoch_s "
			"%.3f\n", i, r->st[i].duty, r->t_start[i],
			r->t_start[i + 1]);
	/* the header line noheader left out: the query's fields */
	for (const char *q = r->query; *q; q++)
		if (*q == ',')
			fputs(", ", f);
		else
			fputc(*q, f);
	fputc('\n', f);
	fwrite(r->smp.buf, 1, atomic_load(&r->smp.len), f);
	return ferror(f) ? dc_err_msg(err, DC_EIO, "%s: write failed", r->trace)
			 : DC_OK;
}

static int write_profile(const gpu_run *r, int fp16, dc_err *err)
{
	dc_calib_prov p;
	char note[512], blas[128];
	dc_calib_prov_probe(&p);
	snprintf(blas, sizeof blas, "cuBLAS %d.%d.%d",
		 r->info.cublas_version / 10000,
		 r->info.cublas_version / 100 % 100,
		 r->info.cublas_version % 100);
	p.blas = blas, p.blas_threads = 0;
	p.dcsim = r->ver, p.command = r->cmd, p.model = r->a.model;
	p.device = r->info.name, p.kind = NULL;
	peaks(r, fp16, &p, note, sizeof note);
	p.peak_note = note;
	char *extra = extra_lines(r, fp16);
	if (!extra)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	p.extra = extra;
	int rc = dc_cli_write_profile(fp16 ? r->out : r->fp32, &p,
				      fp16 ? r->r16 : r->r32,
				      fp16 ? r->n16 : r->n32, err);
	dc_free(extra);
	return rc;
}

static void summary(const gpu_run *r)
{
	const dc_gpu_analysis *a = &r->an;
	if (!r->analysed) {
		fprintf(stderr, "dcsim calibrate --gpu: profiles written to %s "
			"and %s, without a power and thermal trace\n", r->out,
			r->fp32);
		return;
	}
	fprintf(stderr, "dcsim calibrate --gpu: %zu samples at %.1f Hz; T %.0f "
		".. %.0f C, P %.0f .. %.0f W\n", a->samples, a->rate_hz,
		a->t_min_C, a->t_max_C, a->p_min_W, a->p_max_W);
	if (!a->power_rc)
		fprintf(stderr, "  power   P(u) = %.1f + (%.1f - %.1f) u^%.3f W "
			"(R^2 %.4f, %zu stage means)\n", a->power.p_idle_W,
			a->power.p_max_W, a->power.p_idle_W, a->power.alpha,
			a->power.r2, a->points);
	if (!a->rc_rc)
		fprintf(stderr, "  thermal T_ref %.1f C, R_th %.4g K/W, tau %.1f "
			"s, C_th %.4g J/K (R^2 %.4f, rms %.2f K)\n",
			a->rc.t_ref_C, a->rc.r_th, a->rc.tau_s, a->rc.c_th,
			a->rc.r2, a->rc.rms_K);
	fprintf(stderr, "dcsim calibrate --gpu: profile written to %s (fp32 "
		"GEMMs: %s; trace: %s)\n", r->out, r->fp32, r->trace);
}

/* Once the kernels passed, what was measured is written even when the
 * trace or its analysis failed (the profiles then say so); the first
 * failure is returned. */
static int run_all(gpu_run *r, dc_err *err)
{
	int rc = setup(r, err);
	if (!rc && !r->a.quiet)
		fprintf(stderr, "dcsim calibrate --gpu: %s shapes on %s (%s, "
			"driver %s, %d SMs)\n", r->a.model, r->info.name,
			r->info.pci_bus_id, r->smi.driver, r->info.sms);
	if (!rc)
		rc = kernels(r, err);
	if (rc)
		return rc;
	int trc = record(r, err);
	r->recorded = !trc;
	if (!trc)
		trc = analyse(r, err);
	r->analysed = !trc;
	rc = write_profile(r, 1, err);
	if (!rc)
		rc = write_profile(r, 0, err);
	if (!rc && r->recorded)
		rc = dc_cli_write_whole(r->trace, put_trace, r, err);
	if (!rc && !r->a.quiet)
		summary(r);
	if (rc || trc)
		return rc ? rc : trc;
	return r->fit_rc || r->falls ? DC_EFAIL : DC_OK;
}

int dc_cmd_calibrate_gpu(int argc, char **argv, int full_argc,
			 char **full_argv)
{
	gpu_run *r = dc_calloc(1, sizeof *r);
	if (!r) {
		fprintf(stderr, "dcsim calibrate --gpu: out of memory\n");
		return DC_EXIT_FAIL;
	}
	int ex = parse(argc, argv, &r->a);
	if (ex) {
		dc_free(r);
		return ex;
	}
	dc_cli_join_argv(full_argc, full_argv, r->cmd, sizeof r->cmd);
	snprintf(r->ver, sizeof r->ver, "%s (%s)", dc_version, dc_git_rev);
	dc_err err = DC_ERR_INIT;
	int rc = run_all(r, &err);
	ex = r->unavailable ? DC_EXIT_GPU_UNAVAILABLE : dc_cli_exit_status(rc);
	dc_cli_print_err(&err);
	dc_err_free(&err);
	sampler_stop(&r->smp);
	dc_free(r->smp.buf), dc_free(r->r16), dc_free(r->r32);
	dc_gpu_trace_free(&r->tr);
	dc_free(r);
	return ex;
}

#endif /* DC_CUDA */
