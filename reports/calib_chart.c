/* calib_chart.c - the roofline chart of a calibration folder
 * (calib_chart.h): achieved FLOP/s against arithmetic intensity, the
 * measured points per operator class, the fitted curves and the roof
 * min(P, BW I), as a data CSV, a gnuplot script and gnuplot's PNG. */
#include "calib_chart.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../sim/alloc.h"
#include "../sim/dc.h"
#include "internal.h"

extern char **environ;

static int nomem(dc_err *err)
{
	return dc_err_msg(err, DC_ENOMEM, "out of memory");
}

/* See calib_chart.h: fclose with the error said. */
int dc__calib_file_finish(FILE *f, const char *path, dc_err *err)
{
	int bad = ferror(f);
	if (fclose(f))
		bad = 1;
	return bad ? dc_err_msg(err, DC_EIO, "%s: write failed", path)
		   : DC_OK;
}

/* See calib_chart.h: O_EXCL creation through dc__file_create. */
int dc__calib_file_open(const char *dir, const char *name, char **path,
			FILE **f, dc_err *err)
{
	if (!(*path = dc__path_join(dir, name)))
		return nomem(err);
	int rc = dc__file_create(*path, f);
	if (rc == DC_EEXIST)
		return dc_err_msg(err, DC_ECREATE, "%s: exists; will not "
				  "overwrite it", *path);
	if (rc)
		return dc_err_msg(err, DC_ECREATE, "%s: cannot create: %s",
				  *path, strerror(errno));
	return DC_OK;
}

/* A plotted row: its class and size, sortable without a global. */
typedef struct roof_pt {
	const dc_calib_row *r;
	int c;
	double s;
} roof_pt;

/* See calib_chart.h: the note searched without regard to case. */
const char *dc__peaks_kind(const char *note, int imported)
{
	char low[256];
	size_t i = 0;
	for (; note && note[i] && i + 1 < sizeof low; i++)
		low[i] = (char)(note[i] >= 'A' && note[i] <= 'Z'
					? note[i] - 'A' + 'a' : note[i]);
	low[i] = '\0';
	if (strstr(low, "datasheet"))
		return "datasheet";
	if (strstr(low, "measured"))
		return "measured";
	return imported ? "datasheet" : "measured";
}

static int by_curve(const void *pa, const void *pb)
{
	const roof_pt *a = pa, *b = pb;
	if (a->c != b->c)
		return a->c < b->c ? -1 : 1;
	int c = strcmp(a->r->op, b->r->op);
	if (c)
		return c;
	if (a->r->n != b->r->n)
		return a->r->n < b->r->n ? -1 : 1;
	if (a->r->k != b->r->k)
		return a->r->k < b->r->k ? -1 : 1;
	if (a->s != b->s)
		return a->s < b->s ? -1 : 1;
	if (a->r->m != b->r->m)
		return a->r->m < b->r->m ? -1 : 1;
	return (a->r > b->r) - (a->r < b->r); /* the rows' order: stable */
}

/* The plottable rows (a known class, FLOPs, bytes and time > 0) sorted by
 * class, curve (op, n, k) and size into *OUT (dc_free it); their count. */
static int roof_points(const dc__roof *r, roof_pt **out, size_t *np)
{
	roof_pt *p = dc_malloc((r->n ? r->n : 1) * sizeof *p);
	if (!p)
		return DC_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		const dc_calib_row *x = &r->rows[i];
		int c = dc_calib_row_class(x);
		if (c >= 0 && x->flops > 0 && x->bytes > 0 && x->time_s > 0)
			p[k++] = (roof_pt){x, c, dc_calib_row_size(x)};
	}
	qsort(p, k, sizeof *p, by_curve);
	*out = p;
	*np = k;
	return DC_OK;
}

static void csv_row(FILE *f, const char *series, const roof_pt *p, double y)
{
	const dc_calib_row *x = p->r;
	fprintf(f, "%s,%s,%s,%d,%d,%d,%.9g,%.9g,%.9g\n", series,
		dc_op_class_name((dc_op_class)p->c), x->op, x->m, x->n, x->k,
		p->s, x->flops / x->bytes, y);
}

/* The intensities of the roof's ends (beyond the points and the ridge
 * P / BW on both sides). */
static void roof_ends(const dc__roof *r, const roof_pt *p, size_t np,
		      double *lo, double *hi)
{
	double ridge = r->P / r->BW;
	*lo = *hi = ridge;
	for (size_t i = 0; i < np; i++) {
		double x = p[i].r->flops / p[i].r->bytes;
		*lo = x < *lo ? x : *lo;
		*hi = x > *hi ? x : *hi;
	}
	*lo /= 2;
	*hi *= 2;
}

static double roof_y(const dc__roof *r, double x)
{
	return r->BW * x < r->P ? r->BW * x : r->P;
}

/* The roof min(P, BW I) through the ridge point. */
static void csv_roof(FILE *f, const dc__roof *r, const roof_pt *p, size_t np)
{
	double xs[3];
	roof_ends(r, p, np, &xs[0], &xs[2]);
	xs[1] = r->P / r->BW;
	for (size_t i = 0; i < DC_ARRAY_LEN(xs); i++)
		fprintf(f, "roof,,,,,,,%.9g,%.9g\n", xs[i], roof_y(r, xs[i]));
}

/* The fitted rate F / t_pred at each shape of a fitted class; a blank
 * line between curves (gnuplot breaks the line there). */
static void csv_fitted(FILE *f, const dc__roof *r, const roof_pt *p, size_t np)
{
	const roof_pt *prev = NULL;
	for (size_t i = 0; r->fit && i < np; i++) {
		double t = dc_calib_predict_row(r->fit, p[i].r);
		if (!(t > 0) || !isfinite(t))
			continue;
		if (prev && (prev->c != p[i].c || prev->r->n != p[i].r->n ||
			     prev->r->k != p[i].r->k ||
			     strcmp(prev->r->op, p[i].r->op)))
			putc('\n', f);
		csv_row(f, "fitted", &p[i], p[i].r->flops / t);
		prev = &p[i];
	}
}

static int roof_csv(const char *dir, const dc__roof *r, const roof_pt *p,
		    size_t np, dc_err *err)
{
	char *path = NULL;
	FILE *f;
	int rc = dc__calib_file_open(dir, "roofline.csv", &path, &f, err);
	if (rc) {
		dc_free(path);
		return rc;
	}
	fputs("series,class,op,m,n,k,size,intensity,flop_s\n", f);
	if (r->P > 0 && r->BW > 0)
		csv_roof(f, r, p, np);
	for (size_t i = 0; i < np; i++)
		csv_row(f, "measured", &p[i], p[i].r->flops / p[i].r->time_s);
	csv_fitted(f, r, p, np);
	rc = dc__calib_file_finish(f, path, err);
	dc_free(path);
	return rc;
}

/* S as a gnuplot single-quoted string: ' doubled, control characters as
 * spaces. */
static void gp_quote(FILE *f, const char *s)
{
	putc('\'', f);
	for (; s && *s; s++) {
		if (*s == '\'')
			fputs("''", f);
		else
			putc((unsigned char)*s < 0x20 ? ' ' : *s, f);
	}
	putc('\'', f);
}

static const char gp_head[] =
	"# roofline.gp - written by dcsim; run it as\n"
	"#   gnuplot -c roofline.gp roofline.csv roofline.png\n"
	"# roofline.csv: series (roof, measured, fitted), class, op, m, n, k,\n"
	"# size, intensity (FLOP/byte), flop_s (achieved or predicted FLOP/s)\n"
	"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
	"    set terminal pngcairo size 1000,700 noenhanced\n"
	"} else {\n"
	"    set terminal png size 1000,700 noenhanced\n"
	"}\n"
	"set output ARG2\n"
	"set datafile separator ','\n"
	"set logscale xy\n"
	"set format y '%.0s%c'\n"
	"set xlabel 'arithmetic intensity (FLOP/byte)'\n"
	"set ylabel 'achieved FLOP/s'\n"
	"set grid\n"
	"set key left top Left reverse\n"
	"sel(s, c) = strcol(1) eq s && strcol(2) eq c\n";

/* A y range with room above the data for the key (NKEY entries, at the
 * top left), so that it hides no point. */
static void gp_yrange(FILE *f, const dc__roof *r, const roof_pt *p,
		      size_t np, int nkey)
{
	double lo = INFINITY, hi = 0, x0, x1;
	if (r->P > 0 && r->BW > 0) {
		roof_ends(r, p, np, &x0, &x1);
		lo = roof_y(r, x0);
		hi = r->P;
	}
	for (size_t i = 0; i < np; i++) {
		double y = p[i].r->flops / p[i].r->time_s;
		double t = r->fit ? dc_calib_predict_row(r->fit, p[i].r) : NAN;
		double yf = t > 0 && isfinite(t) ? p[i].r->flops / t : y;
		lo = fmin(lo, fmin(y, yf));
		hi = fmax(hi, fmax(y, yf));
	}
	if (!(lo > 0) || !isfinite(lo) || !(hi >= lo))
		return;
	lo /= 2;
	double decades = fmax(log10(hi * 1.5 / lo), 1);
	double key = fmin((nkey * 20.0 + 30) / 560, 0.6);
	fprintf(f, "set yrange [%.6g:%.6g]\n", lo,
		lo * pow(10, decades / (1 - key)));
}

/* One point style per class (gnuplot pt numbers: filled shapes). */
static const int class_pt[DC_OC_COUNT] = {7, 6, 5, 9, 11, 13, 12, 15, 4, 8};

/* The plot command: the roof, then per class present its points and
 * (when fitted) its curves; SEEN[c] says which classes have points. */
static void gp_plot(FILE *f, const dc__roof *r, const int *seen)
{
	const char *sep = "plot ";
	if (r->P > 0 && r->BW > 0) {
		char label[256];
		double g = r->P * 1e-9, b = r->BW * 1e-9;
		/* whole numbers from 1000 up: 989000, not 9.89e+05 */
		snprintf(label, sizeof label, "roof min(P, BW x I): P = %.*g "
			 "GFLOP/s, BW = %.*g GB/s (%s)", g < 1e3 ? 4 : 15,
			 g < 1e3 ? g : round(g), b < 1e3 ? 4 : 15,
			 b < 1e3 ? b : round(b), r->kind);
		fputs("plot ARG1 skip 1 using (strcol(1) eq 'roof' ? $8 : NaN)"
		      ":9 with lines lw 2 lc rgb 'black' title ", f);
		gp_quote(f, label);
		sep = ", \\\n     ";
	}
	for (int c = 0; c < DC_OC_COUNT; c++) {
		if (!seen[c])
			continue;
		const char *name = dc_op_class_name((dc_op_class)c);
		fprintf(f, "%sARG1 skip 1 using (sel('measured', '%s') ? $8 : "
			"NaN):9 with points pt %d ps 1.3 lc %d title '%s "
			"(measured)'", sep, name, class_pt[c], c + 1, name);
		sep = ", \\\n     ";
		if (r->fit && r->fit->cls[c].rows)
			fprintf(f, "%sARG1 skip 1 using (sel('fitted', '%s') ? "
				"$8 : NaN):9 with linespoints lw 1.5 dt 2 pt 6 "
				"ps 0.7 lc %d title '%s (fit)'", sep, name,
				c + 1, name);
	}
	if (!strcmp(sep, "plot "))
		fputs("plot 1/0 notitle", f);
	putc('\n', f);
}

static int roof_gp(const char *dir, const dc__roof *r, const roof_pt *p,
		   size_t np, dc_err *err)
{
	char *path = NULL;
	FILE *f;
	int rc = dc__calib_file_open(dir, "roofline.gp", &path, &f, err);
	if (rc) {
		dc_free(path);
		return rc;
	}
	fputs(gp_head, f);
	fputs("set title ", f);
	char title[512];
	snprintf(title, sizeof title, "roofline - %s",
		 r->device && *r->device ? r->device : "unknown device");
	gp_quote(f, title);
	fputs(" noenhanced\n", f);
	int seen[DC_OC_COUNT] = {0}, nkey = r->P > 0 && r->BW > 0;
	for (size_t i = 0; i < np; i++)
		seen[p[i].c] = 1;
	for (int c = 0; c < DC_OC_COUNT; c++)
		nkey += seen[c] * (1 + (r->fit && r->fit->cls[c].rows));
	gp_yrange(f, r, p, np, nkey);
	gp_plot(f, r, seen);
	rc = dc__calib_file_finish(f, path, err);
	dc_free(path);
	return rc;
}

static void gp_missing(const char *shown, const char *why, dc_err *err)
{
	dc_err_warn(err, "cannot run %s (%s): %s/roofline.gp and "
		    "roofline.csv written, no roofline.png; set GNUPLOT or "
		    "install gnuplot", dc__gnuplot_prog(), why, shown);
}

/* Start gnuplot on DIR/roofline.{gp,csv} writing roofline.png, its output
 * into roofline.log; *PID on success, else a warning and -1. */
static pid_t gp_spawn(char *const path[4], const char *shown, dc_err *err)
{
	static char default_prog[] = "gnuplot", opt_c[] = "-c";
	char *prog = getenv("GNUPLOT");
	if (!prog || !prog[0])
		prog = default_prog;
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa)) {
		dc_err_warn(err, "%s/roofline.png: cannot start gnuplot: out "
			    "of memory", shown);
		return -1;
	}
	int e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
						 O_RDONLY, 0);
	if (!e)
		e = posix_spawn_file_actions_addopen(
			&fa, 1, path[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid = -1;
	char *argv[] = {prog, opt_c, path[0], path[1], path[2], NULL};
	if (!e)
		e = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		unlink(path[3]);
		gp_missing(shown, strerror(e), err);
		return -1;
	}
	return pid;
}

/* Wait for gnuplot PID and say how it ended (warnings only). */
static void gp_wait(pid_t pid, const char *log, const char *shown,
		    dc_err *err)
{
	int st = 0;
	pid_t w;
	do
		w = waitpid(pid, &st, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		dc_err_warn(err, "%s/roofline.png: cannot wait for gnuplot: %s",
			    shown, strerror(errno));
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		unlink(log);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		unlink(log); /* the exec failed after the fork */
		gp_missing(shown, "exit status 127", err);
	} else if (WIFEXITED(st))
		dc_err_warn(err, "%s/roofline.png: gnuplot exited with status "
			    "%d (see %s/roofline.log)", shown,
			    WEXITSTATUS(st), shown);
	else
		dc_err_warn(err, "%s/roofline.png: gnuplot killed by signal %d "
			    "(see %s/roofline.log)", shown,
			    WIFSIGNALED(st) ? WTERMSIG(st) : 0, shown);
}

/* Run gnuplot on DIR's roofline script; SHOWN names DIR in messages.  A
 * missing or failing gnuplot is a warning.  DC_OK or DC_ENOMEM. */
static int roof_png(const char *dir, const char *shown, dc_err *err)
{
	if (!dc__program_exists(dc__gnuplot_prog())) {
		gp_missing(shown, "not found", err);
		return DC_OK;
	}
	static const char *const names[4] = {"roofline.gp", "roofline.csv",
					     "roofline.png", "roofline.log"};
	char *path[4] = {NULL, NULL, NULL, NULL};
	int rc = DC_OK;
	for (int i = 0; i < 4 && !rc; i++)
		if (!(path[i] = dc__path_join(dir, names[i])))
			rc = nomem(err);
	pid_t pid = rc ? -1 : gp_spawn(path, shown, err);
	if (pid > 0)
		gp_wait(pid, path[3], shown, err);
	for (int i = 0; i < 4; i++)
		dc_free(path[i]);
	return rc;
}

/* See calib_chart.h: the CSV, the script, then gnuplot. */
int dc__roof_write(const char *dir, const char *shown, const dc__roof *r,
		   dc_err *err)
{
	roof_pt *p = NULL;
	size_t np = 0;
	if (roof_points(r, &p, &np))
		return nomem(err);
	int rc = roof_csv(dir, r, p, np, err);
	if (!rc)
		rc = roof_gp(dir, r, p, np, err);
	dc_free(p);
	if (!rc)
		rc = roof_png(dir, shown, err);
	return rc;
}

