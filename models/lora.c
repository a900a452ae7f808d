/* lora.c - LoRA adapter geometry, popularity, GPU adapter cache and the
 * per-replica cost hooks.  See lora.h; formulas from llm.md §3.6. */
#include "lora.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"

/* ---- geometry ----------------------------------------------------------- */

static const char *const target_names[] = {"q", "k", "v", "o", "gate", "up",
					   "down"};
#define N_TARGETS 7

/* Compare [P, P+N) with NAME. */
static int word_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && strncmp(p, name, n) == 0;
}

/* The bit of the target named [P, P+N), 0 if unknown. */
static unsigned target_bit(const char *p, size_t n)
{
	if (word_is(p, n, "all"))
		return DC_LORA_ALL;
	for (unsigned k = 0; k < N_TARGETS; k++)
		if (word_is(p, n, target_names[k]))
			return 1u << k;
	return 0;
}

int dc_lora_targets_parse(const char *text, unsigned *mask, dc_err *err)
{
	if (!text || !mask)
		return dc_err_msg(err, DC_EINVAL, "lora.targets: NULL");
	unsigned m = 0;
	const char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, ", \t");
		unsigned b = target_bit(p, n);
		if (!b)
			return dc_err_msg(err, DC_EINVAL, "lora.targets: '%.*s' "
					  "is not one of q, k, v, o, gate, up, "
					  "down, all", (int)n, p);
		m |= b;
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		p++;  /* the comma */
	}
	*mask = m;
	return DC_OK;
}

int dc_lora_targets_format(unsigned mask, char *buf, size_t n)
{
	if (!buf || !mask || (mask & ~(unsigned)DC_LORA_ALL))
		return DC_EINVAL;
	size_t len = 0;
	for (unsigned k = 0; k < N_TARGETS; k++) {
		if (!(mask & (1u << k)))
			continue;
		size_t w = strlen(target_names[k]) + (len > 0);
		if (len + w + 1 > n)
			return DC_ERANGE;
		if (len)
			buf[len++] = ',';
		memcpy(buf + len, target_names[k], strlen(target_names[k]));
		len += strlen(target_names[k]);
	}
	buf[len] = 0;
	return (int)len;
}

static int shape_check(const dc_lora_shape *m, dc_err *err)
{
	if (!m)
		return dc_err_msg(err, DC_EINVAL, "lora: no model shape");
	if (m->hidden < 1 || m->ffn < 1 || m->heads < 1 || m->kv_heads < 1 ||
	    m->layers < 1 || m->hidden > (1 << 24) || m->ffn > (1 << 26) ||
	    m->layers > (1 << 16))
		return dc_err_msg(err, DC_EINVAL, "lora: model shape hidden "
				  "%lld, ffn %lld, heads %lld, kv_heads %lld, "
				  "layers %lld out of range",
				  (long long)m->hidden, (long long)m->ffn,
				  (long long)m->heads, (long long)m->kv_heads,
				  (long long)m->layers);
	if (m->hidden % m->heads || m->heads % m->kv_heads)
		return dc_err_msg(err, DC_EINVAL, "lora: heads %lld must "
				  "divide hidden %lld and kv_heads %lld "
				  "divide heads", (long long)m->heads,
				  (long long)m->hidden, (long long)m->kv_heads);
	return DC_OK;
}

/* d_in, d_out of target K (bit index) of shape M. */
static void matrix_dims(const dc_lora_shape *m, unsigned k, double *din,
			double *dout)
{
	double h = (double)m->hidden, f = (double)m->ffn;
	double kv = (double)(m->kv_heads * (m->hidden / m->heads));
	static const int kind[N_TARGETS] = {0, 1, 1, 0, 2, 2, 3};
	switch (kind[k]) {
	case 0: *din = h, *dout = h; break;    /* q, o */
	case 1: *din = h, *dout = kv; break;   /* k, v */
	case 2: *din = h, *dout = f; break;    /* gate, up */
	default: *din = f, *dout = h; break;   /* down */
	}
}

static int has_target(const dc_lora_shape *m, unsigned k)
{
	return k != 4 || m->gated_mlp;  /* 4: gate */
}

int dc_lora_geometry(const dc_lora_shape *shape, int64_t rank,
		     unsigned targets, double weight_bytes, dc_lora_geom *g,
		     dc_err *err)
{
	int rc = shape_check(shape, err);
	if (rc)
		return rc;
	if (!g || rank < 1 || rank > shape->hidden)
		return dc_err_msg(err, DC_EINVAL, "lora.rank: %lld is outside "
				  "[1, hidden %lld]", (long long)rank,
				  (long long)shape->hidden);
	if (!targets || (targets & ~(unsigned)DC_LORA_ALL) ||
	    ((targets & DC_LORA_GATE) && !shape->gated_mlp))
		return dc_err_msg(err, DC_EINVAL, "lora.targets: bad set 0x%x "
				  "(gate needs a gated MLP)", targets);
	if (!(isfinite(weight_bytes) && weight_bytes > 0))
		return dc_err_msg(err, DC_EINVAL, "lora: weight bytes %g must "
				  "be > 0", weight_bytes);
	double per_layer = 0, base = 0;
	for (unsigned k = 0; k < N_TARGETS; k++) {
		if (!has_target(shape, k))
			continue;
		double din, dout;
		matrix_dims(shape, k, &din, &dout);
		base += din * dout;
		if (targets & (1u << k))
			per_layer += (double)rank * (din + dout);
	}
	double L = (double)shape->layers;
	memset(g, 0, sizeof *g);
	g->params = per_layer * L;
	g->bytes = g->params * weight_bytes;
	g->flops_per_token = 2 * g->params;       /* llm.md §3.6 */
	g->base_flops_per_token = 2 * base * L;   /* 2 FLOPs per MAC */
	g->flops_ratio = g->flops_per_token / g->base_flops_per_token;
	return DC_OK;
}

int dc_lora_load_time(double bytes, double bw, double *t)
{
	if (!t || !(isfinite(bytes) && bytes >= 0) ||
	    !(isfinite(bw) && bw > 0))
		return DC_EINVAL;
	*t = bytes / bw;
	return DC_OK;
}

/* ---- popularity --------------------------------------------------------- */

const char *const dc_lora_pop_names[] = {"uniform", "zipf", NULL};

struct dc_lora_pop {
	int64_t n;
	double *p;               /* normalised pmf */
	gsl_ran_discrete_t *tab; /* Walker alias table */
};

int dc_lora_pop_new(int kind, int64_t n, double s, dc_lora_pop **out,
		    dc_err *err)
{
	if (!out)
		return dc_err_msg(err, DC_EINVAL, "lora popularity: out NULL");
	*out = NULL;
	if (n < 1 || n > INT32_MAX || (kind != DC_LORA_POP_UNIFORM &&
				       kind != DC_LORA_POP_ZIPF) ||
	    !(isfinite(s) && s >= 0))
		return dc_err_msg(err, DC_EINVAL, "lora popularity: kind %d "
				  "over %lld adapters with s = %g is invalid",
				  kind, (long long)n, s);
	dc_lora_pop *p = dc_calloc(1, sizeof *p);
	if (p)
		p->p = dc_malloc((size_t)n * sizeof *p->p);
	if (!p || !p->p) {
		dc_lora_pop_free(p);
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	p->n = n;
	double sum = 0;
	for (int64_t k = 0; k < n; k++) {
		p->p[k] = kind == DC_LORA_POP_ZIPF ?
			pow((double)(k + 1), -s) : 1.0;
		sum += p->p[k];
	}
	for (int64_t k = 0; k < n; k++)
		p->p[k] /= sum;
	p->tab = gsl_ran_discrete_preproc((size_t)n, p->p);
	if (!p->tab) {
		dc_lora_pop_free(p);
		return dc_err_msg(err, DC_ENOMEM, "lora popularity: "
				  "gsl_ran_discrete_preproc failed");
	}
	*out = p;
	return DC_OK;
}

void dc_lora_pop_free(dc_lora_pop *p)
{
	if (!p)
		return;
	if (p->tab)
		gsl_ran_discrete_free(p->tab);
	dc_free(p->p);
	dc_free(p);
}

double dc_lora_pop_pmf(const dc_lora_pop *p, int64_t id)
{
	return id >= 0 && id < p->n ? p->p[id] : 0;
}

int64_t dc_lora_pop_sample(const dc_lora_pop *p, gsl_rng *rng)
{
	return (int64_t)gsl_ran_discrete(rng, p->tab);
}

/* ---- GPU adapter cache: LRU as a doubly linked list over ids ------------ */

struct dc_lora_cache {
	int64_t n, cap;
	double bytes, bw;
	int32_t *prev, *next;  /* per id; -1 ends */
	uint8_t *in;           /* resident */
	int32_t head, tail;    /* most / least recently used */
	dc_lora_cache_stats st;
};

int dc_lora_cache_new(int64_t n_adapters, int64_t capacity,
		      double adapter_bytes, double host_bw,
		      dc_lora_cache **out, dc_err *err)
{
	if (!out)
		return dc_err_msg(err, DC_EINVAL, "lora cache: out NULL");
	*out = NULL;
	double t;
	if (n_adapters < 1 || n_adapters > INT32_MAX || capacity < 1 ||
	    capacity > INT32_MAX ||
	    dc_lora_load_time(adapter_bytes, host_bw, &t))
		return dc_err_msg(err, DC_EINVAL, "lora cache: %lld adapters, "
				  "%lld slots, %g B at %g B/s is invalid",
				  (long long)n_adapters, (long long)capacity,
				  adapter_bytes, host_bw);
	dc_lora_cache *c = dc_calloc(1, sizeof *c);
	if (c) {
		c->prev = dc_malloc((size_t)n_adapters * sizeof *c->prev);
		c->next = dc_malloc((size_t)n_adapters * sizeof *c->next);
		c->in = dc_calloc((size_t)n_adapters, 1);
	}
	if (!c || !c->prev || !c->next || !c->in) {
		dc_lora_cache_free(c);
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	c->n = n_adapters;
	c->cap = capacity;
	c->bytes = adapter_bytes;
	c->bw = host_bw;
	c->head = c->tail = -1;
	*out = c;
	return DC_OK;
}

void dc_lora_cache_free(dc_lora_cache *c)
{
	if (!c)
		return;
	dc_free(c->prev);
	dc_free(c->next);
	dc_free(c->in);
	dc_free(c);
}

static void lru_unlink(dc_lora_cache *c, int32_t i)
{
	if (c->prev[i] >= 0)
		c->next[c->prev[i]] = c->next[i];
	else
		c->head = c->next[i];
	if (c->next[i] >= 0)
		c->prev[c->next[i]] = c->prev[i];
	else
		c->tail = c->prev[i];
}

static void lru_push_head(dc_lora_cache *c, int32_t i)
{
	c->prev[i] = -1;
	c->next[i] = c->head;
	if (c->head >= 0)
		c->prev[c->head] = i;
	c->head = i;
	if (c->tail < 0)
		c->tail = i;
}

int dc_lora_cache_use(dc_lora_cache *c, int64_t id, double *load_s)
{
	if (id < 0 || id >= c->n)
		return DC_EINVAL;
	int32_t i = (int32_t)id;
	if (c->in[i]) {
		lru_unlink(c, i);
		lru_push_head(c, i);
		c->st.hits++;
		if (load_s)
			*load_s = 0;
		return 0;
	}
	if (c->st.resident == c->cap) {
		int32_t v = c->tail;
		lru_unlink(c, v);
		c->in[v] = 0;
		c->st.resident--;
		c->st.evictions++;
	}
	lru_push_head(c, i);
	c->in[i] = 1;
	c->st.resident++;
	c->st.misses++;
	double t = c->bytes / c->bw;  /* llm.md §3.6 adapter swap cost */
	c->st.load_s += t;
	if (load_s)
		*load_s = t;
	return 1;
}

int dc_lora_cache_resident(const dc_lora_cache *c, int64_t id)
{
	return id >= 0 && id < c->n && c->in[id];
}

size_t dc_lora_cache_order(const dc_lora_cache *c, int64_t *ids, size_t n)
{
	size_t k = 0;
	for (int32_t i = c->head; i >= 0 && k < n; i = c->next[i])
		ids[k++] = i;
	return k;
}

int64_t dc_lora_cache_capacity(const dc_lora_cache *c)
{
	return c->cap;
}

void dc_lora_cache_stats_get(const dc_lora_cache *c, dc_lora_cache_stats *out)
{
	*out = c->st;
}

/* ---- configuration ------------------------------------------------------ */

const char *const dc_lora_mode_names[] = {"unmerged", "dedicated", NULL};

#define F(f) offsetof(dc_lora_cfg, f)
static const dc_param lora_params[] = {
	{.key = "adapters", .type = DC_PT_INT, .def = "100",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1 << 24,
	 .off = F(adapters),
	 .help = "fine-tuned adapters N (S-LoRA serves 2,000 on one A100, "
		 "llm.md §1)"},
	/* llm.md §3.6 derived example: Llama-2-7B r=16 on q,v */
	{.key = "rank", .type = DC_PT_INT, .def = "16",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1 << 16,
	 .off = F(rank), .help = "adapter rank r"},
	/* llm.md §3.6: the LoRA paper adapts Wq and Wv */
	{.key = "targets", .type = DC_PT_STR, .def = "q,v",
	 .off = F(targets),
	 .help = "adapted matrices: q,k,v,o,gate,up,down or all"},
	{.key = "popularity", .type = DC_PT_ENUM, .def = "uniform",
	 .choices = dc_lora_pop_names, .off = F(popularity),
	 .help = "which adapter a request uses: uniform or zipf"},
	/* Zipf s = 1: the classic law; no measured value in llm.md */
	{.key = "zipf_s", .type = DC_PT_REAL, .def = "1",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 100,
	 .off = F(zipf_s), .help = "Zipf exponent s (P(k) ~ 1/k^s)"},
	/* no published default: a planning knob (S-LoRA sizes it from the
	   memory left beside the KV cache) */
	{.key = "cache_adapters", .type = DC_PT_INT, .def = "64",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1 << 24,
	 .off = F(cache_adapters),
	 .help = "adapters resident on one replica's GPUs (unmerged)"},
	/* llm.md §3.6: ~25 GB/s PCIe host -> GPU */
	{.key = "host_bandwidth", .type = DC_PT_QTY, .dim = DC_DIM_DATARATE,
	 .unit = "GB/s", .def = "25 GB/s", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = F(host_bandwidth),
	 .help = "host -> GPU copy bandwidth for adapter and model loads"},
	{.key = "mode", .type = DC_PT_ENUM, .def = "unmerged",
	 .choices = dc_lora_mode_names, .off = F(mode),
	 .help = "unmerged (multi-LoRA batches) or dedicated (one merged "
		 "model per fine-tune, switched by a whole-model swap)"},
	/* llm.md §3.6: 13.5 GB / 25 GB/s ~ 0.5 s when 0 */
	{.key = "model_swap", .type = DC_PT_QTY, .dim = DC_DIM_TIME,
	 .unit = "s", .def = "0 s", .flags = DC_PF_MIN, .min = 0,
	 .off = F(model_swap_s),
	 .help = "dedicated: time to switch models (0: weights / "
		 "host_bandwidth)"},
};
#undef F

const dc_pset dc_lora_pset = {"lora", lora_params, DC_ARRAY_LEN(lora_params),
			      "multi-LoRA serving: adapters, popularity, "
			      "GPU adapter cache"};

int dc_lora_cfg_check(const dc_lora_cfg *c, dc_err *err)
{
	if (!c)
		return dc_err_msg(err, DC_EINVAL, "lora: no configuration");
	if (c->adapters < 1 || c->adapters > (1 << 24))
		return dc_err_msg(err, DC_EINVAL, "lora.adapters: %lld is "
				  "outside [1, 2^24]", (long long)c->adapters);
	if (c->rank < 1 || c->rank > (1 << 16))
		return dc_err_msg(err, DC_EINVAL, "lora.rank: %lld is outside "
				  "[1, 2^16]", (long long)c->rank);
	if ((c->popularity != DC_LORA_POP_UNIFORM &&
	     c->popularity != DC_LORA_POP_ZIPF) ||
	    !(c->zipf_s >= 0 && c->zipf_s <= 100))
		return dc_err_msg(err, DC_EINVAL, "lora.popularity: kind %d "
				  "with zipf_s %g is invalid", c->popularity,
				  c->zipf_s);
	if (c->cache_adapters < 1 || c->cache_adapters > (1 << 24))
		return dc_err_msg(err, DC_EINVAL, "lora.cache_adapters: %lld "
				  "is outside [1, 2^24]",
				  (long long)c->cache_adapters);
	if (!(isfinite(c->host_bandwidth) && c->host_bandwidth > 0))
		return dc_err_msg(err, DC_EINVAL, "lora.host_bandwidth: %g "
				  "bit/s must be > 0", c->host_bandwidth);
	if (c->mode != DC_LORA_UNMERGED && c->mode != DC_LORA_DEDICATED)
		return dc_err_msg(err, DC_EINVAL, "lora.mode: unknown mode %d",
				  c->mode);
	if (!(isfinite(c->model_swap_s) && c->model_swap_s >= 0))
		return dc_err_msg(err, DC_EINVAL, "lora.model_swap: %g s must "
				  "be >= 0", c->model_swap_s);
	unsigned m;
	return dc_lora_targets_parse(c->targets, &m, err);
}

/* ---- one replica's LoRA state ------------------------------------------- */

struct dc_lora_gpu {
	dc_lora_geom geom;
	dc_lora_cache *cache;
	int64_t n;
	double hbm_bw, flops, swap_s;
	dc_lora_gpu_stats st;
};

static int hw_check(const dc_lora_hw *hw, dc_err *err)
{
	if (!hw || !(isfinite(hw->weight_bytes) && hw->weight_bytes > 0) ||
	    !(isfinite(hw->model_bytes) && hw->model_bytes >= 0) ||
	    !(isfinite(hw->hbm_bw) && hw->hbm_bw > 0) ||
	    !(isfinite(hw->flops) && hw->flops > 0))
		return dc_err_msg(err, DC_EINVAL, "lora: hardware needs weight "
				  "bytes, HBM bandwidth and FLOP/s > 0 and "
				  "model bytes >= 0");
	return DC_OK;
}

int dc_lora_gpu_new(const dc_lora_cfg *cfg, const dc_lora_shape *shape,
		    const dc_lora_hw *hw, dc_lora_gpu **out, dc_err *err)
{
	if (!out)
		return dc_err_msg(err, DC_EINVAL, "lora gpu: out NULL");
	*out = NULL;
	unsigned m;
	int rc = dc_lora_cfg_check(cfg, err);
	if (!rc)
		rc = hw_check(hw, err);
	if (!rc)
		rc = dc_lora_targets_parse(cfg->targets, &m, err);
	dc_lora_geom g;
	if (!rc)
		rc = dc_lora_geometry(shape, cfg->rank, m, hw->weight_bytes,
				      &g, err);
	if (rc)
		return rc;
	dc_lora_gpu *p = dc_calloc(1, sizeof *p);
	if (!p)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	double host_Bps = cfg->host_bandwidth / 8;  /* bit/s -> B/s */
	rc = dc_lora_cache_new(cfg->adapters, cfg->cache_adapters, g.bytes,
			       host_Bps, &p->cache, err);
	if (rc) {
		dc_free(p);
		return rc;
	}
	p->geom = g;
	p->n = cfg->adapters;
	p->hbm_bw = hw->hbm_bw;
	p->flops = hw->flops;
	/* llm.md §3.6: whole-model swap = weights / host bandwidth */
	p->swap_s = cfg->model_swap_s > 0 ? cfg->model_swap_s :
		hw->model_bytes / host_Bps;
	*out = p;
	return DC_OK;
}

void dc_lora_gpu_free(dc_lora_gpu *g)
{
	if (!g)
		return;
	dc_lora_cache_free(g->cache);
	dc_free(g);
}

/* Check a batch's ids (in range, distinct) and tokens. */
static int batch_check(const dc_lora_gpu *g, size_t n, const int64_t *ids,
		       const int64_t *tokens)
{
	if (n > (size_t)dc_lora_cache_capacity(g->cache))
		return DC_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (ids[i] < 0 || ids[i] >= g->n || tokens[i] < 0)
			return DC_EINVAL;
		for (size_t j = 0; j < i; j++)
			if (ids[j] == ids[i])
				return DC_EINVAL;
	}
	return DC_OK;
}

int dc_lora_gpu_batch(void *gpu, size_t n, const int64_t *ids,
		      const int64_t *tokens, double clock, double *load_s,
		      int64_t *loads, double *extra_s)
{
	dc_lora_gpu *g = gpu;
	if (!g || (n && (!ids || !tokens)) || !load_s || !loads ||
	    !extra_s || !(clock > 0 && clock <= 1) ||
	    batch_check(g, n, ids, tokens))
		return DC_EINVAL;
	double load = 0, tok = 0;
	int64_t miss = 0;
	for (size_t i = 0; i < n; i++) {
		double t;
		miss += dc_lora_cache_use(g->cache, ids[i], &t);
		load += t;
		tok += (double)tokens[i];
	}
	/* llm.md §3.6: memory-bound on the distinct adapters' bytes, plus
	   2 r (d_in + d_out) FLOPs per token and matrix */
	double extra = (double)n * g->geom.bytes / g->hbm_bw +
		tok * g->geom.flops_per_token / (g->flops * clock);
	*load_s = load;
	*loads = miss;
	*extra_s = extra;
	g->st.batches++;
	g->st.extra_s += extra;
	return DC_OK;
}

int dc_lora_gpu_swap(void *gpu, int64_t from, int64_t to, double *time_s)
{
	dc_lora_gpu *g = gpu;
	if (!g || !time_s || from < -1 || from >= g->n || to < -1 ||
	    to >= g->n)
		return DC_EINVAL;
	*time_s = from == to ? 0 : g->swap_s;
	if (from != to) {
		g->st.swaps++;
		g->st.swap_s += g->swap_s;
	}
	return DC_OK;
}

const dc_lora_geom *dc_lora_gpu_geom(const dc_lora_gpu *g)
{
	return &g->geom;
}

const dc_lora_cache *dc_lora_gpu_cache(const dc_lora_gpu *g)
{
	return g->cache;
}

double dc_lora_gpu_swap_time(const dc_lora_gpu *g)
{
	return g->swap_s;
}

void dc_lora_gpu_stats_get(const dc_lora_gpu *g, dc_lora_gpu_stats *out)
{
	out->batches = g->st.batches;
	out->extra_s = g->st.extra_s;
	out->swaps = g->st.swaps;
	out->swap_s = g->st.swap_s;
	dc_lora_cache_stats_get(g->cache, &out->cache);
}
