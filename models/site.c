/* site.c - the site component: its climate is built once, when the
 * scenario is resolved (an unknown site is a scenario error), and shared
 * read-only by every replication. */
#include "site.h"

#include <string.h>

#include "../sim/alloc.h"

typedef struct site_cfg {
	dc_climate_cfg c;       /* first: dc_site_pset's offsets point here */
	dc_climate *clim;       /* built by resolve */
} site_cfg;

typedef struct site {
	const dc_climate *clim;
} site;

static int site_resolve(void *cfgp, dc_src *src, const dc_scenario *sc,
			const char *path, dc_err *err)
{
	site_cfg *c = cfgp;
	dc_err e = DC_ERR_INIT;
	int rc = dc_climate_new(&c->c, sc->data_dir, &c->clim, &e);
	if (rc) {
		/* the climate's messages name site.x: put the file in front */
		const char *t = dc_err_text(&e);
		while (*t) {
			const char *nl = strchr(t, '\n');
			int n = nl ? (int)(nl - t) : (int)strlen(t);
			if (!strncmp(t, "error: ", 7))
				dc_err_msg(err, rc, "%s: %.*s", sc->file, n - 7,
					   t + 7);
			else
				dc_err_msg(err, rc, "%.*s", n, t);
			t += n + (nl ? 1 : 0);
		}
		/* a missing climate file is an invalid scenario here */
		if (err->rc == DC_ENOENT)
			err->rc = DC_EINVAL;
	}
	dc_err_free(&e);
	return rc ? DC_EINVAL : DC_OK;
}

static void site_cfg_free(void *cfgp)
{
	site_cfg *c = cfgp;
	dc_climate_free(c->clim);
	c->clim = NULL;
}

static int site_create(const void *cfgp, const char *entity, uint32_t stream,
		       void **self, dc_err *err)
{
	site *s = dc_calloc(1, sizeof *s);
	if (!s)
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	s->clim = ((const site_cfg *)cfgp)->clim;
	*self = s;
	return DC_OK;
}

static void site_destroy(void *self) { dc_free(self); }

const dc_climate *dc_site_climate(const void *s)
{
	return ((const site *)s)->clim;
}

static int site_handle(void *self, dc_sim *sim, const dc_event *ev)
{
	return DC_OK;
}

static const dc_model_ops site_ops = {"site", NULL, site_handle, NULL};

const dc_component_kind dc_site_kind = {
	.key = "site",
	.help = "the site and its climate",
	.params = &dc_site_pset,
	.cfg_size = sizeof(site_cfg),
	.ops = &site_ops,
	.resolve = site_resolve,
	.cfg_free = site_cfg_free,
	.create = site_create,
	.destroy = site_destroy,
};
