/* calib_common.c - shared by the calibrate commands (calib_common.h). */
#include "calib_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../table.h"

const char *dc_cli_data_dir(void)
{
	const char *dir = getenv("DCSIM_DATA");
	return dir && *dir ? dir : "data";
}

int dc_cli_load_arch(const char *name, dc_llm_arch *a, dc_err *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/llm_models.csv", dc_cli_data_dir());
	dc_table *t = NULL;
	int rc = dc_table_load(path, &t, err);
	if (!rc)
		rc = dc_llm_arch_load(t, name, a, err);
	dc_table_free(t);
	return rc;
}

void dc_cli_join_argv(int argc, char **argv, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; i < argc && len + 1 < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s",
					i ? " " : "", argv[i]);
}

int dc_cli_write_whole(const char *path,
		       int (*put)(FILE *f, const void *ctx, dc_err *err),
		       const void *ctx, dc_err *err)
{
	char tmp[4300];
	snprintf(tmp, sizeof tmp, "%s.partial", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return dc_err_msg(err, DC_ECREATE, "%s: cannot create: %s", tmp,
				  strerror(errno));
	int rc = put(f, ctx, err);
	if (fclose(f) && !rc)
		rc = dc_err_msg(err, DC_EIO, "%s: write failed", tmp);
	if (!rc && rename(tmp, path))
		rc = dc_err_msg(err, DC_EIO, "%s: cannot rename: %s", path,
				strerror(errno));
	if (rc)
		remove(tmp);
	return rc;
}

typedef struct profile_ctx {
	const dc_calib_prov *p;
	const dc_calib_row *rows;
	size_t n;
} profile_ctx;

static int put_profile(FILE *f, const void *ctx, dc_err *err)
{
	const profile_ctx *c = ctx;
	return dc_calib_write(f, c->p, c->rows, c->n, err);
}

int dc_cli_write_profile(const char *path, const dc_calib_prov *p,
			 const dc_calib_row *rows, size_t n, dc_err *err)
{
	profile_ctx c = {p, rows, n};
	return dc_cli_write_whole(path, put_profile, &c, err);
}
