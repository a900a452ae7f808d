/* hold.c - the classic hold-model benchmark of a pending-event set.
 *
 * N events are pending; each executed event schedules one new event at
 * now + Exp(1).  For every N it measures, in this same program:
 *   dcsim     the engine's real loop: dc_sim_run, a model's handle op,
 *             dc_sim_after, the 4-ary heap and slot pool;
 *   baseline  a plain C11 binary heap of (double time, uint64 seq), pop
 *             then push, the textbook implementation.
 * Both draw from the same generator (xoshiro256** through gsl_ran_exponential)
 * with the same seed.  Each measurement runs in a forked child so its peak
 * RSS is its own; each is repeated and the fastest repetition kept (shared
 * machines are noisy: the minimum is the least disturbed).
 *
 * Usage: hold [OUT.csv] [--quick]   (exit 1 when a ratio is below 1.0)
 * Prints a table and writes CSV rows: n,impl,events,seconds,events_per_s,
 * ns_per_event,ratio,peak_rss_kib. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>

#include "../sim/rng.h"
#include "../sim/sim.h"

typedef struct result {
	double seconds;
	long rss_kib;
	double check;   /* a value both must agree on roughly: final time */
} result;

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- baseline: plain binary heap ---- */
typedef struct bkey {
	double t;
	uint64_t seq;
} bkey;

static int bless(const bkey *a, const bkey *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void bpush(bkey *h, size_t *n, bkey k)
{
	size_t i = (*n)++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!bless(&k, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = k;
}

static bkey bpop(bkey *h, size_t *n)
{
	bkey top = h[0];
	bkey last = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && bless(&h[c + 1], &h[c]))
			c++;
		if (!bless(&h[c], &last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

static double run_baseline(size_t n, uint64_t m, double *t_end)
{
	gsl_rng *r = dc_rng_new(NULL, 1, 0, 0);
	bkey *h = malloc(n * sizeof *h);
	size_t len = 0;
	uint64_t seq = 0;
	if (!r || !h)
		exit(3);
	for (size_t i = 0; i < n; i++)
		bpush(h, &len, (bkey){gsl_ran_exponential(r, 1.0), seq++});
	double t0 = wall();
	double now = 0;
	for (uint64_t e = 0; e < m; e++) {
		bkey k = bpop(h, &len);
		now = k.t;
		bpush(h, &len, (bkey){now + gsl_ran_exponential(r, 1.0), seq++});
	}
	double dt = wall() - t0;
	*t_end = now;
	free(h);
	gsl_rng_free(r);
	return dt;
}

/* ---- dcsim: the engine loop with a hold model ---- */
typedef struct hold {
	uint32_t id;
	size_t n;
	uint64_t left;
	gsl_rng *r;
	double t_start;     /* wall clock when the fill ended */
} hold;

static int hold_init(void *self, dc_sim *sim, dc_err *err)
{
	hold *h = self;
	h->r = dc_sim_rng(sim, 0);
	if (!h->r)
		return DC_ENOMEM;
	for (size_t i = 0; i < h->n; i++) {
		double x = gsl_ran_exponential(h->r, 1.0);
		if (dc_sim_at(sim, dc_time_from_s(x), h->id, 0, 0, NULL))
			return DC_ENOMEM;
	}
	h->t_start = wall();
	return DC_OK;
}

static int hold_handle(void *self, dc_sim *sim, const dc_event *ev)
{
	hold *h = self;
	if (--h->left == 0)
		dc_sim_stop(sim);
	double x = gsl_ran_exponential(h->r, 1.0);
	return dc_sim_after(sim, dc_time_from_s(x), h->id, 0, 0, NULL);
}

static const dc_model_ops hold_ops = {"hold", hold_init, hold_handle, NULL};

/* The timed region starts when the model's init has scheduled the N
 * initial events (the same point as the baseline's fill) and ends when the
 * M-th event is done: whatever ordering work a structure defers past the
 * pushes (a ladder queue sorts on the first pop) is counted. */
static double run_dcsim(size_t n, uint64_t m, double *t_end)
{
	/* seed 1, rep 0, stream 0: the same generator as the baseline */
	dc_sim_cfg cfg = {.seed = 1, .rep = 0, .until = DC_TIME_MAX};
	dc_sim *sim = dc_sim_new(&cfg);
	hold h = {0, n, m, NULL, 0};
	if (!sim || dc_sim_add(sim, &hold_ops, &h, &h.id))
		exit(3);
	if (dc_sim_run(sim))
		exit(4);
	double dt = wall() - h.t_start;
	*t_end = dc_time_to_s(dc_sim_now(sim));
	dc_sim_free(sim);
	return dt;
}

/* Run one measurement in a child; its own peak RSS comes back. */
static int measure(int dcsim, size_t n, uint64_t m, result *res)
{
	int fd[2];
	if (pipe(fd))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(fd[0]);
		result r;
		if (dcsim)
			r.seconds = run_dcsim(n, m, &r.check);
		else
			r.seconds = run_baseline(n, m, &r.check);
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		r.rss_kib = ru.ru_maxrss;
		if (write(fd[1], &r, sizeof r) != (ssize_t)sizeof r)
			_exit(5);
		_exit(0);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], res, sizeof *res);
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	return got == (ssize_t)sizeof *res && WIFEXITED(st) &&
			       WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *out = "bench/results/hold.csv";
	int quick = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else
			out = argv[i];
	}
	dc_rng_setup();
	const size_t ns[] = {1000, 100000, 1000000};
	const int reps = quick ? 1 : 5;
	FILE *f = fopen(out, "w");
	if (!f) {
		perror(out);
		return 74;
	}
	fprintf(f, "n,impl,events,seconds,events_per_s,ns_per_event,ratio,peak_rss_kib\n");
	printf("%9s %-9s %10s %12s %9s %7s %10s\n", "N", "impl", "events",
	       "events/s", "ns/event", "ratio", "peakRSS");
	int ok = 1;
	for (size_t k = 0; k < DC_ARRAY_LEN(ns); k++) {
		size_t n = ns[k];
		uint64_t m = quick ? 1000000 : (n < 1000000 ? 10000000 : 20000000);
		result best[2] = {{INFINITY, 0, 0}, {INFINITY, 0, 0}};
		for (int r = 0; r < reps; r++)
			for (int impl = 0; impl < 2; impl++) {
				result res;
				if (measure(impl, n, m, &res)) {
					fprintf(stderr, "hold: child failed\n");
					return 1;
				}
				if (res.seconds < best[impl].seconds)
					best[impl] = res;
			}
		double eps[2];
		for (int impl = 0; impl < 2; impl++)
			eps[impl] = m / best[impl].seconds;
		double ratio = eps[1] / eps[0];
		if (ratio < 1.0)
			ok = 0;
		for (int impl = 1; impl >= 0; impl--) {
			const char *name = impl ? "dcsim" : "baseline";
			printf("%9zu %-9s %10llu %12.0f %9.2f %7.3f %7ld KiB\n", n,
			       name, (unsigned long long)m, eps[impl],
			       1e9 / eps[impl], impl ? ratio : 1.0,
			       best[impl].rss_kib);
			fprintf(f, "%zu,%s,%llu,%.6f,%.0f,%.3f,%.4f,%ld\n", n, name,
				(unsigned long long)m, best[impl].seconds,
				eps[impl], 1e9 / eps[impl], impl ? ratio : 1.0,
				best[impl].rss_kib);
		}
	}
	fclose(f);
	printf("target: dcsim/baseline >= 1.0 at every N: %s\nwrote %s\n",
	       ok ? "met" : "NOT met", out);
	return ok ? 0 : 1;
}
