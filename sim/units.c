/* units.c - quantities with units: a table of unit symbols with SI scales,
 * a small parser for "<number> <unit-expression>", dimension names and
 * formatting.  Nothing here allocates. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dc.h"

enum { PFX_NONE, PFX_SI, PFX_BIN }; /* which prefixes a unit accepts */

typedef struct unit {
	const char *sym;
	double scale;   /* SI value of one unit */
	double offset;  /* affine offset (absolute temperatures) */
	dc_dim dim;
	int pfx;
} unit;

#define F_SCALE (5.0 / 9.0)
static const unit units[] = {
	{"m", 1, 0, DC_DIM_LENGTH, PFX_SI},
	{"g", 1e-3, 0, DC_DIM_MASS, PFX_SI},
	{"t", 1e3, 0, DC_DIM_MASS, PFX_SI},
	{"s", 1, 0, DC_DIM_TIME, PFX_SI},
	{"min", 60, 0, DC_DIM_TIME, PFX_NONE},
	{"h", 3600, 0, DC_DIM_TIME, PFX_NONE},
	{"d", 86400, 0, DC_DIM_TIME, PFX_NONE},
	{"wk", 604800, 0, DC_DIM_TIME, PFX_NONE},
	{"yr", 31536000, 0, DC_DIM_TIME, PFX_NONE},
	{"A", 1, 0, DC_DIM_CURRENT, PFX_SI},
	{"K", 1, 0, DC_DIM_TEMPERATURE, PFX_SI},
	{"C", 1, 273.15, DC_DIM_TEMPERATURE, PFX_NONE},
	{"degC", 1, 273.15, DC_DIM_TEMPERATURE, PFX_NONE},
	{"\xc2\xb0" "C", 1, 273.15, DC_DIM_TEMPERATURE, PFX_NONE},
	{"F", F_SCALE, 459.67 * F_SCALE, DC_DIM_TEMPERATURE, PFX_NONE},
	{"degF", F_SCALE, 459.67 * F_SCALE, DC_DIM_TEMPERATURE, PFX_NONE},
	{"\xc2\xb0" "F", F_SCALE, 459.67 * F_SCALE, DC_DIM_TEMPERATURE,
	 PFX_NONE},
	{"mol", 1, 0, DC_DIM(0, 0, 0, 0, 0, 1, 0), PFX_SI},
	{"bit", 1, 0, DC_DIM_DATA, PFX_BIN},
	{"b", 1, 0, DC_DIM_DATA, PFX_BIN},
	{"B", 8, 0, DC_DIM_DATA, PFX_BIN},
	{"W", 1, 0, DC_DIM_POWER, PFX_SI},
	{"J", 1, 0, DC_DIM_ENERGY, PFX_SI},
	{"Wh", 3600, 0, DC_DIM_ENERGY, PFX_SI},
	{"N", 1, 0, DC_DIM(1, 1, -2, 0, 0, 0, 0), PFX_SI},
	{"Pa", 1, 0, DC_DIM_PRESSURE, PFX_SI},
	{"bar", 1e5, 0, DC_DIM_PRESSURE, PFX_SI},
	{"psi", 6894.757293168361, 0, DC_DIM_PRESSURE, PFX_NONE},
	{"atm", 101325, 0, DC_DIM_PRESSURE, PFX_NONE},
	{"L", 1e-3, 0, DC_DIM_VOLUME, PFX_SI},
	{"l", 1e-3, 0, DC_DIM_VOLUME, PFX_SI},
	{"Hz", 1, 0, DC_DIM_RATE, PFX_SI},
	{"V", 1, 0, DC_DIM_VOLTAGE, PFX_SI},
	{"%", 0.01, 0, DC_DIM_NONE, PFX_NONE},
	{"ppm", 1e-6, 0, DC_DIM_NONE, PFX_NONE},
};

typedef struct prefix {
	const char *sym;
	double scale;
	int binary;
} prefix;

static const prefix prefixes[] = {
	{"Ki", 1024.0, 1},
	{"Mi", 1048576.0, 1},
	{"Gi", 1073741824.0, 1},
	{"Ti", 1099511627776.0, 1},
	{"Pi", 1125899906842624.0, 1},
	{"Ei", 1152921504606846976.0, 1},
	{"p", 1e-12, 0},
	{"n", 1e-9, 0},
	{"u", 1e-6, 0},
	{"\xc2\xb5", 1e-6, 0}, /* MICRO SIGN */
	{"\xce\xbc", 1e-6, 0}, /* GREEK SMALL LETTER MU */
	{"m", 1e-3, 0},
	{"c", 1e-2, 0},
	{"h", 1e2, 0},
	{"k", 1e3, 0},
	{"M", 1e6, 0},
	{"G", 1e9, 0},
	{"T", 1e12, 0},
	{"P", 1e15, 0},
	{"E", 1e18, 0},
};

typedef struct dim_info {
	dc_dim dim;
	const char *name;
	const char *example;
} dim_info;

static const dim_info dims[] = {
	{DC_DIM_NONE, "dimensionless", "0.5"},
	{DC_DIM_LENGTH, "length", "10 m"},
	{DC_DIM_AREA, "area", "2 m2"},
	{DC_DIM_VOLUME, "volume", "1 m3"},
	{DC_DIM_MASS, "mass", "8000 kg"},
	{DC_DIM_TIME, "time", "30 min"},
	{DC_DIM_RATE, "rate", "5 /s"},
	{DC_DIM_TEMPERATURE, "temperature", "30 C"},
	{DC_DIM_POWER, "power", "250 kW"},
	{DC_DIM_ENERGY, "energy", "5 kWh"},
	{DC_DIM_PRESSURE, "pressure", "2 bar"},
	{DC_DIM_VOLFLOW, "volume flow", "1.5 L/min"},
	{DC_DIM_MASSFLOW, "mass flow", "0.5 kg/s"},
	{DC_DIM_VOLTAGE, "voltage", "400 V"},
	{DC_DIM_CURRENT, "current", "16 A"},
	{DC_DIM_DATA, "data", "80 GB"},
	{DC_DIM_DATARATE, "data rate", "400 Gb/s"},
	{DC_DIM_THERMRES, "thermal resistance", "0.05 K/W"},
	{DC_DIM_HEATCAP, "heat capacity", "4.2 kJ/K"},
	{DC_DIM_MASS_PER_ENERGY, "mass per energy", "0.4 kg/MWh"},
	{DC_DIM(0, 0, 0, 0, 0, 1, 0), "amount of substance", "2 mol"},
	{DC_DIM(1, 1, -2, 0, 0, 0, 0), "force", "10 N"},
};

/* The result of parsing a unit expression: si = v * num / den + offset. */
typedef struct uexpr {
	double num, den, offset;
	int exp[DC_D_N];
	int nterms;
	int affine_at;   /* byte offset of an affine unit, or -1 */
	int bad_affine;  /* the affine unit was combined, raised or divided */
} uexpr;

/* Where a parse error goes. */
typedef struct perr {
	int *col;
	char *msg;
	size_t msgsz;
} perr;

__attribute__((format(printf, 3, 4)))
static int fail(const perr *pe, int col, const char *fmt, ...)
{
	if (pe->col)
		*pe->col = col;
	if (pe->msg && pe->msgsz) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(pe->msg, pe->msgsz, fmt, ap);
		va_end(ap);
	}
	return DC_EINVAL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_mid_dot(const char *s)
{
	return (unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xb7;
}

/* A unit symbol: letters, '%' and non-ASCII bytes (°, µ), except '·'. */
static int is_sym_char(const char *s)
{
	unsigned char c = (unsigned char)*s;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%')
		return 1;
	return c >= 0x80 && !is_mid_dot(s);
}

static const unit *find_exact(const char *s, size_t len)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(units); i++)
		if (strlen(units[i].sym) == len && !memcmp(units[i].sym, s, len))
			return &units[i];
	return NULL;
}

/* Look up symbol s[0..len): the whole symbol first, then prefix + unit. */
static const unit *find_unit(const char *s, size_t len, double *pscale,
			     int *prefixed)
{
	const unit *u = find_exact(s, len);
	*pscale = 1;
	*prefixed = 0;
	if (u)
		return u;
	for (size_t i = 0; i < DC_ARRAY_LEN(prefixes); i++) {
		size_t pl = strlen(prefixes[i].sym);
		if (pl >= len || memcmp(prefixes[i].sym, s, pl))
			continue;
		u = find_exact(s + pl, len - pl);
		if (!u || u->pfx == PFX_NONE ||
		    (prefixes[i].binary && u->pfx != PFX_BIN))
			continue;
		*pscale = prefixes[i].scale;
		*prefixed = 1;
		return u;
	}
	return NULL;
}

/* Parse an optional exponent at s[*pos]: "^-2", "^3" or "3". */
static int parse_exponent(const char *s, size_t *pos, size_t end, int *e,
			  const perr *pe)
{
	size_t p = *pos, start = p;
	int neg = 0, v = 0, nd = 0;
	*e = 1;
	if (p < end && s[p] == '^') {
		p++;
		if (p < end && (s[p] == '-' || s[p] == '+'))
			neg = s[p++] == '-';
	} else if (!(p < end && is_digit(s[p]))) {
		return DC_OK;
	}
	while (p < end && is_digit(s[p]) && nd < 3) {
		v = v * 10 + (s[p++] - '0');
		nd++;
	}
	if (nd == 0 || v == 0 || v > 7 || (p < end && is_digit(s[p])))
		return fail(pe, (int)start, "bad exponent in unit: expected "
			    "a nonzero integer from -7 to 7");
	*e = neg ? -v : v;
	*pos = p;
	return DC_OK;
}

/* Multiply the unit u (with prefix scale ps) raised to e into x. */
static int apply_unit(uexpr *x, const unit *u, double ps, int e, int col,
		      const perr *pe)
{
	for (int d = 0; d < DC_D_N; d++) {
		int v = x->exp[d] + e * DC_DIM_EXP(u->dim, d);
		if (v < -8 || v > 7)
			return fail(pe, col, "unit exponent out of range");
		x->exp[d] = v;
	}
	double f = 1;
	for (int i = 0; i < abs(e); i++)
		f *= ps * u->scale;
	if (e > 0)
		x->num *= f;
	else
		x->den *= f;
	return DC_OK;
}

/* One term at s[*pos]: symbol, optional exponent; SIGN is +1 or -1. */
static int parse_term(const char *s, size_t *pos, size_t end, int sign,
		      uexpr *x, const perr *pe)
{
	size_t p = *pos, start = p;
	while (p < end && is_sym_char(s + p))
		p++;
	if (p == start) {
		if (start >= end)
			return fail(pe, (int)start, "expected a unit after "
				    "'%c'", start ? s[start - 1] : ' ');
		return fail(pe, (int)start, "unexpected character '%c' in "
			    "unit", s[start]);
	}
	double ps;
	int prefixed, e, rc;
	const unit *u = find_unit(s + start, p - start, &ps, &prefixed);
	if (!u)
		return fail(pe, (int)start, "unknown unit '%.*s'",
			    (int)(p - start > 40 ? 40 : p - start), s + start);
	rc = parse_exponent(s, &p, end, &e, pe);
	if (rc)
		return rc;
	if (u->offset != 0) {
		x->affine_at = (int)start;
		x->offset = u->offset;
		x->bad_affine |= e != 1 || sign != 1 || x->nterms > 0;
	}
	rc = apply_unit(x, u, ps, sign * e, (int)start, pe);
	x->nterms++;
	*pos = p;
	return rc;
}

/* After a term: consume an operator.  Sets *sign for the next term; *more
 * is 0 at the end of the expression. */
static int parse_sep(const char *s, size_t *pos, size_t end, int *sign,
		     int *more)
{
	size_t p = *pos;
	int spaced = 0;
	while (p < end && is_space(s[p])) {
		p++;
		spaced = 1;
	}
	*more = p < end;
	*sign = 1;
	if (p >= end) {
		*pos = p;
		return DC_OK;
	}
	if (s[p] == '/' || s[p] == '*' || s[p] == '.' || is_mid_dot(s + p)) {
		*sign = s[p] == '/' ? -1 : 1;
		p += is_mid_dot(s + p) ? 2 : 1;
		while (p < end && is_space(s[p]))
			p++;
	} else if (!spaced) {
		*pos = p;
		return DC_EINVAL;
	}
	*pos = p;
	return DC_OK;
}

/* Parse the unit expression s[start..end) into x. */
static int parse_expr(const char *s, size_t start, size_t end, uexpr *x,
		      const perr *pe)
{
	memset(x, 0, sizeof *x);
	x->num = x->den = 1;
	x->affine_at = -1;
	size_t p = start;
	int sign = 1, more = p < end, rc;
	if (p < end && s[p] == '1') { /* "1/s" is "/s" */
		size_t q = p + 1;
		while (q < end && is_space(s[q]))
			q++;
		if (q < end && s[q] == '/')
			p = q;
	}
	if (p < end && s[p] == '/') {
		sign = -1;
		p++;
		while (p < end && is_space(s[p]))
			p++;
	}
	while (more) {
		rc = parse_term(s, &p, end, sign, x, pe);
		if (rc)
			return rc;
		if (parse_sep(s, &p, end, &sign, &more))
			return fail(pe, (int)p, "unexpected character '%c' "
				    "in unit", s[p]);
	}
	if (x->affine_at >= 0 && (x->bad_affine || x->nterms > 1))
		return fail(pe, x->affine_at, "an absolute temperature "
			    "('%.*s') must stand alone; use K in compound units",
			    (int)(end - start > 40 ? 40 : end - start),
			    s + start);
	return DC_OK;
}

static dc_dim pack_dim(const uexpr *x)
{
	return DC_DIM(x->exp[0], x->exp[1], x->exp[2], x->exp[3], x->exp[4],
		      x->exp[5], x->exp[6]);
}

static const dim_info *find_dim(dc_dim d)
{
	for (size_t i = 0; i < DC_ARRAY_LEN(dims); i++)
		if (dims[i].dim == d)
			return &dims[i];
	return NULL;
}

/* "a power", "an energy", "a dimensionless number", "a quantity in kg m^-3" */
static const char *describe(dc_dim d, char *buf, size_t n)
{
	char name[96];
	const dim_info *di = find_dim(d);
	dc_dim_name(d, name, sizeof name);
	if (d == DC_DIM_NONE)
		snprintf(buf, n, "a dimensionless number");
	else if (!di)
		snprintf(buf, n, "a quantity in %s", name);
	else
		snprintf(buf, n, "%s %s",
			 (name[0] && strchr("aeiou", name[0])) ? "an" : "a",
			 name);
	return buf;
}

static void describe_want(dc_dim d, char *buf, size_t n)
{
	char w[128];
	const char *ex = dc_dim_example(d);
	describe(d, w, sizeof w);
	if (ex)
		snprintf(buf, n, "%s (e.g. '%s')", w, ex);
	else
		snprintf(buf, n, "%s", w);
}

/* Scan "[+-]digits[.digits][e[+-]digits]" at s[*pos]; 0 if none. */
static int scan_number(const char *s, size_t *pos)
{
	size_t p = *pos;
	int nd = 0;
	if (s[p] == '+' || s[p] == '-')
		p++;
	for (; is_digit(s[p]); p++)
		nd++;
	if (s[p] == '.')
		for (p++; is_digit(s[p]); p++)
			nd++;
	if (!nd)
		return 0;
	if (s[p] == 'e' || s[p] == 'E') {
		size_t q = p + 1;
		if (s[q] == '+' || s[q] == '-')
			q++;
		if (is_digit(s[q])) {
			while (is_digit(s[q]))
				q++;
			p = q;
		}
	}
	*pos = p;
	return 1;
}

static int parse_number(const char *s, size_t *pos, double *v, const perr *pe)
{
	size_t start = *pos, p = start;
	char buf[128];
	if (!scan_number(s, &p)) {
		size_t l = strcspn(s + start, " \t");
		return fail(pe, (int)start, "expected a number, got '%.*s'",
			    (int)(l > 40 ? 40 : l), s + start);
	}
	if (p - start >= sizeof buf)
		return fail(pe, (int)start, "number too long");
	memcpy(buf, s + start, p - start);
	buf[p - start] = '\0';
	errno = 0;
	*v = strtod(buf, NULL);
	if (errno == ERANGE || !isfinite(*v))
		return fail(pe, (int)start, "number '%s' is out of range", buf);
	*pos = p;
	return DC_OK;
}

static int check_dim(const char *text, size_t us, size_t end, dc_dim got,
		     dc_dim want, const perr *pe)
{
	char w[160], g[128];
	if (got == want)
		return DC_OK;
	describe_want(want, w, sizeof w);
	describe(got, g, sizeof g);
	return fail(pe, (int)us, "expected %s, got %s ('%.*s')", w, g,
		    (int)(end - us > 40 ? 40 : end - us), text + us);
}

int dc_qty_parse(const char *text, dc_dim want, double *si, int *errcol,
		 char *msg, size_t msgsz)
{
	perr pe = {errcol, msg, msgsz};
	char w[160];
	size_t p = 0, end;
	double v = 0;
	uexpr x;
	int rc;
	if (!text)
		return fail(&pe, 0, "empty quantity");
	end = strlen(text);
	while (end > 0 && is_space(text[end - 1]))
		end--;
	while (p < end && is_space(text[p]))
		p++;
	if (p == end)
		return fail(&pe, (int)p, "empty quantity");
	rc = parse_number(text, &p, &v, &pe);
	if (rc)
		return rc;
	while (p < end && is_space(text[p]))
		p++;
	if (p == end && want != DC_DIM_NONE) {
		describe_want(want, w, sizeof w);
		return fail(&pe, (int)p, "missing unit: expected %s", w);
	}
	rc = parse_expr(text, p, end, &x, &pe);
	if (!rc)
		rc = check_dim(text, p, end, pack_dim(&x), want, &pe);
	if (rc)
		return rc;
	v = v * x.num / x.den + x.offset;
	if (!isfinite(v))
		return fail(&pe, 0, "value out of range");
	if (si)
		*si = v;
	return DC_OK;
}

/* Parse a whole unit string (spaces trimmed) into x. */
static int unit_expr(const char *u, uexpr *x)
{
	perr pe = {NULL, NULL, 0};
	size_t p = 0, end;
	if (!u)
		u = "";
	end = strlen(u);
	while (end > 0 && is_space(u[end - 1]))
		end--;
	while (p < end && is_space(u[p]))
		p++;
	return parse_expr(u, p, end, x, &pe);
}

int dc_unit_parse(const char *unit_text, double *scale, double *offset,
		  dc_dim *dim)
{
	uexpr x;
	int rc = unit_expr(unit_text, &x);
	if (rc)
		return rc;
	if (scale)
		*scale = x.num / x.den;
	if (offset)
		*offset = x.offset;
	if (dim)
		*dim = pack_dim(&x);
	return DC_OK;
}

int dc_qty_to_unit(double si, dc_dim dim, const char *unit_text, double *out)
{
	uexpr x;
	int rc = unit_expr(unit_text, &x);
	if (rc)
		return rc;
	if (pack_dim(&x) != dim)
		return DC_EINVAL;
	if (out)
		*out = (si - x.offset) / x.num * x.den;
	return DC_OK;
}

/* SI value of the number text NUM in unit x. */
static double reparse(const char *num, const uexpr *x)
{
	return strtod(num, NULL) * x->num / x->den + x->offset;
}

/* V (SI value SI in unit x) as the shortest "%g" text (up to 15 digits)
 * that reads back exactly, else 15 digits when those are within 1e-12
 * relative (trimming float noise such as 0.30000000000000004), else up to
 * 17.  Numbers below 1e15 are written without an exponent. */
static void fmt_number(double v, double si, const uexpr *x, char *num,
		       size_t n)
{
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(num, n, "%.*g", prec, v);
		double back = reparse(num, x);
		if (back == si || (prec == 15 && fabs(back - si) <=
				   1e-12 * fabs(si)))
			break;
	}
	if (prec > 17)
		prec = 17;
	double a = fabs(v);
	int digits = a >= 1 && a < 1e15 ? (int)floor(log10(a)) + 1 : 0;
	if (digits > prec)
		snprintf(num, n, "%.*g", digits, v);
}

int dc_qty_format(double si, dc_dim dim, const char *unit_text, char *buf,
		  size_t n)
{
	uexpr x;
	char num[64];
	int rc = unit_expr(unit_text, &x), len;
	if (rc)
		return rc;
	if (pack_dim(&x) != dim || !isfinite(si))
		return DC_EINVAL;
	double v = (si - x.offset) / x.num * x.den;
	fmt_number(v, si, &x, num, sizeof num);
	while (unit_text && is_space(*unit_text))
		unit_text++;
	if (unit_text && *unit_text)
		len = snprintf(buf, n, "%s %s", num, unit_text);
	else
		len = snprintf(buf, n, "%s", num);
	if (len < 0 || (size_t)len >= n)
		return DC_ERANGE;
	return len;
}

const char *dc_dim_name(dc_dim d, char *buf, size_t n)
{
	static const char *const sym[DC_D_N] = {"m", "kg", "s", "A", "K",
						"mol", "bit"};
	static const int order[DC_D_N] = {DC_D_MASS, DC_D_LENGTH, DC_D_TIME,
					  DC_D_CURRENT, DC_D_TEMP, DC_D_AMOUNT,
					  DC_D_INFO};
	const dim_info *di = find_dim(d);
	size_t len = 0;
	if (!buf || !n)
		return buf;
	buf[0] = '\0';
	if (di) {
		snprintf(buf, n, "%s", di->name);
		return buf;
	}
	for (int i = 0; i < DC_D_N && len < n; i++) {
		int e = DC_DIM_EXP(d, order[i]);
		if (!e)
			continue;
		int w = e == 1 ? snprintf(buf + len, n - len, "%s%s",
					  len ? " " : "", sym[order[i]])
			       : snprintf(buf + len, n - len, "%s%s^%d",
					  len ? " " : "", sym[order[i]], e);
		if (w < 0)
			break;
		len += (size_t)w;
	}
	return buf;
}

const char *dc_dim_example(dc_dim d)
{
	const dim_info *di = find_dim(d);
	return di ? di->example : NULL;
}
