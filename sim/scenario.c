/* scenario.c - read a scenario tree into run settings and components. */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "alloc.h"
#include "rng.h"
#include "table.h"
#include "tree.h"

struct dc_catalog {
	char *name;
	dc_table *table;
	struct dc_catalog *next;
};

#define RUN_FIELD(f) offsetof(dc_run_cfg, f)

static const dc_param run_params[] = {
	{.key = "name", .type = DC_PT_STR, .flags = DC_PF_REQUIRED,
	 .off = RUN_FIELD(name),
	 .help = "scenario name; names the default output folder"},
	{.key = "seed", .type = DC_PT_INT, .def = "1",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 0, .max = 4294967295.0,
	 .off = RUN_FIELD(seed),
	 .help = "base seed of every random stream (32-bit)"},
	{.key = "replications", .type = DC_PT_INT, .def = "1",
	 .flags = DC_PF_MIN | DC_PF_MAX, .min = 1, .max = 1000000,
	 .off = RUN_FIELD(reps),
	 .help = "independent replications (different streams, same seed)"},
	{.key = "horizon", .type = DC_PT_TIME, .unit = "h",
	 .flags = DC_PF_REQUIRED | DC_PF_MIN_EXCL, .min = 0,
	 .off = RUN_FIELD(horizon),
	 .help = "simulated time of each replication (models may stop earlier)"},
	{.key = "warmup", .type = DC_PT_TIME, .unit = "h", .def = "0 s",
	 .flags = DC_PF_MIN, .min = 0, .off = RUN_FIELD(warmup),
	 .help = "statistics ignore observations before this time"},
	{.key = "sample_interval", .type = DC_PT_TIME, .unit = "s",
	 .def = "1 min", .flags = DC_PF_MIN_EXCL, .min = 0,
	 .off = RUN_FIELD(sample),
	 .help = "width of the time-series buckets in samples"},
	{.key = "rng", .type = DC_PT_STR, .def = "xoshiro256**",
	 .off = RUN_FIELD(rng),
	 .help = "generator: xoshiro256** or any GSL name (mt19937, ...)"},
};

const dc_pset dc_run_params = {"", run_params, DC_ARRAY_LEN(run_params),
			       "run settings"};

/* Largest number of series buckets a replication may need. */
#define MAX_BUCKETS 10000000.0

static int check_run(const dc_scenario *sc, dc_err *err)
{
	const dc_run_cfg *r = &sc->run;
	int rc = DC_OK;
	if (!dc_rng_type(r->rng))
		rc = dc_err_key(err, DC_EINVAL, sc->file, "rng",
				"unknown generator '%s' (xoshiro256** or a "
				"GSL name such as mt19937)", r->rng);
	if (r->horizon > 0 && r->sample > 0 &&
	    (double)r->horizon / (double)r->sample > MAX_BUCKETS)
		rc = dc_err_key(err, DC_EINVAL, sc->file, "sample_interval",
				"horizon / sample_interval exceeds %.0f "
				"buckets: choose a wider interval",
				MAX_BUCKETS);
	if (r->warmup >= r->horizon && r->horizon > 0)
		rc = dc_err_key(err, DC_EINVAL, sc->file, "warmup",
				"warmup must end before the horizon");
	return rc;
}

static int push_component(dc_scenario *sc, const dc_component_kind *k,
			  const char *entity, const char *path)
{
	dc_component *v = dc_realloc(sc->comp, (sc->n_comp + 1) * sizeof *v);
	if (!v)
		return DC_ENOMEM;
	sc->comp = v;
	dc_component *c = &v[sc->n_comp];
	memset(c, 0, sizeof *c);
	c->kind = k;
	c->entity = dc_strdup(entity);
	c->path = dc_strdup(path);
	c->cfg = dc_calloc(1, k->cfg_size ? k->cfg_size : 1);
	c->src = dc_calloc(k->params->n ? k->params->n : 1, sizeof(dc_src));
	sc->n_comp++;
	if (!c->entity || !c->path || !c->cfg || !c->src)
		return DC_ENOMEM;
	return DC_OK;
}

/* The entity of list item I: its "name" value if the table has one. */
static void item_entity(const dc_component_kind *k, const dc_node *item,
			size_t i, char *buf, size_t n)
{
	const dc_node *name = dc_node_get(item, "name");
	if (name && name->kind == DC_NODE_SCALAR)
		snprintf(buf, n, "%s", name->value);
	else
		snprintf(buf, n, "%s[%zu]", k->key, i);
}

static int read_one(dc_scenario *sc, const dc_component_kind *k,
		    const dc_node *map, const char *entity, const char *path,
		    dc_err *err)
{
	int rc = push_component(sc, k, entity, path);
	if (rc)
		return dc_err_msg(err, rc, "out of memory");
	dc_component *c = &sc->comp[sc->n_comp - 1];
	rc = dc_params_read(k->params, map, sc->file, path, c->cfg, c->src, err);
	if (!rc && k->check)
		rc = k->check(c->cfg, sc->file, path, err);
	return rc;
}

static int read_section(dc_scenario *sc, const dc_component_kind *k,
			const dc_node *node, int line, int col, dc_err *err)
{
	if (node->kind == DC_NODE_MAP) {
		const dc_node *nm = dc_node_get(node, "name");
		const char *entity = nm && nm->kind == DC_NODE_SCALAR ? nm->value
								     : k->key;
		return read_one(sc, k, node, entity, k->key, err);
	}
	if (node->kind != DC_NODE_SEQ || !k->multi)
		return dc_err_at(err, DC_EINVAL, sc->file, line, col,
				 "%s: expected a map%s, got %s", k->key,
				 k->multi ? " or a list of maps" : "",
				 dc_node_kind_name(node->kind));
	int first = DC_OK;
	for (size_t i = 0; i < node->n; i++) {
		char path[128], entity[128];
		const dc_node *it = node->items[i];
		snprintf(path, sizeof path, "%s[%zu]", k->key, i);
		if (it->kind != DC_NODE_MAP) {
			dc_err_at(err, DC_EINVAL, sc->file, it->line, it->col,
				  "%s: expected a map, got %s", path,
				  dc_node_kind_name(it->kind));
			first = first ? first : DC_EINVAL;
			continue;
		}
		item_entity(k, it, i, entity, sizeof entity);
		int rc = read_one(sc, k, it, entity, path, err);
		first = first ? first : rc;
	}
	return first;
}

static int is_run_key(const char *key)
{
	for (size_t i = 0; i < dc_run_params.n; i++)
		if (!strcmp(key, dc_run_params.params[i].key))
			return 1;
	return 0;
}

static const dc_component_kind *kind_of(const char *key,
					const dc_component_kind *const *kinds,
					size_t nkinds)
{
	for (size_t i = 0; i < nkinds; i++)
		if (!strcmp(kinds[i]->key, key))
			return kinds[i];
	return NULL;
}

/* Unknown top-level key: suggest among run keys and sections. */
static void unknown_top(const dc_scenario *sc, const dc_node *root, size_t i,
			const dc_component_kind *const *kinds, size_t nkinds,
			dc_err *err)
{
	const char *cand[64];
	size_t n = 0;
	for (size_t j = 0; j < dc_run_params.n && n < 64; j++)
		cand[n++] = dc_run_params.params[j].key;
	for (size_t j = 0; j < nkinds && n < 64; j++)
		cand[n++] = kinds[j]->key;
	const char *s = dc_did_you_mean(root->keys[i], cand, n);
	if (s)
		dc_err_at(err, DC_EINVAL, sc->file, root->key_line[i],
			  root->key_col[i],
			  "unknown key '%s' (did you mean '%s'?)",
			  root->keys[i], s);
	else
		dc_err_at(err, DC_EINVAL, sc->file, root->key_line[i],
			  root->key_col[i], "unknown key '%s'", root->keys[i]);
}

/* A map holding only the run keys of ROOT (the top level mixes run keys
 * and sections).  Shallow: it borrows ROOT's strings and nodes. */
static int run_view(const dc_node *root, dc_node *view)
{
	*view = *root;
	view->n = 0;
	view->keys = dc_malloc((root->n + 1) * sizeof(char *));
	view->items = dc_malloc((root->n + 1) * sizeof(dc_node *));
	view->key_line = dc_malloc((root->n + 1) * sizeof(int));
	view->key_col = dc_malloc((root->n + 1) * sizeof(int));
	if (!view->keys || !view->items || !view->key_line || !view->key_col)
		return DC_ENOMEM;
	for (size_t i = 0; i < root->n; i++) {
		if (!is_run_key(root->keys[i]))
			continue;
		view->keys[view->n] = root->keys[i];
		view->items[view->n] = root->items[i];
		view->key_line[view->n] = root->key_line[i];
		view->key_col[view->n] = root->key_col[i];
		view->n++;
	}
	return DC_OK;
}

static void run_view_free(dc_node *view)
{
	dc_free(view->keys);
	dc_free(view->items);
	dc_free(view->key_line);
	dc_free(view->key_col);
}

static int read_root(dc_scenario *sc, const dc_node *root,
		     const dc_component_kind *const *kinds, size_t nkinds,
		     dc_err *err)
{
	if (root->kind != DC_NODE_MAP)
		return dc_err_at(err, DC_EINVAL, sc->file, root->line, root->col,
				 "a scenario is a map of settings and sections, "
				 "got %s", dc_node_kind_name(root->kind));
	dc_node view;
	int rc = run_view(root, &view);
	if (!rc)
		rc = dc_params_read(&dc_run_params, &view, sc->file, "",
				    &sc->run, sc->run_src, err);
	run_view_free(&view);
	for (size_t i = 0; i < root->n; i++) {
		const char *key = root->keys[i];
		if (is_run_key(key))
			continue;
		const dc_component_kind *k = kind_of(key, kinds, nkinds);
		if (!k) {
			unknown_top(sc, root, i, kinds, nkinds, err);
			continue;
		}
		read_section(sc, k, root->items[i], root->key_line[i],
			     root->key_col[i], err);
	}
	return err->count ? err->rc : rc;
}

/* Command-line overrides; errors read "--seed -3: seed: -3 is below the
 * minimum 0". */
static int apply_overrides(dc_scenario *sc, const dc_override *ov, size_t n,
			   dc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		dc_err e = DC_ERR_INIT;
		if (!dc_params_set(&dc_run_params, "", ov[i].key, ov[i].text,
				   &sc->run, sc->run_src, &e))
			continue;
		const char *t = dc_err_text(&e);
		if (!strncmp(t, "error: ", 7))
			t += 7;
		int len = (int)strcspn(t, "\n");
		dc_err_msg(err, e.rc ? e.rc : DC_EINVAL, "%s %s: %.*s",
			   ov[i].option, ov[i].text, len, t);
		dc_err_free(&e);
	}
	return err->count ? err->rc : DC_OK;
}

/* The data folder: $DCSIM_DATA, else SCENARIO_DIR/../data, else ./data. */
static int find_data_dir(dc_scenario *sc, dc_err *err)
{
	const char *env = getenv("DCSIM_DATA");
	char buf[4096];
	struct stat st;
	if (env && *env) {
		snprintf(buf, sizeof buf, "%s", env);
	} else {
		const char *slash = strrchr(sc->file, '/');
		int n = slash ? (int)(slash - sc->file) : 1;
		snprintf(buf, sizeof buf, "%.*s/../data", n, slash ? sc->file : ".");
		if (stat(buf, &st) || !S_ISDIR(st.st_mode))
			snprintf(buf, sizeof buf, "data");
	}
	sc->data_dir = dc_strdup(buf);
	return sc->data_dir ? DC_OK : dc_err_msg(err, DC_ENOMEM, "out of memory");
}

/* Each component's resolve op, once every section was read.  Whatever a
 * resolve finds wrong (an unknown catalog name included) makes the
 * scenario invalid; only running out of memory is something else. */
static int resolve_all(dc_scenario *sc, dc_err *err)
{
	int bad = 0, nomem = 0;
	for (size_t i = 0; i < sc->n_comp; i++) {
		dc_component *c = &sc->comp[i];
		int rc = c->kind->resolve
				 ? c->kind->resolve(c->cfg, c->src, sc, c->path,
						    err)
				 : DC_OK;
		bad |= rc != DC_OK;
		nomem |= rc == DC_ENOMEM;
	}
	return nomem ? DC_ENOMEM : bad ? DC_EINVAL : DC_OK;
}

const dc_component *dc_scenario_find(const dc_scenario *sc, const char *key,
				     size_t i)
{
	for (size_t k = 0; k < sc->n_comp; k++)
		if (!strcmp(sc->comp[k].kind->key, key) && i-- == 0)
			return &sc->comp[k];
	return NULL;
}

size_t dc_scenario_inputs(const dc_scenario *sc, const char **names,
			  const dc_table **tables, size_t cap)
{
	size_t n = 0;
	for (const struct dc_catalog *c = sc->catalogs; c; c = c->next, n++) {
		/* insertion in name order (the list is load order reversed) */
		size_t i = n < cap ? n : cap;
		while (i > 0 && strcmp(names[i - 1], c->name) > 0) {
			if (i < cap) {
				names[i] = names[i - 1];
				tables[i] = tables[i - 1];
			}
			i--;
		}
		if (i < cap) {
			names[i] = c->name;
			tables[i] = c->table;
		}
	}
	return n;
}

const dc_table *dc_scenario_catalog(const dc_scenario *sc, const char *name,
				    dc_err *err)
{
	struct dc_catalog *c;
	for (c = sc->catalogs; c; c = c->next)
		if (!strcmp(c->name, name))
			return c->table;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.csv", sc->data_dir, name);
	c = dc_calloc(1, sizeof *c);
	if (!c || !(c->name = dc_strdup(name))) {
		dc_free(c);
		dc_err_msg(err, DC_ENOMEM, "out of memory");
		return NULL;
	}
	if (dc_table_load(path, &c->table, err)) {
		dc_free(c->name);
		dc_free(c);
		return NULL;
	}
	/* the cache is logically const: loading changes no result */
	dc_scenario *m = (dc_scenario *)sc;
	c->next = m->catalogs;
	m->catalogs = c;
	return c->table;
}

int dc_scenario_load(const char *path, const dc_component_kind *const *kinds,
		     size_t nkinds, const dc_override *ov, size_t nov,
		     dc_scenario **out, dc_err *err)
{
	dc_node *root = NULL;
	*out = NULL;
	int rc = dc_tree_load_file(path, &root, err);
	if (rc)
		return rc;
	dc_scenario *sc = dc_calloc(1, sizeof *sc);
	if (!sc || !(sc->file = dc_strdup(path))) {
		rc = dc_err_msg(err, DC_ENOMEM, "out of memory");
		goto out_free;
	}
	rc = find_data_dir(sc, err);
	if (!rc)
		rc = read_root(sc, root, kinds, nkinds, err);
	if (!rc)
		rc = apply_overrides(sc, ov, nov, err);
	if (!rc)
		rc = resolve_all(sc, err);
	if (!rc)
		rc = check_run(sc, err);
	if (!rc && sc->n_comp == 0)
		rc = dc_err_msg(err, DC_EINVAL,
				"%s: the scenario has no component section to "
				"simulate", path);
	if (!rc)
		*out = sc;
out_free:
	if (rc)
		dc_scenario_free(sc);
	dc_tree_free(root);
	return rc;
}

void dc_scenario_free(dc_scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->n_comp; i++) {
		dc_component *c = &sc->comp[i];
		if (c->cfg && c->kind->cfg_free)
			c->kind->cfg_free(c->cfg);
		if (c->cfg)
			dc_params_free(c->kind->params, c->cfg);
		dc_free(c->cfg);
		dc_free(c->src);
		dc_free(c->entity);
		dc_free(c->path);
	}
	dc_free(sc->comp);
	while (sc->catalogs) {
		struct dc_catalog *c = sc->catalogs;
		sc->catalogs = c->next;
		dc_table_free(c->table);
		dc_free(c->name);
		dc_free(c);
	}
	dc_free(sc->data_dir);
	dc_params_free(&dc_run_params, &sc->run);
	dc_free(sc->file);
	dc_free(sc);
}
