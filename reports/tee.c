/* tee.c - a sink that forwards every call to several sinks in order. */
#include "reports.h"

#include <string.h>

#include "../sim/alloc.h"
#include "internal.h"

typedef struct tee_sink {
	dc_sink *sinks;
	int n;
	char msg[DC__MSG_LEN];
} tee_sink;

/* Note a failure of sink I (code RC) and return RC. */
static int tee_fail(tee_sink *t, int i, int rc)
{
	const dc_sink_ops *o = t->sinks[i].ops;
	const char *m = o->errmsg ? o->errmsg(t->sinks[i].ctx) : "";
	dc__msg_set(t->msg, sizeof t->msg, "%s sink: %s",
		    o->name ? o->name : "?", m[0] ? m : dc_strerror(rc));
	return rc;
}

/* Forward OP(ctx, args...) to each sink that has it; stop at a failure. */
#define TEE_FORWARD(t, op, ...)                                          \
	do {                                                             \
		for (int i_ = 0; i_ < (t)->n; i_++) {                    \
			const dc_sink *k_ = &(t)->sinks[i_];             \
			if (!k_->ops->op)                                \
				continue;                                \
			int rc_ = k_->ops->op(k_->ctx, __VA_ARGS__);     \
			if (rc_ != DC_OK)                                \
				return tee_fail((t), i_, rc_);           \
		}                                                        \
		return DC_OK;                                            \
	} while (0)

static int tee_metric(void *ctx, const dc_metric_info *mi)
{
	TEE_FORWARD((tee_sink *)ctx, metric, mi);
}

static int tee_run_begin(void *ctx, const dc_run_info *ri)
{
	TEE_FORWARD((tee_sink *)ctx, run_begin, ri);
}

static int tee_sample(void *ctx, int run, const char *metric,
		      const char *entity, double t_s, double value)
{
	TEE_FORWARD((tee_sink *)ctx, sample, run, metric, entity, t_s, value);
}

static int tee_run_stat(void *ctx, const dc_stat_row *row)
{
	TEE_FORWARD((tee_sink *)ctx, run_stat, row);
}

static int tee_run_end(void *ctx, const dc_run_info *ri)
{
	TEE_FORWARD((tee_sink *)ctx, run_end, ri);
}

static int tee_dist(void *ctx, const char *metric, const char *entity,
		    const char *unit, const double *q, const double *v,
		    size_t n)
{
	TEE_FORWARD((tee_sink *)ctx, dist, metric, entity, unit, q, v, n);
}

static int tee_summary(void *ctx, const dc_stat_row *row)
{
	TEE_FORWARD((tee_sink *)ctx, summary, row);
}

/* Close every sink even when one fails, so that one bad output does not
 * leave the others unfinished; the first failure is returned. */
static int tee_close(void *ctx)
{
	tee_sink *t = ctx;
	int rc = DC_OK;
	for (int i = 0; i < t->n; i++) {
		const dc_sink *k = &t->sinks[i];
		if (!k->ops->close)
			continue;
		int r = k->ops->close(k->ctx);
		if (r != DC_OK && rc == DC_OK)
			rc = tee_fail(t, i, r);
	}
	return rc;
}

static void free_sinks(const dc_sink *sinks, int n)
{
	for (int i = 0; i < n; i++) {
		if (sinks[i].ops && sinks[i].ops->free)
			sinks[i].ops->free(sinks[i].ctx);
	}
}

static void tee_free(void *ctx)
{
	tee_sink *t = ctx;
	if (!t)
		return;
	free_sinks(t->sinks, t->n);
	dc_free(t->sinks);
	dc_free(t);
}

static const char *tee_errmsg(void *ctx)
{
	return ((tee_sink *)ctx)->msg;
}

static const dc_sink_ops tee_ops = {
	.name = "tee",
	.metric = tee_metric,
	.run_begin = tee_run_begin,
	.sample = tee_sample,
	.run_stat = tee_run_stat,
	.run_end = tee_run_end,
	.summary = tee_summary,
	.dist = tee_dist,
	.close = tee_close,
	.free = tee_free,
	.errmsg = tee_errmsg,
};

/* The sinks are adopted even when this fails (they are freed then), so a
 * caller never has to free them after calling.  Returns DC_OK, DC_EINVAL
 * (n < 0, or a sink without ops) or DC_ENOMEM. */
int dc_sink_tee(const dc_sink *sinks, int n, dc_sink *out)
{
	int rc;
	if (n < 0 || (n > 0 && !sinks))
		return DC_EINVAL;
	for (int i = 0; i < n; i++) {
		if (!sinks[i].ops) {
			rc = DC_EINVAL;
			goto out_free_sinks;
		}
	}
	tee_sink *t = dc_calloc(1, sizeof *t);
	if (!t) {
		rc = DC_ENOMEM;
		goto out_free_sinks;
	}
	if (n > 0) {
		t->sinks = dc_malloc((size_t)n * sizeof *t->sinks);
		if (!t->sinks) {
			rc = DC_ENOMEM;
			goto out_free_tee;
		}
		memcpy(t->sinks, sinks, (size_t)n * sizeof *t->sinks);
	}
	t->n = n;
	out->ops = &tee_ops;
	out->ctx = t;
	return DC_OK;

out_free_tee:
	dc_free(t);
out_free_sinks:
	free_sinks(sinks, n);
	return rc;
}
