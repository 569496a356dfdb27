/* CLI: option parsing (cli_parse, cli_first_positional) and errno to exit code mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "cmd/cli.h"
#include "cmd/exitcode.h"
#include "cmd/opts.h"
#include "runtime/config.h"
#include "runtime/util.h"

#include "capture.h"

/* The flags of vzctl set. */
struct set_opts {
	bool save, force;
	const char *setmode;
	struct cli_flag flags[4];
};

static void set_opts_init(struct set_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->flags[0] = (struct cli_flag){"save", false, &o->save, NULL};
	o->flags[1] = (struct cli_flag){"force", false, &o->force, NULL};
	o->flags[2] = (struct cli_flag){"setmode", true, NULL, &o->setmode};
	o->flags[3] = (struct cli_flag){NULL, false, NULL, NULL};
}

static struct ve_config *new_config(void)
{
	struct ve_config *c = NULL;

	assert_int_equal(ve_config_parse(NULL, 101, "101.conf", "", &c), 0);
	return c;
}

#define ARGC(a) ((int)ARRAY_SIZE(a) - 1)

/* Runs cli_parse on a NULL-terminated argv; stderr goes to *err when err is set. */
static int parse(struct set_opts *o, struct ve_config *c, char **argv, char ***rest, char **err)
{
	int argc = 0, r;

	while (argv[argc])
		argc++;
	*rest = NULL;
	capture_begin();
	r = cli_parse("set", argc, argv, o->flags, c, rest);
	if (err)
		*err = capture_end();
	else
		free(capture_end());
	return r;
}

static void test_flags_and_values(void **state)
{
	char *argv[] = {"--save", "--setmode=restart", "101", NULL};
	char *argv2[] = {"--setmode", "ignore", "--force", NULL};
	char *argv3[] = {"--setmode=", NULL};
	struct set_opts o;
	char **rest;

	set_opts_init(&o);
	assert_int_equal(parse(&o, NULL, argv, &rest, NULL), 0);
	assert_true(o.save);
	assert_false(o.force);
	assert_string_equal(o.setmode, "restart");
	assert_ptr_equal(o.setmode, argv[1] + strlen("--setmode="));
	assert_ptr_equal(rest[0], argv[2]); /* positionals point into argv */
	assert_null(rest[1]);
	free(rest);

	set_opts_init(&o);
	assert_int_equal(parse(&o, NULL, argv2, &rest, NULL), 0);
	assert_false(o.save);
	assert_true(o.force);
	assert_ptr_equal(o.setmode, argv2[1]);
	assert_null(rest[0]);
	free(rest);

	set_opts_init(&o);
	assert_int_equal(parse(&o, NULL, argv3, &rest, NULL), 0);
	assert_string_equal(o.setmode, "");
	free(rest);
}

static void test_syntax_errors(void **state)
{
	char *missing[] = {"101", "--setmode", NULL};
	char *unknown[] = {"101", "--bogus", NULL};
	char *novalue[] = {"--save=yes", NULL};
	char *noconfig[] = {"--ram", "1G", NULL}; /* config options need a config */
	char *single[] = {"--", NULL};
	char longopt[200] = "--";
	char *toolong[] = {longopt, NULL};
	struct set_opts o;
	char **rest, *err;

	set_opts_init(&o);
	assert_int_equal(parse(&o, NULL, missing, &rest, &err), VZ_INVALID_PARAMETER_SYNTAX);
	assert_null(rest);
	assert_non_null(strstr(err, "vzctl set: option '--setmode' requires a value"));
	free(err);

	assert_int_equal(parse(&o, NULL, unknown, &rest, &err), VZ_INVALID_PARAMETER_SYNTAX);
	assert_non_null(strstr(err, "unrecognized option '--bogus'"));
	free(err);

	assert_int_equal(parse(&o, NULL, novalue, &rest, &err), VZ_INVALID_PARAMETER_SYNTAX);
	assert_non_null(strstr(err, "'--save' takes no value"));
	assert_false(o.save);
	free(err);

	assert_int_equal(parse(&o, NULL, noconfig, &rest, NULL), VZ_INVALID_PARAMETER_SYNTAX);

	memset(longopt + 2, 's', 150);
	assert_int_equal(parse(&o, NULL, toolong, &rest, NULL), VZ_INVALID_PARAMETER_SYNTAX);
	/* "save" followed by junk must not be taken for --save once cut to the buffer. */
	memcpy(longopt + 2, "save", 4);
	assert_int_equal(parse(&o, NULL, toolong, &rest, NULL), VZ_INVALID_PARAMETER_SYNTAX);
	assert_false(o.save);

	assert_int_equal(parse(&o, NULL, single, &rest, NULL), 0);
	assert_null(rest[0]);
	free(rest);
}

static void test_config_options(void **state)
{
	char *argv[] = {"--ram",
			"512M",
			"101",
			"--ipadd=10.0.0.1",
			"--hostname",
			"h.example",
			"--netif_add",
			"eth0,,veth101.0",
			"--description=a=b",
			NULL};
	char *badval[] = {"--ram", "lots", NULL};
	char *badval2[] = {"--ram=1M", NULL};
	char *missing[] = {"--ipadd", NULL};
	char *dupip[] = {"--ipadd", "10.0.0.1", NULL};
	char *absent[] = {"--ipdel", "10.9.9.9", NULL};
	char *dupif[] = {"--netif_add", "eth0", NULL};
	struct ve_config *c = new_config();
	struct set_opts o;
	char **rest, *err;

	set_opts_init(&o);
	assert_int_equal(parse(&o, c, argv, &rest, NULL), 0);
	assert_string_equal(rest[0], "101");
	assert_null(rest[1]);
	free(rest);
	assert_int_equal(c->res.physpages.limit, 512ULL << 20);
	assert_string_equal(c->net.ip_addresses[0], "10.0.0.1");
	assert_string_equal(c->net.hostname, "h.example");
	assert_int_equal(c->net.n_netifs, 1);
	assert_string_equal(c->description, "a=b");
	assert_true(c->changed & VE_CHANGED_RES);
	assert_true(c->changed & VE_CHANGED_NET);

	assert_int_equal(parse(&o, c, badval, &rest, &err), VZ_INVALID_PARAMETER_VALUE);
	assert_non_null(strstr(err, "--ram"));
	free(err);
	assert_int_equal(parse(&o, c, badval2, &rest, NULL), VZ_INVALID_PARAMETER_VALUE);
	assert_int_equal(c->res.physpages.limit, 512ULL << 20);
	assert_int_equal(parse(&o, c, missing, &rest, &err), VZ_INVALID_PARAMETER_SYNTAX);
	assert_non_null(strstr(err, "'--ipadd' requires a value"));
	free(err);
	assert_int_equal(parse(&o, c, dupip, &rest, NULL), VZ_IP_INUSE);
	assert_int_equal(parse(&o, c, absent, &rest, NULL), VZ_INVALID_PARAMETER_VALUE);
	assert_int_equal(parse(&o, c, dupif, &rest, NULL), VZ_INVALID_PARAMETER_VALUE);
	ve_config_free(c);
}

static void test_positionals(void **state)
{
	char *argv[] = {"101", "-x", "--save", "two", "-", "--", "--ram", "bogus", "--", NULL};
	struct ve_config *c = new_config();
	struct set_opts o;
	char **rest;

	set_opts_init(&o);
	assert_int_equal(parse(&o, c, argv, &rest, NULL), 0);
	assert_true(o.save);
	assert_ptr_equal(rest[0], argv[0]);
	assert_ptr_equal(rest[1], argv[1]); /* one dash is not an option */
	assert_ptr_equal(rest[2], argv[3]);
	assert_ptr_equal(rest[3], argv[4]);
	/* After "--" everything is positional, a second "--" included. */
	assert_ptr_equal(rest[4], argv[6]);
	assert_ptr_equal(rest[5], argv[7]);
	assert_ptr_equal(rest[6], argv[8]);
	assert_null(rest[7]);
	free(rest);
	assert_true(c->res.physpages.limit == VE_UNLIMITED); /* --ram after -- not applied */
	ve_config_free(c);
}

static void test_first_positional(void **state)
{
	char *a1[] = {"--save", "101", NULL};
	char *a2[] = {"--ram", "1G", "102", "--save", NULL};
	char *a3[] = {"--ram=1G", "--force", "--wait", "--fast", "103", NULL};
	char *a4[] = {"104", "--ram", "1G", NULL};
	char *a5[] = {"--ram", NULL};
	char *a6[] = {"--save", "--ipadd", "105", NULL};
	char *a7[] = {"--", "106", NULL};
	char *a8[] = {"--save", "--", "--107", NULL};
	char *a9[] = {"--", NULL};
	char *a10[] = {NULL};

	assert_ptr_equal(cli_first_positional(ARGC(a1), a1), a1[1]);
	assert_ptr_equal(cli_first_positional(ARGC(a2), a2), a2[2]);
	assert_ptr_equal(cli_first_positional(ARGC(a3), a3), a3[4]);
	assert_ptr_equal(cli_first_positional(ARGC(a4), a4), a4[0]);
	assert_null(cli_first_positional(ARGC(a5), a5));
	assert_null(cli_first_positional(ARGC(a6), a6)); /* "105" is --ipadd's value */
	assert_ptr_equal(cli_first_positional(ARGC(a7), a7), a7[1]);
	assert_ptr_equal(cli_first_positional(ARGC(a8), a8), a8[2]);
	assert_null(cli_first_positional(ARGC(a9), a9));
	assert_null(cli_first_positional(ARGC(a10), a10));
}

static void test_exit_code(void **state)
{
	const struct cli_errmap map[] = {
	    {ENOENT, VZ_NOVECONFIG}, {EAGAIN, VZ_VE_RUNNING}, {0, VZ_SYSTEM_ERROR}};
	const struct cli_errmap empty[] = {{0, VZ_INVALID_PARAMETER_VALUE}};

	assert_int_equal(cli_exit_code(0, map), VZ_OK);
	assert_int_equal(cli_exit_code(5, map), VZ_OK);
	assert_int_equal(cli_exit_code(-ENOENT, map), VZ_NOVECONFIG);
	assert_int_equal(cli_exit_code(-EAGAIN, map), VZ_VE_RUNNING); /* the map comes first */
	assert_int_equal(cli_exit_code(-EAGAIN, empty), VZ_LOCKED);
	assert_int_equal(cli_exit_code(-ENOSPC, map), VZ_FS_NO_DISK_SPACE);
	assert_int_equal(cli_exit_code(-EDQUOT, map), VZ_FS_NO_DISK_SPACE);
	assert_int_equal(cli_exit_code(-ENOMEM, map), VZ_RESOURCE_ERROR);
	assert_int_equal(cli_exit_code(-EOPNOTSUPP, map), VZ_NOT_SUPPORTED);
	assert_int_equal(cli_exit_code(-EPERM, map), VZ_SYSTEM_ERROR);
	assert_int_equal(cli_exit_code(-EIO, empty), VZ_INVALID_PARAMETER_VALUE);
	assert_int_equal(cli_exit_code(-ENOENT, empty), VZ_INVALID_PARAMETER_VALUE);
	/* vzctl's numbers, which scripts depend on. */
	assert_int_equal(VZ_LOCKED, 9);
	assert_int_equal(VZ_INVALID_PARAMETER_SYNTAX, 20);
	assert_int_equal(VZ_INVALID_PARAMETER_VALUE, 21);
	assert_int_equal(VZ_VE_NOT_RUNNING, 31);
	assert_int_equal(VZ_VE_RUNNING, 32);
	assert_int_equal(VZ_IP_INUSE, 78);
}

static void test_usage_error(void **state)
{
	char *err;

	capture_begin();
	cli_usage_error("start", "bad %s %d", "thing", 42);
	err = capture_end();
	assert_string_equal(err, "vzctl start: bad thing 42\n");
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flags_and_values), cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_config_options),   cmocka_unit_test(test_positionals),
	    cmocka_unit_test(test_first_positional), cmocka_unit_test(test_exit_code),
	    cmocka_unit_test(test_usage_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
