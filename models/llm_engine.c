/* llm_engine.c - LLM serving replica (iteration-level scheduler with paged
 * KV cache), router and the reference driver.  See llm_engine.h.
 *
 * A sequence is described by ctx (tokens in its KV cache) and need (tokens
 * it must process before it emits its next token).  Admission sets need to
 * the prompt (or, after a preemption by recompute, prompt + tokens already
 * emitted: vLLM recompute re-runs them as one prompt); an iteration
 * processes q <= need tokens with context ctx; when need reaches 0 the
 * sequence emits a token and need becomes 1 (a decode step). */
#include "llm_engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"

enum { S_FREE = 0, S_WAITING, S_RUNNING };

typedef struct seq {
	int64_t id;
	int32_t prompt, output, emitted;
	int32_t ctx;        /* tokens in the KV cache */
	int32_t need;       /* tokens to process before the next token */
	int32_t blocks;     /* KV blocks held */
	int32_t preempt;
	int32_t next_free;  /* free list link */
	uint8_t state;      /* S_* */
	uint8_t prefill;    /* processing prompt (or recomputed) tokens */
	uint8_t scheduled;  /* admitted at least once */
	uint8_t done;       /* finished during the current dc_replica_end */
	double t_arr, t_sched, t_first, t_last, tbt_max;
	int64_t adapter;    /* LoRA adapter, -1: the base model */
	int64_t order;      /* requests added before this one */
} seq;

struct dc_replica {
	dc_replica_cfg cfg;
	dc_iter_fn fn;
	const void *fn_ctx;
	int64_t nblocks, wm_blocks, used;
	seq *pool;
	int32_t pool_len, pool_cap, free_head;
	int32_t *wq;              /* waiting ring of pool indices */
	size_t wq_head, wq_len, wq_cap;
	int32_t *run;             /* admitted, in admission order */
	size_t nrun;
	int32_t *bidx, *bq, *bc;  /* the batch: pool index, q, c */
	uint8_t *badm;            /* admitted while forming this batch (1), and
				     scheduled for the first time (2) */
	size_t nb;
	int busy;
	double t_begin, t_now;
	dc_iter_plan plan;
	dc_replica_stats st;
	/* LoRA hook (dc_replica_set_lora); has_lora 0: none */
	int has_lora;
	dc_replica_lora_ops lops;
	void *lctx;
	int32_t *wcount;   /* waiting requests per adapter, index adapter+1 */
	int32_t *rcount;   /* running requests per adapter (>= 0) */
	int32_t *slot;     /* scratch: batch slot of an adapter, or -1 */
	uint8_t *served;   /* an adapter's request completed here */
	int64_t *lids, *ltok; /* scratch: a batch's adapters and tokens */
	int64_t ndistinct; /* adapters (>= 0) with running requests */
	int64_t cur;       /* dedicated: adapter held (-1: base) */
	int64_t gate;      /* dedicated: requests added before the switch */
};

/* ---- configuration ------------------------------------------------------ */

const char *const dc_sched_names[] = {"naive", "flywheel", "static", NULL};
const char *const dc_route_names[] = {"round_robin", "least_outstanding",
				      "jsq", NULL};

#define F(f) offsetof(dc_replica_cfg, f)
static const dc_param replica_params[] = {
	{.key = "scheduler", .type = DC_PT_ENUM, .def = "flywheel",
	 .choices = dc_sched_names, .off = F(scheduler),
	 .help = "naive (prefill-prioritising), flywheel (token budget, "
		 "chunked prefill) or static (request-level batching)"},
	/* llm.md §2.2 Vidur: Sarathi chunk_size 512; §3.5 tau */
	{.key = "token_budget", .type = DC_PT_INT, .def = "512",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1 << 24,
	 .off = F(token_budget), .help = "flywheel: tokens per iteration"},
	/* llm.md §2.2 Vidur: batch_size_cap 128 */
	{.key = "max_batch", .type = DC_PT_INT, .def = "128",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1 << 20,
	 .off = F(max_batch), .help = "most sequences in one iteration"},
	/* llm.md §2.2 Vidur: block_size 16 */
	{.key = "block_size", .type = DC_PT_INT, .def = "16",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1 << 20,
	 .off = F(block_size), .help = "KV cache block, tokens"},
	/* llm.md §2.2 Vidur: watermark 1 % */
	{.key = "watermark", .type = DC_PT_REAL, .def = "0.01",
	 .flags = DC_PF_MIN | DC_PF_MAX_EXCL, .min = 0, .max = 1,
	 .off = F(watermark),
	 .help = "fraction of KV blocks kept free when admitting"},
	{.key = "kv_tokens", .type = DC_PT_INT, .def = "0",
	 .flags = DC_PF_MIN, .min = 0, .off = F(kv_tokens),
	 .help = "KV cache capacity, tokens (0: from model and GPU memory)"},
};
#undef F

const dc_pset dc_replica_pset = {"serving", replica_params,
				 DC_ARRAY_LEN(replica_params),
				 "LLM replica scheduler and KV cache"};

void dc_replica_cfg_default(dc_replica_cfg *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->scheduler = DC_SCHED_FLYWHEEL;
	cfg->token_budget = 512;  /* llm.md §2.2 Vidur Sarathi chunk_size */
	cfg->max_batch = 128;     /* llm.md §2.2 Vidur batch_size_cap */
	cfg->block_size = 16;     /* llm.md §2.2 Vidur block_size */
	cfg->watermark = 0.01;    /* llm.md §2.2 Vidur watermark */
	cfg->kv_tokens = 0;
}

int dc_replica_cfg_check(const dc_replica_cfg *c, dc_err *err)
{
	const char *p = dc_replica_pset.section;
	if (!c)
		return dc_err_msg(err, DC_EINVAL, "%s: no configuration", p);
	if (c->scheduler < DC_SCHED_NAIVE || c->scheduler > DC_SCHED_STATIC)
		return dc_err_msg(err, DC_EINVAL, "%s.scheduler: unknown "
				  "scheduler %d", p, c->scheduler);
	if (c->token_budget < 1 || c->token_budget > (1 << 24))
		return dc_err_msg(err, DC_EINVAL, "%s.token_budget: %lld is "
				  "outside [1, 2^24]", p,
				  (long long)c->token_budget);
	if (c->max_batch < 1 || c->max_batch > (1 << 20))
		return dc_err_msg(err, DC_EINVAL, "%s.max_batch: %lld is "
				  "outside [1, 2^20]", p,
				  (long long)c->max_batch);
	if (c->block_size < 1 || c->block_size > (1 << 20))
		return dc_err_msg(err, DC_EINVAL, "%s.block_size: %lld is "
				  "outside [1, 2^20]", p,
				  (long long)c->block_size);
	if (!(c->watermark >= 0 && c->watermark < 1))
		return dc_err_msg(err, DC_EINVAL, "%s.watermark: %g is "
				  "outside [0, 1)", p, c->watermark);
	if (c->kv_tokens < c->block_size ||
	    c->kv_tokens / c->block_size > INT32_MAX)
		return dc_err_msg(err, DC_EINVAL, "%s.kv_tokens: %lld must "
				  "hold between one block (%lld tokens) and "
				  "2^31 blocks", p, (long long)c->kv_tokens,
				  (long long)c->block_size);
	return DC_OK;
}

/* ---- small helpers ------------------------------------------------------ */

static int64_t blocks_for(const dc_replica *r, int64_t tokens)
{
	return (tokens + r->cfg.block_size - 1) / r->cfg.block_size;
}

static size_t outstanding(const dc_replica *r)
{
	return r->wq_len + r->nrun;
}

/* Move R's clock to NOW, integrating the outstanding count. */
static int advance(dc_replica *r, double now, dc_err *err)
{
	if (!isfinite(now) || now < r->t_now)
		return dc_err_msg(err, DC_EINVAL, "llm replica: time %.9g s "
				  "is before %.9g s", now, r->t_now);
	r->st.outstanding_s += (double)outstanding(r) * (now - r->t_now);
	r->t_now = now;
	return DC_OK;
}

static int pool_get(dc_replica *r, int32_t *out)
{
	if (r->free_head >= 0) {
		*out = r->free_head;
		r->free_head = r->pool[*out].next_free;
		return DC_OK;
	}
	if (r->pool_len == r->pool_cap) {
		if (r->pool_cap > INT32_MAX / 2)
			return DC_ENOMEM;
		int32_t cap = r->pool_cap ? 2 * r->pool_cap : 64;
		seq *p = dc_realloc(r->pool, (size_t)cap * sizeof *p);
		if (!p)
			return DC_ENOMEM;
		r->pool = p;
		r->pool_cap = cap;
	}
	*out = r->pool_len++;
	return DC_OK;
}

static void pool_put(dc_replica *r, int32_t i)
{
	r->pool[i].state = S_FREE;
	r->pool[i].next_free = r->free_head;
	r->free_head = i;
}

/* Make room for one more waiting entry. */
static int wq_reserve(dc_replica *r)
{
	if (r->wq_len < r->wq_cap)
		return DC_OK;
	size_t cap = r->wq_cap ? 2 * r->wq_cap : 64;
	int32_t *q = dc_malloc(cap * sizeof *q);
	if (!q)
		return DC_ENOMEM;
	for (size_t k = 0; k < r->wq_len; k++)
		q[k] = r->wq[(r->wq_head + k) % r->wq_cap];
	dc_free(r->wq);
	r->wq = q;
	r->wq_head = 0;
	r->wq_cap = cap;
	return DC_OK;
}

static int32_t wq_at(const dc_replica *r, size_t k)
{
	return r->wq[(r->wq_head + k) % r->wq_cap];
}

/* Count sequence I in (D = 1) or out of (D = -1) the waiting queue. */
static void lora_wait(dc_replica *r, int32_t i, int32_t d)
{
	if (r->has_lora)
		r->wcount[r->pool[i].adapter + 1] += d;
}

/* Count sequence I in or out of the running set. */
static void lora_run(dc_replica *r, int32_t i, int32_t d)
{
	int64_t a = r->pool[i].adapter;
	if (!r->has_lora || a < 0)
		return;
	int32_t *c = &r->rcount[a];
	if (d > 0 && (*c)++ == 0)
		r->ndistinct++;
	if (d < 0 && --(*c) == 0)
		r->ndistinct--;
}

/* Remove and return the waiting entry at position K (0: the head). */
static int32_t wq_remove(dc_replica *r, size_t k)
{
	int32_t i = wq_at(r, k);
	for (size_t j = k; j > 0; j--)  /* close the gap from the head side */
		r->wq[(r->wq_head + j) % r->wq_cap] =
			r->wq[(r->wq_head + j - 1) % r->wq_cap];
	r->wq_head = (r->wq_head + 1) % r->wq_cap;
	r->wq_len--;
	lora_wait(r, i, -1);
	return i;
}

/* The caller has reserved room (wq_reserve). */
static void wq_push_front(dc_replica *r, int32_t i)
{
	r->wq_head = (r->wq_head + r->wq_cap - 1) % r->wq_cap;
	r->wq[r->wq_head] = i;
	r->wq_len++;
	r->pool[i].state = S_WAITING;
	lora_wait(r, i, 1);
}

/* ---- replica lifetime --------------------------------------------------- */

int dc_replica_new(const dc_replica_cfg *cfg, dc_iter_fn fn,
		   const void *fn_ctx, dc_replica **out, dc_err *err)
{
	if (!out || !fn)
		return dc_err_msg(err, DC_EINVAL, "llm replica: %s is NULL",
				  out ? "the performance model" : "out");
	*out = NULL;
	int rc = dc_replica_cfg_check(cfg, err);
	if (rc)
		return rc;
	dc_replica *r = dc_calloc(1, sizeof *r);
	if (!r)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	size_t mb = (size_t)cfg->max_batch;
	r->cfg = *cfg;
	r->fn = fn;
	r->fn_ctx = fn_ctx;
	r->free_head = -1;
	r->cur = -1;
	r->nblocks = cfg->kv_tokens / cfg->block_size;
	/* vLLM/Vidur: watermark_blocks = int(watermark * num_blocks) */
	r->wm_blocks = (int64_t)(cfg->watermark * (double)r->nblocks);
	r->run = dc_malloc(mb * sizeof *r->run);
	r->bidx = dc_malloc(mb * sizeof *r->bidx);
	r->bq = dc_malloc(mb * sizeof *r->bq);
	r->bc = dc_malloc(mb * sizeof *r->bc);
	r->badm = dc_malloc(mb);
	if (!r->run || !r->bidx || !r->bq || !r->bc || !r->badm) {
		dc_replica_free(r);
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	r->st.kv_blocks_total = r->nblocks;
	*out = r;
	return DC_OK;
}

void dc_replica_free(dc_replica *r)
{
	if (!r)
		return;
	dc_free(r->pool);
	dc_free(r->wq);
	dc_free(r->run);
	dc_free(r->bidx);
	dc_free(r->bq);
	dc_free(r->bc);
	dc_free(r->badm);
	dc_free(r->wcount);
	dc_free(r->rcount);
	dc_free(r->slot);
	dc_free(r->served);
	dc_free(r->lids);
	dc_free(r->ltok);
	dc_free(r);
}

static int lora_ops_check(const dc_replica_lora_ops *o, dc_err *err)
{
	if (!o || (o->dedicated != 0 && o->dedicated != 1) ||
	    (o->dedicated ? !o->swap : !o->batch))
		return dc_err_msg(err, DC_EINVAL, "llm replica: adapter hook "
				  "missing or without its %s function",
				  o && o->dedicated ? "swap" : "batch");
	if (o->n_adapters < 1 || o->n_adapters > (1 << 24) ||
	    (!o->dedicated && o->max_resident < 1))
		return dc_err_msg(err, DC_EINVAL, "llm replica: adapter hook "
				  "with %lld adapters and %lld slots",
				  (long long)o->n_adapters,
				  (long long)o->max_resident);
	return DC_OK;
}

int dc_replica_set_lora(dc_replica *r, const dc_replica_lora_ops *ops,
			void *ctx, dc_err *err)
{
	if (!r)
		return dc_err_msg(err, DC_EINVAL, "llm replica: NULL argument");
	if (r->has_lora || r->st.requests_in)
		return dc_err_msg(err, DC_EINVAL, "llm replica: the adapter "
				  "hook must be set once, before requests");
	int rc = lora_ops_check(ops, err);
	if (rc)
		return rc;
	size_t n = (size_t)ops->n_adapters, mb = (size_t)r->cfg.max_batch;
	r->wcount = dc_calloc(n + 1, sizeof *r->wcount);
	r->rcount = dc_calloc(n, sizeof *r->rcount);
	r->slot = dc_malloc(n * sizeof *r->slot);
	r->served = dc_calloc(n, 1);
	r->lids = dc_malloc(mb * sizeof *r->lids);
	r->ltok = dc_malloc(mb * sizeof *r->ltok);
	if (!r->wcount || !r->rcount || !r->slot || !r->served || !r->lids ||
	    !r->ltok) {
		dc_free(r->wcount), dc_free(r->rcount), dc_free(r->slot);
		dc_free(r->served), dc_free(r->lids), dc_free(r->ltok);
		r->wcount = r->rcount = r->slot = NULL;
		r->served = NULL;
		r->lids = r->ltok = NULL;
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	for (size_t a = 0; a < n; a++)
		r->slot[a] = -1;
	r->lops = *ops;
	r->lctx = ctx;
	r->has_lora = 1;
	return DC_OK;
}

int64_t dc_replica_adapter(const dc_replica *r)
{
	return r->has_lora && r->lops.dedicated ? r->cur : -1;
}

/* The most tokens request S may ever hold in KV on this replica. */
static int fits_alone(const dc_replica *r, const dc_req_spec *s)
{
	int64_t tok = (int64_t)s->prompt + s->output;
	return blocks_for(r, tok) <= r->nblocks - r->wm_blocks;
}

int dc_replica_add(dc_replica *r, int64_t req_id, const dc_req_spec *s,
		   double now, dc_err *err)
{
	return dc_replica_add_adapter(r, req_id, s, -1, now, err);
}

int dc_replica_add_adapter(dc_replica *r, int64_t req_id, const dc_req_spec *s,
			   int64_t adapter, double now, dc_err *err)
{
	if (!r || !s)
		return dc_err_msg(err, DC_EINVAL, "llm replica: NULL argument");
	int64_t na = r->has_lora ? r->lops.n_adapters : 0;
	if (adapter < -1 || adapter >= na)
		return dc_err_msg(err, DC_EINVAL, "llm request %lld: adapter "
				  "%lld is outside -1..%lld", (long long)req_id,
				  (long long)adapter, (long long)na - 1);
	if (s->prompt < 1 || s->output < 1 ||
	    (int64_t)s->prompt + s->output > INT32_MAX)
		return dc_err_msg(err, DC_EINVAL, "llm request %lld: prompt %d "
				  "and output %d must be >= 1 (sum < 2^31)",
				  (long long)req_id,
				  (int)s->prompt, (int)s->output);
	if (!isfinite(s->t_arrival_s))
		return dc_err_msg(err, DC_EINVAL, "llm request %lld: arrival "
				  "time is not finite", (long long)req_id);
	if (!fits_alone(r, s))
		return dc_err_msg(err, DC_EINVAL, "llm request %lld: prompt %d "
				  "+ output %d tokens exceed the replica's KV "
				  "cache (%lld tokens, %g kept free)",
				  (long long)req_id, (int)s->prompt,
				  (int)s->output, (long long)r->cfg.kv_tokens,
				  r->cfg.watermark);
	int rc = advance(r, now, err);
	if (rc)
		return rc;
	int32_t i;
	if (wq_reserve(r) || pool_get(r, &i))
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	seq *q = &r->pool[i];
	memset(q, 0, sizeof *q);
	q->id = req_id;
	q->prompt = s->prompt;
	q->output = s->output;
	q->need = s->prompt;
	q->prefill = 1;
	q->state = S_WAITING;
	q->t_arr = s->t_arrival_s;
	q->adapter = adapter;
	q->order = r->st.requests_in;
	r->wq[(r->wq_head + r->wq_len++) % r->wq_cap] = i;
	lora_wait(r, i, 1);
	r->st.requests_in++;
	return DC_OK;
}

/* ---- batch formation ---------------------------------------------------- */

static void batch_add(dc_replica *r, int32_t i, int32_t q, uint8_t adm)
{
	r->bidx[r->nb] = i;
	r->bq[r->nb] = q;
	r->bc[r->nb] = r->pool[i].ctx;
	r->badm[r->nb] = adm;
	r->nb++;
}

/* Blocks the head of the waiting queue needs to be admitted: its pending
 * tokens, or (static) its whole prompt + output. */
static int64_t admit_blocks(const dc_replica *r, const seq *s)
{
	int64_t tok = r->cfg.scheduler == DC_SCHED_STATIC ?
		(int64_t)s->prompt + s->output : (int64_t)s->ctx + s->need;
	return blocks_for(r, tok);
}

/* Dedicated: may waiting sequence S be admitted to the current visit? */
static int ded_eligible(const dc_replica *r, const seq *s)
{
	return s->adapter == r->cur && (s->order < r->gate ||
		r->wq_len == (size_t)r->wcount[r->cur + 1]);
}

/* The queue position of the next admission candidate, or -1: the head
 * (unmerged: if its adapter fits the slots), or (dedicated) the oldest
 * eligible request. */
static int64_t lora_candidate(const dc_replica *r)
{
	if (!r->has_lora)
		return 0;
	if (!r->lops.dedicated) {
		int64_t a = r->pool[wq_at(r, 0)].adapter;
		if (a >= 0 && !r->rcount[a] &&
		    r->ndistinct >= r->lops.max_resident)
			return -1;
		return 0;
	}
	if (!r->wcount[r->cur + 1])
		return -1;
	for (size_t k = 0; k < r->wq_len; k++)
		if (ded_eligible(r, &r->pool[wq_at(r, k)]))
			return (int64_t)k;
	return -1;
}

/* Admit the next candidate of the waiting queue (normally its head) at
 * NOW if the batch cap, memory (beyond the watermark) and adapter rules
 * allow; returns its pool index or -1. */
static int32_t try_admit(dc_replica *r, double now, uint8_t *adm)
{
	if (!r->wq_len || r->nrun >= (size_t)r->cfg.max_batch)
		return -1;
	int64_t k = lora_candidate(r);
	if (k < 0)
		return -1;
	int32_t i = wq_at(r, (size_t)k);
	seq *s = &r->pool[i];
	int64_t nb = admit_blocks(r, s);
	if (r->nblocks - r->used - nb < r->wm_blocks)
		return -1;
	wq_remove(r, (size_t)k);
	lora_run(r, i, 1);
	s->blocks = (int32_t)nb;
	r->used += nb;
	s->state = S_RUNNING;
	*adm = 1;
	if (!s->scheduled) {
		s->scheduled = 1;
		s->t_sched = now;
		*adm = 2;
	}
	r->run[r->nrun++] = i;
	return i;
}

/* Preempt the most recently admitted running sequence by recompute. */
static void preempt_last(dc_replica *r)
{
	int32_t i = r->run[--r->nrun];
	seq *s = &r->pool[i];
	lora_run(r, i, -1);
	r->used -= s->blocks;
	s->blocks = 0;
	s->ctx = 0;
	s->need = s->prompt + s->emitted;
	s->prefill = 1;
	s->preempt++;
	r->st.preemptions++;
	r->plan.preempted++;
	wq_push_front(r, i);
}

/* Give running sequence I room for one more token, preempting the most
 * recently admitted sequences if no block is free.  Returns 0 when I keeps
 * running, 1 when I itself was preempted, DC_ENOMEM when the waiting
 * queue cannot grow. */
static int grow_one(dc_replica *r, int32_t i)
{
	for (;;) {
		seq *s = &r->pool[i];
		if (blocks_for(r, (int64_t)s->ctx + 1) <= s->blocks)
			return 0;
		if (r->used < r->nblocks) {
			s->blocks++;
			r->used++;
			return 0;
		}
		if (wq_reserve(r))
			return DC_ENOMEM;
		int self = r->run[r->nrun - 1] == i;
		preempt_last(r);
		if (self)
			return 1;
	}
}

/* Decode step for every running sequence out of prefill, oldest first, at
 * most LIMIT of them.  Returns tokens used or DC_ENOMEM. */
static int64_t form_decodes(dc_replica *r, int64_t limit)
{
	int64_t used = 0;
	for (size_t k = 0; k < r->nrun && used < limit; k++) {
		int32_t i = r->run[k];
		if (r->pool[i].prefill)
			continue;
		int g = grow_one(r, i);
		if (g < 0)
			return g;
		if (g == 1)
			break;  /* I was the last running sequence */
		batch_add(r, i, 1, 0);
		used++;
	}
	return used;
}

static int form_naive(dc_replica *r, double now)
{
	uint8_t adm;
	int32_t i;
	while ((i = try_admit(r, now, &adm)) >= 0)
		batch_add(r, i, r->pool[i].need, adm);
	if (r->nb)
		return DC_OK;
	int64_t u = form_decodes(r, INT64_MAX);
	return u < 0 ? (int)u : DC_OK;
}

static int form_flywheel(dc_replica *r, double now)
{
	int64_t budget = r->cfg.token_budget;
	int64_t u = form_decodes(r, budget);
	if (u < 0)
		return (int)u;
	budget -= u;
	for (size_t k = 0; k < r->nrun && budget > 0; k++) {
		int32_t i = r->run[k];
		seq *s = &r->pool[i];
		if (!s->prefill)
			continue;
		int32_t q = (int32_t)(s->need < budget ? s->need : budget);
		batch_add(r, i, q, 0);
		budget -= q;
	}
	uint8_t adm;
	int32_t i;
	while (budget > 0 && (i = try_admit(r, now, &adm)) >= 0) {
		int64_t need = r->pool[i].need;
		int32_t q = (int32_t)(need < budget ? need : budget);
		batch_add(r, i, q, adm);
		budget -= q;
	}
	return DC_OK;
}

static int form_static(dc_replica *r, double now)
{
	if (r->nrun) {
		/* blocks were reserved for the whole sequence: no growth */
		for (size_t k = 0; k < r->nrun; k++)
			batch_add(r, r->run[k], 1, 0);
		return DC_OK;
	}
	uint8_t adm;
	int32_t i;
	while ((i = try_admit(r, now, &adm)) >= 0)
		batch_add(r, i, r->pool[i].need, adm);
	return DC_OK;
}

/* Undo the admissions of a batch whose cost could not be had (newest
 * first, so the waiting queue gets its old order back). */
static void unadmit(dc_replica *r)
{
	for (size_t b = r->nb; b-- > 0;) {
		if (!r->badm[b])
			continue;
		int32_t i = r->bidx[b];
		seq *s = &r->pool[i];
		r->used -= s->blocks;
		s->blocks = 0;
		if (r->badm[b] == 2)
			s->scheduled = 0, s->t_sched = 0;
		lora_run(r, i, -1);
		r->nrun--;  /* admissions are the newest running entries */
		wq_push_front(r, i);  /* room: it came from the queue */
	}
	r->nb = 0;
}

static void plan_fill(dc_replica *r, const dc_iter_out *o)
{
	dc_iter_plan *p = &r->plan;
	p->n = r->nb;
	for (size_t b = 0; b < r->nb; b++) {
		if (r->pool[r->bidx[b]].prefill) {
			p->prefill_seqs++;
			p->prefill_tokens += r->bq[b];
		} else {
			p->decode_seqs++;
			p->decode_tokens += r->bq[b];
		}
	}
	p->kv_blocks_used = r->used;
	p->duration_s = o->time_s;
	p->cost = *o;
}

/* Dedicated: with nothing of the current adapter running or admissible,
 * switch to the adapter of the oldest waiting request and gate the visit
 * at the requests added so far. */
static void ded_pick(dc_replica *r)
{
	if (!r->has_lora || !r->lops.dedicated || r->nrun || !r->wq_len ||
	    lora_candidate(r) >= 0)
		return;
	r->cur = r->pool[wq_at(r, 0)].adapter;
	r->gate = r->st.requests_in;
}

/* Unmerged: gather the batch's distinct adapters and their tokens into
 * lids/ltok; returns how many. */
static size_t lora_gather(dc_replica *r)
{
	size_t m = 0;
	for (size_t b = 0; b < r->nb; b++) {
		int64_t a = r->pool[r->bidx[b]].adapter;
		if (a < 0)
			continue;
		if (r->slot[a] < 0) {
			r->slot[a] = (int32_t)m;
			r->lids[m] = a;
			r->ltok[m++] = 0;
		}
		r->ltok[r->slot[a]] += r->bq[b];
	}
	for (size_t j = 0; j < m; j++)
		r->slot[r->lids[j]] = -1;
	return m;
}

/* Ask the hook what the batch's adapters cost (FROM: the adapter held
 * before ded_pick) and add it to the plan and O. */
static int lora_cost(dc_replica *r, int64_t from, double clock,
		     dc_iter_out *o, dc_err *err)
{
	double load = 0, extra = 0;
	int64_t loads = 0;
	int rc = DC_OK;
	dc_iter_plan *p = &r->plan;
	if (!r->has_lora)
		return DC_OK;
	if (r->lops.dedicated) {
		p->adapters = r->cur >= 0;
		if (r->cur != from) {
			rc = r->lops.swap(r->lctx, from, r->cur, &load);
			loads = 1;
		}
	} else {
		size_t m = lora_gather(r);
		p->adapters = (int32_t)m;
		if (m)
			rc = r->lops.batch(r->lctx, m, r->lids, r->ltok, clock,
					   &load, &loads, &extra);
	}
	if (rc)
		return dc_err_msg(err, rc, "llm replica: the adapter hook "
				  "failed (%s)", dc_strerror(rc));
	if (!(isfinite(load) && load >= 0 && isfinite(extra) && extra >= 0 &&
	      loads >= 0))
		return dc_err_msg(err, DC_ERANGE, "llm replica: the adapter "
				  "hook gave load %g s, extra %g s", load, extra);
	p->adapter_loads = (int32_t)loads;
	p->adapter_load_s = load;
	p->adapter_extra_s = extra;
	o->time_s += load + extra;
	o->energy_J += o->power_W * (load + extra);
	return DC_OK;
}

static int form(dc_replica *r, double now)
{
	switch (r->cfg.scheduler) {
	case DC_SCHED_NAIVE: return form_naive(r, now);
	case DC_SCHED_FLYWHEEL: return form_flywheel(r, now);
	default: return form_static(r, now);
	}
}

int dc_replica_begin(dc_replica *r, double now, double clock,
		     dc_iter_plan *plan, dc_err *err)
{
	if (!r || !plan)
		return dc_err_msg(err, DC_EINVAL, "llm replica: NULL argument");
	memset(plan, 0, sizeof *plan);
	if (r->busy)
		return dc_err_msg(err, DC_EINVAL, "llm replica: begin while an "
				  "iteration runs");
	if (!(clock > 0 && clock <= 1))
		return dc_err_msg(err, DC_EINVAL, "llm replica: clock ratio "
				  "%g is outside (0, 1]", clock);
	int rc = advance(r, now, err);
	if (rc)
		return rc;
	memset(&r->plan, 0, sizeof r->plan);
	r->nb = 0;
	int64_t cur0 = r->cur, gate0 = r->gate;
	ded_pick(r);
	rc = form(r, now);
	if (rc) {
		unadmit(r);
		r->cur = cur0, r->gate = gate0;
		return dc_err_msg(err, rc, "out of memory");
	}
	if (!r->nb) {
		r->cur = cur0, r->gate = gate0;
		plan->preempted = r->plan.preempted;
		return DC_OK;
	}
	dc_iter_out o;
	memset(&o, 0, sizeof o);
	rc = r->fn(r->fn_ctx, r->nb, r->bq, r->bc, clock, &o);
	if (rc == DC_OK && !(isfinite(o.time_s) && o.time_s > 0))
		rc = dc_err_msg(err, DC_ERANGE, "llm replica: the performance "
				"model gave an iteration time of %g s",
				o.time_s);
	else if (rc)
		dc_err_msg(err, rc, "llm replica: the performance model "
			   "failed (%s)", dc_strerror(rc));
	if (!rc)
		rc = lora_cost(r, cur0, clock, &o, err);
	if (rc) {
		unadmit(r);
		r->cur = cur0, r->gate = gate0;
		return rc;
	}
	plan_fill(r, &o);
	r->busy = 1;
	r->t_begin = now;
	*plan = r->plan;
	return DC_OK;
}

/* ---- iteration end ------------------------------------------------------ */

static void rec_fill(const seq *s, double now, dc_req_rec *rec)
{
	memset(rec, 0, sizeof *rec);
	rec->id = s->id;
	rec->prompt = s->prompt;
	rec->output = s->output;
	rec->emitted = s->emitted;
	rec->preemptions = s->preempt;
	rec->t_arrival = s->t_arr;
	rec->t_schedule = s->t_sched;
	rec->t_first = s->t_first;
	rec->t_last = s->t_last;
	rec->t_done = now;
	rec->ttft = s->t_first - s->t_arr;
	rec->e2e = now - s->t_arr;
	rec->tpot = s->output > 1 ? (rec->e2e - rec->ttft) /
		(double)(s->output - 1) : 0;
	rec->sched_delay = s->t_sched - s->t_arr;
	rec->tbt_max = s->tbt_max;
	rec->tbt_sum = s->t_last - s->t_first;
}

/* Advance batch entry B by its tokens; report a token and maybe the end. */
static void advance_seq(dc_replica *r, size_t b, double now,
			const dc_llm_events *ev)
{
	int32_t i = r->bidx[b];
	seq *s = &r->pool[i];
	s->ctx += r->bq[b];
	s->need -= r->bq[b];
	if (s->need > 0)
		return;
	int first = s->emitted == 0;
	double gap = now - (first ? s->t_arr : s->t_last);
	if (first)
		s->t_first = now;
	else if (gap > s->tbt_max)
		s->tbt_max = gap;
	s->t_last = now;
	s->emitted++;
	s->need = 1;
	s->prefill = 0;
	r->st.tokens_out++;
	int64_t id = s->id;
	int finished = s->emitted == s->output;
	dc_req_rec rec;
	if (finished) {
		s->done = 1;
		r->used -= s->blocks;
		s->blocks = 0;
		lora_run(r, i, -1);
		if (r->has_lora && s->adapter >= 0 && !r->served[s->adapter]) {
			r->served[s->adapter] = 1;
			r->st.adapters_served++;
		}
		rec_fill(s, now, &rec);
		r->st.requests_done++;
	}
	/* S may move if a callback adds a request: not used below */
	if (ev && ev->on_token)
		ev->on_token(ev->ctx, id, now, first, gap);
	if (finished && ev && ev->on_done)
		ev->on_done(ev->ctx, &rec);
}

static void count_iteration(dc_replica *r, double now)
{
	const dc_iter_plan *p = &r->plan;
	dc_replica_stats *st = &r->st;
	int64_t tok = p->prefill_tokens + p->decode_tokens;
	double dt = now - r->t_begin;
	st->iterations++;
	st->prefill_tokens += p->prefill_tokens;
	st->decode_tokens += p->decode_tokens;
	st->batch_seqs_sum += (int64_t)p->n;
	st->batch_tokens_sum += tok;
	if ((int64_t)p->n > st->batch_seqs_max)
		st->batch_seqs_max = (int64_t)p->n;
	if (tok > st->batch_tokens_max)
		st->batch_tokens_max = tok;
	if (p->kv_blocks_used > st->kv_blocks_peak)
		st->kv_blocks_peak = p->kv_blocks_used;
	st->busy_s += dt;
	st->kv_util_busy += dt * (double)p->kv_blocks_used /
		(double)r->nblocks;
	st->energy_J += p->cost.energy_J;
	st->adapter_loads += p->adapter_loads;
	st->adapter_load_s += p->adapter_load_s;
	st->adapter_extra_s += p->adapter_extra_s;
	st->adapter_batch_sum += p->adapters;
}

int dc_replica_end(dc_replica *r, double now, const dc_llm_events *ev,
		   dc_err *err)
{
	if (!r)
		return dc_err_msg(err, DC_EINVAL, "llm replica: NULL argument");
	if (!r->busy)
		return dc_err_msg(err, DC_EINVAL, "llm replica: end without "
				  "an iteration");
	if (!(now >= r->t_begin))
		return dc_err_msg(err, DC_EINVAL, "llm replica: iteration ends "
				  "at %.9g s before it began (%.9g s)", now,
				  r->t_begin);
	int rc = advance(r, now, err);
	if (rc)
		return rc;
	r->busy = 0;
	count_iteration(r, now);
	for (size_t b = 0; b < r->nb; b++)
		advance_seq(r, b, now, ev);
	size_t k = 0;
	for (size_t j = 0; j < r->nrun; j++)
		if (!r->pool[r->run[j]].done)
			r->run[k++] = r->run[j];
	r->nrun = k;
	for (size_t b = 0; b < r->nb; b++)
		if (r->pool[r->bidx[b]].done)
			pool_put(r, r->bidx[b]);
	r->nb = 0;
	return DC_OK;
}

/* ---- queries ------------------------------------------------------------ */

int dc_replica_busy(const dc_replica *r) { return r->busy; }
size_t dc_replica_waiting(const dc_replica *r) { return r->wq_len; }
size_t dc_replica_running(const dc_replica *r) { return r->nrun; }
size_t dc_replica_outstanding(const dc_replica *r) { return outstanding(r); }
int64_t dc_replica_added(const dc_replica *r) { return r->st.requests_in; }

void dc_replica_stats_get(const dc_replica *r, dc_replica_stats *out)
{
	*out = r->st;
	out->kv_blocks_used = r->used;
}

static int check_seq(const dc_replica *r, const seq *s, dc_err *err)
{
	int64_t hold = (int64_t)s->blocks * r->cfg.block_size;
	if (s->state == S_WAITING && (s->blocks || s->ctx))
		return dc_err_msg(err, DC_EFAIL, "llm check: waiting request "
				  "%lld holds %d blocks", (long long)s->id,
				  (int)s->blocks);
	if (s->state == S_RUNNING && hold < s->ctx)
		return dc_err_msg(err, DC_EFAIL, "llm check: request %lld has "
				  "%d tokens in %d blocks", (long long)s->id,
				  (int)s->ctx, (int)s->blocks);
	if (s->state == S_RUNNING && s->prefill && hold < s->ctx + s->need)
		return dc_err_msg(err, DC_EFAIL, "llm check: admitted request "
				  "%lld lacks blocks for its prompt",
				  (long long)s->id);
	if (s->emitted > s->output || s->need < 1)
		return dc_err_msg(err, DC_EFAIL, "llm check: request %lld "
				  "emitted %d of %d", (long long)s->id,
				  (int)s->emitted, (int)s->output);
	return DC_OK;
}

/* Adapter counts agree with the queues; unmerged: the running adapters
 * fit the slots; dedicated: everything running is of the held adapter. */
static int check_lora(const dc_replica *r, dc_err *err)
{
	int64_t na = r->lops.n_adapters, w = 0, run = 0, distinct = 0;
	for (int64_t a = 0; a <= na; a++)
		w += r->wcount[a];
	for (int64_t a = 0; a < na; a++) {
		run += r->rcount[a];
		distinct += r->rcount[a] > 0;
	}
	int64_t base_run = 0;
	for (size_t k = 0; k < r->nrun; k++) {
		const seq *s = &r->pool[r->run[k]];
		base_run += s->adapter < 0;
		if (r->lops.dedicated && s->adapter != r->cur)
			return dc_err_msg(err, DC_EFAIL, "llm check: adapter "
					  "%lld runs on a replica holding %lld",
					  (long long)s->adapter,
					  (long long)r->cur);
	}
	if (w != (int64_t)r->wq_len || run + base_run != (int64_t)r->nrun ||
	    distinct != r->ndistinct)
		return dc_err_msg(err, DC_EFAIL, "llm check: adapter counts "
				  "%lld waiting, %lld running, %lld distinct "
				  "disagree", (long long)w, (long long)run,
				  (long long)distinct);
	if (!r->lops.dedicated && r->ndistinct > r->lops.max_resident)
		return dc_err_msg(err, DC_EFAIL, "llm check: %lld adapters "
				  "running, %lld slots", (long long)r->ndistinct,
				  (long long)r->lops.max_resident);
	return DC_OK;
}

int dc_replica_check(const dc_replica *r, dc_err *err)
{
	int64_t blocks = 0;
	size_t nw = 0, nr = 0;
	for (int32_t i = 0; i < r->pool_len; i++) {
		const seq *s = &r->pool[i];
		if (s->state == S_FREE)
			continue;
		nw += s->state == S_WAITING;
		nr += s->state == S_RUNNING;
		blocks += s->blocks;
		int rc = check_seq(r, s, err);
		if (rc)
			return rc;
	}
	if (blocks != r->used || r->used > r->nblocks || r->used < 0)
		return dc_err_msg(err, DC_EFAIL, "llm check: %lld blocks in "
				  "use, sequences hold %lld, capacity %lld",
				  (long long)r->used, (long long)blocks,
				  (long long)r->nblocks);
	if (nw != r->wq_len || nr != r->nrun ||
	    nr > (size_t)r->cfg.max_batch)
		return dc_err_msg(err, DC_EFAIL, "llm check: %zu waiting and "
				  "%zu running, queues say %zu and %zu", nw, nr,
				  r->wq_len, r->nrun);
	for (size_t k = 0; k < r->wq_len; k++)
		if (r->pool[wq_at(r, k)].state != S_WAITING)
			return dc_err_msg(err, DC_EFAIL, "llm check: waiting "
					  "queue entry %zu is not waiting", k);
	for (size_t k = 0; k < r->nrun; k++)
		if (r->pool[r->run[k]].state != S_RUNNING)
			return dc_err_msg(err, DC_EFAIL, "llm check: running "
					  "entry %zu is not running", k);
	return r->has_lora ? check_lora(r, err) : DC_OK;
}

/* ---- router ------------------------------------------------------------- */

int dc_router_pick(const dc_router *rt, dc_replica *const *reps, size_t n)
{
	if (!rt || !reps || n == 0 || n > INT32_MAX)
		return DC_EINVAL;
	size_t best = 0;
	switch (rt->policy) {
	case DC_ROUTE_ROUND_ROBIN: {
		uint64_t added = 0;
		for (size_t k = 0; k < n; k++)
			added += (uint64_t)reps[k]->st.requests_in;
		return (int)(added % n);
	}
	case DC_ROUTE_LEAST_OUTSTANDING:
		for (size_t k = 1; k < n; k++)
			if (outstanding(reps[k]) < outstanding(reps[best]))
				best = k;
		return (int)best;
	case DC_ROUTE_JSQ:
		for (size_t k = 1; k < n; k++) {
			size_t wk = reps[k]->wq_len, wb = reps[best]->wq_len;
			if (wk < wb || (wk == wb && outstanding(reps[k]) <
					outstanding(reps[best])))
				best = k;
		}
		return (int)best;
	default:
		return DC_EINVAL;
	}
}

/* ---- reference driver --------------------------------------------------- */

typedef struct arrival {
	double t;
	size_t i;
} arrival;

static int arrival_cmp(const void *a, const void *b)
{
	const arrival *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

typedef struct driver {
	dc_llm_result *res;
	const dc_llm_events *tap;
	const dc_llm_simple_opt *opt;
	size_t done;
	dc_replica **reps;
	double *t_end;   /* per replica: end of its iteration, or INFINITY */
	arrival *arr;
	size_t next;     /* next arrival in arr */
	size_t n_rep, n_req;
	double clock;
	int check;
} driver;

static void drv_token(void *ctx, int64_t id, double t, int first, double gap)
{
	driver *d = ctx;
	if (d->tap && d->tap->on_token)
		d->tap->on_token(d->tap->ctx, id, t, first, gap);
}

static void drv_done(void *ctx, const dc_req_rec *rec)
{
	driver *d = ctx;
	if (d->tap && d->tap->on_done)
		d->tap->on_done(d->tap->ctx, rec);
	d->res->recs[rec->id] = *rec;
	d->done++;
	if (rec->t_done > d->res->t_end)
		d->res->t_end = rec->t_done;
}

static int drv_check(const driver *d, size_t k, dc_err *err)
{
	return d->check ? dc_replica_check(d->reps[k], err) : DC_OK;
}

/* One instant T: iteration ends, arrivals, iteration starts. */
static int drv_step(driver *d, double t, dc_err *err)
{
	dc_llm_events ev = {d, drv_token, drv_done};
	for (size_t k = 0; k < d->n_rep; k++) {
		if (d->t_end[k] != t)
			continue;
		d->t_end[k] = INFINITY;
		int rc = dc_replica_end(d->reps[k], t, &ev, err);
		if (!rc)
			rc = drv_check(d, k, err);
		if (rc)
			return rc;
	}
	return DC_OK;
}

static int drv_arrivals(driver *d, const dc_router *router,
			const dc_req_spec *reqs, double t, dc_err *err)
{
	while (d->next < d->n_req && d->arr[d->next].t <= t) {
		size_t i = d->arr[d->next++].i;
		int k = dc_router_pick(router, d->reps, d->n_rep);
		if (k < 0)
			return dc_err_msg(err, DC_EINVAL, "llm driver: unknown "
					  "router policy %d", router->policy);
		d->res->replica_of[i] = k;
		int64_t a = d->opt && d->opt->adapter_of ?
			d->opt->adapter_of[i] : -1;
		int rc = dc_replica_add_adapter(d->reps[k], (int64_t)i,
						&reqs[i], a, t, err);
		if (rc)
			return rc;
	}
	return DC_OK;
}

static int drv_starts(driver *d, double t, dc_err *err)
{
	for (size_t k = 0; k < d->n_rep; k++) {
		if (dc_replica_busy(d->reps[k]))
			continue;
		dc_iter_plan p;
		int rc = dc_replica_begin(d->reps[k], t, d->clock, &p, err);
		if (!rc)
			rc = drv_check(d, k, err);
		if (rc)
			return rc;
		if (p.n)
			d->t_end[k] = t + p.duration_s;
	}
	return DC_OK;
}

static int drv_loop(driver *d, const dc_router *router,
		    const dc_req_spec *reqs, dc_err *err)
{
	while (d->done < d->n_req) {
		double t = d->next < d->n_req ? d->arr[d->next].t : INFINITY;
		for (size_t k = 0; k < d->n_rep; k++)
			if (d->t_end[k] < t)
				t = d->t_end[k];
		if (t == INFINITY)
			return dc_err_msg(err, DC_EFAIL, "llm driver: %zu of "
					  "%zu requests stuck", d->n_req -
					  d->done, d->n_req);
		int rc = drv_step(d, t, err);
		if (!rc)
			rc = drv_arrivals(d, router, reqs, t, err);
		if (!rc)
			rc = drv_starts(d, t, err);
		if (rc)
			return rc;
	}
	return DC_OK;
}

static int drv_setup(driver *d, const dc_replica_cfg *cfg, dc_iter_fn fn,
		     const void *fn_ctx, const dc_req_spec *reqs, dc_err *err)
{
	dc_llm_result *res = d->res;
	d->reps = dc_calloc(d->n_rep, sizeof *d->reps);
	d->t_end = dc_malloc(d->n_rep * sizeof *d->t_end);
	d->arr = dc_malloc((d->n_req ? d->n_req : 1) * sizeof *d->arr);
	res->recs = dc_calloc(d->n_req ? d->n_req : 1, sizeof *res->recs);
	res->replica_of = dc_calloc(d->n_req ? d->n_req : 1,
				    sizeof *res->replica_of);
	res->reps = dc_calloc(d->n_rep, sizeof *res->reps);
	if (!d->reps || !d->t_end || !d->arr || !res->recs ||
	    !res->replica_of || !res->reps)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	for (size_t k = 0; k < d->n_rep; k++) {
		d->t_end[k] = INFINITY;
		int rc = dc_replica_new(cfg, fn, fn_ctx, &d->reps[k], err);
		if (!rc && d->opt && d->opt->lora)
			rc = dc_replica_set_lora(d->reps[k], d->opt->lora,
						 d->opt->lora_ctx ?
						 d->opt->lora_ctx[k] : NULL,
						 err);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < d->n_req; i++) {
		if (!isfinite(reqs[i].t_arrival_s))
			return dc_err_msg(err, DC_EINVAL, "llm driver: request "
					  "%zu arrives at a non-finite time", i);
		d->arr[i].t = reqs[i].t_arrival_s;
		d->arr[i].i = i;
	}
	qsort(d->arr, d->n_req, sizeof *d->arr, arrival_cmp);
	return DC_OK;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static void stats_add(dc_replica_stats *t, const dc_replica_stats *s)
{
	t->requests_in += s->requests_in;
	t->requests_done += s->requests_done;
	t->iterations += s->iterations;
	t->preemptions += s->preemptions;
	t->prefill_tokens += s->prefill_tokens;
	t->decode_tokens += s->decode_tokens;
	t->tokens_out += s->tokens_out;
	t->batch_seqs_sum += s->batch_seqs_sum;
	t->batch_seqs_max = max64(t->batch_seqs_max, s->batch_seqs_max);
	t->batch_tokens_sum += s->batch_tokens_sum;
	t->batch_tokens_max = max64(t->batch_tokens_max, s->batch_tokens_max);
	t->kv_blocks_total += s->kv_blocks_total;
	t->kv_blocks_used += s->kv_blocks_used;
	t->kv_blocks_peak = max64(t->kv_blocks_peak, s->kv_blocks_peak);
	t->kv_util_busy += s->kv_util_busy;
	t->busy_s += s->busy_s;
	t->energy_J += s->energy_J;
	t->outstanding_s += s->outstanding_s;
	t->adapter_loads += s->adapter_loads;
	t->adapter_load_s += s->adapter_load_s;
	t->adapter_extra_s += s->adapter_extra_s;
	t->adapter_batch_sum += s->adapter_batch_sum;
	t->adapters_served += s->adapters_served;
}

static void drv_totals(driver *d)
{
	for (size_t k = 0; k < d->n_rep; k++) {
		dc_replica_stats_get(d->reps[k], &d->res->reps[k]);
		stats_add(&d->res->total, &d->res->reps[k]);
	}
}

int dc_llm_run_simple(const dc_replica_cfg *cfg, dc_iter_fn fn,
		      const void *fn_ctx, size_t n_rep, const dc_router *router,
		      const dc_req_spec *reqs, size_t n_req,
		      const dc_llm_simple_opt *opt, dc_llm_result *res,
		      dc_err *err)
{
	if (!res)
		return dc_err_msg(err, DC_EINVAL, "llm driver: no result");
	memset(res, 0, sizeof *res);
	if (!router || (n_req && !reqs) || n_rep == 0 || n_rep > INT32_MAX ||
	    (size_t)router->policy > DC_ROUTE_JSQ)
		return dc_err_msg(err, DC_EINVAL, "llm driver: bad arguments "
				  "(%zu replicas, router %d)", n_rep,
				  router ? router->policy : -1);
	double clock = opt && opt->clock != 0 ? opt->clock : 1;
	driver d = {.res = res, .tap = opt ? opt->tap : NULL, .opt = opt,
		    .n_rep = n_rep, .n_req = n_req, .clock = clock,
		    .check = opt ? opt->check : 0};
	res->n = n_req;
	res->n_rep = n_rep;
	int rc = drv_setup(&d, cfg, fn, fn_ctx, reqs, err);
	if (!rc)
		rc = drv_loop(&d, router, reqs, err);
	if (!rc)
		drv_totals(&d);
	for (size_t k = 0; d.reps && k < n_rep; k++)
		dc_replica_free(d.reps[k]);
	dc_free(d.reps);
	dc_free(d.t_end);
	dc_free(d.arr);
	if (rc)
		dc_llm_result_free(res);
	return rc;
}

void dc_llm_result_free(dc_llm_result *res)
{
	if (!res)
		return;
	dc_free(res->recs);
	dc_free(res->replica_of);
	dc_free(res->reps);
	memset(res, 0, sizeof *res);
}
