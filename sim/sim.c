/* sim.c - the event loop of one replication. */
#include "sim.h"

#include "alloc.h"
#include "rng.h"

typedef struct model {
	const dc_model_ops *ops;
	void *self;
} model;

struct dc_sim {
	dc_sim_cfg cfg;
	dc_evq *q;
	dc_time now;
	uint64_t events;
	uint32_t cur;
	int stop;
	model *models;
	uint32_t n_models, cap_models;
	gsl_rng **rng;
	uint32_t n_rng;
	dc_err err;
};

dc_sim *dc_sim_new(const dc_sim_cfg *cfg)
{
	dc_sim *sim = dc_calloc(1, sizeof *sim);
	if (!sim)
		return NULL;
	sim->cfg = *cfg;
	sim->q = dc_evq_new(1024);
	if (!sim->q) {
		dc_free(sim);
		return NULL;
	}
	return sim;
}

void dc_sim_free(dc_sim *sim)
{
	if (!sim)
		return;
	for (uint32_t i = 0; i < sim->n_rng; i++)
		if (sim->rng[i])
			gsl_rng_free(sim->rng[i]);
	dc_free(sim->rng);
	dc_free(sim->models);
	dc_evq_free(sim->q);
	dc_err_free(&sim->err);
	dc_free(sim);
}

int dc_sim_add(dc_sim *sim, const dc_model_ops *ops, void *self, uint32_t *id)
{
	if (sim->n_models == sim->cap_models) {
		uint32_t cap = sim->cap_models ? sim->cap_models * 2 : 8;
		model *m = dc_realloc(sim->models, cap * sizeof *m);
		if (!m)
			return DC_ENOMEM;
		sim->models = m;
		sim->cap_models = cap;
	}
	sim->models[sim->n_models] = (model){ops, self};
	*id = sim->n_models++;
	return DC_OK;
}

int dc_sim_at(dc_sim *sim, dc_time at, uint32_t target, uint32_t type,
	      uint64_t data, dc_event_id *id)
{
	dc_event ev = {at < sim->now ? sim->now : at, target, type, data};
	return dc_evq_push(sim->q, &ev, id);
}

int dc_sim_cancel(dc_sim *sim, dc_event_id id)
{
	return dc_evq_cancel(sim->q, id);
}

static int init_models(dc_sim *sim)
{
	for (uint32_t i = 0; i < sim->n_models; i++) {
		const dc_model_ops *ops = sim->models[i].ops;
		sim->cur = i;
		if (ops->init) {
			int rc = ops->init(sim->models[i].self, sim, &sim->err);
			if (rc)
				return rc;
		}
	}
	return DC_OK;
}

static int finish_models(dc_sim *sim)
{
	int first = DC_OK;
	for (uint32_t i = 0; i < sim->n_models; i++) {
		const dc_model_ops *ops = sim->models[i].ops;
		sim->cur = i;
		if (ops->finish) {
			int rc = ops->finish(sim->models[i].self, sim, &sim->err);
			if (rc && !first)
				first = rc;
		}
	}
	return first;
}

/* The loop proper.  Kept free of anything but dispatch: the interrupt
 * flag is a volatile load, progress a counter compare. */
static int loop(dc_sim *sim)
{
	const dc_time until = sim->cfg.until;
	volatile sig_atomic_t *intr = sim->cfg.interrupt;
	const uint64_t every = sim->cfg.progress_every ? sim->cfg.progress_every
						       : UINT64_MAX;
	uint64_t next_progress = sim->events + every;
	dc_event ev;

	while (!sim->stop && dc_evq_pop(sim->q, until, &ev)) {
		sim->now = ev.t;
		sim->events++;
		sim->cur = ev.target;
		const model *m = &sim->models[ev.target];
		int rc = m->ops->handle(m->self, sim, &ev);
		if (rc)
			return rc;
		if (intr && *intr)
			return DC_EINTR;
		if (sim->events >= next_progress) {
			next_progress += every;
			if (sim->cfg.progress)
				sim->cfg.progress(sim->cfg.progress_ctx, sim);
		}
	}
	/* Nothing left before the horizon: time advances to it. */
	if (!sim->stop && until != DC_TIME_MAX && sim->now < until)
		sim->now = until;
	return DC_OK;
}

int dc_sim_run(dc_sim *sim)
{
	int rc = init_models(sim);
	if (rc)
		return rc;
	rc = loop(sim);
	if (rc && rc != DC_EINTR)
		return rc;
	int frc = finish_models(sim);
	return rc ? rc : frc;
}

void dc_sim_stop(dc_sim *sim) { sim->stop = 1; }
uint32_t dc_sim_current(const dc_sim *sim) { return sim->cur; }
dc_time dc_sim_now(const dc_sim *sim) { return sim->now; }
uint64_t dc_sim_events(const dc_sim *sim) { return sim->events; }
size_t dc_sim_pending(const dc_sim *sim) { return dc_evq_size(sim->q); }
const dc_sim_cfg *dc_sim_config(const dc_sim *sim) { return &sim->cfg; }
dc_err *dc_sim_err(dc_sim *sim) { return &sim->err; }
dc_metrics *dc_sim_metrics(dc_sim *sim) { return sim->cfg.metrics; }

gsl_rng *dc_sim_rng(dc_sim *sim, uint32_t stream)
{
	if (stream >= sim->n_rng) {
		uint32_t n = stream + 1;
		gsl_rng **r = dc_realloc(sim->rng, n * sizeof *r);
		if (!r)
			return NULL;
		for (uint32_t i = sim->n_rng; i < n; i++)
			r[i] = NULL;
		sim->rng = r;
		sim->n_rng = n;
	}
	if (!sim->rng[stream])
		sim->rng[stream] = dc_rng_new(sim->cfg.rng_type, sim->cfg.seed,
					      sim->cfg.rep, stream);
	return sim->rng[stream];
}
