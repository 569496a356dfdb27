/* The container backend's ops: create, destroy, mount, status and live changes. */
#include "ct-internal.h"
#include "fs/storage.h"
#include "net/net.h"
#include "runtime/cgroup.h"
#include "runtime/lock.h"
#include "runtime/util.h"
#include "templates/template.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static int set_str(char **dst, const char *v)
{
	char *s = strdup(v);

	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* --layout, else the sample's VE_LAYOUT, else vz.conf's, else by probing (fs/storage.h). */
static int pick_layout(struct ve_config *c, const char *wanted)
{
	const char *layout;

	if (!wanted && (!c->fs.layout || !*c->fs.layout) && *c->global->ve_layout)
		wanted = c->global->ve_layout;
	if (wanted && set_str(&c->fs.layout, wanted) < 0)
		return -ENOMEM;
	layout = ve_storage_choose_layout(&c->fs);
	if (!layout)
		return -EOPNOTSUPP;
	if (!ve_storage_get(layout))
		return log_errno(-EINVAL, "Unknown storage layout '%s'", layout);
	return set_str(&c->fs.layout, layout);
}

static int ct_create(struct ve_config *c, const struct ve_create_opts *o)
{
	const char *tmpl = o->ostemplate ? o->ostemplate : c->global->def_ostemplate;
	_cleanup_free_ char *version = NULL;
	int r;

	if (!ve_template_name_valid(tmpl))
		return log_errno(-EINVAL, "Invalid OS template name '%s'", tmpl);
	ve_fault_point("create", "template");
	r = ve_template_ensure(c->global, tmpl, &version);
	if (r == -ENOENT)
		return log_errno(-ENOPKG, "OS template %s not found", tmpl);
	if (r < 0)
		return r;
	if (set_str(&c->fs.ostemplate, tmpl) < 0 || set_str(&c->fs.ostemplate_version, version) < 0)
		return -ENOMEM;
	if ((o->private_dir && set_str(&c->fs.private, o->private_dir) < 0) ||
	    (o->root_dir && set_str(&c->fs.root, o->root_dir) < 0))
		return -ENOMEM;
	r = pick_layout(c, o->layout);
	if (r < 0)
		return r;
	static const char *const keys[] = {"OSTEMPLATE", "OSTEMPLATE_VERSION", "VE_LAYOUT",
					   "VE_ROOT", "VE_PRIVATE"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		ve_config_mark(c, keys[i]);
	/* The id range is chosen and recorded under one host-wide lock: two creates at once must
	 * not pick the same range. */
	int lock = o->privileged ? -1 : ve_lock_acquire_global(c->global);
	if (lock < -1 || (lock >= 0 && (r = ve_config_alloc_ids(c)) < 0)) {
		ve_lock_release(lock);
		return lock < -1 ? lock : r;
	}
	/* The config first: a create killed after it leaves a VE that destroy can remove; one
	 * killed before it leaves nothing. A failure undoes both. */
	ve_fault_point("create", "config");
	r = ve_config_save(c);
	ve_lock_release(lock);
	if (r < 0)
		return r;
	ve_fault_point("create", "storage");
	r = ve_storage_create(&c->fs);
	if (r < 0) {
		if (unlink(c->path) < 0 && errno != ENOENT)
			log_warn_errno(neg_errno(), "Unable to remove %s: %m, ignoring", c->path);
		return r;
	}
	log_info("Container private area was created");
	return 0;
}

static int ct_status(const struct ve_config *c, struct ve_status *ret)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->exists = c->fs.private && ve_path_exists(c->fs.private);
	r = c->fs.root ? ve_storage_is_mounted(&c->fs) : 0;
	ret->mounted = r == 1;
	r = ct_state_init_pid(c, &ret->init_pid);
	if (r < 0)
		return r;
	ret->running = ret->init_pid > 0;
	/* A running VE's root is mounted in its own mount namespace only. */
	ret->mounted |= ret->running;
	return 0;
}

static int ct_destroy(struct ve_config *c)
{
	_cleanup_free_ char *dest = NULL;
	struct ve_status st;
	int r = ct_status(c, &st);

	if (r < 0)
		return r;
	if (st.running)
		return log_errno(-EBUSY, "Container is currently running. Stop it first.");
	if (st.mounted && !ct_state_started(c))
		return log_errno(-EISCONN, "Container is currently mounted (umount first)");
	/* Leftovers of an interrupted start or stop (cgroup, veths, mount) go first. A complete
	 * stop removed the pid file last and left nothing but the veths, which go with the VE's
	 * netns (deleting them here would wait for the kernel's teardown of other netns). */
	ve_fault_point("destroy", "cleanup");
	if (ct_state_started(c) || ve_cgroup_exists(c->veid) == 1) {
		r = ct_cleanup(c, true, false);
		if (r < 0)
			return r;
	}
	log_info("Destroying container private area: %s", c->fs.private);
	ve_fault_point("destroy", "storage");
	r = ve_storage_destroy(&c->fs);
	if (r < 0)
		return r;
	ve_fault_point("destroy", "config");
	dest = ve_strdup_printf("%s.destroyed", c->path);
	if (!dest)
		return -ENOMEM;
	if (rename(c->path, dest) < 0 && errno != ENOENT)
		return log_errno(neg_errno(), "Unable to move %s away: %m", c->path);
	log_info("Container private area was destroyed");
	return 0;
}

static int ct_mount(struct ve_config *c)
{
	_cleanup_free_ char *lower = NULL;
	struct ve_status st;
	int r = ct_status(c, &st);

	if (r < 0)
		return r;
	if (st.mounted)
		return log_errno(-EALREADY, "Container is already mounted%s",
				 st.running ? " (it is running)" : "");
	r = ve_template_root(c->global, c->fs.ostemplate, c->fs.ostemplate_version, &lower);
	if (r < 0)
		return log_errno(-ENOPKG, "OS template %s not found", c->fs.ostemplate);
	r = ve_storage_mount(&c->fs, lower);
	if (r == 0)
		log_info("Container is mounted");
	return r;
}

static int ct_umount(struct ve_config *c)
{
	struct ve_status st;
	int r = ct_status(c, &st);

	if (r < 0)
		return r;
	if (st.running)
		return log_errno(-EBUSY, "Container is running -- stop it first");
	if (!st.mounted)
		return log_errno(-ENOTCONN, "Container is not mounted");
	r = ve_storage_umount(&c->fs);
	if (r == 0)
		log_info("Container is unmounted");
	return r;
}

static int run_action(struct ve_config *c, const char *action, char **extra)
{
	_cleanup_free_ char *script = NULL;
	_cleanup_strv_ char **env = ct_base_env(c);
	int r, status;

	if (!env)
		return -ENOMEM;
	for (char **e = extra; e && *e; e++)
		if (ve_strv_push(&env, *e) < 0)
			return -ENOMEM;
	r = ct_dist_script(c, action, &script);
	if (r == -ENOENT)
		return log_errno(r, "CT %s: the template has no '%s' script", c->veid_str, action);
	if (r < 0)
		return r;
	r = ct_run_script(c, script, env, &status);
	if (r < 0)
		return r;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return log_errno(-EPROTO, "CT %s: '%s' script failed", c->veid_str, action);
	return 0;
}

static int apply_userpasswd(struct ve_config *c)
{
	for (char **p = c->userpasswd; p && *p; p++) {
		const char *colon = strchr(*p, ':');
		_cleanup_free_ char *user = strndup(*p, colon - *p);
		_cleanup_free_ char *ue = ve_strdup_printf("USER=%s", user ? user : "");
		_cleanup_free_ char *pe = ve_strdup_printf("PASSWORD=%s", colon + 1);
		char *env[] = {ue, pe, NULL};
		int r;

		if (!user || !ue || !pe)
			return -ENOMEM;
		r = run_action(c, "set-userpasswd", env);
		if (r < 0)
			return -EACCES;
	}
	return 0;
}

/* Network changes on a running VE: the difference to the saved config, in the VE's netns. */
static int apply_net(struct ve_config *c)
{
	struct ve_config *old = NULL;
	_cleanup_close_ int fd = -1;
	char path[64];
	pid_t pid;
	int r;

	r = ct_state_init_pid(c, &pid);
	if (r < 0)
		return r;
	if (pid <= 0)
		return log_errno(-ESRCH, "CT %s: no init process: %m", c->veid_str);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return log_errno(neg_errno(), "open '%s': %m", path);
	/* The file still holds what the VE runs with: set saves only after applying. */
	r = ve_config_load(c->global, c->veid, &old);
	if (r < 0)
		return log_errno(r, "CT %s: load the saved config: %m", c->veid_str);
	r = ve_net_apply(old, c, fd);
	ve_config_free(old);
	return r;
}

/* The VE's own view of its network (interface files, IPv6) follows a live change. */
static int apply_net_inside(struct ve_config *c)
{
	_cleanup_free_ char *script = NULL;
	_cleanup_strv_ char **env = NULL;
	int r = ct_dist_script(c, "set-network", &script);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = ct_network_env(c, &env);
	if (r < 0)
		return r;
	return run_action(c, "set-network", env);
}

static int ct_apply(struct ve_config *c, unsigned changed)
{
	int r;

	/* The disk first: it is the change most likely refused, and then nothing else changed. */
	if (changed & VE_CHANGED_FS) {
		r = ve_storage_resize(&c->fs);
		if (r < 0)
			return r;
	}

	if (changed & (VE_CHANGED_RES | VE_CHANGED_DEVICES)) {
		r = ve_cgroup_apply(c->veid, &c->res, &c->sec);
		if (r < 0)
			return r;
		r = ve_cgroup_set_io_limit(c->veid, c->fs.private, c->res.iolimit,
					   c->res.iopslimit);
		if (r < 0 && (c->res.iolimit || c->res.iopslimit))
			return r;
	}
	if (changed & VE_CHANGED_HOSTNAME) {
		_cleanup_free_ char *h =
		    ve_strdup_printf("HOSTNAME=%s", c->net.hostname ? c->net.hostname : "");
		char *env[] = {h, NULL};
		if (!h)
			return -ENOMEM;
		if (c->net.hostname && (r = run_action(c, "set-hostname", env)) < 0)
			return r;
	}
	if (changed & VE_CHANGED_USERPASSWD) {
		r = apply_userpasswd(c);
		if (r < 0)
			return r;
	}
	if (changed & VE_CHANGED_NET) {
		r = apply_net(c);
		if (r == 0)
			r = apply_net_inside(c);
		if (r < 0)
			return r;
	}
	/* Capabilities and the seccomp filter of running processes cannot be changed. */
	if (changed & VE_CHANGED_SEC)
		log_warn("CT %s: capability and feature changes take effect at the next start",
			 c->veid_str);
	return 0;
}

const struct ve_backend_ops ve_ct_ops = {
    .name = "ct",
    .create = ct_create,
    .destroy = ct_destroy,
    .mount = ct_mount,
    .umount = ct_umount,
    .start = ct_start,
    .stop = ct_stop,
    .status = ct_status,
    .exec = ct_exec,
    .apply = ct_apply,
};
