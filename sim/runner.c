/* runner.c - the replication loop. */
#include "runner.h"

#include <math.h>
#include <string.h>

#include "alloc.h"
#include "rng.h"

typedef struct instance {
	const dc_component *c;
	void *self;
} instance;

struct dc_world {
	instance *inst;
	size_t n;
};

void *dc_world_find(const dc_world *w, const char *key, size_t i)
{
	for (size_t k = 0; k < w->n; k++)
		if (!strcmp(w->inst[k].c->kind->key, key) && i-- == 0)
			return w->inst[k].self;
	return NULL;
}

size_t dc_world_count(const dc_world *w, const char *key)
{
	size_t n = 0;
	for (size_t k = 0; k < w->n; k++)
		n += !strcmp(w->inst[k].c->kind->key, key);
	return n;
}

/* Let every component find the others. */
static int link_all(instance *inst, size_t n, dc_err *err)
{
	dc_world w = {inst, n};
	for (size_t i = 0; i < n; i++) {
		const dc_component_kind *k = inst[i].c->kind;
		int rc = k->link ? k->link(inst[i].self, &w, err) : DC_OK;
		if (rc)
			return rc;
	}
	return DC_OK;
}

typedef struct progress_fwd {
	const dc_runner_opts *o;
	int rep;
} progress_fwd;

static void forward_progress(void *ctx, const dc_sim *sim)
{
	progress_fwd *f = ctx;
	f->o->progress(f->o->progress_ctx, f->rep, sim);
}

static void destroy_all(instance *inst, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (inst[i].self)
			inst[i].c->kind->destroy(inst[i].self);
	dc_free(inst);
}

/* Create every component for replication REP and plug it in.  Component
 * i gets random streams 16*i .. 16*i+15: streams follow the scenario's
 * structure, never the order of events. */
static int build(const dc_scenario *sc, dc_sim *sim, instance **out,
		 dc_err *err)
{
	instance *inst = dc_calloc(sc->n_comp ? sc->n_comp : 1, sizeof *inst);
	if (!inst)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t i = 0; i < sc->n_comp; i++) {
		const dc_component *c = &sc->comp[i];
		uint32_t id;
		inst[i].c = c;
		int rc = c->kind->create(c->cfg, c->entity, (uint32_t)(16 * i),
					 &inst[i].self, err);
		if (!rc && dc_sim_add(sim, c->kind->ops, inst[i].self, &id))
			rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
		if (rc) {
			destroy_all(inst, sc->n_comp);
			return rc;
		}
	}
	int rc = link_all(inst, sc->n_comp, err);
	if (rc) {
		destroy_all(inst, sc->n_comp);
		return rc;
	}
	*out = inst;
	return DC_OK;
}

static int run_rep(const dc_scenario *sc, int rep, dc_metrics *m,
		   const dc_runner_opts *o, dc_runner_result *res, dc_err *err)
{
	progress_fwd fwd = {o, rep};
	dc_sim_cfg cfg = {
		.seed = (uint32_t)sc->run.seed,
		.rep = (uint32_t)rep,
		.rng_type = dc_rng_type(sc->run.rng),
		.until = sc->run.horizon,
		.warmup = sc->run.warmup,
		.metrics = m,
		.interrupt = o ? o->interrupt : NULL,
		.progress = o && o->progress ? forward_progress : NULL,
		.progress_ctx = &fwd,
		.progress_every = o ? o->progress_every : 0,
	};
	dc_sim *sim = dc_sim_new(&cfg);
	instance *inst = NULL;
	if (!sim)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	dc_metrics_rep_begin(m, rep, sc->run.warmup);
	int rc = build(sc, sim, &inst, err);
	if (rc)
		goto out_sim;
	rc = dc_sim_run(sim);
	if (rc && rc != DC_EINTR) {
		dc_err_msg(err, rc, "replication %d failed at t = %.9g s: %s",
			   rep, dc_time_to_s(dc_sim_now(sim)),
			   dc_err_text(dc_sim_err(sim)));
		goto out_inst;
	}
	dc_run_info ri = {
		.run = rep,
		.seed = (uint32_t)sc->run.seed,
		.scenario = sc->run.name,
		.horizon_s = dc_time_to_s(sc->run.horizon),
		.t_end_s = dc_time_to_s(dc_sim_now(sim)),
		.events = dc_sim_events(sim),
		.status = rc == DC_EINTR ? DC_RUN_INTERRUPTED : DC_RUN_COMPLETE,
	};
	res->events += ri.events;
	int wrc = dc_metrics_rep_end(m, &ri, err);
	if (wrc)
		rc = wrc;
	else if (ri.status == DC_RUN_COMPLETE)
		res->reps_done++;
out_inst:
	destroy_all(inst, sc->n_comp);
out_sim:
	dc_sim_free(sim);
	return rc;
}

int dc_runner_run(const dc_scenario *sc, const dc_sink *sink,
		  const dc_runner_opts *o, dc_runner_result *res, dc_err *err)
{
	memset(res, 0, sizeof *res);
	res->status = DC_RUN_FAILED;
	dc_rng_setup();
	dc_metrics *m = dc_metrics_new(sink, sc->run.sample);
	if (!m)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	int rc = DC_OK;
	for (int rep = 0; rep < sc->run.reps && !rc; rep++)
		rc = run_rep(sc, rep, m, o, res, err);
	if (!rc || rc == DC_EINTR) {
		int src = dc_metrics_summary(m, err);
		if (src)
			rc = src;
	}
	if (!rc)
		res->status = DC_RUN_COMPLETE;
	else if (rc == DC_EINTR)
		res->status = DC_RUN_INTERRUPTED;
	dc_metrics_free(m);
	return rc;
}
