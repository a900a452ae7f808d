/* check_units.c - quantities with units: every unit family against
 * conversions worked out from the unit definitions (not from the code),
 * dimension checks, malformed input and format round trips. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/dc.h"
#include "../sim/units.h"
#include "util/run.h"

#define DIM_ACCEL DC_DIM(1, 0, -2, 0, 0, 0, 0)
#define DIM_AMOUNT DC_DIM(0, 0, 0, 0, 0, 1, 0)

/* Parse TEXT wanting WANT and check the SI value within 1e-12 relative. */
static void ck_qty_at(const char *text, dc_dim want, double expect,
		      const char *file, int line)
{
	double si = NAN;
	int col = -7;
	char msg[256] = "";
	int rc = dc_qty_parse(text, want, &si, &col, msg, sizeof msg);
	ck_assert_msg(rc == DC_OK, "%s:%d: '%s': rc %d, col %d, msg '%s'",
		      file, line, text, rc, col, msg);
	double tol = 1e-12 * fabs(expect);
	ck_assert_msg(fabs(si - expect) <= tol, "%s:%d: '%s' -> %.17g, want %.17g",
		      file, line, text, si, expect);
}
#define ck_qty(t, w, e) ck_qty_at(t, w, e, __FILE__, __LINE__)

/* Parse TEXT, expect DC_EINVAL at COL with SUB in the message. */
static void ck_bad_at(const char *text, dc_dim want, int col, const char *sub,
		      const char *file, int line)
{
	double si = 12345;
	int got = -7;
	char msg[256] = "";
	int rc = dc_qty_parse(text, want, &si, &got, msg, sizeof msg);
	ck_assert_msg(rc == DC_EINVAL, "%s:%d: '%s': rc %d (si %g), want EINVAL",
		      file, line, text, rc, si);
	ck_assert_msg(got == col, "%s:%d: '%s': errcol %d, want %d (msg '%s')",
		      file, line, text, got, col, msg);
	ck_assert_msg(strstr(msg, sub), "%s:%d: '%s': msg '%s' lacks '%s'",
		      file, line, text, msg, sub);
	ck_assert_msg(si == 12345, "%s:%d: '%s': *si changed on error", file,
		      line, text);
}
#define ck_bad(t, w, c, s) ck_bad_at(t, w, c, s, __FILE__, __LINE__)

START_TEST(length)
{
	ck_qty("3 km", DC_DIM_LENGTH, 3000);
	ck_qty("5 mm", DC_DIM_LENGTH, 0.005);
	ck_qty("12 cm", DC_DIM_LENGTH, 0.12);
	ck_qty("250 um", DC_DIM_LENGTH, 250e-6);
	ck_qty("250 \xc2\xb5m", DC_DIM_LENGTH, 250e-6);
	ck_qty("250 \xce\xbcm", DC_DIM_LENGTH, 250e-6);
	ck_qty("7 nm", DC_DIM_LENGTH, 7e-9);
	ck_qty("1 m", DC_DIM_LENGTH, 1);
	ck_qty("2 Mm", DC_DIM_LENGTH, 2e6);
	ck_qty("2 m2", DC_DIM_AREA, 2);
	ck_qty("2 km^2", DC_DIM_AREA, 2e6);
	ck_qty("3 cm3", DC_DIM_VOLUME, 3e-6);
}
END_TEST

START_TEST(mass)
{
	ck_qty("8000 kg", DC_DIM_MASS, 8000);
	ck_qty("500 g", DC_DIM_MASS, 0.5);
	ck_qty("3 mg", DC_DIM_MASS, 3e-6);
	ck_qty("2 t", DC_DIM_MASS, 2000);
	ck_qty("1.5 kt", DC_DIM_MASS, 1.5e6);
	ck_qty("0.5 kg/s", DC_DIM_MASSFLOW, 0.5);
	ck_qty("36 kg/h", DC_DIM_MASSFLOW, 0.01);
}
END_TEST

START_TEST(time_units)
{
	ck_qty("48 h", DC_DIM_TIME, 48 * 3600.0);
	ck_qty("30 min", DC_DIM_TIME, 1800);
	ck_qty("2 d", DC_DIM_TIME, 2 * 86400.0);
	ck_qty("1 wk", DC_DIM_TIME, 7 * 86400.0);
	ck_qty("1 yr", DC_DIM_TIME, 365 * 86400.0);
	ck_qty("250 ms", DC_DIM_TIME, 0.25);
	ck_qty("3 us", DC_DIM_TIME, 3e-6);
	ck_qty("3 \xc2\xb5s", DC_DIM_TIME, 3e-6);
	ck_qty("1 ns", DC_DIM_TIME, 1e-9);
	ck_qty("5 ps", DC_DIM_TIME, 5e-12);
	ck_qty("2 ks", DC_DIM_TIME, 2000);
	ck_qty("90 s", DC_DIM_TIME, 90);
}
END_TEST

START_TEST(temperature)
{
	ck_qty("30 C", DC_DIM_TEMPERATURE, 303.15);
	ck_qty("30 \xc2\xb0" "C", DC_DIM_TEMPERATURE, 303.15);
	ck_qty("30 degC", DC_DIM_TEMPERATURE, 303.15);
	ck_qty("0 C", DC_DIM_TEMPERATURE, 273.15);
	ck_qty("-40 C", DC_DIM_TEMPERATURE, 233.15);
	/* Fahrenheit: K = (F - 32) * 5/9 + 273.15 */
	ck_qty("86 F", DC_DIM_TEMPERATURE, 303.15);
	ck_qty("-40 F", DC_DIM_TEMPERATURE, 233.15);
	ck_qty("212 degF", DC_DIM_TEMPERATURE, 373.15);
	ck_qty("32 \xc2\xb0" "F", DC_DIM_TEMPERATURE, 273.15);
	ck_qty("3 K", DC_DIM_TEMPERATURE, 3);
	ck_qty("300 mK", DC_DIM_TEMPERATURE, 0.3);
	ck_qty("0.05 K/W", DC_DIM_THERMRES, 0.05);
	ck_qty("4.2 kJ/K", DC_DIM_HEATCAP, 4200);
}
END_TEST

START_TEST(electrical_and_amount)
{
	ck_qty("16 A", DC_DIM_CURRENT, 16);
	ck_qty("500 mA", DC_DIM_CURRENT, 0.5);
	ck_qty("400 V", DC_DIM_VOLTAGE, 400);
	ck_qty("11 kV", DC_DIM_VOLTAGE, 11000);
	ck_qty("2 mol", DIM_AMOUNT, 2);
	ck_qty("3 mmol", DIM_AMOUNT, 0.003);
}
END_TEST

START_TEST(data)
{
	ck_qty("80 GB", DC_DIM_DATA, 80 * 8e9);
	ck_qty("400 Gb", DC_DIM_DATA, 4e11);
	ck_qty("3 kbit", DC_DIM_DATA, 3000);
	ck_qty("1 KiB", DC_DIM_DATA, 8 * 1024.0);
	ck_qty("1 Mib", DC_DIM_DATA, 1024.0 * 1024.0);
	ck_qty("192 GiB", DC_DIM_DATA, 192 * 8 * 1024.0 * 1024.0 * 1024.0);
	ck_qty("2 TiB", DC_DIM_DATA, 2 * 8 * 1099511627776.0);
	ck_qty("1 PB", DC_DIM_DATA, 8e15);
	ck_qty("400 Gb/s", DC_DIM_DATARATE, 4e11);
	ck_qty("3.35 TB/s", DC_DIM_DATARATE, 3.35e12 * 8);
	ck_qty("100 Mbit/s", DC_DIM_DATARATE, 1e8);
}
END_TEST

START_TEST(power_energy)
{
	ck_qty("9 MW", DC_DIM_POWER, 9e6);
	ck_qty("250 kW", DC_DIM_POWER, 2.5e5);
	ck_qty("700 W", DC_DIM_POWER, 700);
	ck_qty("1.2 GW", DC_DIM_POWER, 1.2e9);
	ck_qty("1 kWh", DC_DIM_ENERGY, 3.6e6);
	ck_qty("5 kWh", DC_DIM_ENERGY, 1.8e7);
	ck_qty("1 Wh", DC_DIM_ENERGY, 3600);
	ck_qty("2 MJ", DC_DIM_ENERGY, 2e6);
	ck_qty("2 W h", DC_DIM_ENERGY, 7200);
	ck_qty("2 W*h", DC_DIM_ENERGY, 7200);
	ck_qty("2 W\xc2\xb7h", DC_DIM_ENERGY, 7200);
	ck_qty("3 N.m", DC_DIM_ENERGY, 3);
	/* 0.4 kg per MWh = 0.4 kg / 3.6e9 J */
	ck_qty("0.4 kg/MWh", DC_DIM_MASS_PER_ENERGY, 0.4 / 3.6e9);
	ck_qty("3 kg m^2 s^-3", DC_DIM_POWER, 3);
	ck_qty("3 kg*m^2/s^3", DC_DIM_POWER, 3);
	ck_qty("3 kg.m2/s3", DC_DIM_POWER, 3);
}
END_TEST

START_TEST(pressure)
{
	/* psi = lbf/in^2 = 0.45359237 kg * 9.80665 m/s^2 / (0.0254 m)^2 */
	double psi = 0.45359237 * 9.80665 / (0.0254 * 0.0254);
	ck_qty("2 bar", DC_DIM_PRESSURE, 2e5);
	ck_qty("150 mbar", DC_DIM_PRESSURE, 15000);
	ck_qty("101.325 kPa", DC_DIM_PRESSURE, 101325);
	ck_qty("1013.25 hPa", DC_DIM_PRESSURE, 101325);
	ck_qty("1 atm", DC_DIM_PRESSURE, 101325);
	ck_qty("1 psi", DC_DIM_PRESSURE, psi);
	ck_qty("30 psi", DC_DIM_PRESSURE, 30 * psi);
	ck_qty("5 Pa", DC_DIM_PRESSURE, 5);
}
END_TEST

START_TEST(volume_flow)
{
	ck_qty("2 L", DC_DIM_VOLUME, 0.002);
	ck_qty("2 l", DC_DIM_VOLUME, 0.002);
	ck_qty("500 mL", DC_DIM_VOLUME, 5e-4);
	ck_qty("1 m3", DC_DIM_VOLUME, 1);
	ck_qty("1 m^3", DC_DIM_VOLUME, 1);
	/* 1.5 L/min = 1.5e-3 m^3 / 60 s = 2.5e-5 m^3/s */
	ck_qty("1.5 L/min", DC_DIM_VOLFLOW, 2.5e-5);
	ck_qty("1.2 m3/h", DC_DIM_VOLFLOW, 1.2 / 3600);
	ck_qty("3 m^3/s", DC_DIM_VOLFLOW, 3);
	ck_qty("3 m^3 s^-1", DC_DIM_VOLFLOW, 3);
}
END_TEST

START_TEST(rates)
{
	ck_qty("7.2 /s", DC_DIM_RATE, 7.2);
	ck_qty("7.2 1/s", DC_DIM_RATE, 7.2);
	ck_qty("7.2/s", DC_DIM_RATE, 7.2);
	ck_qty("60 /min", DC_DIM_RATE, 1);
	ck_qty("60 min^-1", DC_DIM_RATE, 1);
	ck_qty("3 s^-1", DC_DIM_RATE, 3);
	ck_qty("2.5 GHz", DC_DIM_RATE, 2.5e9);
	ck_qty("50 Hz", DC_DIM_RATE, 50);
	ck_qty("36 /h", DC_DIM_RATE, 0.01);
}
END_TEST

START_TEST(dimensionless)
{
	ck_qty("5 %", DC_DIM_NONE, 0.05);
	ck_qty("5%", DC_DIM_NONE, 0.05);
	ck_qty("250 ppm", DC_DIM_NONE, 2.5e-4);
	ck_qty("1e6", DC_DIM_NONE, 1e6);
	ck_qty("-3", DC_DIM_NONE, -3);
	ck_qty("+2.5E-3", DC_DIM_NONE, 0.0025);
	ck_qty(".5", DC_DIM_NONE, 0.5);
	ck_qty("5.", DC_DIM_NONE, 5);
	ck_qty("  9 MW  ", DC_DIM_POWER, 9e6);
	ck_qty("9MW", DC_DIM_POWER, 9e6);
	ck_qty("1e3 W", DC_DIM_POWER, 1000);
}
END_TEST

START_TEST(ambiguous_symbols)
{
	ck_qty("1 min", DC_DIM_TIME, 60);   /* minute, not milli-inch */
	ck_qty("1 m", DC_DIM_LENGTH, 1);    /* metre */
	ck_qty("1 mm", DC_DIM_LENGTH, 1e-3);
	ck_qty("1 ms", DC_DIM_TIME, 1e-3);
	ck_qty("1 Pa", DC_DIM_PRESSURE, 1); /* pascal, not peta-annum */
	ck_qty("1 h", DC_DIM_TIME, 3600);   /* hour */
	ck_qty("1 hPa", DC_DIM_PRESSURE, 100);
	ck_qty("1 t", DC_DIM_MASS, 1000);   /* tonne */
	ck_qty("1 d", DC_DIM_TIME, 86400);  /* day */
	ck_qty("1 Gb", DC_DIM_DATA, 1e9);
	ck_qty("1 GB", DC_DIM_DATA, 8e9);
	ck_bad("1 mh", DC_DIM_TIME, 2, "unknown unit 'mh'");
	ck_bad("1 kmin", DC_DIM_TIME, 2, "unknown unit 'kmin'");
	ck_bad("1 mw", DC_DIM_POWER, 2, "unknown unit 'mw'");
	ck_bad("1 KiW", DC_DIM_POWER, 2, "unknown unit 'KiW'");
}
END_TEST

START_TEST(dimension_mismatch)
{
	ck_bad("48 h", DC_DIM_POWER, 3,
	       "expected a power (e.g. '250 kW'), got a time ('h')");
	ck_bad("9 MW", DC_DIM_NONE, 2,
	       "expected a dimensionless number (e.g. '0.5'), got a power ('MW')");
	ck_bad("5 kWh", DC_DIM_POWER, 2, "got an energy ('kWh')");
	ck_bad("2 L/min", DC_DIM_VOLUME, 2, "got a volume flow ('L/min')");
	ck_bad("400 GB/s", DC_DIM_DATA, 4, "expected a data (e.g. '80 GB'), "
	       "got a data rate ('GB/s')");
	ck_bad("5 %", DC_DIM_POWER, 2, "got a dimensionless number ('%')");
	ck_bad("30 C", DC_DIM_TIME, 3, "got a temperature ('C')");
	ck_bad("9.81 m/s", DIM_ACCEL, 5,
	       "expected a quantity in m s^-2, got a quantity in m s^-1 ('m/s')");
	ck_bad("3 kW/K", DC_DIM_POWER, 2,
	       "got a quantity in kg m^2 s^-3 K^-1 ('kW/K')");
	ck_qty("9.81 m/s^2", DIM_ACCEL, 9.81);
}
END_TEST

START_TEST(missing_parts)
{
	ck_bad("", DC_DIM_POWER, 0, "empty");
	ck_bad("   ", DC_DIM_POWER, 0, "empty");
	ck_bad("5", DC_DIM_POWER, 1,
	       "missing unit: expected a power (e.g. '250 kW')");
	ck_bad("5  ", DC_DIM_TIME, 1, "missing unit: expected a time");
	ck_bad("MW", DC_DIM_POWER, 0, "expected a number, got 'MW'");
	ck_bad("kW 5", DC_DIM_POWER, 0, "expected a number");
	ck_bad("- 5 W", DC_DIM_POWER, 0, "expected a number");
	ck_bad(". W", DC_DIM_POWER, 0, "expected a number");
	ck_bad("9 kW/", DC_DIM_POWER, 5, "expected a unit after '/'");
	ck_bad("9 kW / ", DC_DIM_POWER, 6, "expected a unit after '/'");
	ck_bad("9 /", DC_DIM_RATE, 3, "expected a unit after '/'");
	ck_bad("9 kW*", DC_DIM_POWER, 5, "expected a unit after '*'");
}
END_TEST

START_TEST(not_a_number)
{
	ck_bad("nan", DC_DIM_NONE, 0, "expected a number");
	ck_bad("NaN W", DC_DIM_POWER, 0, "expected a number");
	ck_bad("inf", DC_DIM_NONE, 0, "expected a number");
	ck_bad("-inf kW", DC_DIM_POWER, 0, "expected a number");
	ck_bad("infinity", DC_DIM_NONE, 0, "expected a number");
	ck_bad("1e999", DC_DIM_NONE, 0, "out of range");
	ck_bad("-1e400 W", DC_DIM_POWER, 0, "out of range");
	ck_bad("1e308 GW", DC_DIM_POWER, 0, "out of range");
	ck_bad("0x10", DC_DIM_NONE, 1, "unknown unit 'x'");
}
END_TEST

START_TEST(unknown_and_garbage)
{
	ck_bad("5 kWhh", DC_DIM_ENERGY, 2, "unknown unit 'kWhh'");
	ck_bad("9 MWx", DC_DIM_POWER, 2, "unknown unit 'MWx'");
	ck_bad("9 MW x", DC_DIM_POWER, 5, "unknown unit 'x'");
	ck_bad("9 MW )", DC_DIM_POWER, 5, "unexpected character ')'");
	ck_bad("9 MW)", DC_DIM_POWER, 4, "unexpected character ')'");
	ck_bad("9 MW 5", DC_DIM_POWER, 5, "unexpected character '5'");
	ck_bad("9 5", DC_DIM_NONE, 2, "unexpected character '5'");
	ck_bad("1.5 L/mn", DC_DIM_VOLFLOW, 6, "unknown unit 'mn'");
	ck_bad("3 T", DC_DIM_DATA, 2, "unknown unit 'T'");
	ck_bad("1 dB", DC_DIM_NONE, 2, "unknown unit 'dB'");
	ck_bad("2 m3x", DC_DIM_VOLUME, 4, "unexpected character 'x'");
}
END_TEST

START_TEST(bad_exponent)
{
	ck_bad("9 m^", DC_DIM_AREA, 3, "bad exponent");
	ck_bad("9 m^x", DC_DIM_AREA, 3, "bad exponent");
	ck_bad("9 m^0", DC_DIM_NONE, 3, "bad exponent");
	ck_bad("9 m^99", DC_DIM_AREA, 3, "bad exponent");
	ck_bad("9 m^-", DC_DIM_AREA, 3, "bad exponent");
	ck_bad("9 m0", DC_DIM_NONE, 3, "bad exponent");
	ck_bad("9 m^1234567", DC_DIM_AREA, 3, "bad exponent");
	ck_bad("1 m^7 m^7", DC_DIM_NONE, 6, "exponent out of range");
}
END_TEST

START_TEST(affine_alone)
{
	ck_bad("30 C/s", DC_DIM_NONE, 3, "must stand alone");
	ck_bad("30 W/C", DC_DIM_NONE, 5, "must stand alone");
	ck_bad("30 C^2", DC_DIM_NONE, 3, "must stand alone");
	ck_bad("30 /C", DC_DIM_NONE, 4, "must stand alone");
	ck_bad("30 F m", DC_DIM_NONE, 3, "must stand alone");
	ck_bad("30 kC", DC_DIM_TEMPERATURE, 3, "unknown unit 'kC'");
}
END_TEST

START_TEST(null_outputs)
{
	ck_assert_int_eq(dc_qty_parse("3 kW", DC_DIM_POWER, NULL, NULL, NULL, 0),
			 DC_OK);
	ck_assert_int_eq(dc_qty_parse("3 h", DC_DIM_POWER, NULL, NULL, NULL, 0),
			 DC_EINVAL);
	char tiny[8];
	int col = -1;
	ck_assert_int_eq(dc_qty_parse("3 h", DC_DIM_POWER, NULL, &col, tiny,
				      sizeof tiny), DC_EINVAL);
	ck_assert_msg(strlen(tiny) == sizeof tiny - 1 && col == 2,
		      "truncated msg '%s' col %d", tiny, col);
	ck_assert_int_eq(dc_qty_parse(NULL, DC_DIM_NONE, NULL, NULL, NULL, 0),
			 DC_EINVAL);
}
END_TEST

START_TEST(unit_parse)
{
	double scale = 0, off = -1;
	dc_dim dim = 0;
	ck_assert_int_eq(dc_unit_parse("kW", &scale, &off, &dim), DC_OK);
	ck_assert_msg(scale == 1000 && off == 0 && dim == DC_DIM_POWER,
		      "kW: scale %g off %g dim %x", scale, off, (unsigned)dim);
	ck_assert_int_eq(dc_unit_parse("C", &scale, &off, &dim), DC_OK);
	ck_assert_msg(scale == 1 && fabs(off - 273.15) < 1e-12 &&
		      dim == DC_DIM_TEMPERATURE, "C: scale %g off %g", scale, off);
	ck_assert_int_eq(dc_unit_parse("L/min", &scale, &off, &dim), DC_OK);
	ck_assert_msg(fabs(scale - 1e-3 / 60) < 1e-20 && dim == DC_DIM_VOLFLOW,
		      "L/min: scale %.17g", scale);
	ck_assert_int_eq(dc_unit_parse("1/s", &scale, &off, &dim), DC_OK);
	ck_assert_msg(scale == 1 && dim == DC_DIM_RATE, "1/s: %g", scale);
	ck_assert_int_eq(dc_unit_parse("", &scale, &off, &dim), DC_OK);
	ck_assert_msg(scale == 1 && dim == DC_DIM_NONE, "'': %g", scale);
	ck_assert_int_eq(dc_unit_parse("bogus", &scale, &off, &dim), DC_EINVAL);
	ck_assert_int_eq(dc_unit_parse("kW/", &scale, &off, &dim), DC_EINVAL);
	ck_assert_int_eq(dc_unit_parse("m^", NULL, NULL, NULL), DC_EINVAL);
}
END_TEST

START_TEST(to_unit)
{
	double v = 0;
	ck_assert_int_eq(dc_qty_to_unit(2.5e5, DC_DIM_POWER, "kW", &v), DC_OK);
	ck_assert_double_eq_tol(v, 250, 1e-12);
	ck_assert_int_eq(dc_qty_to_unit(303.15, DC_DIM_TEMPERATURE, "C", &v),
			 DC_OK);
	ck_assert_double_eq_tol(v, 30, 1e-12);
	ck_assert_int_eq(dc_qty_to_unit(303.15, DC_DIM_TEMPERATURE, "F", &v),
			 DC_OK);
	ck_assert_double_eq_tol(v, 86, 1e-12);
	ck_assert_int_eq(dc_qty_to_unit(172800, DC_DIM_TIME, "h", &v), DC_OK);
	ck_assert_double_eq_tol(v, 48, 1e-12);
	ck_assert_int_eq(dc_qty_to_unit(1, DC_DIM_POWER, "h", &v), DC_EINVAL);
	ck_assert_int_eq(dc_qty_to_unit(1, DC_DIM_POWER, "zz", &v), DC_EINVAL);
}
END_TEST

static void ck_fmt(double si, dc_dim dim, const char *unit, const char *want)
{
	char buf[64];
	int n = dc_qty_format(si, dim, unit, buf, sizeof buf);
	ck_assert_msg(n == (int)strlen(want) && !strcmp(buf, want),
		      "format %.17g in '%s': '%s' (%d), want '%s'", si, unit, buf,
		      n, want);
}

START_TEST(format_text)
{
	ck_fmt(2.5e5, DC_DIM_POWER, "kW", "250 kW");
	ck_fmt(303.15, DC_DIM_TEMPERATURE, "C", "30 C");
	ck_fmt(0.05, DC_DIM_NONE, "%", "5 %");
	ck_fmt(0.1 + 0.2, DC_DIM_NONE, "", "0.3");
	ck_fmt(0.1 + 0.2, DC_DIM_NONE, NULL, "0.3");
	ck_fmt(172800, DC_DIM_TIME, "h", "48 h");
	ck_fmt(2.5e-5, DC_DIM_VOLFLOW, "L/min", "1.5 L/min");
	ck_fmt(6.4e11, DC_DIM_DATA, "GB", "80 GB");
	ck_fmt(-3, DC_DIM_POWER, "W", "-3 W");
	char buf[6];
	ck_assert_int_eq(dc_qty_format(2.5e5, DC_DIM_POWER, "kW", buf, sizeof buf),
			 DC_ERANGE);
	ck_assert_int_eq(dc_qty_format(1, DC_DIM_POWER, "h", buf, sizeof buf),
			 DC_EINVAL);
	ck_assert_int_eq(dc_qty_format(NAN, DC_DIM_NONE, "", buf, sizeof buf),
			 DC_EINVAL);
	ck_assert_int_eq(dc_qty_format(INFINITY, DC_DIM_NONE, "", buf, sizeof buf),
			 DC_EINVAL);
}
END_TEST

START_TEST(format_round_trip)
{
	static const struct { dc_dim dim; const char *unit; } u[] = {
		{DC_DIM_POWER, "kW"}, {DC_DIM_TEMPERATURE, "C"},
		{DC_DIM_TEMPERATURE, "F"}, {DC_DIM_VOLFLOW, "L/min"},
		{DC_DIM_DATARATE, "Gb/s"}, {DC_DIM_DATA, "GiB"},
		{DC_DIM_TIME, "h"}, {DC_DIM_NONE, "%"},
		{DC_DIM_MASS_PER_ENERGY, "kg/MWh"}, {DC_DIM_PRESSURE, "psi"},
		{DC_DIM_ENERGY, "kWh"}, {DC_DIM_NONE, ""},
	};
	unsigned long long x = 88172645463325252ull;
	for (int i = 0; i < 3000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		double mant = (double)(x >> 11) / 9007199254740992.0;
		double si = (mant - 0.3) * pow(10, (int)(x % 25) - 12);
		int k = (int)((x >> 5) % DC_ARRAY_LEN(u));
		char buf[64], msg[128];
		double back = NAN;
		int n = dc_qty_format(si, u[k].dim, u[k].unit, buf, sizeof buf);
		ck_assert_msg(n > 0, "format %.17g %s: %d", si, u[k].unit, n);
		int rc = dc_qty_parse(buf, u[k].dim, &back, NULL, msg, sizeof msg);
		ck_assert_msg(rc == DC_OK, "'%s': %s", buf, msg);
		/* affine units lose digits to the offset near absolute zero:
		 * there the bound is relative to the offset (~460) instead */
		double scale = u[k].dim == DC_DIM_TEMPERATURE ? 500 : 0;
		double tol = 1e-12 * fmax(fabs(si), scale);
		ck_assert_msg(fabs(back - si) <= tol,
			      "%.17g -> '%s' -> %.17g", si, buf, back);
	}
}
END_TEST

START_TEST(dim_names)
{
	char buf[64];
	ck_assert_str_eq(dc_dim_name(DC_DIM_POWER, buf, sizeof buf), "power");
	ck_assert_str_eq(dc_dim_name(DC_DIM_ENERGY, buf, sizeof buf), "energy");
	ck_assert_str_eq(dc_dim_name(DC_DIM_TIME, buf, sizeof buf), "time");
	ck_assert_str_eq(dc_dim_name(DC_DIM_RATE, buf, sizeof buf), "rate");
	ck_assert_str_eq(dc_dim_name(DC_DIM_TEMPERATURE, buf, sizeof buf),
			 "temperature");
	ck_assert_str_eq(dc_dim_name(DC_DIM_VOLFLOW, buf, sizeof buf),
			 "volume flow");
	ck_assert_str_eq(dc_dim_name(DC_DIM_DATA, buf, sizeof buf), "data");
	ck_assert_str_eq(dc_dim_name(DC_DIM_DATARATE, buf, sizeof buf),
			 "data rate");
	ck_assert_str_eq(dc_dim_name(DC_DIM_MASS, buf, sizeof buf), "mass");
	ck_assert_str_eq(dc_dim_name(DC_DIM_PRESSURE, buf, sizeof buf),
			 "pressure");
	ck_assert_str_eq(dc_dim_name(DC_DIM_LENGTH, buf, sizeof buf), "length");
	ck_assert_str_eq(dc_dim_name(DC_DIM_AREA, buf, sizeof buf), "area");
	ck_assert_str_eq(dc_dim_name(DC_DIM_VOLUME, buf, sizeof buf), "volume");
	ck_assert_str_eq(dc_dim_name(DC_DIM_MASSFLOW, buf, sizeof buf),
			 "mass flow");
	ck_assert_str_eq(dc_dim_name(DC_DIM_VOLTAGE, buf, sizeof buf), "voltage");
	ck_assert_str_eq(dc_dim_name(DC_DIM_CURRENT, buf, sizeof buf), "current");
	ck_assert_str_eq(dc_dim_name(DC_DIM_NONE, buf, sizeof buf),
			 "dimensionless");
	ck_assert_str_eq(dc_dim_name(DIM_ACCEL, buf, sizeof buf), "m s^-2");
	ck_assert_str_eq(dc_dim_name(DC_DIM(2, 1, -3, 0, -1, 0, 0), buf,
				     sizeof buf), "kg m^2 s^-3 K^-1");
	ck_assert_str_eq(dc_dim_name(DC_DIM(0, 0, -2, 0, 0, 0, 1), buf,
				     sizeof buf), "s^-2 bit");
	char small[4];
	dc_dim_name(DC_DIM_VOLFLOW, small, sizeof small);
	ck_assert_str_eq(small, "vol");
}
END_TEST

START_TEST(examples_parse)
{
	static const dc_dim d[] = {
		DC_DIM_NONE, DC_DIM_LENGTH, DC_DIM_AREA, DC_DIM_VOLUME,
		DC_DIM_MASS, DC_DIM_TIME, DC_DIM_RATE, DC_DIM_TEMPERATURE,
		DC_DIM_POWER, DC_DIM_ENERGY, DC_DIM_PRESSURE, DC_DIM_VOLFLOW,
		DC_DIM_MASSFLOW, DC_DIM_VOLTAGE, DC_DIM_CURRENT, DC_DIM_DATA,
		DC_DIM_DATARATE, DC_DIM_THERMRES, DC_DIM_HEATCAP,
		DC_DIM_MASS_PER_ENERGY,
	};
	ck_assert_str_eq(dc_dim_example(DC_DIM_POWER), "250 kW");
	ck_assert_str_eq(dc_dim_example(DC_DIM_TIME), "30 min");
	ck_assert_str_eq(dc_dim_example(DC_DIM_RATE), "5 /s");
	ck_assert_ptr_null(dc_dim_example(DIM_ACCEL));
	for (size_t i = 0; i < DC_ARRAY_LEN(d); i++) {
		const char *ex = dc_dim_example(d[i]);
		char msg[128] = "";
		ck_assert_msg(ex != NULL, "no example for dim %zu", i);
		ck_assert_msg(dc_qty_parse(ex, d[i], NULL, NULL, msg, sizeof msg) ==
			      DC_OK, "example '%s': %s", ex, msg);
	}
}
END_TEST

static Suite *units_suite(void)
{
	Suite *s = suite_create("units");
	struct { const char *name; const TTest *fn; } t[] = {
		{"length", length}, {"mass", mass}, {"time", time_units},
		{"temperature", temperature},
		{"electrical_and_amount", electrical_and_amount},
		{"data", data}, {"power_energy", power_energy},
		{"pressure", pressure}, {"volume_flow", volume_flow},
		{"rates", rates}, {"dimensionless", dimensionless},
		{"ambiguous_symbols", ambiguous_symbols},
		{"dimension_mismatch", dimension_mismatch},
		{"missing_parts", missing_parts}, {"not_a_number", not_a_number},
		{"unknown_and_garbage", unknown_and_garbage},
		{"bad_exponent", bad_exponent}, {"affine_alone", affine_alone},
		{"null_outputs", null_outputs}, {"unit_parse", unit_parse},
		{"to_unit", to_unit}, {"format_text", format_text},
		{"format_round_trip", format_round_trip},
		{"dim_names", dim_names}, {"examples_parse", examples_parse},
	};
	for (size_t i = 0; i < DC_ARRAY_LEN(t); i++) {
		TCase *tc = tcase_create(t[i].name);
		tcase_add_test(tc, t[i].fn);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return dc_test_main(units_suite());
}
