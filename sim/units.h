/* units.h - physical quantities written as text with units ("9 MW",
 * "1.5 L/min", "30 C"), parsed to SI and checked for dimension.
 *
 * A dimension is a vector of small integer exponents over the base
 * dimensions below, packed into a dc_dim so that parameter tables can hold
 * it as a constant expression. */
#ifndef DC_UNITS_H
#define DC_UNITS_H

#include <stddef.h>
#include <stdint.h>

enum {
	DC_D_LENGTH, /* m   */
	DC_D_MASS,   /* kg  */
	DC_D_TIME,   /* s   */
	DC_D_CURRENT,/* A   */
	DC_D_TEMP,   /* K   */
	DC_D_AMOUNT, /* mol */
	DC_D_INFO,   /* bit */
	DC_D_N
};

typedef uint32_t dc_dim;

/* Pack exponents (each -8..7) into a dc_dim: 4 bits each, biased by 8. */
#define DC_DIM(L, M, T, I, K, N, B)                                        \
	((dc_dim)(((L) + 8) | ((M) + 8) << 4 | ((T) + 8) << 8 |            \
		  ((I) + 8) << 12 | ((K) + 8) << 16 | ((N) + 8) << 20 |      \
		  ((B) + 8) << 24))
/* Exponent of base dimension d in x. */
#define DC_DIM_EXP(x, d) ((int)(((x) >> (4 * (d))) & 15u) - 8)

#define DC_DIM_NONE        DC_DIM(0, 0, 0, 0, 0, 0, 0)  /* ratio, %, count */
#define DC_DIM_LENGTH      DC_DIM(1, 0, 0, 0, 0, 0, 0)
#define DC_DIM_AREA        DC_DIM(2, 0, 0, 0, 0, 0, 0)
#define DC_DIM_VOLUME      DC_DIM(3, 0, 0, 0, 0, 0, 0)
#define DC_DIM_MASS        DC_DIM(0, 1, 0, 0, 0, 0, 0)
#define DC_DIM_TIME        DC_DIM(0, 0, 1, 0, 0, 0, 0)
#define DC_DIM_RATE        DC_DIM(0, 0, -1, 0, 0, 0, 0) /* 1/s, Hz */
#define DC_DIM_TEMPERATURE DC_DIM(0, 0, 0, 0, 1, 0, 0)
#define DC_DIM_POWER       DC_DIM(2, 1, -3, 0, 0, 0, 0) /* W  */
#define DC_DIM_ENERGY      DC_DIM(2, 1, -2, 0, 0, 0, 0) /* J  */
#define DC_DIM_PRESSURE    DC_DIM(-1, 1, -2, 0, 0, 0, 0) /* Pa */
#define DC_DIM_VOLFLOW     DC_DIM(3, 0, -1, 0, 0, 0, 0) /* m^3/s */
#define DC_DIM_MASSFLOW    DC_DIM(0, 1, -1, 0, 0, 0, 0) /* kg/s */
#define DC_DIM_VOLTAGE     DC_DIM(2, 1, -3, -1, 0, 0, 0) /* V */
#define DC_DIM_CURRENT     DC_DIM(0, 0, 0, 1, 0, 0, 0)
#define DC_DIM_DATA        DC_DIM(0, 0, 0, 0, 0, 0, 1)  /* bit */
#define DC_DIM_DATARATE    DC_DIM(0, 0, -1, 0, 0, 0, 1) /* bit/s */
#define DC_DIM_THERMRES    DC_DIM(-2, -1, 3, 0, 1, 0, 0) /* K/W */
#define DC_DIM_HEATCAP     DC_DIM(2, 1, -2, 0, -1, 0, 0) /* J/K */
#define DC_DIM_MASS_PER_ENERGY DC_DIM(-2, 0, 2, 0, 0, 0, 0) /* kg/J */

/* Parse TEXT ("<number> [unit-expression]") into its SI value (*si) and
 * check that its dimension equals WANT.
 *
 * Numbers are decimal or exponent form ("1e6", "2.5", "-3").  A unit
 * expression is units joined by '/', '*', '.', or a space, each with an
 * optional SI or binary prefix and an optional integer exponent ('^2' or a
 * trailing digit, e.g. "m3", "m^3"), e.g. "kW", "L/min", "Gb/s", "kg/MWh",
 * "/s" (same as "1/s").  Temperatures "C" and "F" are absolute (affine) and
 * may only stand alone: "30 C" parses to 303.15 K; "K" serves for both
 * absolute temperatures and differences.  "%" is 0.01, dimensionless.  A bare
 * number is accepted only when WANT is DC_DIM_NONE.
 *
 * On error returns DC_EINVAL, sets *errcol to the 0-based byte offset in
 * TEXT where the problem starts, and writes a one-line message (no
 * "error:" prefix, no newline) into msg[0..msgsz-1], e.g.
 * "expected a power (e.g. '250 kW'), got a time ('h')" or
 * "unknown unit 'kWhh'" or "missing unit: expected a power (e.g. '250 kW')".
 * errcol and msg may be NULL.  Does not allocate. */
int dc_qty_parse(const char *text, dc_dim want, double *si, int *errcol,
		 char *msg, size_t msgsz);

/* Parse a unit expression alone ("kW", "L/min", "C") into its scale, affine
 * offset and dimension: si = value * scale + offset.  Returns DC_OK or
 * DC_EINVAL for an unknown or malformed unit. */
int dc_unit_parse(const char *unit, double *scale, double *offset, dc_dim *dim);

/* Convert an SI value to UNIT (must have matching dimension): writes the
 * converted number.  Returns DC_EINVAL if the unit is unknown or of another
 * dimension. */
int dc_qty_to_unit(double si, dc_dim dim, const char *unit, double *out);

/* Format SI value in UNIT as "<%.*g> <unit>" into buf (e.g. "250 kW",
 * "30 C"), using up to 15 significant digits trimmed of noise, so that the
 * text parses back to the same value within 1e-12 relative.  Returns the
 * length written, or a negative DC_E* code. */
int dc_qty_format(double si, dc_dim dim, const char *unit, char *buf, size_t n);

/* A human name for a dimension ("power", "time", "temperature",
 * "volume flow", ...) or, for dimensions without a name, the SI formula
 * ("kg m^2 s^-3").  Writes into buf and returns buf. */
const char *dc_dim_name(dc_dim d, char *buf, size_t n);

/* An example quantity for a dimension ("250 kW", "30 min"), or NULL. */
const char *dc_dim_example(dc_dim d);

#endif
