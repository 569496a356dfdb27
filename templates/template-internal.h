/* Shared by templates/template.c (building, pinning) and templates/manage.c (list, remove). */
#ifndef VE_TEMPLATE_INTERNAL_H
#define VE_TEMPLATE_INTERNAL_H

#include <stdbool.h>

#include "runtime/config.h"

/* Versions and script actions: one safe path component. */
bool template_component_valid(const char *s);
/* -EINVAL (logged) unless TEMPLATE (and DIST_DIR when need_dist) are set. */
int template_check_global(const struct ve_global *g, bool need_dist);
/* TEMPLATE/cache and TEMPLATE/cache/<name> (caller frees both, also on -ENOMEM). */
int template_cache_paths(const struct ve_global *g, const char *name, char **ret_cache,
			 char **ret_name_dir);
/* Finished versions in TEMPLATE/cache/<name> (unsorted); an absent directory gives none. */
int template_list_versions(const char *name_dir, char ***ret);
/* The newest finished version, or -ENOENT. */
int template_newest_version(const char *name_dir, char **ret);
int template_cmp_str(const void *a, const void *b);
/*
 * Takes TEMPLATE/cache/<name>.lock (cache is TEMPLATE/cache) with op LOCK_EX (build, remove)
 * or LOCK_SH (a create's pin), waiting and saying so when it is held. Returns the fd.
 */
int template_lock(const char *cache, const char *name, int op);
/* DIST_DIR/<distro>/mkcache of name, executable; -ENOENT (logged) if there is none. */
int template_recipe(const struct ve_global *g, const char *name, char **ret);
/* Builds and publishes a new version with recipe; the caller holds the lock exclusively. */
int template_build(const struct ve_global *g, const char *name_dir, const char *name,
		   const char *recipe, char **ret_version);

#endif
