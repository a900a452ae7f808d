/* manifest.c - manifest.json (what ran, with which libraries) and a JSON
 * string writer (RFC 8259). */
#include "reports.h"

#include <csv.h>
#include <errno.h>
#include <gsl/gsl_version.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "internal.h"
#include "../sim/table.h"

/* Length of the valid UTF-8 sequence at S (1..4), or 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	int n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	unsigned cp = c & (0x3fu >> (n - 1));
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* NULL is written as null.  Control characters are escaped (\n, \t, \r,
 * \b, \f, else \u00XX), bytes that are not valid UTF-8 become \ufffd.
 * Write errors are left in F's error flag; cannot fail otherwise. */
void dc_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	putc('"', f);
	while (*p) {
		unsigned c = *p;
		int n;
		switch (c) {
		case '"': fputs("\\\"", f); p++; continue;
		case '\\': fputs("\\\\", f); p++; continue;
		case '\n': fputs("\\n", f); p++; continue;
		case '\r': fputs("\\r", f); p++; continue;
		case '\t': fputs("\\t", f); p++; continue;
		case '\b': fputs("\\b", f); p++; continue;
		case '\f': fputs("\\f", f); p++; continue;
		default: break;
		}
		if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
			p++;
		} else if ((n = utf8_len(p)) == 0) {
			fputs("\\ufffd", f);
			p++;
		} else {
			fwrite(p, 1, (size_t)n, f);
			p += n;
		}
	}
	putc('"', f);
}

static void put_key(FILE *f, const char *key)
{
	fputs(",\n  ", f);
	dc_json_string(f, key);
	fputs(": ", f);
}

static void put_str(FILE *f, const char *key, const char *v)
{
	put_key(f, key);
	dc_json_string(f, v);
}

static void write_libraries(FILE *f)
{
	char csv_ver[32];
	snprintf(csv_ver, sizeof csv_ver, "%d.%d.%d", CSV_MAJOR, CSV_MINOR,
		 CSV_RELEASE);
	put_key(f, "libraries");
	fputs("{\n    \"gsl\": ", f);
	dc_json_string(f, gsl_version);
	fputs(",\n    \"sqlite\": ", f);
	dc_json_string(f, sqlite3_libversion());
	fputs(",\n    \"libyaml\": ", f);
	dc_json_string(f, yaml_get_version_string());
	fputs(",\n    \"libcsv\": ", f);
	dc_json_string(f, csv_ver);
	fputs("\n  }", f);
}

/* "inputs": [{"file": "DIR/NAME.csv", "provenance": {key: value, ...}}] */
static void write_inputs(FILE *f, const dc_manifest *m)
{
	put_key(f, "inputs");
	putc('[', f);
	for (size_t i = 0; i < m->n_inputs; i++) {
		char path[4200];
		snprintf(path, sizeof path, "%s/%s.csv",
			 m->data_dir ? m->data_dir : ".", m->input_names[i]);
		fputs(i ? ",\n    {\"file\": " : "\n    {\"file\": ", f);
		dc_json_string(f, path);
		fputs(", \"provenance\": {", f);
		const dc_table *t = m->input_tables[i];
		for (size_t k = 0; k < dc_table_meta_count(t); k++) {
			const char *key, *val;
			dc_table_meta_at(t, k, &key, &val);
			fputs(k ? ", " : "", f);
			dc_json_string(f, key);
			fputs(": ", f);
			dc_json_string(f, val);
		}
		fputs("}}", f);
	}
	fputs(m->n_inputs ? "\n  ]" : "]", f);
}

static void write_manifest(FILE *f, const dc_manifest *m)
{
	fputs("{\n  \"dcsim_version\": ", f);
	dc_json_string(f, m->dcsim_version);
	put_str(f, "git_revision", m->git_revision);
	put_key(f, "argv");
	putc('[', f);
	for (int i = 0; i < m->argc && m->argv; i++) {
		if (i)
			fputs(", ", f);
		dc_json_string(f, m->argv[i]);
	}
	putc(']', f);
	put_str(f, "scenario_path", m->scenario_path);
	put_str(f, "scenario_name", m->scenario_name);
	put_key(f, "seed");
	fprintf(f, "%" PRIu32, m->seed);
	put_key(f, "reps");
	fprintf(f, "%d", m->reps);
	put_str(f, "status", m->status);
	put_key(f, "wall_s");
	if (isfinite(m->wall_s))
		fprintf(f, "%.3f", m->wall_s);
	else
		fputs("null", f);
	put_key(f, "events");
	fprintf(f, "%" PRIu64, m->events);
	put_str(f, "started_utc", m->started_utc);
	put_str(f, "host", m->host);
	put_str(f, "formats", m->formats);
	write_inputs(f, m);
	write_libraries(f);
	fputs("\n}\n", f);
}

/* Returns DC_OK, DC_EEXIST (PATH exists), DC_ECREATE or DC_EIO, with a
 * message in ERR.  NULL strings in M are written as null. */
int dc_manifest_write(const char *path, const dc_manifest *m, dc_err *err)
{
	FILE *f;
	int rc = dc__file_create(path, &f);
	if (rc == DC_EEXIST)
		return dc_err_msg(err, rc, "%s: exists; will not overwrite it",
				  path);
	if (rc != DC_OK)
		return dc_err_msg(err, rc, "%s: cannot create: %s", path,
				  strerror(errno));
	write_manifest(f, m);
	int bad = ferror(f);
	if (fclose(f) != 0)
		bad = 1;
	if (bad)
		return dc_err_msg(err, DC_EIO, "%s: write failed: %s", path,
				  strerror(errno));
	return DC_OK;
}
