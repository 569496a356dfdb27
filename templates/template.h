/*
 * OS templates: recipes in DIST_DIR/<distro>/ build a read-only, versioned cache tree under
 * TEMPLATE/cache/<name>/<version>/root. Distribution scripts (set hostname, IPs, password,
 * shutdown) live beside the recipe and run inside the VE with a fixed environment.
 */
#ifndef VE_TEMPLATE_H
#define VE_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../runtime/config.h"

/* Whether a template name is valid: [a-z0-9._-], starting with a letter or digit. */
bool ve_template_name_valid(const char *name);

/*
 * Makes sure a cache of template name exists, building it with its recipe when missing
 * (holding TEMPLATE/cache/<name>.lock while building; progress on stderr when a tty).
 * Returns the newest version. Caller frees *ret_version.
 * Errors: -ENOENT (no such template or recipe), -EINVAL (bad name), other negative errno.
 */
int ve_template_ensure(const struct ve_global *g, const char *name, char **ret_version);
/* Path of the cache root tree for name/version; -ENOENT if it does not exist. */
int ve_template_root(const struct ve_global *g, const char *name, const char *version, char **ret);
/* The distribution directory of a template (its recipe and scripts): DIST_DIR/<distro>. */
int ve_template_dist_dir(const struct ve_global *g, const char *name, char **ret);
/*
 * Path of a distribution script (e.g. "set-hostname", "stop") for the template, or -ENOENT
 * when the distribution has none (the action is then skipped).
 */
int ve_template_script(const struct ve_global *g, const char *name, const char *action, char **ret);
/* Lists cached template names and versions ("name/version"); caller frees with ve_strv_free. */
int ve_template_list(const struct ve_global *g, char ***ret);

/* One cached version of a template and the VEs whose config names it (OSTEMPLATE_VERSION). */
struct ve_template_info {
	char *name;
	char *version;
	uint64_t size;	 /* bytes allocated on disk by its root tree, hard links counted once */
	unsigned *veids; /* sorted; NULL when n_veids is 0 */
	size_t n_veids;
};

struct ve_template_infos {
	struct ve_template_info *v; /* sorted by name, then version (oldest first) */
	size_t n;
};

/*
 * Lists the cached versions of template name (NULL: of all templates) with their users, found
 * by reading every VE config in VZ_CONFDIR/conf, and, when with_size, their size on disk.
 * Free with ve_template_infos_free. Errors: -EINVAL (bad name), -ENOMEM, other negative errno.
 */
int ve_template_scan(const struct ve_global *g, const char *name, bool with_size,
		     struct ve_template_infos *ret);
void ve_template_infos_free(struct ve_template_infos *l);

/*
 * Builds a new version of template name with its recipe, whether or not one exists (an
 * existing version is never modified); new VEs then get it, existing VEs keep theirs.
 * Holds the template lock while building. Caller frees *ret_version.
 * Errors as ve_template_ensure.
 */
int ve_template_update(const struct ve_global *g, const char *name, char **ret_version);

/*
 * Removes version of template name (NULL: every version), but only if no VE config names it:
 * otherwise nothing is removed and -EBUSY is returned, logged in one line naming the VEs.
 * Holds the template lock exclusively, so no create can pick a version meanwhile (see
 * ve_template_pin). -ENOENT (logged) when the template or that version is not cached.
 */
int ve_template_remove(const struct ve_global *g, const char *name, const char *version);

/*
 * Pins a version of template name for a create: builds the cache if name has none (only when
 * version is NULL), then holds the template lock shared, so the version can be neither removed
 * nor superseded until ve_template_unpin. While pinned, ve_template_ensure(name) in this
 * process returns the pinned version, so version selects the cache a create uses (NULL: the
 * newest). Returns the lock fd and the version (*ret_version, caller frees), or -ENOENT
 * (logged: no recipe, or no such version), -EINVAL (bad name or version), other errno.
 */
int ve_template_pin(const struct ve_global *g, const char *name, const char *version,
		    char **ret_version);
/* Releases a pin; fd < 0 is a no-op. */
void ve_template_unpin(int fd);

#endif
