/* params.c - reading, validating, defaulting and formatting parameters
 * from a declarative table (params.h).
 *
 * Every entry point that stores a STR parameter frees the string the field
 * held before, so a config struct must start zeroed (or hold strings owned
 * by an earlier call) before its first dc_params_defaults/read/set. */
#include "params.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"

#define MSG_MAX 512
#define TIME_MAX_S 9.2e9 /* |s| bound for dc_time_from_s */
#define LEV_MAX 128       /* longer words get no suggestion */

/* A converted value, before it is stored into the config. */
typedef struct pval {
	int64_t i;  /* INT */
	double d;   /* REAL, QTY (SI), TIME (seconds) */
	dc_time t;  /* TIME */
	char *s;    /* STR (owned until stored) */
	int e;      /* ENUM index, BOOL */
} pval;

/* "path.key" (or "key" when path is empty) into buf. */
static const char *key_path(char *buf, size_t n, const char *path,
			    const char *key)
{
	if (path && *path)
		snprintf(buf, n, "%s.%s", path, key);
	else
		snprintf(buf, n, "%s", key);
	return buf;
}

static long find_param(const dc_pset *set, const char *key)
{
	for (size_t i = 0; i < set->n; i++)
		if (!strcmp(set->params[i].key, key))
			return (long)i;
	return -1;
}

static int conv_int(const char *text, int64_t *out, char *msg, size_t msz)
{
	size_t k = (text[0] == '-' || text[0] == '+') ? 1 : 0;
	char *end;
	if (text[k] && strspn(text + k, "0123456789") == strlen(text + k)) {
		errno = 0;
		long long v = strtoll(text, &end, 10);
		if (errno == ERANGE)
			goto out_range;
		*out = v;
		return DC_OK;
	}
	if (!text[0] || strspn(text, "0123456789.eE+-") != strlen(text))
		goto out_not_int;
	errno = 0;
	double d = strtod(text, &end);
	if (*end || errno == ERANGE || !isfinite(d))
		goto out_not_int;
	if (d != trunc(d))
		goto out_not_int;
	if (d >= 9223372036854775808.0 || d < -9223372036854775808.0)
		goto out_range;
	*out = (int64_t)d;
	return DC_OK;
out_range:
	snprintf(msg, msz, "'%s' is out of the integer range", text);
	return DC_EINVAL;
out_not_int:
	snprintf(msg, msz, "expected an integer, got '%s'", text);
	return DC_EINVAL;
}

static int conv_bool(const char *text, int *out, char *msg, size_t msz)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	for (size_t i = 0; i < DC_ARRAY_LEN(yes); i++) {
		if (!strcasecmp(text, yes[i]))
			return *out = 1, DC_OK;
		if (!strcasecmp(text, no[i]))
			return *out = 0, DC_OK;
	}
	snprintf(msg, msz, "expected true or false, got '%s'", text);
	return DC_EINVAL;
}

static int conv_enum(const dc_param *p, const char *text, int *out, char *msg,
		     size_t msz)
{
	size_t n = 0, len;
	for (; p->choices && p->choices[n]; n++)
		if (!strcmp(p->choices[n], text))
			return *out = (int)n, DC_OK;
	len = (size_t)snprintf(msg, msz, "expected one of ");
	for (size_t i = 0; i < n && len < msz; i++)
		len += (size_t)snprintf(msg + len, msz - len, "%s'%s'",
					i ? ", " : "", p->choices[i]);
	if (len < msz)
		len += (size_t)snprintf(msg + len, msz - len, ", got '%s'", text);
	const char *near = dc_did_you_mean(text, p->choices, n);
	if (near && len < msz)
		snprintf(msg + len, msz - len, " (did you mean '%s'?)", near);
	return DC_EINVAL;
}

/* "<integer> <unit>" for the time units with whole nanoseconds, converted
 * exactly (doubles hold only 2^53 ns, about 104 days).  1 on success. */
static int exact_time(const char *text, dc_time *t)
{
	static const struct { const char *u; dc_time ns; } tu[] = {
		{"ns", DC_NS}, {"us", DC_US}, {"ms", DC_MS}, {"s", DC_SEC},
		{"min", DC_MIN}, {"h", DC_HOUR}, {"d", DC_DAY}};
	char *end;
	const char *p = text + strspn(text, " \t");
	if (!(*p >= '0' && *p <= '9') && *p != '-' && *p != '+')
		return 0;
	errno = 0;
	long long n = strtoll(p, &end, 10);
	if (errno || end == p || (*end != ' ' && *end != '\t'))
		return 0;
	end += strspn(end, " \t");
	size_t ul = strcspn(end, " \t");
	if (end[ul + strspn(end + ul, " \t")])
		return 0;
	for (size_t i = 0; i < DC_ARRAY_LEN(tu); i++) {
		if (strlen(tu[i].u) != ul || strncmp(tu[i].u, end, ul))
			continue;
		if (n > INT64_MAX / tu[i].ns || n < -(INT64_MAX / tu[i].ns))
			return 0;
		*t = (dc_time)n * tu[i].ns;
		return 1;
	}
	return 0;
}

static int conv_time(const char *text, pval *v, int *ecol, char *msg,
		     size_t msz)
{
	if (exact_time(text, &v->t)) {
		v->d = dc_time_to_s(v->t);
		return DC_OK;
	}
	int rc = dc_qty_parse(text, DC_DIM_TIME, &v->d, ecol, msg, msz);
	if (rc)
		return rc;
	if (!(fabs(v->d) < TIME_MAX_S)) {
		*ecol = 0;
		snprintf(msg, msz, "'%s' is out of the time range (about 292 "
			 "years)", text);
		return DC_EINVAL;
	}
	v->t = dc_time_from_s(v->d);
	return DC_OK;
}

/* Convert TEXT for parameter P into *v.  *ecol gets the byte offset of a
 * problem in TEXT (0 unless the quantity parser says otherwise). */
static int conv(const dc_param *p, const char *text, pval *v, int *ecol,
		char *msg, size_t msz)
{
	*ecol = 0;
	memset(v, 0, sizeof *v);
	switch (p->type) {
	case DC_PT_INT:
		return conv_int(text, &v->i, msg, msz);
	case DC_PT_REAL:
		return dc_qty_parse(text, DC_DIM_NONE, &v->d, ecol, msg, msz);
	case DC_PT_QTY:
		return dc_qty_parse(text, p->dim, &v->d, ecol, msg, msz);
	case DC_PT_TIME:
		return conv_time(text, v, ecol, msg, msz);
	case DC_PT_STR:
		v->s = dc_strdup(text);
		if (!v->s)
			return snprintf(msg, msz, "out of memory"), DC_ENOMEM;
		return DC_OK;
	case DC_PT_ENUM:
		return conv_enum(p, text, &v->e, msg, msz);
	case DC_PT_BOOL:
		return conv_bool(text, &v->e, msg, msz);
	case DC_PT_SECTION:
		snprintf(msg, msz, "expected a map of settings, not a value");
		return DC_EINVAL;
	}
	snprintf(msg, msz, "unknown parameter type %d", (int)p->type);
	return DC_EINVAL;
}

static const char *unit_of(const dc_param *p, char *buf, size_t n);

/* Value V (SI; seconds for TIME) of P as text in P's display unit. */
static void show(const dc_param *p, double v, char *buf, size_t n)
{
	char ubuf[96];
	dc_dim dim = p->type == DC_PT_TIME ? DC_DIM_TIME : p->dim;
	if ((p->type == DC_PT_QTY || p->type == DC_PT_TIME) &&
	    dc_qty_format(v, dim, unit_of(p, ubuf, sizeof ubuf), buf, n) >= 0)
		return;
	snprintf(buf, n, "%.15g", v);
}

static int check_range(const dc_param *p, const pval *v, char *msg, size_t msz)
{
	char a[96], b[96];
	double x = p->type == DC_PT_INT ? (double)v->i : v->d;
	const char *what = NULL;
	double bound = 0;
	if (p->type == DC_PT_STR || p->type == DC_PT_ENUM ||
	    p->type == DC_PT_BOOL)
		return DC_OK;
	if ((p->flags & DC_PF_MIN) && x < p->min)
		what = "is below the minimum", bound = p->min;
	else if ((p->flags & DC_PF_MIN_EXCL) && x <= p->min)
		what = "must be above", bound = p->min;
	else if ((p->flags & DC_PF_MAX) && x > p->max)
		what = "is above the maximum", bound = p->max;
	else if ((p->flags & DC_PF_MAX_EXCL) && x >= p->max)
		what = "must be below", bound = p->max;
	if (!what)
		return DC_OK;
	if (p->type == DC_PT_INT)
		snprintf(a, sizeof a, "%" PRId64, v->i);
	else
		show(p, x, a, sizeof a);
	show(p, bound, b, sizeof b);
	snprintf(msg, msz, "%s %s %s", a, what, b);
	return DC_EINVAL;
}

static void *field(const dc_param *p, void *cfg)
{
	return (char *)cfg + p->off;
}

/* Store *v into CFG (adopting v->s for STR; the old string is freed). */
static void store(const dc_param *p, void *cfg, pval *v)
{
	void *f = field(p, cfg);
	switch (p->type) {
	case DC_PT_INT: memcpy(f, &v->i, sizeof v->i); break;
	case DC_PT_REAL:
	case DC_PT_QTY: memcpy(f, &v->d, sizeof v->d); break;
	case DC_PT_TIME: memcpy(f, &v->t, sizeof v->t); break;
	case DC_PT_ENUM:
	case DC_PT_BOOL: memcpy(f, &v->e, sizeof v->e); break;
	case DC_PT_STR: {
		char *old;
		memcpy(&old, f, sizeof old);
		dc_free(old);
		memcpy(f, &v->s, sizeof v->s);
		v->s = NULL;
		break;
	}
	case DC_PT_SECTION: break; /* a nested table holds no scalar */
	}
}

/* The nested provenance array of SECTION parameter P in CFG. */
static dc_src *sub_src(const dc_param *p, void *cfg)
{
	return (dc_src *)((char *)cfg + p->src_off);
}

/* Convert, range-check and store TEXT for P. */
static int set_text(const dc_param *p, const char *text, void *cfg, int *ecol,
		    char *msg, size_t msz)
{
	pval v;
	int rc = conv(p, text, &v, ecol, msg, msz);
	if (!rc)
		rc = check_range(p, &v, msg, msz);
	if (!rc)
		store(p, cfg, &v);
	dc_free(v.s);
	return rc;
}

/* Zero the field of P (freeing a string). */
static void clear(const dc_param *p, void *cfg)
{
	pval v;
	memset(&v, 0, sizeof v);
	store(p, cfg, &v);
}

int dc_params_defaults(const dc_pset *set, void *cfg, dc_src *src, dc_err *err)
{
	char msg[MSG_MAX], kp[256];
	int ecol, rc, first = DC_OK;
	for (size_t i = 0; i < set->n; i++) {
		const dc_param *p = &set->params[i];
		if (src)
			src[i] = DC_SRC_DEFAULT;
		if (p->type == DC_PT_SECTION) {
			rc = dc_params_defaults(p->sub, field(p, cfg),
						sub_src(p, cfg), err);
			first = first ? first : rc;
			continue;
		}
		clear(p, cfg);
		if (!p->def)
			continue;
		rc = set_text(p, p->def, cfg, &ecol, msg, sizeof msg);
		if (rc) {
			dc_err_msg(err, rc, "%s: bad default '%s': %s",
				   key_path(kp, sizeof kp, set->section, p->key),
				   p->def, msg);
			if (!first)
				first = rc;
		}
	}
	return first;
}

/* Number of characters (UTF-8 lead bytes) in s[0..nbytes). */
static int char_count(const char *s, int nbytes)
{
	int n = 0;
	for (int i = 0; i < nbytes && s[i]; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Read the value node VAL for parameter P; errors at VAL's position. */
static int read_one(const dc_param *p, const dc_node *val, const char *file,
		    const char *kp, void *cfg, dc_err *err)
{
	char msg[MSG_MAX];
	int ecol = 0, rc;
	if (p->type == DC_PT_SECTION)
		return dc_params_read(p->sub, val, file, kp, field(p, cfg),
				      sub_src(p, cfg), err);
	if (val->kind != DC_NODE_SCALAR)
		return dc_err_at(err, DC_EINVAL, file, val->line, val->col,
				 "%s: expected a scalar, got %s", kp,
				 dc_node_kind_name(val->kind));
	if (!val->quoted && !val->value[0])
		return dc_err_at(err, DC_EINVAL, file, val->line, val->col,
				 "%s: missing value", kp);
	rc = set_text(p, val->value, cfg, &ecol, msg, sizeof msg);
	if (!rc)
		return DC_OK;
	/* quoted: skip the opening quote (exact for one-line flow scalars) */
	int col = val->col + char_count(val->value, ecol) + (val->quoted ? 1 : 0);
	return dc_err_at(err, rc, file, val->line, col, "%s: %s", kp, msg);
}

static size_t lev(const char *a, const char *b);

static size_t lev_limit(const char *word)
{
	size_t wl = strlen(word);
	return wl / 3 > 2 ? wl / 3 : 2;
}

/* The parameter key of SET nearest to WORD (as dc_did_you_mean), or NULL. */
static const char *nearest_key(const dc_pset *set, const char *word)
{
	const char *best = NULL;
	size_t bd = (size_t)-1;
	if (strlen(word) > LEV_MAX)
		return NULL;
	for (size_t i = 0; i < set->n; i++) {
		const char *c = set->params[i].key;
		if (strlen(c) > LEV_MAX)
			continue;
		size_t d = lev(word, c);
		if (d <= lev_limit(word) && d < bd)
			best = c, bd = d;
	}
	return best;
}

static void unknown_key(const dc_pset *set, const dc_node *map, size_t k,
			const char *file, const char *path, dc_err *err)
{
	const char *near = nearest_key(set, map->keys[k]);
	char sugg[160] = "";
	if (near)
		snprintf(sugg, sizeof sugg, " (did you mean '%s'?)", near);
	dc_err_at(err, DC_EINVAL, file, map->key_line[k], map->key_col[k],
		  "%s%sunknown key '%.60s'%s", path && *path ? path : "",
		  path && *path ? ": " : "", map->keys[k], sugg);
}

/* Report the required parameters that MAP lacks. */
static void missing_required(const dc_pset *set, const dc_node *map,
			     const char *file, const char *path, dc_err *err)
{
	char kp[256];
	for (size_t i = 0; i < set->n; i++) {
		const dc_param *p = &set->params[i];
		if (!(p->flags & DC_PF_REQUIRED) || dc_node_find(map, p->key) >= 0)
			continue;
		key_path(kp, sizeof kp, path, p->key);
		if (map)
			dc_err_at(err, DC_EINVAL, file, map->line, map->col,
				  "%s: required key is missing", kp);
		else
			dc_err_key(err, DC_EINVAL, file, kp,
				   "required key is missing");
	}
}

int dc_params_read(const dc_pset *set, const dc_node *map, const char *file,
		   const char *path, void *cfg, dc_src *src, dc_err *err)
{
	char kp[256];
	int before = err->count, first = DC_OK;
	if (!file)
		file = "<scenario>";
	dc_params_defaults(set, cfg, src, err);
	if (map && map->kind != DC_NODE_MAP) {
		dc_err_at(err, DC_EINVAL, file, map->line, map->col,
			  "%s%sexpected a map, got %s", path ? path : "",
			  path && *path ? ": " : "", dc_node_kind_name(map->kind));
		goto out;
	}
	for (size_t k = 0; map && k < map->n; k++) {
		long i = find_param(set, map->keys[k]);
		if (i < 0) {
			unknown_key(set, map, k, file, path, err);
			continue;
		}
		key_path(kp, sizeof kp, path, map->keys[k]);
		if (!read_one(&set->params[i], map->items[k], file, kp, cfg,
			      err) && src)
			src[i] = DC_SRC_SCENARIO;
	}
	missing_required(set, map, file, path, err);
out:
	if (err->count > before)
		first = err->rc && before == 0 ? err->rc : DC_EINVAL;
	return first;
}

int dc_params_set(const dc_pset *set, const char *path, const char *key,
		  const char *text, void *cfg, dc_src *src, dc_err *err)
{
	char kp[256], msg[MSG_MAX];
	int ecol, rc;
	if (!path)
		path = set->section;
	long i = find_param(set, key);
	if (i < 0) {
		const char *near = nearest_key(set, key);
		if (near)
			return dc_err_msg(err, DC_EINVAL, "%s: unknown key '%s' "
					  "(did you mean '%s'?)", path, key, near);
		return dc_err_msg(err, DC_EINVAL, "%s: unknown key '%s'", path,
				  key);
	}
	key_path(kp, sizeof kp, path, key);
	rc = set_text(&set->params[i], text ? text : "", cfg, &ecol, msg,
		      sizeof msg);
	if (rc)
		return dc_err_msg(err, rc, "%s: %s", kp, msg);
	if (src)
		src[i] = DC_SRC_CLI;
	return DC_OK;
}

void dc_params_free(const dc_pset *set, void *cfg)
{
	for (size_t i = 0; i < set->n; i++) {
		const dc_param *p = &set->params[i];
		if (p->type == DC_PT_STR)
			clear(p, cfg);
		else if (p->type == DC_PT_SECTION)
			dc_params_free(p->sub, field(p, cfg));
	}
}

const char *dc_src_name(dc_src s)
{
	switch (s) {
	case DC_SRC_DEFAULT: return "default";
	case DC_SRC_SCENARIO: return "scenario";
	case DC_SRC_CATALOG: return "catalog";
	case DC_SRC_CLI: return "cli";
	case DC_SRC_CALIBRATION: return "calibration";
	}
	return "unknown";
}

/* Levenshtein distance of a and b (both at most LEV_MAX bytes). */
static size_t lev(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[LEV_MAX + 1];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *dc_did_you_mean(const char *word, const char *const *candidates,
			    size_t n)
{
	const char *best = NULL;
	size_t bd = (size_t)-1;
	if (!word || strlen(word) > LEV_MAX)
		return NULL;
	size_t limit = lev_limit(word);
	for (size_t i = 0; i < n; i++) {
		if (!candidates[i] || strlen(candidates[i]) > LEV_MAX)
			continue;
		size_t d = lev(word, candidates[i]);
		if (d <= limit && d < bd)
			best = candidates[i], bd = d;
	}
	return best;
}

/* Shortest "%.*g" (1..17 digits) of V that strtod reads back exactly. */
static int fmt_real(double v, char *buf, size_t n)
{
	char num[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(num, sizeof num, "%.*g", prec, v);
		if (strtod(num, NULL) == v)
			break;
	}
	int len = snprintf(buf, n, "%s", num);
	return len < 0 || (size_t)len >= n ? DC_ERANGE : len;
}

/* Whether TEXT reads back (through P's own reader) to exactly the value
 * stored in CFG. */
static int reads_back(const dc_param *p, const void *cfg, const char *text)
{
	char msg[8];
	int ecol;
	pval back;
	if (conv(p, text, &back, &ecol, msg, sizeof msg))
		return 0;
	if (p->type == DC_PT_TIME)
		return !memcmp(&back.t, field(p, (void *)cfg), sizeof back.t);
	return !memcmp(&back.d, field(p, (void *)cfg), sizeof back.d);
}

/* The SI unit of DIM, with scale exactly 1: a name for the common
 * dimensions, else the formula ("kg m^2 s^-3"). */
static const char *si_unit_of(dc_dim dim, char *buf, size_t n)
{
	static const struct { dc_dim dim; const char *u; } named[] = {
		{DC_DIM_NONE, ""}, {DC_DIM_POWER, "W"}, {DC_DIM_ENERGY, "J"},
		{DC_DIM_TIME, "s"}, {DC_DIM_RATE, "/s"},
		{DC_DIM_TEMPERATURE, "K"}, {DC_DIM_PRESSURE, "Pa"},
		{DC_DIM_VOLFLOW, "m3/s"}, {DC_DIM_DATA, "bit"},
		{DC_DIM_DATARATE, "bit/s"}, {DC_DIM_VOLTAGE, "V"},
		{DC_DIM_CURRENT, "A"}, {DC_DIM_MASS, "kg"},
		{DC_DIM_LENGTH, "m"}, {DC_DIM_MASSFLOW, "kg/s"},
	};
	static const char *const sym[DC_D_N] = {"m", "kg", "s", "A", "K",
						"mol", "bit"};
	size_t len = 0;
	for (size_t i = 0; i < DC_ARRAY_LEN(named); i++)
		if (named[i].dim == dim)
			return named[i].u;
	buf[0] = '\0';
	for (int d = 0; d < DC_D_N && len < n; d++) {
		int e = DC_DIM_EXP(dim, d);
		if (e)
			len += (size_t)snprintf(buf + len, n - len, "%s%s^%d",
						len ? " " : "", sym[d], e);
	}
	return buf;
}

/* The unit P's values are written in: its display unit or the SI one. */
static const char *unit_of(const dc_param *p, char *buf, size_t n)
{
	if (p->unit)
		return p->unit;
	return si_unit_of(p->type == DC_PT_TIME ? DC_DIM_TIME : p->dim, buf, n);
}

/* "<number> UNIT" for SI value SI (seconds for TIME) in the shortest form
 * that reads back exactly: dc_qty_format's, then 16-17 digits; failing
 * that (a scale such as kW cannot reach every double) whole nanoseconds
 * for TIME or 17 digits in the SI unit, whose scale is exactly 1. */
static int fmt_qty(const dc_param *p, const void *cfg, double si, char *buf,
		   size_t n)
{
	dc_dim dim = p->type == DC_PT_TIME ? DC_DIM_TIME : p->dim;
	char ubuf[96], sbuf[96];
	const char *unit = unit_of(p, ubuf, sizeof ubuf);
	double v;
	dc_time t;
	int len = dc_qty_format(si, dim, unit, buf, n);
	for (int prec = 16; len >= 0 && !reads_back(p, cfg, buf); prec++) {
		if (prec <= 17 && !dc_qty_to_unit(si, dim, unit, &v)) {
			len = snprintf(buf, n, "%.*g %s", prec, v, unit);
		} else if (p->type == DC_PT_TIME) {
			memcpy(&t, field(p, (void *)cfg), sizeof t);
			len = snprintf(buf, n, "%" PRId64 " ns", t);
			break;
		} else {
			len = snprintf(buf, n, "%.17g %s", si,
				       si_unit_of(dim, sbuf, sizeof sbuf));
			break;
		}
		if (len < 0 || (size_t)len >= n)
			return DC_ERANGE;
	}
	if (len >= 0 && (size_t)len >= n)
		return DC_ERANGE;
	return len;
}

/* S as a double-quoted YAML scalar. */
static int fmt_str(const char *s, char *buf, size_t n)
{
	size_t len = 0;
	if (n < 3)
		return DC_ERANGE;
	buf[len++] = '"';
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof esc, "\\%c", c);
		else if (c == '\n')
			snprintf(esc, sizeof esc, "\\n");
		else if (c == '\t')
			snprintf(esc, sizeof esc, "\\t");
		else if (c < 0x20 || c == 0x7f)
			snprintf(esc, sizeof esc, "\\x%02x", c);
		else
			esc[0] = (char)c, esc[1] = '\0';
		size_t el = strlen(esc);
		if (len + el + 2 > n)
			return DC_ERANGE;
		memcpy(buf + len, esc, el);
		len += el;
	}
	buf[len++] = '"';
	buf[len] = '\0';
	return (int)len;
}

static int fmt_enum(const dc_param *p, int idx, char *buf, size_t n)
{
	size_t nc = 0;
	while (p->choices && p->choices[nc])
		nc++;
	if (idx < 0 || (size_t)idx >= nc)
		return DC_EINVAL;
	const char *c = p->choices[idx];
	const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_-.";
	if (!c[0] || strspn(c, ok) != strlen(c) || c[0] == '-' || c[0] == '.')
		return fmt_str(c, buf, n);
	int len = snprintf(buf, n, "%s", c);
	return len < 0 || (size_t)len >= n ? DC_ERANGE : len;
}

int dc_param_format(const dc_param *p, const void *cfg, char *buf, size_t n)
{
	const void *f = (const char *)cfg + p->off;
	int64_t i;
	double d;
	dc_time t;
	int e;
	char *s;
	if (!buf || !n)
		return DC_ERANGE;
	switch (p->type) {
	case DC_PT_INT:
		memcpy(&i, f, sizeof i);
		e = snprintf(buf, n, "%" PRId64, i);
		return e < 0 || (size_t)e >= n ? DC_ERANGE : e;
	case DC_PT_REAL:
		memcpy(&d, f, sizeof d);
		return isfinite(d) ? fmt_real(d, buf, n) : DC_EINVAL;
	case DC_PT_QTY:
		memcpy(&d, f, sizeof d);
		return fmt_qty(p, cfg, d, buf, n);
	case DC_PT_TIME:
		memcpy(&t, f, sizeof t);
		return fmt_qty(p, cfg, dc_time_to_s(t), buf, n);
	case DC_PT_STR:
		memcpy(&s, f, sizeof s);
		return fmt_str(s, buf, n);
	case DC_PT_ENUM:
		memcpy(&e, f, sizeof e);
		return fmt_enum(p, e, buf, n);
	case DC_PT_BOOL:
		memcpy(&e, f, sizeof e);
		e = snprintf(buf, n, "%s", e ? "true" : "false");
		return (size_t)e >= n ? DC_ERANGE : e;
	case DC_PT_SECTION:
		return DC_EINVAL; /* not a scalar: the resolved writer nests it */
	}
	return DC_EINVAL;
}
