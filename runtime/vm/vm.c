/*
 * The QEMU/KVM backend: full virtual machines under the same commands and config files.
 * Not built yet; every op says so, so "--type vm" fails clearly instead of half-working.
 */
#include "runtime/ve.h"
#include "runtime/util.h"

static int vm_unsupported(void)
{
	return log_errno(-EOPNOTSUPP, "Virtual machines (VE_TYPE=vm) are not yet supported");
}

static int vm_create(struct ve_config *c, const struct ve_create_opts *o)
{
	return vm_unsupported();
}

static int vm_config_op(struct ve_config *c)
{
	return vm_unsupported();
}

static int vm_start(struct ve_config *c, const struct ve_start_opts *o)
{
	return vm_unsupported();
}

static int vm_stop(struct ve_config *c, const struct ve_stop_opts *o)
{
	return vm_unsupported();
}

static int vm_status(const struct ve_config *c, struct ve_status *ret)
{
	*ret = (struct ve_status){.exists = true};
	return 0;
}

static int vm_exec(const struct ve_config *c, const struct ve_exec_opts *o, int *ret_status)
{
	return vm_unsupported();
}

static int vm_apply(struct ve_config *c, unsigned changed)
{
	return vm_unsupported();
}

const struct ve_backend_ops ve_vm_ops = {
    .name = "vm",
    .create = vm_create,
    .destroy = vm_config_op,
    .mount = vm_config_op,
    .umount = vm_config_op,
    .start = vm_start,
    .stop = vm_stop,
    .status = vm_status,
    .exec = vm_exec,
    .apply = vm_apply,
};
