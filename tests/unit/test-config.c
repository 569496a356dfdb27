/*
 * Config: KEY="value" parsing and writing, vz.conf loading, the vzctl set options, atomic
 * saving and finding VEs in a temporary confdir (value conversions: test-config-values.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/config-internal.h"
#include "runtime/config.h"
#include "runtime/util.h"

#include "capture.h"

static struct ve_config *parse_ok(const char *text)
{
	struct ve_config *c = NULL;

	assert_int_equal(ve_config_parse(NULL, 101, "101.conf", text, &c), 0);
	assert_non_null(c);
	return c;
}

static void assert_format(struct ve_config *c, const char *want)
{
	char *s = ve_config_format(c);

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

/* --- file parsing and writing --- */

static const char sample[] = "# vzkit sample\n"
			     "\n"
			     "   # indented comment\n"
			     "ONBOOT=\"yes\"\n"
			     "UNKNOWN_KEY=\"kept as is\"   # with a comment\n"
			     "PHYSPAGES=\"0:262144\"\n"
			     "HOSTNAME=ve101.example.com\n"
			     "NAME='web'\n"
			     "\t DESCRIPTION=\"two words\"# tight comment\n"
			     "EMPTY=\n"
			     "\n"
			     "IP_ADDRESS=\"10.0.0.1 fe80::1/64\"\n"
			     "# trailing comment\n";

static void test_roundtrip_unchanged(void **state)
{
	struct ve_config *c = parse_ok(sample);

	assert_true(c->onboot);
	assert_string_equal(c->net.hostname, "ve101.example.com");
	assert_string_equal(c->name, "web");
	assert_string_equal(c->description, "two words");
	assert_int_equal(c->res.physpages.barrier, 0);
	assert_int_equal(c->res.physpages.limit, 262144 * VE_PAGE_SIZE);
	assert_string_equal(c->net.ip_addresses[0], "10.0.0.1");
	assert_string_equal(c->net.ip_addresses[1], "fe80::1/64");
	assert_null(c->net.ip_addresses[2]);
	assert_int_equal(c->changed, 0);
	assert_format(c, sample);
	ve_config_free(c);

	/* A missing final newline is the only thing the writer adds. */
	c = parse_ok("A=1\n\n#x");
	assert_format(c, "A=1\n\n#x\n");
	ve_config_free(c);
	c = parse_ok("");
	assert_format(c, "");
	ve_config_free(c);
}

static void test_change_one_line(void **state)
{
	struct ve_config *c = parse_ok(sample);
	char *want;

	assert_int_equal(ve_config_set_option(c, "hostname", "other.example.org"), 0);
	assert_true(c->changed & VE_CHANGED_HOSTNAME);
	want = strdup(sample);
	assert_non_null(want);
	/* Only the HOSTNAME line changes, in place, and gets quoted. */
	{
		char *p = strstr(want, "HOSTNAME=ve101.example.com\n");
		char *out;

		assert_non_null(p);
		*p = '\0';
		out = ve_strdup_printf("%sHOSTNAME=\"other.example.org\"\n%s", want,
				       p + strlen("HOSTNAME=ve101.example.com\n"));
		free(want);
		want = out;
	}
	assert_format(c, want);
	free(want);

	/* A key the file does not have goes at the end. */
	assert_int_equal(ve_config_set_option(c, "onboot", "no"), 0);
	assert_int_equal(ve_config_set_option(c, "cpuunits", "2000"), 0);
	{
		char *s = ve_config_format(c);
		size_t len;

		assert_non_null(s);
		assert_non_null(strstr(s, "ONBOOT=\"no\"\nUNKNOWN_KEY="));
		const char *tail = "# trailing comment\nCPUUNITS=\"2000\"\n";

		len = strlen(s);
		assert_true(len > strlen(tail));
		assert_string_equal(s + len - strlen(tail), tail);
		free(s);
	}
	ve_config_free(c);
}

static void test_duplicate_key(void **state)
{
	const char *text = "HOSTNAME=\"first\"\nA=1\nHOSTNAME=\"second\"\nB=2\n";
	struct ve_config *c = parse_ok(text);

	assert_string_equal(c->net.hostname, "second");
	/* Unchanged: byte for byte, duplicates included. */
	assert_format(c, text);
	/* Once the key is written, the earlier occurrence goes; the last keeps its place. */
	ve_config_mark(c, "HOSTNAME");
	assert_format(c, "A=1\nHOSTNAME=\"second\"\nB=2\n");
	ve_config_free(c);
}

static void test_quoting_styles(void **state)
{
	struct ve_config *c = parse_ok("HOSTNAME=plain # comment\n"
				       "NAME='single'\n"
				       "DESCRIPTION='has \"double\" quotes'\n"
				       "OSTEMPLATE=\"has 'single' # not a comment\"\n"
				       "CPUMASK=\"\"\n"
				       "NAMESERVER=\"8.8.8.8\t1.1.1.1\"\n");

	assert_string_equal(c->net.hostname, "plain");
	assert_string_equal(c->name, "single");
	assert_string_equal(c->description, "has \"double\" quotes");
	assert_string_equal(c->fs.ostemplate, "has 'single' # not a comment");
	assert_null(c->res.cpumask);
	assert_string_equal(c->net.nameservers[0], "8.8.8.8");
	assert_string_equal(c->net.nameservers[1], "1.1.1.1");
	assert_null(c->net.nameservers[2]);
	ve_config_free(c);
}

/* Found by fuzz-config: rewriting a value read from single quotes that holds '"' failed. */
static void test_rewrite_single_quoted(void **state)
{
	struct ve_config *c = parse_ok("DESCRIPTION='say \"hi\"'\nHOSTNAME=\"it's\"\n");
	struct ve_config *c2;
	char *s;

	ve_config_mark(c, "DESCRIPTION");
	ve_config_mark(c, "HOSTNAME");
	s = ve_config_format(c);
	assert_non_null(s);
	assert_string_equal(s, "DESCRIPTION='say \"hi\"'\nHOSTNAME=\"it's\"\n");
	c2 = parse_ok(s);
	assert_string_equal(c2->description, "say \"hi\"");
	assert_string_equal(c2->net.hostname, "it's");
	free(s);
	ve_config_free(c2);
	ve_config_free(c);

	/* Both kinds of quote cannot be written: the file would not read back. */
	c = parse_ok("DESCRIPTION=a\"b'c\n");
	assert_string_equal(c->description, "a\"b'c");
	ve_config_mark(c, "DESCRIPTION");
	assert_null(ve_config_format(c));
	ve_config_free(c);
}

/* Long NETIF and DEVICES values are written back whole, not refused as out of memory. */
static void test_rewrite_long_values(void **state)
{
	size_t cap = 64 * 1024, o;
	char *text = malloc(cap), *s;
	struct ve_config *c, *c2;

	assert_non_null(text);
	o = snprintf(text, cap, "DEVICES=\"");
	for (int i = 0; i < 600; i++)
		o += snprintf(text + o, cap - o, "%sc:%d:%d:rwm", i ? " " : "", 1000 + i,
			      100000 + i);
	o += snprintf(text + o, cap - o, "\"\nNETIF=\"");
	for (int i = 0; i < 100; i++)
		o += snprintf(text + o, cap - o,
			      "%sifname=eth%d,mac=00:18:51:00:00:%02x,host_ifname=veth101.%d,"
			      "host_mac=00:18:51:01:00:%02x,bridge=vzbr%d,mac_filter=on",
			      i ? ";" : "", i, i, i, i, i);
	snprintf(text + o, cap - o, "\"\n");
	c = parse_ok(text);
	assert_int_equal(c->sec.n_devices, 600);
	assert_int_equal(c->net.n_netifs, 100);
	ve_config_mark(c, "DEVICES");
	ve_config_mark(c, "NETIF");
	s = ve_config_format(c);
	assert_non_null(s);
	assert_string_equal(s, text);
	c2 = parse_ok(s);
	assert_int_equal(c2->sec.n_devices, 600);
	assert_int_equal(c2->net.n_netifs, 100);
	free(s);
	free(text);
	ve_config_free(c);
	ve_config_free(c2);
}

static void expect_malformed(const char *text, const char *where, const char *reason)
{
	struct ve_config *c = NULL;
	char *err;
	int r;

	capture_begin();
	r = ve_config_parse(NULL, 101, "/etc/vz/conf/101.conf", text, &c);
	err = capture_end();
	assert_int_equal(r, -EINVAL);
	assert_null(c);
	if (!strstr(err, where) || !strstr(err, reason))
		fail_msg("for %s: want '%s' and '%s' in stderr, got '%s'", text, where, reason,
			 err);
	free(err);
}

static void test_malformed(void **state)
{
	expect_malformed("A=1\nno equals sign\n", "/etc/vz/conf/101.conf:2:", "KEY=");
	expect_malformed("#\n\nlower=1\n", "101.conf:3:", "invalid key name");
	expect_malformed("1ABC=1\n", "101.conf:1:", "invalid key name");
	expect_malformed("A B=1\n", "101.conf:1:", "invalid key name");
	expect_malformed("=1\n", "101.conf:1:", "invalid key name");
	expect_malformed("A=\"open\nB=1\n", "101.conf:1:", "unterminated quote");
	expect_malformed("A='open\n", "101.conf:1:", "unterminated quote");
	expect_malformed("A=1\nB=\"x\"y\n", "101.conf:2:", "junk after closing quote");
	expect_malformed("A=\"x\" y\n", "101.conf:1:", "junk after closing quote");
	expect_malformed("A=two words\n", "101.conf:1:", "spaces");
	/* A value a known key rejects also names file and line. */
	expect_malformed("A=1\nONBOOT=\"maybe\"\n", "101.conf:2:", "ONBOOT");
	expect_malformed("PHYSPAGES=\"2:1\"\n", "101.conf:1:", "PHYSPAGES");
	expect_malformed("IP_ADDRESS=\"10.0.0.300\"\n", "101.conf:1:", "IP_ADDRESS");
	expect_malformed("NETIF=\"mac=00:11:22:33:44:55\"\n", "101.conf:1:", "NETIF");
	expect_malformed("DEVICES=\"c:1:3\"\n", "101.conf:1:", "DEVICES");
	expect_malformed("CAPABILITY=\"sys_time\"\n", "101.conf:1:", "CAPABILITY");
}

/* --- a temporary confdir --- */

struct confdir {
	char path[64];
	struct ve_global *g;
};

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void confdir_setup(struct confdir *d, const char *vzconf)
{
	char *p;

	snprintf(d->path, sizeof(d->path), "/tmp/vzkit-test-config.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	setenv("VZ_CONFDIR", d->path, 1);
	d->g = NULL;
	if (vzconf) {
		p = ve_strdup_printf("%s/vz.conf", d->path);
		write_text(p, vzconf);
		free(p);
	}
}

static void confdir_write(struct confdir *d, const char *name, const char *text)
{
	char *p = ve_strdup_printf("%s/conf", d->path);

	assert_int_equal(ve_mkdir_p(p, 0755), 0);
	free(p);
	p = ve_strdup_printf("%s/conf/%s", d->path, name);
	write_text(p, text);
	free(p);
}

static void confdir_teardown(struct confdir *d)
{
	ve_global_free(d->g);
	assert_int_equal(ve_rm_rf(d->path), 0);
	unsetenv("VZ_CONFDIR");
}

static void test_global_defaults(void **state)
{
	struct confdir d;

	confdir_setup(&d, NULL);
	/* Missing vz.conf: an error unless allowed. */
	capture_begin();
	assert_int_equal(ve_global_load(false, &d.g), -ENOENT);
	free(capture_end());
	assert_null(d.g);
	assert_int_equal(ve_global_load(true, &d.g), 0);
	assert_string_equal(d.g->confdir, d.path);
	assert_string_equal(d.g->ve_root, "/vz/root/$VEID");
	assert_string_equal(d.g->ve_private, "/vz/private/$VEID");
	assert_string_equal(d.g->lockdir, "/vz/lock");
	assert_string_equal(d.g->bridge, "vzbr0");
	assert_true(d.g->bridge_create);
	assert_false(d.g->bridge_querier);
	assert_false(d.g->mcast_legacy);
	assert_string_equal(d.g->def_ostemplate, "busybox");
	assert_string_equal(d.g->configfile, "basic");
	assert_true(d.g->logging);
	assert_int_equal(d.g->stop_timeout, 60);
	confdir_teardown(&d);

	/* A vz.conf without the keys gives the same defaults. */
	confdir_setup(&d, "# nothing here\nUNRELATED=\"1\"\n");
	assert_int_equal(ve_global_load(false, &d.g), 0);
	assert_string_equal(d.g->ve_root, "/vz/root/$VEID");
	assert_string_equal(d.g->template_dir, "/vz/template");
	assert_string_equal(d.g->cgroup_parent, "vz");
	assert_int_equal(d.g->stop_timeout, 60);
	confdir_teardown(&d);
}

static void test_global_values(void **state)
{
	struct confdir d;
	char *err;

	confdir_setup(&d, "VE_ROOT=\"/srv/vz/root/${VEID}\"\n"
			  "VE_PRIVATE=/srv/vz/private/$VEID\n"
			  "TEMPLATE='/srv/vz/template'\n"
			  "LOCKDIR=\"/run/lock/vz\"\n"
			  "VE_BRIDGE=\"br1\"\n"
			  "VE_BRIDGE_MCAST_QUERIER=\"yes\"\n"
			  "VE_MCAST_LEGACY_REPORTS=\"yes\"\n"
			  "LOGGING=\"no\"\n"
			  "LOG_LEVEL=\"3\"\n"
			  "STOP_TIMEOUT=\"15\"\n"
			  "DEF_OSTEMPLATE=\"debian-12\"\n"
			  "VE_CGROUP_PARENT=\"\"\n");
	assert_int_equal(ve_global_load(false, &d.g), 0);
	assert_string_equal(d.g->ve_root, "/srv/vz/root/${VEID}");
	assert_string_equal(d.g->ve_private, "/srv/vz/private/$VEID");
	assert_string_equal(d.g->template_dir, "/srv/vz/template");
	assert_string_equal(d.g->lockdir, "/run/lock/vz");
	assert_string_equal(d.g->bridge, "br1");
	assert_true(d.g->bridge_create);
	assert_true(d.g->bridge_querier);
	assert_true(d.g->mcast_legacy);
	assert_false(d.g->logging);
	assert_int_equal(d.g->loglevel, 3);
	assert_int_equal(d.g->stop_timeout, 15);
	assert_string_equal(d.g->def_ostemplate, "debian-12");
	assert_string_equal(d.g->cgroup_parent, "vz"); /* empty means the default */

	/* A VE without VE_ROOT gets vz.conf's, expanded. */
	{
		struct ve_config *c = NULL;

		assert_int_equal(ve_config_parse(d.g, 123, "x", "VE_PRIVATE=\"/p/$VEID\"\n", &c),
				 0);
		assert_string_equal(c->fs.root, "/srv/vz/root/123");
		assert_string_equal(c->fs.private, "/p/123");
		assert_int_equal(c->stop_timeout, 15);
		ve_config_free(c);
	}
	confdir_teardown(&d);

	confdir_setup(&d, "VE_ROOT=\"/a\"\nbroken line\n");
	capture_begin();
	assert_int_equal(ve_global_load(true, &d.g), -EINVAL);
	err = capture_end();
	assert_non_null(strstr(err, "/vz.conf:2:"));
	free(err);
	assert_null(d.g);
	confdir_teardown(&d);

	/* A NUL byte would cut the file short: refused, not read in part. */
	confdir_setup(&d, NULL);
	{
		char *p = ve_strdup_printf("%s/vz.conf", d.path);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		assert_int_equal(write(fd, "VE_ROOT=/a\n\0LOGGING=no\n", 24), 24);
		close(fd);
		free(p);
	}
	capture_begin();
	assert_int_equal(ve_global_load(true, &d.g), -EINVAL);
	err = capture_end();
	assert_non_null(strstr(err, "NUL"));
	free(err);
	confdir_teardown(&d);

	/* A bad value of a typed key is refused, naming the key. */
	static const char *const bad[][2] = {
	    {"STOP_TIMEOUT", "soon"},	       {"LOGGING", "perhaps"},
	    {"VE_BRIDGE_CREATE", "maybe"},     {"VE_BRIDGE_MCAST_QUERIER", "often"},
	    {"VE_MCAST_LEGACY_REPORTS", "v1"}, {"VE_MCAST_LEGACY_REPORTS", ""},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *line = ve_strdup_printf("%s=\"%s\"\n", bad[i][0], bad[i][1]);

		confdir_setup(&d, line);
		capture_begin();
		assert_int_equal(ve_global_load(false, &d.g), -EINVAL);
		err = capture_end();
		assert_non_null(strstr(err, bad[i][0]));
		free(err);
		confdir_teardown(&d);
	}
}

/* --- vzctl set options --- */

static struct ve_config *fresh(void)
{
	return parse_ok("");
}

static void set_ok(struct ve_config *c, const char *opt, const char *v)
{
	int r = ve_config_set_option(c, opt, v);

	if (r != 0)
		fail_msg("--%s %s: %d", opt, v ? v : "(null)", r);
}

static void set_fails(struct ve_config *c, const char *opt, const char *v, int want)
{
	int r;

	capture_begin();
	r = ve_config_set_option(c, opt, v);
	free(capture_end());
	if (r != want)
		fail_msg("--%s %s: %d, want %d", opt, v ? v : "(null)", r, want);
}

static void assert_line(struct ve_config *c, const char *line)
{
	char *s = ve_config_format(c);

	assert_non_null(s);
	if (!strstr(s, line))
		fail_msg("'%s' not in:\n%s", line, s);
	free(s);
}

static void test_opt_memory(void **state)
{
	struct ve_config *c = fresh();

	set_ok(c, "ram", "512M");
	assert_int_equal(c->res.physpages.barrier, 0);
	assert_int_equal(c->res.physpages.limit, 512ULL << 20);
	assert_true(c->changed & VE_CHANGED_RES);
	assert_line(c, "PHYSPAGES=\"0:512M\"\n");
	set_fails(c, "ram", "1M", -EINVAL); /* below what init needs */
	set_fails(c, "ram", "lots", -EINVAL);
	assert_int_equal(c->res.physpages.limit, 512ULL << 20);
	set_ok(c, "swap", "1G");
	assert_int_equal(c->res.swappages.barrier, 0);
	assert_int_equal(c->res.swappages.limit, 1ULL << 30);
	assert_line(c, "SWAPPAGES=\"0:1G\"\n");
	set_ok(c, "swap", "0");
	assert_int_equal(c->res.swappages.limit, 0);
	set_fails(c, "swap", "-1", -EINVAL);
	set_ok(c, "ram", "unlimited");
	assert_true(c->res.physpages.limit == VE_UNLIMITED);

	/* Found by fuzz-netif: a byte count that is not whole pages read back as pages. */
	{
		struct ve_config *c2;
		char *s;

		set_ok(c, "ram", "4194305");
		assert_int_equal(c->res.physpages.limit, 4194304);
		set_ok(c, "swap", "5000");
		assert_int_equal(c->res.swappages.limit, 4096);
		set_ok(c, "swap", "4095");
		assert_int_equal(c->res.swappages.limit, 0);
		set_ok(c, "swap", "18446744073709551614");
		s = ve_config_format(c);
		c2 = parse_ok(s);
		assert_true(c2->res.physpages.limit == c->res.physpages.limit);
		assert_true(c2->res.swappages.limit == c->res.swappages.limit);
		free(s);
		ve_config_free(c2);
	}

	set_ok(c, "physpages", "1000:2000");
	assert_int_equal(c->res.physpages.barrier, 1000 * VE_PAGE_SIZE);
	assert_int_equal(c->res.physpages.limit, 2000 * VE_PAGE_SIZE);
	set_fails(c, "physpages", "2:1", -EINVAL);
	set_ok(c, "swappages", "0:unlimited");
	assert_true(c->res.swappages.limit == VE_UNLIMITED);
	set_fails(c, "swappages", "x", -EINVAL);
	set_ok(c, "numproc", "100:200");
	assert_int_equal(c->res.numproc.barrier, 100);
	assert_int_equal(c->res.numproc.limit, 200);
	assert_line(c, "NUMPROC=\"100:200\"\n");
	set_fails(c, "numproc", "1:2:3", -EINVAL);
	ve_config_free(c);
}

static void test_opt_disk_cpu_io(void **state)
{
	struct ve_config *c = fresh();

	set_ok(c, "diskspace", "10G");
	assert_int_equal(c->fs.diskspace.barrier, 10ULL << 30);
	assert_int_equal(c->fs.diskspace.limit, 10ULL << 30);
	set_ok(c, "diskspace", "1000:2000"); /* unit-less: KiB, like vzctl */
	assert_int_equal(c->fs.diskspace.barrier, 1000 * 1024);
	assert_int_equal(c->fs.diskspace.limit, 2000 * 1024);
	assert_true(c->changed & VE_CHANGED_FS);
	set_fails(c, "diskspace", "2G:1G", -EINVAL);
	set_ok(c, "diskinodes", "200000:220000");
	assert_int_equal(c->fs.diskinodes.limit, 220000);
	set_fails(c, "diskinodes", "many", -EINVAL);

	set_ok(c, "cpuunits", "8");
	set_ok(c, "cpuunits", "500000");
	assert_int_equal(c->res.cpuunits, 500000);
	set_fails(c, "cpuunits", "7", -EINVAL);
	set_fails(c, "cpuunits", "500001", -EINVAL);
	set_ok(c, "cpulimit", "50%");
	assert_int_equal(c->res.cpulimit, 50);
	set_ok(c, "cpulimit", "0");
	set_fails(c, "cpulimit", "409601", -EINVAL);
	set_fails(c, "cpulimit", "%", -EINVAL);
	set_fails(c, "cpulimit", "", -EINVAL);
	set_ok(c, "cpus", "2");
	assert_int_equal(c->res.cpus, 2);
	set_ok(c, "cpus", "unlimited");
	assert_int_equal(c->res.cpus, 0);
	set_fails(c, "cpus", "4097", -EINVAL);
	set_ok(c, "stop-timeout", "120");
	assert_int_equal(c->stop_timeout, 120);
	assert_line(c, "STOP_TIMEOUT=\"120\"\n");
	set_fails(c, "stop-timeout", "86401", -EINVAL);

	set_ok(c, "cpumask", "0-3,5");
	assert_string_equal(c->res.cpumask, "0-3,5");
	set_ok(c, "cpumask", "all");
	assert_null(c->res.cpumask);
	set_fails(c, "cpumask", "0-", -EINVAL);
	set_fails(c, "cpumask", "a", -EINVAL);
	set_fails(c, "cpumask", "", -EINVAL);

	set_ok(c, "ioprio", "4");
	assert_int_equal(c->res.ioprio, 4);
	set_fails(c, "ioprio", "8", -EINVAL);
	set_ok(c, "iolimit", "10"); /* unit-less: MiB/s */
	assert_int_equal(c->res.iolimit, 10ULL << 20);
	set_ok(c, "iolimit", "512K");
	assert_int_equal(c->res.iolimit, 512 * 1024);
	set_ok(c, "iolimit", "unlimited");
	assert_int_equal(c->res.iolimit, 0);
	set_fails(c, "iolimit", "fast", -EINVAL);
	set_ok(c, "iopslimit", "100");
	assert_int_equal(c->res.iopslimit, 100);
	set_fails(c, "iopslimit", "1.5", -EINVAL);
	ve_config_free(c);
}

static void test_opt_meta(void **state)
{
	struct ve_config *c = fresh();

	set_ok(c, "onboot", "yes");
	assert_true(c->onboot);
	assert_line(c, "ONBOOT=\"yes\"\n");
	set_fails(c, "onboot", "maybe", -EINVAL);
	set_ok(c, "disabled", "on");
	assert_true(c->disabled);
	set_fails(c, "disabled", "", -EINVAL);
	set_ok(c, "name", "web1");
	assert_string_equal(c->name, "web1");
	set_fails(c, "name", "123", -EINVAL);
	set_fails(c, "name", "a b", -EINVAL);
	assert_string_equal(c->name, "web1");
	set_ok(c, "name", "");
	assert_null(c->name);
	set_ok(c, "description", "my web server");
	assert_string_equal(c->description, "my web server");
	assert_line(c, "DESCRIPTION=\"my web server\"\n");
	set_fails(c, "description", "a\"b", -EINVAL);
	set_fails(c, "description", "a\nB=1", -EINVAL);
	set_ok(c, "hostname", "ve.example.com");
	assert_string_equal(c->net.hostname, "ve.example.com");
	set_fails(c, "hostname", "-bad", -EINVAL);
	set_fails(c, "hostname", "a..b", -EINVAL);
	set_fails(c, "hostname", "a b", -EINVAL);
	set_ok(c, "features", "nesting:on");
	assert_true(c->sec.nesting);
	set_fails(c, "features", "flying:on", -EINVAL);
	set_fails(c, "features", "nesting", -EINVAL);
	assert_true(c->sec.nesting);
	ve_config_free(c);
}

static void test_opt_ip(void **state)
{
	struct ve_config *c = fresh();

	set_ok(c, "ipadd", "10.0.0.1");
	set_ok(c, "ipadd", "10.0.0.2/24");
	set_ok(c, "ipadd", "fe80::1/64");
	assert_true(c->changed & VE_CHANGED_NET);
	set_fails(c, "ipadd", "10.0.0.1", -EEXIST);
	set_fails(c, "ipadd", "10.0.0.300", -EINVAL);
	set_fails(c, "ipadd", "10.0.0.1/33", -EINVAL);
	set_fails(c, "ipadd", "::1/129", -EINVAL);
	set_fails(c, "ipadd", "", -EINVAL);
	assert_int_equal(ve_strv_len(c->net.ip_addresses), 3);
	assert_line(c, "IP_ADDRESS=\"10.0.0.1 10.0.0.2/24 fe80::1/64\"\n");
	set_ok(c, "ipdel", "10.0.0.2/24");
	assert_line(c, "IP_ADDRESS=\"10.0.0.1 fe80::1/64\"\n");
	set_fails(c, "ipdel", "10.0.0.2/24", -ENOENT);
	set_fails(c, "ipdel", "nonsense", -EINVAL);
	set_ok(c, "ipdel", "all");
	assert_int_equal(ve_strv_len(c->net.ip_addresses), 0);
	assert_line(c, "IP_ADDRESS=\"\"\n");
	set_ok(c, "ipdel", "all"); /* nothing left: still fine */
	set_ok(c, "ipadd", "192.168.1.1");
	assert_string_equal(c->net.ip_addresses[0], "192.168.1.1");

	set_ok(c, "nameserver", "8.8.8.8");
	set_ok(c, "nameserver", "2001:4860:4860::8888");
	assert_line(c, "NAMESERVER=\"8.8.8.8 2001:4860:4860::8888\"\n");
	set_fails(c, "nameserver", "8.8.8.8/32", -EINVAL);
	set_fails(c, "nameserver", "dns.google", -EINVAL);
	set_ok(c, "nameserver", "inherit");
	assert_line(c, "NAMESERVER=\"inherit\"\n");
	set_ok(c, "nameserver", "1.1.1.1");
	assert_line(c, "NAMESERVER=\"1.1.1.1\"\n");
	set_ok(c, "searchdomain", "example.com");
	assert_string_equal(c->net.searchdomains[0], "example.com");
	set_fails(c, "searchdomain", "bad domain", -EINVAL);
	ve_config_free(c);
}

static void test_opt_netif(void **state)
{
	struct ve_config *c = fresh();
	const struct ve_netif *n;

	set_ok(c, "netif_add", "eth0");
	set_ok(c, "netif_add", "eth1,,veth101.1,,vzbr0");
	set_ok(c, "netif_add", "eth2,00:18:51:aa:bb:cc,veth101.2,00:18:51:aa:bb:cd");
	assert_int_equal(c->net.n_netifs, 3);
	n = &c->net.netifs[0];
	assert_string_equal(n->ifname, "eth0");
	assert_null(n->mac);
	assert_null(n->host_ifname);
	assert_null(n->bridge);
	n = &c->net.netifs[1];
	assert_string_equal(n->ifname, "eth1");
	assert_null(n->mac);
	assert_string_equal(n->host_ifname, "veth101.1");
	assert_null(n->host_mac);
	assert_string_equal(n->bridge, "vzbr0");
	set_ok(c, "netif_add", "eth9,0E:18:51:AA:BB:CC");
	set_ok(c, "netif_del", "eth9");
	n = &c->net.netifs[2];
	assert_string_equal(n->mac, "00:18:51:aa:bb:cc");
	assert_string_equal(n->host_mac, "00:18:51:aa:bb:cd");
	assert_null(n->bridge);
	assert_line(c, "NETIF=\"ifname=eth0;ifname=eth1,host_ifname=veth101.1,bridge=vzbr0;"
		       "ifname=eth2,mac=00:18:51:aa:bb:cc,host_ifname=veth101.2,"
		       "host_mac=00:18:51:aa:bb:cd\"\n");

	set_fails(c, "netif_add", "eth0", -EEXIST);
	set_fails(c, "netif_add", "", -EINVAL);
	set_fails(c, "netif_add", ",00:18:51:aa:bb:cc", -EINVAL);
	set_fails(c, "netif_add", "eth3,zz:18:51:aa:bb:cc", -EINVAL);
	set_fails(c, "netif_add", "eth3,01:00:5e:00:00:01", -EINVAL); /* multicast */
	set_fails(c, "netif_add", "eth3,0F:00:5e:00:00:01", -EINVAL);
	set_fails(c, "netif_add", "eth3, 0:11:22:33:44:55", -EINVAL);
	set_fails(c, "netif_add", "eth3,+0:11:22:33:44:55", -EINVAL);
	set_fails(c, "netif_add", "eth3,0x:11:22:33:44:55", -EINVAL);
	set_fails(c, "netif_add", "eth3,00:11:22:33:44:-5", -EINVAL);
	set_fails(c, "netif_add", "eth3,00-11-22-33-44-55", -EINVAL);
	set_fails(c, "netif_add", "eth3,00:11:22:33:44:55:", -EINVAL);
	set_fails(c, "netif_add", "eth3,,,00:11:22:33:44:5g", -EINVAL);
	set_fails(c, "netif_add", "eth3,,,,br0,extra", -EINVAL);
	set_fails(c, "netif_add", "waytoolongifname0", -EINVAL);
	set_fails(c, "netif_add", "eth3,,bad/name", -EINVAL);
	assert_int_equal(c->net.n_netifs, 3);

	set_ok(c, "netif_del", "eth1");
	assert_int_equal(c->net.n_netifs, 2);
	assert_string_equal(c->net.netifs[0].ifname, "eth0");
	assert_string_equal(c->net.netifs[1].ifname, "eth2");
	set_fails(c, "netif_del", "eth1", -ENOENT);
	set_ok(c, "netif_del", "all");
	assert_int_equal(c->net.n_netifs, 0);
	assert_line(c, "NETIF=\"\"\n");
	ve_config_free(c);

	/* The file form reads back what the option wrote. */
	c = parse_ok(
	    "NETIF=\"ifname=eth0,mac_filter=on;ifname=eth1,bridge=br0,mac=00:11:22:33:44:55\"\n");
	assert_int_equal(c->net.n_netifs, 2);
	assert_true(c->net.netifs[0].mac_filter);
	assert_string_equal(c->net.netifs[1].bridge, "br0");
	ve_config_mark(c, "NETIF");
	assert_format(c, "NETIF=\"ifname=eth0,mac_filter=on;"
			 "ifname=eth1,mac=00:11:22:33:44:55,bridge=br0\"\n");
	ve_config_free(c);
}

static void test_opt_caps_devices(void **state)
{
	struct ve_config *c = fresh();

	set_ok(c, "capability", "sys_time:on");
	set_ok(c, "capability", "net_admin:off");
	assert_true(c->changed & VE_CHANGED_SEC);
	assert_line(c, "CAPABILITY=\"net_admin:off sys_time:on\"\n");
	set_ok(c, "capability", "sys_time:off");
	assert_line(c, "CAPABILITY=\"net_admin:off sys_time:off\"\n");
	set_ok(c, "capability", "CAP_NET_ADMIN:on");
	assert_line(c, "CAPABILITY=\"net_admin:on sys_time:off\"\n");
	set_fails(c, "capability", "bogus:on", -EINVAL);
	set_fails(c, "capability", "sys_time", -EINVAL);
	set_fails(c, "capability", "sys_time:maybe", -EINVAL);
	assert_line(c, "CAPABILITY=\"net_admin:on sys_time:off\"\n");

	set_ok(c, "devices", "c:10:200:rw");
	set_ok(c, "devices", "b:8:all:r");
	assert_int_equal(c->sec.n_devices, 2);
	assert_true(c->changed & VE_CHANGED_DEVICES);
	assert_int_equal(c->sec.devices[1].minor, -1);
	set_ok(c, "devices", "c:10:200:r"); /* the same device: replaced, not added */
	assert_int_equal(c->sec.n_devices, 2);
	assert_line(c, "DEVICES=\"b:8:*:r c:10:200:r\"\n");
	set_ok(c, "devices", "b:8:all:none");
	assert_int_equal(c->sec.n_devices, 2);
	assert_line(c, "DEVICES=\"c:10:200:r b:8:*:none\"\n");
	set_fails(c, "devices", "x:1:2:r", -EINVAL);
	set_fails(c, "devices", "c:1:2:z", -EINVAL);
	set_fails(c, "devices", "c:1:2", -EINVAL);
	set_fails(c, "devices", "c:4096:1:r", -EINVAL);
	assert_int_equal(c->sec.n_devices, 2);
	ve_config_free(c);
}

static void test_opt_userpasswd_unknown(void **state)
{
	struct ve_config *c = fresh();
	char *s;

	set_ok(c, "userpasswd", "root:s3cret");
	assert_true(c->changed & VE_CHANGED_USERPASSWD);
	assert_string_equal(c->userpasswd[0], "root:s3cret");
	s = ve_config_format(c);
	assert_non_null(s);
	assert_null(strstr(s, "s3cret"));
	free(s);
	set_fails(c, "userpasswd", "nocolon", -EINVAL);
	set_fails(c, "userpasswd", ":pw", -EINVAL);
	set_fails(c, "userpasswd", "root:", -EINVAL);

	set_fails(c, "bogus", "1", -ENOENT);
	set_fails(c, "save", NULL, -ENOENT);
	set_fails(c, "hostname", NULL, -EINVAL);
	assert_true(ve_config_option_known("ram"));
	assert_true(ve_config_option_known("netif_add"));
	assert_false(ve_config_option_known("bogus"));
	assert_false(ve_config_option_known("RAM"));
	ve_config_free(c);
}

/* --- saving, listing, finding --- */

static void test_save_reload(void **state)
{
	struct ve_config *c = NULL, *c2 = NULL;
	struct confdir d;
	struct stat st;
	char *path, *s1, *s2, *conf;
	struct dirent *de;
	int n = 0;
	DIR *dir;

	confdir_setup(&d, "VE_ROOT=\"/vz/root/$VEID\"\n");
	assert_int_equal(ve_global_load(false, &d.g), 0);
	assert_int_equal(ve_config_load(d.g, 101, &c), -ENOENT);
	assert_int_equal(ve_config_new(d.g, 101, NULL, &c), 0);
	set_ok(c, "ram", "256M");
	set_ok(c, "hostname", "h.example");
	set_ok(c, "ipadd", "10.1.1.1");
	set_ok(c, "netif_add", "eth0,,veth101.0");
	set_ok(c, "devices", "c:1:3:rw");
	set_ok(c, "capability", "sys_time:on");
	set_ok(c, "userpasswd", "root:pw");
	ve_config_mark(c, "OSTEMPLATE");
	umask(077); /* the file mode must not depend on the caller's umask */
	assert_int_equal(ve_config_save(c), 0);
	umask(022);

	path = ve_strdup_printf("%s/conf/101.conf", d.path);
	assert_string_equal(c->path, path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	conf = ve_strdup_printf("%s/conf", d.path);
	dir = opendir(conf);
	assert_non_null(dir);
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.') {
			assert_string_equal(de->d_name, "101.conf");
			n++;
		}
	closedir(dir);
	assert_int_equal(n, 1);

	assert_int_equal(ve_config_load(d.g, 101, &c2), 0);
	assert_int_equal(c2->res.physpages.limit, 256ULL << 20);
	assert_string_equal(c2->net.hostname, "h.example");
	assert_string_equal(c2->net.ip_addresses[0], "10.1.1.1");
	assert_int_equal(c2->net.n_netifs, 1);
	assert_string_equal(c2->net.netifs[0].host_ifname, "veth101.0");
	assert_int_equal(c2->sec.n_devices, 1);
	assert_true(c2->sec.cap_on != 0);
	assert_null(c2->userpasswd);
	assert_string_equal(c2->fs.root, "/vz/root/101");
	s1 = ve_config_format(c);
	s2 = ve_config_format(c2);
	assert_string_equal(s1, s2);
	assert_null(strstr(s2, "pw"));

	/* A NUL byte in a VE's config: refused, so a save cannot drop what follows it. */
	{
		int fd = open(path, O_WRONLY | O_TRUNC);
		struct ve_config *c3 = NULL;
		char *err;

		assert_int_equal(write(fd, "NAME=\"a\"\n\0ONBOOT=yes\n", 22), 22);
		close(fd);
		capture_begin();
		assert_int_equal(ve_config_load(d.g, 101, &c3), -EINVAL);
		err = capture_end();
		assert_non_null(strstr(err, "NUL"));
		assert_null(c3);
		free(err);
	}

	/* A second save over the first leaves no temp file either. */
	set_ok(c2, "hostname", "again.example");
	assert_int_equal(ve_config_save(c2), 0);
	dir = opendir(conf);
	n = 0;
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	assert_int_equal(n, 1);

	free(s1);
	free(s2);
	free(path);
	free(conf);
	ve_config_free(c);
	ve_config_free(c2);
	confdir_teardown(&d);
}

static void test_list_find(void **state)
{
	struct confdir d;
	unsigned *ids = NULL, n = 0, id = 0;

	confdir_setup(&d, "");
	assert_int_equal(ve_global_load(false, &d.g), 0);
	assert_int_equal(ve_config_list(d.g, &ids, &n), 0); /* no conf/ yet */
	assert_int_equal(n, 0);
	free(ids);

	confdir_write(&d, "101.conf", "NAME=\"web\"\nIP_ADDRESS=\"10.0.0.1 10.0.0.2\"\n");
	confdir_write(&d, "7.conf", "NAME=\"db\"\nIP_ADDRESS=\"10.0.0.20\"\n");
	confdir_write(&d, "1000.conf", "NAME='mail' # comment\n");
	confdir_write(&d, "103.conf", "NAME=\"broken\"\nthis is not a config line\n");
	confdir_write(&d, "0101.conf", "NAME=\"zero\"\n");
	confdir_write(&d, "abc.conf", "NAME=\"abc\"\n");
	confdir_write(&d, "102.conf.bak", "NAME=\"bak\"\n");
	confdir_write(&d, "ve-basic.conf-sample", "NAME=\"sample\"\n");

	assert_int_equal(ve_config_list(d.g, &ids, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ids[0], 7);
	assert_int_equal(ids[1], 101);
	assert_int_equal(ids[2], 103);
	assert_int_equal(ids[3], 1000);
	free(ids);

	assert_int_equal(ve_config_find_name(d.g, "web", &id), 0);
	assert_int_equal(id, 101);
	assert_int_equal(ve_config_find_name(d.g, "mail", &id), 0);
	assert_int_equal(id, 1000);
	assert_int_equal(ve_config_find_name(d.g, "we", &id), -ENOENT);
	assert_int_equal(ve_config_find_name(d.g, "broken", &id), -ENOENT);
	assert_int_equal(ve_config_find_name(d.g, "zero", &id), -ENOENT);
	assert_int_equal(ve_config_find_name(d.g, "bak", &id), -ENOENT);
	assert_int_equal(ve_config_find_value(d.g, "IP_ADDRESS", "10.0.0.2", 0, &id), 0);
	assert_int_equal(id, 101);
	assert_int_equal(ve_config_find_value(d.g, "IP_ADDRESS", "10.0.0.2", 101, &id), -ENOENT);
	assert_int_equal(ve_config_find_value(d.g, "IP_ADDRESS", "10.0.0.", 0, &id), -ENOENT);
	assert_int_equal(ve_config_find_value(d.g, "IP_ADDRESS", "10.0.0.20", 0, &id), 0);
	assert_int_equal(id, 7);
	/* An empty word matches nothing (and must terminate). */
	alarm(5);
	assert_int_equal(ve_config_find_value(d.g, "NAME", "", 0, &id), -ENOENT);
	alarm(0);
	confdir_teardown(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_unchanged),
	    cmocka_unit_test(test_change_one_line),
	    cmocka_unit_test(test_duplicate_key),
	    cmocka_unit_test(test_quoting_styles),
	    cmocka_unit_test(test_rewrite_single_quoted),
	    cmocka_unit_test(test_rewrite_long_values),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_global_defaults),
	    cmocka_unit_test(test_global_values),
	    cmocka_unit_test(test_opt_memory),
	    cmocka_unit_test(test_opt_disk_cpu_io),
	    cmocka_unit_test(test_opt_meta),
	    cmocka_unit_test(test_opt_ip),
	    cmocka_unit_test(test_opt_netif),
	    cmocka_unit_test(test_opt_caps_devices),
	    cmocka_unit_test(test_opt_userpasswd_unknown),
	    cmocka_unit_test(test_save_reload),
	    cmocka_unit_test(test_list_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
