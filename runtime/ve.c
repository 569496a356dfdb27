/* Public lifecycle entry points: checks common to every backend, then the backend's op. */
#include "ve.h"
#include "cgroup.h"
#include "fs/storage.h"
#include "templates/template.h"
#include "util.h"

#include <string.h>

extern const struct ve_backend_ops ve_ct_ops;
extern const struct ve_backend_ops ve_vm_ops;

const struct ve_backend_ops *ve_backend_get(enum ve_type type)
{
	return type == VE_TYPE_VM ? &ve_vm_ops : &ve_ct_ops;
}

static const struct ve_backend_ops *ops(const struct ve_config *c)
{
	return ve_backend_get(c->type);
}

static int init_cgroups(const struct ve_config *c)
{
	int r = ve_cgroup_init(c->global->cgroup_parent);

	if (r < 0)
		return log_errno(r, "No usable cgroup hierarchy: %m");
	return 0;
}

int ve_get_status(const struct ve_config *c, struct ve_status *ret)
{
	int r = init_cgroups(c);

	return r < 0 ? r : ops(c)->status(c, ret);
}

int ve_get_status_id(const struct ve_global *g, unsigned veid, struct ve_status *ret)
{
	struct ve_config *c = NULL;
	int r = ve_config_load(g, veid, &c);

	memset(ret, 0, sizeof(*ret));
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = ve_get_status(c, ret);
	ve_config_free(c);
	return r;
}

/*
 * Before anything is created: the pool must have room (full: -ENOSPC; a threshold: a warning)
 * and the template version is pinned from its choice until the config names it, so that a
 * template-remove cannot take it meanwhile. o->ostemplate NAME/VERSION picks a version.
 */
int ve_create(struct ve_config *c, const struct ve_create_opts *o)
{
	struct ve_create_opts co = *o;
	_cleanup_free_ char *name = NULL, *version = NULL;
	char *slash;
	int pin, r;

	if (ve_path_exists(c->path))
		return log_errno(-EEXIST, "Container %s already exists", c->veid_str);
	/* The template cache, its lock and DEF_OSTEMPLATE are the global configuration's. */
	if (!c->global)
		return log_errno(-EINVAL, "Container %s: no global configuration", c->veid_str);
	if (!o->ostemplate && !c->global->def_ostemplate)
		return log_errno(-EINVAL, "Container %s: no --ostemplate and no DEF_OSTEMPLATE",
				 c->veid_str);
	name = strdup(o->ostemplate ? o->ostemplate : c->global->def_ostemplate);
	if (!name)
		return -ENOMEM;
	/* A pool that cannot be measured (logged) does not stop a create; only a full one. */
	if (ve_pool_check(c, o->private_dir) == -ENOSPC)
		return -ENOSPC;
	slash = strchr(name, '/');
	if (slash)
		*slash++ = '\0';
	pin = ve_template_pin(c->global, name, slash, &version);
	if (pin < 0)
		return pin == -ENOENT ? -ENOPKG : pin; /* logged */
	co.ostemplate = name;
	r = ops(c)->create(c, &co);
	ve_template_unpin(pin);
	return r;
}

int ve_destroy(struct ve_config *c)
{
	int r = init_cgroups(c);

	return r < 0 ? r : ops(c)->destroy(c);
}

int ve_mount(struct ve_config *c)
{
	int r = init_cgroups(c); /* whether it runs is asked of its cgroup */

	return r < 0 ? r : ops(c)->mount(c);
}

int ve_umount(struct ve_config *c)
{
	int r = init_cgroups(c);

	return r < 0 ? r : ops(c)->umount(c);
}

int ve_start(struct ve_config *c, const struct ve_start_opts *o)
{
	struct ve_status st;
	int r = ve_get_status(c, &st);

	if (r < 0)
		return r;
	if (!st.exists)
		return log_errno(-ENOENT, "Container %s private area %s does not exist",
				 c->veid_str, c->fs.private);
	if (st.running)
		return log_errno(-EALREADY, "Container is already running");
	if (c->disabled && !(o && o->force))
		return log_errno(-EPERM, "Container start disabled (use --force)");
	log_info("Starting container ...");
	r = ops(c)->start(c, o);
	if (r == 0)
		log_info("Container start in progress...");
	return r;
}

int ve_stop(struct ve_config *c, const struct ve_stop_opts *o)
{
	int r = init_cgroups(c);

	return r < 0 ? r : ops(c)->stop(c, o);
}

int ve_restart(struct ve_config *c, const struct ve_stop_opts *so, const struct ve_start_opts *o)
{
	struct ve_status st;
	int r = ve_get_status(c, &st);

	if (r < 0)
		return r;
	if (st.running) {
		r = ve_stop(c, so);
		if (r < 0)
			return r;
	}
	return ve_start(c, o);
}

int ve_exec(const struct ve_config *c, const struct ve_exec_opts *o, int *ret_status)
{
	int r = init_cgroups(c);

	return r < 0 ? r : ops(c)->exec(c, o, ret_status);
}

static int apply_stopped(struct ve_config *c)
{
	struct ve_start_opts so = {.wait = true, .force = true};
	struct ve_stop_opts to = {0};
	int level = ve_log_get_level(), r;

	ve_log_set_level(VE_LOG_WARN); /* the start and stop are an implementation detail */
	r = ops(c)->start(c, &so);
	ve_log_set_level(level);
	if (r < 0)
		return r;
	r = ops(c)->apply(c, VE_CHANGED_USERPASSWD);
	ve_log_set_level(VE_LOG_WARN);
	int k = ops(c)->stop(c, &to);
	ve_log_set_level(level);
	return r < 0 ? r : k;
}

int ve_apply(struct ve_config *c)
{
	struct ve_status st;
	int r;

	if (!c->changed)
		return 0;
	ve_fault_point("set", "apply");
	r = ve_get_status(c, &st);
	if (r < 0)
		return r;
	if (st.running)
		return ops(c)->apply(c, c->changed);
	/* A stopped VE's disk is resized offline (grow where the backend can). */
	if ((c->changed & VE_CHANGED_FS) && (r = ops(c)->apply(c, VE_CHANGED_FS)) < 0)
		return r;
	if (!(c->changed & VE_CHANGED_USERPASSWD))
		return 0;
	/* A password is set by the template's script inside the VE, never by running the VE's
	 * own binaries on the host: a stopped VE is started for it, then stopped again. */
	return apply_stopped(c);
}
