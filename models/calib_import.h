/* calib_import.h - published GPU measurements turned into calibration
 * profile rows (calibrate.h's dc_calib_row), so that reports/profile.h
 * writes them as a profile that the performance model reads like one
 * measured here (calib_fit.h):
 *
 *  - Vidur's per-operator mlp.csv: one decoder layer's four linear
 *    operators timed against tokens and tensor-parallel degree (GEMM rows
 *    qkv, attn_out, mlp_up, mlp_down);
 *  - SplitwiseSim's perf_model.csv: whole iterations of a model (rows
 *    prefill and decode).
 *
 * Imported rows have reps = 0 (the source does not say how many calls a
 * time summarises) and max_rel_err = NAN (nothing was checked against a
 * reference here: the times are published, not measured).  Every curve -
 * the rows of one (op, n, k) - is made non-decreasing in m by a running
 * maximum, so that more work never takes less time; the rows raised are
 * counted for the profile's provenance.
 *
 * Models never open files: the caller loads the tables (sim/table.h) and
 * the catalogs (data/llm_models.csv).  All times in s, FLOPs and bytes per
 * call on one GPU. */
#ifndef DC_CALIB_IMPORT_H
#define DC_CALIB_IMPORT_H

#include <stddef.h>

#include "../sim/err.h"
#include "../sim/table.h"
#include "calibrate.h"
#include "llm_perf.h"

/* SplitwiseSim's defaults: the configuration llm.md V7 quotes. */
#define DC_IMPORT_SW_MODEL "llama2-70b"
#define DC_IMPORT_SW_HARDWARE "h100-80gb"
#define DC_IMPORT_SW_TP 8

/* What an import did, for the profile's provenance. */
typedef struct dc_import_info {
	size_t used;      /* source rows that entered the result */
	size_t merged;    /* repeats folded into another measurement's
			     point (Vidur: median; Splitwise: mean), counted
			     per output row: a Vidur row feeds four, a
			     Splitwise row may feed a prefill and a decode
			     point */
	size_t raised;    /* output rows raised to the running maximum */
	char model[DC_LLM_NAME_MAX]; /* the model's row in the catalog, or
				       "" when no catalog was given */
	char tps[64];     /* tensor-parallel degrees, "1, 2, 4, 8" */
	double token_size;   /* Splitwise: the base grid's token_size */
	double sweep_prompt; /* Splitwise: the batch sweep's prompt size */
} dc_import_info;

/* The accelerators.csv row of hardware name HW, as SplitwiseSim
 * ("a100-80gb", "h100-80gb", "h100-80gb-pcap") or Vidur ("a100", "h100")
 * spell it; '-' and '_' are taken as equal.  *TAG (may be NULL) gets a
 * short variant name for file names ("pcap") or NULL, *NOTE (may be NULL)
 * a sentence on what the mapping assumes, or NULL.  Returns NULL for an
 * unknown name.  The strings are static. */
const char *dc_import_accel_name(const char *hw, const char **tag,
				 const char **note);

/* The known hardware names, comma-separated, for messages.  Static. */
const char *dc_import_accel_names(void);

/* Convert Vidur mlp.csv table T.  For every row and each of the four
 * linear operators (attn_pre_proj -> qkv, attn_post_proj -> attn_out,
 * mlp_up_proj incl. gate -> mlp_up, mlp_down_proj -> mlp_down) one row:
 * m = num_tokens, n x k the GEMM's output x input width on one GPU at the
 * row's TP t (qkv: n = d (n_h / t + 2 ceil(n_kv / t)), k = H; attn_out:
 * n = H, k = H / t; mlp_up: n = (gated ? 2 : 1) I / t, k = H; mlp_down:
 * n = H, k = I / t; d = H / n_h), time_s = the median column (ms) / 1000,
 * flops = 2 m n k, bytes = 2 (m k + k n + m n) (fp16 operands, weights
 * read once).  Repeated measurements of one (op, m, n, k) become one row,
 * their median (llm.md V3's rule); then each curve is made non-decreasing.
 * Rows are ordered by TP, operator (in the order above), m.
 *
 * MODELS (may be NULL) is the architecture catalog: with MODEL NULL, the
 * row whose shape (heads, kv_heads, hidden, ffn, gated) matches the
 * table's names the model (of several, the one whose vocabulary is
 * nearest the table's vocab_size); with MODEL given, its row must match.
 *
 * On success *ROWS (dc_free) holds *N rows and *INFO (may be NULL) is
 * filled.  Errors (every one found is reported): DC_EINVAL for a missing
 * column ("PATH: COLUMN: error: ..."), and at the field's file:line:col a
 * non-number, a size that is not a whole number >= 1, a time <= 0, a shape
 * differing from the first row's, a TP that does not divide n_h or I;
 * DC_ENOENT when no catalog row (or not MODEL's) has the shape; DC_ENOMEM.
 * On error *ROWS is NULL and *N 0.  T and MODELS are not retained. */
int dc_import_vidur(const dc_table *t, const dc_table *models,
		    const char *model, dc_calib_row **rows, size_t *n,
		    dc_import_info *info, dc_err *err);

/* Convert SplitwiseSim perf_model.csv table T for MODEL (NULL:
 * DC_IMPORT_SW_MODEL), HARDWARE (NULL: DC_IMPORT_SW_HARDWARE) and TP
 * (<= 0: DC_IMPORT_SW_TP), with dc_splitwise_new's rules: only the rows of
 * the most common token_size; the prompt curve as a function of total
 * prompt tokens T = prompt_size * batch_size, the smallest batch winning
 * for equal T; the token curve as a function of batch size at the prompt
 * size with the most batch sizes; repeats averaged (mean).  Rows:
 *   prefill: m = T, n = TP, k = prompt_size, time_s = prompt_time / 1000,
 *            a batch of T / prompt_size prompts of prompt_size tokens;
 *   decode:  m = batch size, n = TP, k = that prompt size, time_s =
 *            token_time / 1000, one new token per sequence after
 *            prompt_size + token_size / 2 cached (the middle of the
 *            measured generation);
 * flops = dc_llm_flops / TP and bytes = dc_llm_hbm_bytes (fp16 weights
 * and KV) of that iteration, per GPU.  Then each curve is made
 * non-decreasing.  Model names match with '-' and '_' taken as equal, and
 * the architecture is MODELS' row of MODEL with '-' turned into '_'
 * ("llama2-70b" -> "llama2_70b").
 *
 * On success *ROWS (dc_free) holds *N rows, prefill then decode, each in
 * m order, and *INFO (may be NULL) is filled.  Errors: DC_ENOENT when T
 * has no rows for (MODEL, HARDWARE, TP) - the known combinations listed -
 * or MODELS has no row for the model (named, with why it is needed);
 * DC_EINVAL for a missing column, a bad number, a size that is not a whole
 * number >= 1 or a time <= 0 (at the field's file:line:col), fewer than 2
 * points in a curve, no MODELS; DC_ENOMEM.  On error *ROWS is NULL and *N
 * 0.  T and MODELS are not retained. */
int dc_import_splitwise(const dc_table *t, const dc_table *models,
			const char *model, const char *hardware, int tp,
			dc_calib_row **rows, size_t *n, dc_import_info *info,
			dc_err *err);

/* Make every curve of ROWS[0..N) - the rows of one (op, n, k) - acceptable
 * to the profile reader (calib_fit.h): a row more than DC_CALIB_MONO_TOL
 * faster than the slowest row of smaller m on its curve is raised to that
 * bound (times DC_IMPORT_RAISE_MARGIN, so that the 9 digits a profile
 * keeps cannot put it back below); every other row keeps its published
 * time.  FLOPs and bytes are kept.  Returns the number of rows raised, or
 * (size_t)-1 when out of memory (ROWS untouched). */
#define DC_IMPORT_RAISE_MARGIN (1 + 1e-6)
size_t dc_import_monotone(dc_calib_row *rows, size_t n);

#endif
