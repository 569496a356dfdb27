/*
 * OS templates: recipes in DIST_DIR/<distro>/ build a read-only, versioned cache tree under
 * TEMPLATE/cache/<name>/<version>/root. Distribution scripts (set hostname, IPs, password,
 * shutdown) live beside the recipe and run inside the VE with a fixed environment.
 */
#ifndef VE_TEMPLATE_H
#define VE_TEMPLATE_H

#include <stdbool.h>

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

#endif
