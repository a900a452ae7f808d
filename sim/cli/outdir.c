/* outdir.c - staged output folders. */
#define _XOPEN_SOURCE 700
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../alloc.h"
#include "../dc.h"

char *dc_path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = dc_malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

/* 1 if PATH is a folder with entries, 0 if an empty folder, -1 if it is
 * not a folder (errno ENOTDIR) or cannot be read. */
static int dir_nonempty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n = 1;
	closedir(d);
	return n;
}

/* mkdir -p for the parents of PATH. */
static int make_parents(const char *path)
{
	char *p = dc_strdup(path);
	if (!p)
		return -1;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) && errno != EEXIST) {
			dc_free(p);
			return -1;
		}
		*s = '/';
	}
	dc_free(p);
	return 0;
}

int dc_outdir_open(dc_outdir *o, const char *final, int force, dc_err *err)
{
	struct stat st;
	memset(o, 0, sizeof *o);
	if (stat(final, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return dc_err_msg(err, DC_EEXIST,
					  "%s exists and is not a folder", final);
		int ne = dir_nonempty(final);
		if (ne < 0)
			return dc_err_msg(err, DC_ECREATE, "cannot read %s: %s",
					  final, strerror(errno));
		if (ne && !force)
			return dc_err_msg(err, DC_EEXIST,
					  "%s is not empty: refusing to overwrite "
					  "it (use --force, or another --out)",
					  final);
	}
	char suffix[64];
	snprintf(suffix, sizeof suffix, ".partial-%ld", (long)getpid());
	size_t n = strlen(final);
	while (n > 1 && final[n - 1] == '/')
		n--;
	o->final = dc_strndup(final, n);
	o->stage = dc_malloc(n + strlen(suffix) + 1);
	if (!o->final || !o->stage) {
		dc_outdir_free(o);
		return dc_err_msg(err, DC_ENOMEM, "out of memory");
	}
	memcpy(o->stage, final, n);
	strcpy(o->stage + n, suffix);
	if (make_parents(o->stage) || mkdir(o->stage, 0777)) {
		dc_err_msg(err, DC_ECREATE, "cannot create %s: %s", o->stage,
			   strerror(errno));
		dc_outdir_free(o);
		return DC_ECREATE;
	}
	return DC_OK;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int rm_tree(const char *path)
{
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int dc_outdir_commit(dc_outdir *o, dc_err *err)
{
	struct stat st;
	char *old = NULL;
	if (stat(o->final, &st) == 0) {
		if (dir_nonempty(o->final) == 0) {
			rmdir(o->final);
		} else {
			size_t n = strlen(o->final);
			old = dc_malloc(n + 32);
			if (!old)
				return dc_err_msg(err, DC_ENOMEM, "out of memory");
			snprintf(old, n + 32, "%s.old-%ld", o->final,
				 (long)getpid());
			if (rename(o->final, old)) {
				dc_err_msg(err, DC_ECREATE,
					   "cannot move %s aside: %s; results "
					   "are in %s", o->final,
					   strerror(errno), o->stage);
				dc_free(old);
				return DC_ECREATE;
			}
		}
	}
	if (rename(o->stage, o->final)) {
		int e = errno;
		if (old)
			rename(old, o->final);
		dc_free(old);
		return dc_err_msg(err, DC_ECREATE, "cannot move %s to %s: %s",
				  o->stage, o->final, strerror(e));
	}
	if (old)
		rm_tree(old);
	dc_free(old);
	return DC_OK;
}

void dc_outdir_abort(dc_outdir *o)
{
	if (o->stage)
		rm_tree(o->stage);
	dc_outdir_free(o);
}

void dc_outdir_free(dc_outdir *o)
{
	dc_free(o->final);
	dc_free(o->stage);
	o->final = o->stage = NULL;
}
