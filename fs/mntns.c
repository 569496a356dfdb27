/* A private mount namespace for mounts that must not appear in the host's mount table. */
#include "storage-internal.h"
#include "runtime/util.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

int storage_mntns_enter(struct storage_mntns *ns)
{
	ns->host = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	ns->cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ns->host < 0 || ns->cwd < 0 || unshare(CLONE_NEWNS) < 0) {
		int r = neg_errno();
		storage_mntns_leave(ns);
		return r;
	}
	/* A copy shares the host's propagation groups: a mount here would appear there. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		int r = neg_errno();
		storage_mntns_leave(ns);
		return r;
	}
	return 0;
}

void storage_mntns_leave(struct storage_mntns *ns)
{
	/* setns puts us at the namespace's root: the working directory is restored after. */
	if (ns->host >= 0 && setns(ns->host, CLONE_NEWNS) < 0)
		log_error("Unable to return to the host's mount namespace: %m");
	if (ns->cwd >= 0 && fchdir(ns->cwd) < 0)
		log_warn_errno(neg_errno(),
			       "Unable to return to the working directory: %m, ignoring");
	if (ns->host >= 0)
		close(ns->host);
	if (ns->cwd >= 0)
		close(ns->cwd);
	ns->host = ns->cwd = -1;
}
