/* Stopping a container VE: the template's clean shutdown, then the cgroup is emptied. */
#include "ct-internal.h"
#include "fs/storage.h"
#include "net/net.h"
#include "runtime/cgroup.h"
#include "runtime/util.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>

/* Waits until pid exits, up to timeout_ms. Returns 0 when gone, -ETIMEDOUT otherwise. */
static int wait_exit(pid_t pid, unsigned timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	if (fd < 0)
		return errno == ESRCH ? 0 : neg_errno();
	do
		r = poll(&p, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	close(fd);
	return r > 0 ? 0 : -ETIMEDOUT;
}

/* Asks init to shut down with the template's stop script and waits for it to exit. A template
 * without a stop script (-ENOENT) is stopped by killing. */
static int clean_shutdown(struct ve_config *c, pid_t init, unsigned timeout)
{
	_cleanup_free_ char *script = NULL;
	_cleanup_strv_ char **env = NULL;
	int r, status;

	r = ct_dist_script(c, "stop", &script);
	if (r == -ENOENT)
		return -ENOENT;
	if (r < 0)
		return r;
	env = ct_base_env(c);
	if (!env)
		return -ENOMEM;
	r = ct_run_script(c, script, env, &status);
	if (r < 0)
		return r;
	return wait_exit(init, timeout * 1000);
}

int ct_cleanup(struct ve_config *c, bool umount, bool net_async)
{
	int r, ret = 0;

	ve_fault_point("stop", "kill");
	r = ve_cgroup_kill_all(c->veid, 10000);
	if (r < 0 && r != -ENOENT)
		ret = log_errno(r, "CT %s: unable to kill all processes: %m", c->veid_str);
	ve_fault_point("stop", "net");
	/* With every process gone the VE's netns goes, and its veths with it (net.h). */
	if (net_async && ret == 0)
		ve_net_release(c);
	else
		ve_net_stop(c);
	ve_fault_point("stop", "cgroup");
	if (ret == 0) {
		r = ve_cgroup_destroy(c->veid);
		if (r < 0)
			ret = log_errno(r, "CT %s: unable to remove cgroup: %m", c->veid_str);
	}
	ve_fault_point("stop", "umount");
	if (umount && ret == 0) {
		r = ve_storage_umount(&c->fs);
		if (r < 0)
			ret = r;
	}
	if (ret == 0)
		ct_state_remove(c);
	return ret;
}

int ct_stop(struct ve_config *c, const struct ve_stop_opts *o)
{
	unsigned timeout = o && o->timeout ? o->timeout : c->stop_timeout;
	pid_t init;
	int r;

	r = ct_state_init_pid(c, &init);
	if (r < 0)
		return r;
	if (init == 0) {
		if (!ct_state_started(c) && ve_cgroup_exists(c->veid) != 1)
			return log_errno(-ESRCH, "Container is not running");
		/* An interrupted start or a VE that died: remove what it left. */
		log_info("CT %s: not running; removing leftovers of an interrupted start",
			 c->veid_str);
		return ct_cleanup(c, true, false);
	}
	if (!o || !o->fast) {
		log_info("Stopping container ...");
		ve_fault_point("stop", "shutdown");
		r = clean_shutdown(c, init, timeout);
		if (r == -ETIMEDOUT)
			log_warn("CT %s: clean shutdown timed out after %us; killing", c->veid_str,
				 timeout);
		else if (r < 0 && r != -ENOENT)
			log_warn_errno(r, "CT %s: clean shutdown failed (%m); killing",
				       c->veid_str);
	}
	r = ct_cleanup(c, true, true);
	if (r < 0)
		return r;
	log_info("Container was stopped");
	return 0;
}
