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

int ct_pidfd_wait(int fd, unsigned timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : -ETIMEDOUT;
}

/* Asks init to shut down with the template's stop script and waits for it to exit. A template
 * without a stop script (-ENOENT) is stopped by killing. */
static int clean_shutdown(struct ve_config *c, int init_fd, unsigned timeout)
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
	return ct_pidfd_wait(init_fd, timeout * 1000);
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
	_cleanup_close_ int init_fd = -1;
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
	/* One handle on the init checked above: no signal can reach a reused pid. */
	init_fd = (int)syscall(SYS_pidfd_open, init, 0);
	if (init_fd < 0 && errno != ESRCH)
		return log_errno(neg_errno(), "CT %s: open init %d: %m", c->veid_str, init);
	if (init_fd >= 0 && (!o || !o->fast)) {
		log_info("Stopping container ...");
		ve_fault_point("stop", "shutdown");
		r = clean_shutdown(c, init_fd, timeout);
		if (r == -ETIMEDOUT)
			log_warn("CT %s: clean shutdown timed out after %us; killing", c->veid_str,
				 timeout);
		else if (r < 0 && r != -ENOENT)
			log_warn_errno(r, "CT %s: clean shutdown failed (%m); killing",
				       c->veid_str);
	}
	/*
	 * SIGKILL to init ends its pid namespace: the kernel kills every process in it and init
	 * exits last, and nothing can fork into the dying namespace. What the cgroup still holds
	 * after that (a host-side process of an exec) is killed by ct_cleanup, which then has no
	 * reason to freeze the VE (a v1 freeze and thaw toggle a kernel static key: code patching
	 * with an IPI to every CPU, twice per stop).
	 */
	if (init_fd >= 0 && ct_pidfd_wait(init_fd, 0) < 0) {
		r = (int)syscall(SYS_pidfd_send_signal, init_fd, SIGKILL, NULL, 0);
		if (r == 0)
			r = ct_pidfd_wait(init_fd, 10000);
		if (r < 0)
			log_debug("CT %s: init %d after SIGKILL: %d", c->veid_str, init, r);
	}
	r = ct_cleanup(c, true, true);
	if (r < 0)
		return r;
	log_info("Container was stopped");
	return 0;
}
