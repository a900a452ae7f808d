/* mmc.c - M/M/c queue model.
 *
 * Events: ARRIVAL (the next arrival is scheduled from it) and DEPARTURE
 * (a server frees; the head of the queue starts service).  Waiting
 * customers are kept as their arrival times in a ring buffer.  Random
 * streams: stream+0 inter-arrival times, stream+1 service times, so that
 * changing the service rate leaves the arrival sequence untouched
 * (common random numbers). */
#include "mmc.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "../sim/alloc.h"
#include "../sim/metrics.h"

typedef struct mmc_cfg {
	int64_t servers;
	double arrival_rate;  /* 1/s */
	double service_time;  /* mean, s */
	int64_t customers;    /* stop after this many have started service */
} mmc_cfg;

#define F(f) offsetof(mmc_cfg, f)
static const dc_param mmc_params[] = {
	{.key = "servers", .type = DC_PT_INT, .def = "1",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1e6,
	 .off = F(servers), .help = "number of servers c"},
	{.key = "arrival_rate", .type = DC_PT_QTY, .dim = DC_DIM_RATE,
	 .unit = "/s", .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0,
	 .off = F(arrival_rate), .help = "Poisson arrival rate lambda"},
	{.key = "service_time", .type = DC_PT_QTY, .dim = DC_DIM_TIME,
	 .unit = "s", .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0,
	 .off = F(service_time), .help = "mean exponential service time 1/mu"},
	{.key = "customers", .type = DC_PT_INT, .def = "0",
	 .flags = DC_PF_MIN, .min = 0, .off = F(customers),
	 .help = "stop once this many customers entered service after the warmup (0: horizon only)"},
};
static const dc_pset mmc_pset = {"queue", mmc_params, DC_ARRAY_LEN(mmc_params),
				 "an M/M/c queue"};

enum { EV_ARRIVAL, EV_DEPARTURE };

typedef struct mmc {
	mmc_cfg cfg;
	char *entity;
	uint32_t id, stream;
	gsl_rng *arr_rng, *svc_rng;
	dc_metrics *m;
	int m_wait, m_sojourn, m_len, m_busy;
	int64_t busy, started;  /* started: after the warmup */
	dc_time warmup;
	dc_time *ring;        /* arrival times of waiting customers */
	size_t head, len, cap;
} mmc;

static int mmc_check(const void *cfgp, const char *file, const char *path,
		     dc_err *err)
{
	const mmc_cfg *c = cfgp;
	double rho = c->arrival_rate * c->service_time / (double)c->servers;
	if (rho >= 1 && c->customers == 0)
		dc_err_warn(err, "%s: %s: utilisation rho = %.4g >= 1: the "
			    "queue grows without bound", file, path, rho);
	return DC_OK;
}

static int mmc_create(const void *cfgp, const char *entity, uint32_t stream,
		      void **self, dc_err *err)
{
	mmc *q = dc_calloc(1, sizeof *q);
	if (!q || !(q->entity = dc_strdup(entity))) {
		dc_free(q);
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	q->cfg = *(const mmc_cfg *)cfgp;
	q->stream = stream;
	*self = q;
	return DC_OK;
}

static void mmc_destroy(void *self)
{
	mmc *q = self;
	dc_free(q->ring);
	dc_free(q->entity);
	dc_free(q);
}

static int enqueue(mmc *q, dc_time t)
{
	if (q->len == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		dc_time *r = dc_malloc(cap * sizeof *r);
		if (!r)
			return DC_ENOMEM;
		for (size_t i = 0; i < q->len; i++)
			r[i] = q->ring[(q->head + i) % q->cap];
		dc_free(q->ring);
		q->ring = r;
		q->head = 0;
		q->cap = cap;
	}
	q->ring[(q->head + q->len++) % q->cap] = t;
	return DC_OK;
}

static dc_time dequeue(mmc *q)
{
	dc_time t = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->len--;
	return t;
}

static int declare(mmc *q, dc_err *err)
{
	struct { const char *name, *unit; dc_metric_kind k; int *id;
		 const char *help; } d[] = {
		{"queue.wait", "s", DC_METRIC_OBS, &q->m_wait,
		 "time from arrival to start of service"},
		{"queue.sojourn", "s", DC_METRIC_OBS, &q->m_sojourn,
		 "time from arrival to departure"},
		{"queue.length", "", DC_METRIC_LEVEL, &q->m_len,
		 "customers waiting (not in service)"},
		{"queue.busy", "", DC_METRIC_LEVEL, &q->m_busy,
		 "servers busy"},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(d); i++) {
		int rc = dc_metrics_declare(q->m, d[i].name, q->entity, d[i].unit,
					    d[i].k, d[i].help, d[i].id, err);
		if (rc)
			return rc;
	}
	return DC_OK;
}

static int mmc_init(void *self, dc_sim *sim, dc_err *err)
{
	mmc *q = self;
	q->id = dc_sim_current(sim);
	q->m = dc_sim_metrics(sim);
	q->warmup = dc_sim_config(sim)->warmup;
	q->arr_rng = dc_sim_rng(sim, q->stream);
	q->svc_rng = dc_sim_rng(sim, q->stream + 1);
	if (!q->m || !q->arr_rng || !q->svc_rng)
		return dc_err_msg(err, DC_ENOMEM, "%s: out of memory", q->entity);
	int rc = declare(q, err);
	if (rc)
		return rc;
	dc_metrics_level(q->m, q->m_len, 0, 0);
	dc_metrics_level(q->m, q->m_busy, 0, 0);
	double gap = gsl_ran_exponential(q->arr_rng, 1.0 / q->cfg.arrival_rate);
	return dc_sim_at(sim, dc_time_from_s(gap), q->id, EV_ARRIVAL, 0, NULL);
}

/* Customer who arrived at T_ARR starts service now. */
static int start_service(mmc *q, dc_sim *sim, dc_time t_arr)
{
	dc_time now = dc_sim_now(sim);
	double s = gsl_ran_exponential(q->svc_rng, q->cfg.service_time);
	dc_time ds = dc_time_from_s(s);
	dc_metrics_obs(q->m, q->m_wait, now, dc_time_to_s(now - t_arr));
	dc_metrics_obs(q->m, q->m_sojourn, now, dc_time_to_s(now - t_arr + ds));
	if (q->cfg.customers && now >= q->warmup &&
	    ++q->started >= q->cfg.customers)
		dc_sim_stop(sim);
	return dc_sim_after(sim, ds, q->id, EV_DEPARTURE, 0, NULL);
}

static int on_arrival(mmc *q, dc_sim *sim)
{
	dc_time now = dc_sim_now(sim);
	double gap = gsl_ran_exponential(q->arr_rng, 1.0 / q->cfg.arrival_rate);
	int rc = dc_sim_after(sim, dc_time_from_s(gap), q->id, EV_ARRIVAL, 0,
			      NULL);
	if (rc)
		return rc;
	if (q->busy < q->cfg.servers) {
		dc_metrics_level(q->m, q->m_busy, now, (double)++q->busy);
		return start_service(q, sim, now);
	}
	if (enqueue(q, now))
		return DC_ENOMEM;
	dc_metrics_level(q->m, q->m_len, now, (double)q->len);
	return DC_OK;
}

static int on_departure(mmc *q, dc_sim *sim)
{
	dc_time now = dc_sim_now(sim);
	if (q->len == 0) {
		dc_metrics_level(q->m, q->m_busy, now, (double)--q->busy);
		return DC_OK;
	}
	dc_time t_arr = dequeue(q);
	dc_metrics_level(q->m, q->m_len, now, (double)q->len);
	return start_service(q, sim, t_arr);
}

static int mmc_handle(void *self, dc_sim *sim, const dc_event *ev)
{
	mmc *q = self;
	int rc = ev->type == EV_ARRIVAL ? on_arrival(q, sim)
					: on_departure(q, sim);
	if (rc)
		dc_err_msg(dc_sim_err(sim), rc, "%s: %s", q->entity,
			   dc_strerror(rc));
	return rc;
}

static const dc_model_ops mmc_ops = {"mmc", mmc_init, mmc_handle, NULL};

const dc_component_kind dc_mmc_kind = {
	.key = "queue",
	.help = "an M/M/c queue (validates the engine against Erlang C)",
	.params = &mmc_pset,
	.cfg_size = sizeof(mmc_cfg),
	.multi = 0,
	.ops = &mmc_ops,
	.check = mmc_check,
	.create = mmc_create,
	.destroy = mmc_destroy,
};
