/*
 * Provisioning policy shared by the layouts: thick (a preallocated disk) only where the backend
 * can allocate one, and `vzctl compact`, which gives space freed inside a VE back to the host.
 */
#include "storage-internal.h"
#include "runtime/util.h"

int storage_thick_check(const struct ve_fs *fs, const struct ve_storage_ops *o, int err)
{
	if (!fs->thick || o->provision)
		return 0;
	/* dir and the quota layouts share the host filesystem: there is no disk of a fixed size
	 * to allocate, so thick could only be a promise the host does not keep. */
	return log_errno(err,
			 "Layout '%s' cannot do thick provisioning: it has no disk of its own "
			 "(use --layout image with --diskspace, or DISK_PROVISIONING=thin)",
			 o->name);
}

int ve_storage_compact(const struct ve_fs *fs, uint64_t *ret_before, uint64_t *ret_after)
{
	const struct ve_storage_ops *o = ve_storage_get(fs->layout);

	*ret_before = *ret_after = 0;
	if (!o)
		return log_errno(-EINVAL, "Unknown storage layout '%s'", fs->layout);
	if (!o->compact) {
		log_info(
		    "Layout '%s' returns freed space to the host by itself: nothing to compact",
		    o->name);
		return 1;
	}
	return o->compact(fs, ret_before, ret_after);
}
