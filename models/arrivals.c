/* arrivals.c - request sources: Poisson, gamma and recorded traces.
 *
 * A trace is read once into an array of rows sorted by time; a source
 * walks it (trace kind) or draws inter-arrival times with GSL and, for
 * "from trace" lengths, a uniformly drawn row.  The only files read are
 * the shipped traces (data/traces/, data/README.md); the CSV ones go
 * through sim/table.c, the JSONL ones through the small strict parser
 * below (no JSON library: the format is four fixed keys). */
#include "arrivals.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "../sim/alloc.h"
#include "../sim/table.h"

#define MAX_REPORTED 10 /* malformed rows reported per file, as table.c */

/* ---- parameter table ---- */

const char *const dc_arrivals_kind_names[] = {"poisson", "gamma", "trace",
					      NULL};
const char *const dc_arrivals_trace_names[] = {"azure_conv", "azure_code",
					       "mooncake_conv",
					       "mooncake_synthetic", NULL};

/* Files of the traces under DATA_DIR/traces/ (data/README.md). */
static const struct {
	const char *file;
	int csv;
} trace_files[DC_TRACE_COUNT] = {
	{"azure_llm_2023/AzureLLMInferenceTrace_conv.csv", 1},
	{"azure_llm_2023/AzureLLMInferenceTrace_code.csv", 1},
	{"mooncake_fast25/conversation_trace.jsonl", 0},
	{"mooncake_fast25/synthetic_trace.jsonl", 0},
};

#define FROM_TRACE "from trace"

#define F(f) offsetof(dc_arrivals_cfg, f)
static const dc_param arrivals_params[] = {
	{.key = "kind",
	 .type = DC_PT_ENUM,
	 .def = "trace",
	 .choices = dc_arrivals_kind_names,
	 .off = F(kind),
	 .help = "arrival process: poisson, gamma or trace (replay)"},
	{.key = "rate",
	 .type = DC_PT_QTY,
	 .dim = DC_DIM_RATE,
	 .unit = "/s",
	 .flags = DC_PF_MIN_EXCL,
	 .min = 0,
	 .off = F(rate),
	 .help = "poisson/gamma: mean arrival rate (e.g. '5 /s'); required for "
		 "them"},
	{.key = "cv",
	 .type = DC_PT_REAL,
	 .def = "1",
	 .flags = DC_PF_MIN_EXCL,
	 .min = 0,
	 .off = F(cv),
	 .help = "gamma: coefficient of variation of inter-arrival times "
		 "(shape 1/cv^2)"},
	{.key = "trace",
	 .type = DC_PT_ENUM,
	 .def = "azure_conv",
	 .choices = dc_arrivals_trace_names,
	 .off = F(trace),
	 .help = "trace replayed (kind trace) or sampled for 'from trace' "
		 "lengths"},
	{.key = "speedup",
	 .type = DC_PT_REAL,
	 .def = "1",
	 .flags = DC_PF_MIN_EXCL,
	 .min = 0,
	 .off = F(speedup),
	 .help = "trace: time compression factor (arrival times are divided by "
		 "it)"},
	{.key = "length_scale",
	 .type = DC_PT_REAL,
	 .def = "1",
	 .flags = DC_PF_MIN_EXCL,
	 .min = 0,
	 .off = F(length_scale),
	 .help = "multiplies prompt and output lengths (rounded, at least 1)"},
	{.key = "prompt",
	 .type = DC_PT_STR,
	 .def = FROM_TRACE,
	 .off = F(prompt),
	 .help = "prompt tokens: a number, or 'from trace' (the trace's "
		 "lengths)"},
	{.key = "output",
	 .type = DC_PT_STR,
	 .def = FROM_TRACE,
	 .off = F(output),
	 .help = "output tokens: a number, or 'from trace' (the trace's "
		 "lengths)"},
	{.key = "max_requests",
	 .type = DC_PT_INT,
	 .def = "0",
	 .flags = DC_PF_MIN,
	 .min = 0,
	 .off = F(max_requests),
	 .help = "stop after this many requests (0: unlimited)"},
	{.key = "start",
	 .type = DC_PT_TIME,
	 .def = "0 s",
	 .unit = "s",
	 .flags = DC_PF_MIN,
	 .min = 0,
	 .off = F(start),
	 .help = "offset added to every arrival time"},
};
#undef F

const dc_pset dc_arrivals_pset = {"arrivals", arrivals_params,
				  DC_ARRAY_LEN(arrivals_params),
				  "request arrivals of a workload"};

/* "from trace" (or NULL) -> 0; a decimal integer in [1, INT32_MAX] -> it;
 * anything else -> -1. */
static int64_t parse_len(const char *s)
{
	if (!s || !strcmp(s, FROM_TRACE))
		return 0;
	int64_t v = 0;
	if (!*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = 10 * v + (*p - '0');
		if (v > INT32_MAX)
			return -1;
	}
	return v >= 1 ? v : -1;
}

static int needs_trace(const dc_arrivals_cfg *c)
{
	return c->kind == DC_ARR_TRACE || parse_len(c->prompt) == 0 ||
	       parse_len(c->output) == 0;
}

int dc_arrivals_check(const dc_arrivals_cfg *c, dc_err *err)
{
	int rc = DC_OK;
	const char *k = "arrivals";
	if (c->kind < DC_ARR_POISSON || c->kind > DC_ARR_TRACE)
		rc = dc_err_msg(err, DC_EINVAL, "%s.kind: unknown kind %d", k,
				c->kind);
	if (c->trace < 0 || c->trace >= DC_TRACE_COUNT)
		rc = dc_err_msg(
			err, DC_EINVAL,
			"%s.trace: unknown trace %d "
			"(known: azure_conv, azure_code, mooncake_conv, "
			"mooncake_synthetic)",
			k, c->trace);
	if (c->rate < 0 || isnan(c->rate) ||
	    (c->kind != DC_ARR_TRACE && !(c->rate > 0 && isfinite(c->rate))))
		rc = dc_err_msg(
			err, DC_EINVAL,
			"%s.rate: %g /s: %s arrivals "
			"need a finite rate above 0",
			k, c->rate,
			dc_arrivals_kind_names[c->kind == DC_ARR_GAMMA]);
	if (c->kind == DC_ARR_GAMMA && !(c->cv > 0 && isfinite(c->cv)))
		rc = dc_err_msg(err, DC_EINVAL, "%s.cv: %g: must be above 0", k,
				c->cv);
	if (!(c->speedup > 0 && isfinite(c->speedup)))
		rc = dc_err_msg(err, DC_EINVAL,
				"%s.speedup: %g: must be "
				"above 0",
				k, c->speedup);
	if (!(c->length_scale > 0 && isfinite(c->length_scale)))
		rc = dc_err_msg(err, DC_EINVAL,
				"%s.length_scale: %g: must be "
				"above 0",
				k, c->length_scale);
	if (c->max_requests < 0)
		rc = dc_err_msg(err, DC_EINVAL,
				"%s.max_requests: %lld: must "
				"be >= 0",
				k, (long long)c->max_requests);
	if (c->start < 0)
		rc = dc_err_msg(err, DC_EINVAL, "%s.start: must be >= 0", k);
	if (parse_len(c->prompt) < 0)
		rc = dc_err_msg(err, DC_EINVAL,
				"%s.prompt: expected a token "
				"count >= 1 or 'from trace', got '%s'",
				k, c->prompt);
	if (parse_len(c->output) < 0)
		rc = dc_err_msg(err, DC_EINVAL,
				"%s.output: expected a token "
				"count >= 1 or 'from trace', got '%s'",
				k, c->output);
	return rc;
}

/* ---- Azure timestamps ---- */

/* N decimal digits at S into *v; 0 if one is not a digit. */
static int digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = 10 * *v + (s[i] - '0');
	}
	return 1;
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to Y-M-D in the proleptic Gregorian calendar:
 * shift the year to start in March so the leap day is last, count whole
 * 400-year eras (146,097 days) and the days within the era. */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400; /* 0..399 */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
	return era * 146097 + doe - 719468; /* 719468: 0000-03-01 -> 1970 */
}

/* The date part "YYYY-MM-DD" at S: days since 1970 into *days. */
static int parse_date(const char *s, int64_t *days, size_t *bad)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d;
	if (!digits(s, 4, &y))
		return *bad = 0, DC_EINVAL;
	if (s[4] != '-' || !digits(s + 5, 2, &m) || m < 1 || m > 12)
		return *bad = s[4] != '-' ? 4 : 5, DC_EINVAL;
	if (s[7] != '-' || !digits(s + 8, 2, &d) || d < 1 ||
	    d > mdays[m - 1] + (m == 2 && leap(y)))
		return *bad = s[7] != '-' ? 7 : 8, DC_EINVAL;
	*days = days_from_civil(y, m, d);
	return DC_OK;
}

/* The time part "HH:MM:SS[.f{1,9}]" at S: ns since midnight. */
static int parse_clock(const char *s, int64_t *ns, size_t *bad)
{
	int h, mi, se;
	if (!digits(s, 2, &h) || h > 23)
		return *bad = 0, DC_EINVAL;
	if (s[2] != ':' || !digits(s + 3, 2, &mi) || mi > 59)
		return *bad = s[2] != ':' ? 2 : 3, DC_EINVAL;
	if (s[5] != ':' || !digits(s + 6, 2, &se) || se > 59)
		return *bad = s[5] != ':' ? 5 : 6, DC_EINVAL;
	int64_t frac = 0;
	size_t i = 8;
	if (s[i] == '.') {
		int nd = 0;
		for (i++; s[i] >= '0' && s[i] <= '9' && nd < 9; i++, nd++)
			frac = 10 * frac + (s[i] - '0');
		if (nd == 0)
			return *bad = i, DC_EINVAL;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	if (s[i])
		return *bad = i, DC_EINVAL;
	*ns = ((int64_t)h * 3600 + mi * 60 + se) * 1000000000 + frac;
	return DC_OK;
}

int dc_arrivals_parse_time(const char *s, int64_t *ns, size_t *bad)
{
	int64_t days, t;
	size_t b = 0;
	*bad = 0;
	if (strlen(s) < 19) /* "YYYY-MM-DD HH:MM:SS" */
		return *bad = strlen(s), DC_EINVAL;
	if (parse_date(s, &days, &b))
		return *bad = b, DC_EINVAL;
	if (s[10] != ' ')
		return *bad = 10, DC_EINVAL;
	if (parse_clock(s + 11, &t, &b))
		return *bad = 11 + b, DC_EINVAL;
	/* years 0000..9999 span +-2.9e6 days: 8.7e19 ns would overflow, so
	 * keep to what int64 ns holds (about 1677..2262) */
	if (days < -106750 || days > 106750)
		return *bad = 0, DC_EINVAL;
	*ns = days * 86400 * (int64_t)1000000000 + t;
	return DC_OK;
}

/* ---- Mooncake JSONL records ---- */

typedef struct jp {
	const char *s;
	size_t n, i;
	int *col;
	const char **why;
} jp;

static int jfail(jp *p, const char *why)
{
	*p->col = (int)p->i + 1;
	*p->why = why;
	return DC_EINVAL;
}

static void jws(jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
			       p->s[p->i] == '\r' || p->s[p->i] == '\n'))
		p->i++;
}

static int jpeek(const jp *p)
{
	return p->i < p->n ? (unsigned char)p->s[p->i] : -1;
}

static int jdigit(const jp *p)
{
	return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

/* A JSON integer >= 0: 0 | [1-9][0-9]*, no sign, fraction or exponent. */
static int jint(jp *p, int64_t *v)
{
	size_t at = p->i;
	if (jpeek(p) == '-')
		return jfail(p, "expected an integer >= 0");
	if (!jdigit(p))
		return jfail(p, "expected an integer");
	*v = 0;
	if (p->s[p->i] == '0' && (p->i++, jdigit(p)))
		return jfail(p, "leading zeros are not allowed");
	while (jdigit(p)) {
		int d = p->s[p->i] - '0';
		if (*v > (INT64_MAX - d) / 10)
			return p->i = at, jfail(p, "integer out of range");
		*v = 10 * *v + d;
		p->i++;
	}
	if (jpeek(p) == '.' || jpeek(p) == 'e' || jpeek(p) == 'E')
		return jfail(p,
			     "expected an integer, not a fraction or exponent");
	return DC_OK;
}

/* Skip the digits of a JSON number part; 0 if there are none. */
static int jdigits(jp *p)
{
	size_t at = p->i;
	while (jdigit(p))
		p->i++;
	return p->i > at;
}

/* A JSON number (RFC 8259 grammar), finite and >= 0. */
static int jnum(jp *p, double *v)
{
	size_t at = p->i;
	char buf[64];
	if (jpeek(p) == '-')
		p->i++;
	if (!jdigit(p))
		return jfail(p, "expected a number");
	if (p->s[p->i] == '0' && (p->i++, jdigit(p)))
		return jfail(p, "leading zeros are not allowed");
	jdigits(p);
	if (jpeek(p) == '.' && (p->i++, !jdigits(p)))
		return jfail(p, "expected a digit after '.'");
	if (jpeek(p) == 'e' || jpeek(p) == 'E') {
		p->i++;
		if (jpeek(p) == '+' || jpeek(p) == '-')
			p->i++;
		if (!jdigits(p))
			return jfail(p, "expected a digit in the exponent");
	}
	if (p->i - at >= sizeof buf)
		return p->i = at, jfail(p, "number too long");
	memcpy(buf, p->s + at, p->i - at);
	buf[p->i - at] = '\0';
	*v = strtod(buf, NULL);
	if (!isfinite(*v))
		return p->i = at, jfail(p, "number out of range");
	if (*v < 0)
		return p->i = at, jfail(p, "timestamp must be >= 0");
	return DC_OK;
}

/* An array of integers >= 0; the first CAP go to HASH, *n counts all. */
static int jhashes(jp *p, int64_t *hash, size_t cap, size_t *n)
{
	*n = 0;
	if (jpeek(p) != '[')
		return jfail(p, "expected '[' (hash_ids is an array)");
	p->i++;
	jws(p);
	if (jpeek(p) == ']')
		return p->i++, DC_OK;
	for (;;) {
		int64_t v;
		jws(p);
		if (jint(p, &v))
			return DC_EINVAL;
		if (*n < cap)
			hash[*n] = v;
		++*n;
		jws(p);
		if (jpeek(p) == ']')
			return p->i++, DC_OK;
		if (jpeek(p) != ',')
			return jfail(p, "expected ',' or ']'");
		p->i++;
	}
}

enum { K_TS, K_IN, K_OUT, K_HASH, K_N };
static const char *const jkeys[K_N] = {"timestamp", "input_length",
				       "output_length", "hash_ids"};
static const char *const jmissing[K_N] = {
	"missing key 'timestamp'", "missing key 'input_length'",
	"missing key 'output_length'", "missing key 'hash_ids'"};

/* A key string: which of jkeys it is into *k. */
static int jkey(jp *p, int *k)
{
	if (jpeek(p) != '"')
		return jfail(p, "expected a key string");
	size_t at = ++p->i;
	while (p->i < p->n && p->s[p->i] != '"') {
		if (p->s[p->i] == '\\')
			return jfail(p, "escapes in keys are not supported");
		if ((unsigned char)p->s[p->i] < 0x20)
			return jfail(p, "control character in a string");
		p->i++;
	}
	if (p->i >= p->n)
		return p->i = at - 1, jfail(p, "unterminated string");
	size_t len = p->i - at;
	for (*k = 0; *k < K_N; ++*k)
		if (strlen(jkeys[*k]) == len &&
		    !memcmp(p->s + at, jkeys[*k], len))
			break;
	if (*k == K_N)
		return p->i = at - 1, jfail(p, "unknown key (the keys are "
					       "timestamp, input_length, "
					       "output_length and hash_ids)");
	p->i++;
	return DC_OK;
}

static int jvalue(jp *p, int k, dc_jsonl_rec *rec, int64_t *hash, size_t cap)
{
	switch (k) {
	case K_TS:
		return jnum(p, &rec->timestamp_ms);
	case K_IN:
		return jint(p, &rec->input_length);
	case K_OUT:
		return jint(p, &rec->output_length);
	default:
		return jhashes(p, hash, cap, &rec->n_hash);
	}
}

int dc_arrivals_jsonl_parse(const char *line, size_t len, dc_jsonl_rec *rec,
			    int64_t *hash, size_t hash_cap, int *col,
			    const char **why)
{
	jp p = {line, len, 0, col, why};
	int seen[K_N] = {0};
	memset(rec, 0, sizeof *rec);
	jws(&p);
	if (jpeek(&p) != '{')
		return jfail(&p, "expected '{' (one JSON object per line)");
	p.i++;
	jws(&p);
	while (jpeek(&p) != '}') {
		int k;
		size_t at = p.i;
		if (jkey(&p, &k))
			return DC_EINVAL;
		if (seen[k]++)
			return p.i = at, jfail(&p, "duplicate key");
		jws(&p);
		if (jpeek(&p) != ':')
			return jfail(&p, "expected ':'");
		p.i++;
		jws(&p);
		if (jvalue(&p, k, rec, hash, hash_cap))
			return DC_EINVAL;
		jws(&p);
		if (jpeek(&p) == ',') {
			p.i++;
			jws(&p);
			if (jpeek(&p) != '"')
				return jfail(&p, "expected a key string");
		} else if (jpeek(&p) != '}') {
			return jfail(&p, "expected ',' or '}'");
		}
	}
	for (int k = 0; k < K_N; k++)
		if (!seen[k])
			return jfail(&p, jmissing[k]);
	p.i++;
	jws(&p);
	if (p.i < p.n)
		return jfail(&p, "unexpected text after the object");
	return DC_OK;
}

/* ---- traces ---- */

typedef struct trow {
	double t; /* s from the first row of the file (then sorted
		     and rebased on the earliest) */
	int32_t in, out;
	size_t idx;	 /* file order: stable sort tie-break */
	size_t hoff, nh; /* hash_ids in the trace's hash array */
} trow;

struct dc_arrivals_trace {
	char *name;
	trow *rows;
	size_t n, cap;
	int64_t *hash;
	size_t nhash, hcap;
	dc_trace_stats st;
};

static int trace_new(const char *name, size_t cap, dc_arrivals_trace **out)
{
	dc_arrivals_trace *t = dc_calloc(1, sizeof *t);
	*out = t;
	if (!t || !(t->name = dc_strdup(name ? name : "<string>")) ||
	    !(t->rows = dc_calloc(cap ? cap : 1, sizeof *t->rows)))
		return DC_ENOMEM;
	t->cap = cap ? cap : 1;
	return DC_OK;
}

void dc_arrivals_trace_free(dc_arrivals_trace *t)
{
	if (!t)
		return;
	dc_free(t->name);
	dc_free(t->rows);
	dc_free(t->hash);
	dc_free(t);
}

/* A token count: a whole number in [0, INT32_MAX]. */
static int table_len(const dc_table *tb, size_t r, int c, int32_t *v,
		     dc_err *err)
{
	double x;
	int rc = dc_table_num(tb, r, (size_t)c, &x, err);
	if (rc)
		return rc;
	if (x != floor(x) || x < 0 || x > INT32_MAX)
		return dc_table_err(tb, r, (size_t)c, err, DC_EINVAL,
				    "expected a whole token count >= 0, got "
				    "'%s'",
				    dc_table_field(tb, r, (size_t)c));
	*v = (int32_t)x;
	return DC_OK;
}

/* Row R of an Azure table into T (timestamps relative to *t0, the first
 * row's, set by row 0). */
static int csv_row(dc_arrivals_trace *t, const dc_table *tb, size_t r,
		   const int c[3], int64_t *t0, dc_err *err)
{
	int64_t ns;
	size_t bad;
	trow *w = &t->rows[t->n];
	const char *f = dc_table_field(tb, r, (size_t)c[0]);
	if (dc_arrivals_parse_time(f, &ns, &bad))
		return dc_table_err(tb, r, (size_t)c[0], err, DC_EINVAL,
				    "expected a time like '2023-11-16 "
				    "18:15:46.6805900', got '%s' (bad at "
				    "character %zu)",
				    f, bad + 1);
	if (r == 0)
		*t0 = ns;
	int rc = table_len(tb, r, c[1], &w->in, err);
	if (!rc)
		rc = table_len(tb, r, c[2], &w->out, err);
	if (rc)
		return rc;
	w->t = (double)(ns - *t0) / 1e9; /* exact integer difference first */
	w->idx = t->n++;
	return DC_OK;
}

static int csv_parse(dc_arrivals_trace **tp, const char *name, const char *text,
		     size_t len, dc_err *err)
{
	static const char *const cols[3] = {"TIMESTAMP", "ContextTokens",
					    "GeneratedTokens"};
	dc_table *tb = NULL;
	int rc = dc_table_load_string(name, text, len, &tb, err);
	if (rc)
		return rc;
	int c[3];
	for (int i = 0; i < 3; i++)
		if ((c[i] = dc_table_col(tb, cols[i])) < 0)
			rc = dc_err_msg(err, DC_EINVAL,
					"%s: missing column "
					"'%s' (expected TIMESTAMP, "
					"ContextTokens, GeneratedTokens)",
					name, cols[i]);
	if (!rc && trace_new(name, dc_table_rows(tb), tp))
		rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
	int bad = 0;
	int64_t t0 = 0;
	for (size_t r = 0; !rc && r < dc_table_rows(tb); r++)
		bad += csv_row(*tp, tb, r, c, &t0,
			       bad < MAX_REPORTED ? err : NULL) != DC_OK;
	dc_table_free(tb);
	return rc ? rc : bad ? DC_EINVAL : DC_OK;
}

static int hash_reserve(dc_arrivals_trace *t, size_t more)
{
	if (t->nhash + more <= t->hcap)
		return DC_OK;
	size_t cap = t->hcap ? t->hcap : 1024;
	while (cap < t->nhash + more)
		cap *= 2;
	int64_t *h = dc_realloc(t->hash, cap * sizeof *h);
	if (!h)
		return DC_ENOMEM;
	t->hash = h;
	t->hcap = cap;
	return DC_OK;
}

/* One JSONL line into T; problems are reported at NAME:LINENO:col. */
static int jsonl_row(dc_arrivals_trace *t, const char *s, size_t n, int lineno,
		     double *t0, dc_err *err)
{
	dc_jsonl_rec rec;
	int col;
	const char *why;
	int rc = dc_arrivals_jsonl_parse(s, n, &rec, t->hash + t->nhash,
					 t->hcap - t->nhash, &col, &why);
	if (!rc && rec.n_hash > t->hcap - t->nhash) {
		if (hash_reserve(t, rec.n_hash))
			return dc_err_msg(err, DC_ENOMEM, "out of memory");
		rc = dc_arrivals_jsonl_parse(s, n, &rec, t->hash + t->nhash,
					     t->hcap - t->nhash, &col, &why);
	}
	if (rc)
		return dc_err_at(err, rc, t->name, lineno, col, "%s", why);
	if (rec.input_length > INT32_MAX || rec.output_length > INT32_MAX)
		return dc_err_at(err, DC_EINVAL, t->name, lineno, 1,
				 "token count above %d", INT32_MAX);
	if (t->n == 0)
		*t0 = rec.timestamp_ms;
	trow *w = &t->rows[t->n];
	w->t = (rec.timestamp_ms - *t0) / 1e3;
	w->in = (int32_t)rec.input_length;
	w->out = (int32_t)rec.output_length;
	w->hoff = t->nhash;
	w->nh = rec.n_hash;
	w->idx = t->n++;
	t->nhash += rec.n_hash;
	return DC_OK;
}

static int jsonl_parse(dc_arrivals_trace **tp, const char *name,
		       const char *text, size_t len, dc_err *err)
{
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (trace_new(name, lines, tp) || hash_reserve(*tp, 1024))
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	int bad = 0, lineno = 0;
	double t0 = 0;
	for (size_t i = 0; i < len;) {
		const char *e = memchr(text + i, '\n', len - i);
		size_t n = e ? (size_t)(e - (text + i)) : len - i;
		lineno++;
		int rc = jsonl_row(*tp, text + i, n, lineno, &t0,
				   bad < MAX_REPORTED ? err : NULL);
		if (rc == DC_ENOMEM)
			return rc;
		bad += rc != DC_OK;
		i += n + 1;
	}
	return bad ? DC_EINVAL : DC_OK;
}

static int row_cmp(const void *a, const void *b)
{
	const trow *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Mean, median, p99 (rules in arrivals.h), min and max of V[0..n). */
static void len_stats(double *v, size_t n, dc_len_stats *s)
{
	gsl_sort(v, 1, n);
	s->mean = gsl_stats_mean(v, 1, n);
	s->median = gsl_stats_median_from_sorted_data(v, 1, n);
	s->p99 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.99);
	s->min = (int32_t)v[0];
	s->max = (int32_t)v[n - 1];
}

/* Sort T's rows, rebase times on the earliest, compute the statistics. */
static int trace_finish(dc_arrivals_trace *t, dc_err *err)
{
	if (t->n == 0)
		return dc_err_msg(err, DC_EINVAL,
				  "%s: the trace has no "
				  "requests",
				  t->name);
	qsort(t->rows, t->n, sizeof *t->rows, row_cmp);
	double t0 = t->rows[0].t;
	for (size_t i = 0; i < t->n; i++)
		t->rows[i].t -= t0;
	double *v = dc_malloc(t->n * sizeof *v);
	if (!v)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	dc_trace_stats *s = &t->st;
	s->count = t->n;
	s->span_s = t->rows[t->n - 1].t;
	s->rate = s->span_s > 0 ? (double)t->n / s->span_s : 0;
	s->hash_blocks = t->nhash;
	for (size_t i = 0; i < t->n; i++)
		v[i] = t->rows[i].in;
	len_stats(v, t->n, &s->input);
	for (size_t i = 0; i < t->n; i++)
		v[i] = t->rows[i].out;
	len_stats(v, t->n, &s->output);
	dc_free(v);
	return DC_OK;
}

int dc_arrivals_trace_parse(const char *name, const char *text, size_t len,
			    int csv, dc_arrivals_trace **out, dc_err *err)
{
	dc_arrivals_trace *t = NULL;
	int rc = csv ? csv_parse(&t, name, text, len, err)
		     : jsonl_parse(&t, name, text, len, err);
	if (!rc)
		rc = trace_finish(t, err);
	if (rc) {
		dc_arrivals_trace_free(t);
		t = NULL;
	}
	*out = t;
	return rc;
}

int dc_arrivals_trace_load(int id, const char *data_dir,
			   dc_arrivals_trace **out, dc_err *err)
{
	*out = NULL;
	if (id < 0 || id >= DC_TRACE_COUNT)
		return dc_err_msg(err, DC_EINVAL,
				  "unknown trace %d (known: "
				  "azure_conv, azure_code, mooncake_conv, "
				  "mooncake_synthetic)",
				  id);
	char path[4096];
	snprintf(path, sizeof path, "%s/traces/%s",
		 data_dir ? data_dir : "data", trace_files[id].file);
	char *buf = NULL;
	size_t len = 0;
	int rc = dc_file_read(path, &buf, &len, err);
	if (rc)
		return rc;
	rc = dc_arrivals_trace_parse(path, buf, len, trace_files[id].csv, out,
				     err);
	dc_free(buf);
	return rc;
}

const dc_trace_stats *dc_arrivals_trace_stats(const dc_arrivals_trace *t)
{
	return &t->st;
}

int dc_arrivals_trace_row(const dc_arrivals_trace *t, size_t i,
			  dc_req_spec *out)
{
	if (i >= t->n)
		return 0;
	out->t_arrival_s = t->rows[i].t;
	out->prompt = t->rows[i].in;
	out->output = t->rows[i].out;
	return 1;
}

const int64_t *dc_arrivals_trace_hashes(const dc_arrivals_trace *t, size_t i,
					size_t *n)
{
	*n = 0;
	if (i >= t->n || t->rows[i].nh == 0)
		return NULL;
	*n = t->rows[i].nh;
	return t->hash + t->rows[i].hoff;
}

/* ---- sources ---- */

struct dc_arrivals {
	int kind;
	double rate, shape, scale; /* gamma: shape 1/cv^2, scale cv^2/rate */
	double speedup, length_scale, start_s;
	int32_t prompt, output; /* fixed lengths; 0 = from the trace */
	int64_t max, count;
	size_t next_row;
	double t; /* last synthetic arrival, s */
	const dc_arrivals_trace *trace;
	dc_arrivals_trace *owned;
	gsl_rng *r;
};

int dc_arrivals_new_with(const dc_arrivals_cfg *cfg,
			 const dc_arrivals_trace *trace, gsl_rng *r,
			 dc_arrivals **out, dc_err *err)
{
	*out = NULL;
	int rc = dc_arrivals_check(cfg, err);
	if (rc)
		return rc;
	if (needs_trace(cfg) && !trace)
		return dc_err_msg(err, DC_EINVAL,
				  "arrivals: a trace is needed "
				  "(kind trace or 'from trace' lengths)");
	if (cfg->kind != DC_ARR_TRACE && !r)
		return dc_err_msg(err, DC_EINVAL,
				  "arrivals: %s arrivals need "
				  "a random number generator",
				  dc_arrivals_kind_names[cfg->kind]);
	dc_arrivals *a = dc_calloc(1, sizeof *a);
	if (!a)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	a->kind = cfg->kind;
	a->rate = cfg->rate;
	a->shape = 1 / (cfg->cv * cfg->cv);
	a->scale = cfg->cv * cfg->cv / cfg->rate;
	a->speedup = cfg->speedup;
	a->length_scale = cfg->length_scale;
	a->start_s = dc_time_to_s(cfg->start);
	a->prompt = (int32_t)parse_len(cfg->prompt);
	a->output = (int32_t)parse_len(cfg->output);
	a->max = cfg->max_requests;
	a->trace = trace;
	a->r = r;
	*out = a;
	return DC_OK;
}

int dc_arrivals_new(const dc_arrivals_cfg *cfg, const char *data_dir,
		    gsl_rng *r, dc_arrivals **out, dc_err *err)
{
	*out = NULL;
	int rc = dc_arrivals_check(cfg, err);
	if (rc)
		return rc;
	dc_arrivals_trace *t = NULL;
	if (needs_trace(cfg) &&
	    (rc = dc_arrivals_trace_load(cfg->trace, data_dir, &t, err)))
		return rc;
	rc = dc_arrivals_new_with(cfg, t, r, out, err);
	if (rc) {
		dc_arrivals_trace_free(t);
		return rc;
	}
	(*out)->owned = t;
	return DC_OK;
}

/* X tokens times the length scale, rounded, in [1, INT32_MAX]. */
static int32_t scaled(const dc_arrivals *a, int32_t x)
{
	double v = round((double)x * a->length_scale);
	return v < 1 ? 1 : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

int dc_arrivals_next(dc_arrivals *a, dc_req_spec *out)
{
	if (a->max > 0 && a->count >= a->max)
		return 0;
	const trow *row = NULL;
	double t;
	if (a->kind == DC_ARR_TRACE) {
		if (a->next_row >= a->trace->n)
			return 0;
		row = &a->trace->rows[a->next_row++];
		t = row->t / a->speedup;
	} else {
		a->t += a->kind == DC_ARR_POISSON
				? gsl_ran_exponential(a->r, 1 / a->rate)
				: gsl_ran_gamma(a->r, a->shape, a->scale);
		t = a->t;
		if (!a->prompt || !a->output) /* one row for both lengths */
			row = &a->trace->rows[gsl_rng_uniform_int(
				a->r, (unsigned long)a->trace->n)];
	}
	out->t_arrival_s = a->start_s + t;
	out->prompt = scaled(a, a->prompt ? a->prompt : row->in);
	out->output = scaled(a, a->output ? a->output : row->out);
	a->count++;
	return 1;
}

const dc_arrivals_trace *dc_arrivals_get_trace(const dc_arrivals *a)
{
	return a->trace;
}

void dc_arrivals_free(dc_arrivals *a)
{
	if (!a)
		return;
	dc_arrivals_trace_free(a->owned);
	dc_free(a);
}
