/*
 * vzlist's field table and formatting: field lookup and parsing, the default and -o text
 * tables compared as exact strings, numeric and reverse sorting, and JSON that parses back
 * with the right types.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <string.h>

#include "cmd/vzlist.h"
#include "runtime/util.h"

#define MB (1024ULL * 1024)

static char *ips2[] = {"10.0.0.1", "10.0.0.2", NULL};

/* A running VE with everything set, and a stopped one with nothing but its id. */
static struct vzlist_row running_row(void)
{
	return (struct vzlist_row){
	    .veid = 101,
	    .name = "web",
	    .hostname = "ct101.example.com",
	    .description = "front end",
	    .ostemplate = "debian-12",
	    .private_dir = "/vz/private/101",
	    .root_dir = "/vz/root/101",
	    .layout = "dir",
	    .ip = ips2,
	    .status = VZLIST_RUNNING,
	    .onboot = true,
	    .nesting = false,
	    .cpulimit = 50,
	    .cpuunits = 1000,
	    .cpus = 2,
	    .numproc = {400, 500},
	    .physpages = {0, 256 * MB},
	    .swappages = {0, VE_UNLIMITED},
	    .diskspace = {MB * 1024, 2 * MB * 1024},
	    .diskinodes = {100000, 110000},
	    .has_stats = true,
	    .numproc_used = 17,
	    .mem_used = 40 * MB,
	    .swap_used = 0,
	    .has_disk = true,
	    .disk_used = 3 * MB,
	    .inodes_used = 1234,
	    .has_uptime = true,
	    .uptime = 90061,
	};
}

static struct vzlist_row stopped_row(unsigned veid)
{
	return (struct vzlist_row){
	    .veid = veid,
	    .status = VZLIST_STOPPED,
	    .cpuunits = 1000,
	    .numproc = {VE_UNLIMITED, VE_UNLIMITED},
	    .physpages = {VE_UNLIMITED, VE_UNLIMITED},
	    .swappages = {VE_UNLIMITED, VE_UNLIMITED},
	    .diskspace = {VE_UNLIMITED, VE_UNLIMITED},
	    .diskinodes = {VE_UNLIMITED, VE_UNLIMITED},
	};
}

/* Parses spec, which must be valid. Caller frees *ret. */
static size_t fields(const char *spec, const struct vzlist_field ***ret)
{
	char *bad = NULL;
	size_t n = 0;

	assert_int_equal(vzlist_fields_parse(spec, ret, &n, &bad), 0);
	assert_null(bad);
	return n;
}

static void assert_row(const struct vzlist_row *r, const char *spec, bool trim, const char *want)
{
	const struct vzlist_field **f = NULL;
	size_t n = fields(spec, &f);
	char *line = vzlist_format_row(r, f, n, trim);

	assert_non_null(line);
	assert_string_equal(line, want);
	free(line);
	free(f);
}

static void test_field_find(void **state)
{
	const struct vzlist_field *f = vzlist_field_find("ctid");

	assert_non_null(f);
	assert_string_equal(f->header, "CTID");
	assert_ptr_equal(vzlist_field_find("veid")->get, f->get);
	assert_true(vzlist_field_find("veid")->alias);
	assert_non_null(vzlist_field_find("physpages.l"));
	assert_non_null(vzlist_field_find("diskinodes.h"));
	assert_null(vzlist_field_find("CTID"));
	assert_null(vzlist_field_find("kmemsize"));
	assert_null(vzlist_field_find(""));
	for (size_t i = 0; i < vzlist_n_fields; i++) {
		assert_ptr_equal(vzlist_field_find(vzlist_fields[i].name), &vzlist_fields[i]);
		assert_non_null(vzlist_fields[i].help);
	}
}

static void test_fields_parse(void **state)
{
	const struct vzlist_field **f = NULL;
	char *bad = NULL;
	size_t n = 0;

	n = fields("ctid,status,ip", &f);
	assert_int_equal(n, 3);
	assert_string_equal(f[0]->name, "ctid");
	assert_string_equal(f[2]->name, "ip");
	free(f);

	f = NULL;
	assert_int_equal(vzlist_fields_parse("ctid,bogus,status", &f, &n, &bad), -EINVAL);
	assert_null(f);
	assert_string_equal(bad, "bogus");
	free(bad);
	assert_int_equal(vzlist_fields_parse("ctid,", &f, &n, &bad), -EINVAL);
	assert_string_equal(bad, "");
	free(bad);
	assert_int_equal(vzlist_fields_parse("", &f, &n, &bad), -EINVAL);
	free(bad);
}

static void test_fields_need(void **state)
{
	const struct vzlist_field **f = NULL;
	size_t n;

	n = fields("ctid,status,ip,hostname,physpages.l,diskspace.h", &f);
	assert_int_equal(vzlist_fields_need(f, n), 0);
	free(f);
	n = fields("ctid,numproc,diskinodes", &f);
	assert_int_equal(vzlist_fields_need(f, n), VZLIST_NEED_STATS | VZLIST_NEED_DISK);
	free(f);
	n = fields("uptime", &f);
	assert_int_equal(vzlist_fields_need(f, n), VZLIST_NEED_UPTIME);
	free(f);
}

static void test_default_table(void **state)
{
	const struct vzlist_field **f = NULL;
	size_t n = fields("ctid,numproc,status,ip,hostname", &f);
	struct vzlist_row a = running_row(), b = stopped_row(2000);
	char *h = vzlist_format_header(f, n);

	assert_string_equal(h, "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME");
	free(h);
	free(f);
	assert_row(&a, "ctid,numproc,status,ip,hostname", true,
		   "       101         17 running   10.0.0.1        ct101.example.com");
	assert_row(&b, "ctid,numproc,status,ip,hostname", true,
		   "      2000          - stopped   -               -");
	a.status = VZLIST_MOUNTED;
	a.has_stats = false;
	assert_row(&a, "ctid,numproc,status,ip,name", true,
		   "       101          - mounted   10.0.0.1        web");
}

static void test_output_table(void **state)
{
	struct vzlist_row a = running_row(), b = stopped_row(7);
	const struct vzlist_field **f = NULL;
	size_t n = fields("ctid,status,layout", &f);
	char *h = vzlist_format_header(f, n);

	/* The last column shows every address; other columns only the first. */
	assert_row(&a, "ctid,ip", true, "       101 10.0.0.1 10.0.0.2");
	assert_row(&a, "ip,ctid", true, "10.0.0.1               101");
	assert_row(&a, "ip,ctid", false, "10.0.0.1 10.0.0.2        101");
	assert_string_equal(h, "      CTID STATUS    LAYOUT");
	free(h);
	free(f);
	assert_row(&a, "ctid,status,layout", true, "       101 running   dir");
	assert_row(&b, "ctid,status,layout", true, "         7 stopped   -");
	assert_row(&a, "onboot,nesting,type,cpulimit,cpuunits,cpus", true,
		   "   yes     off ct        50    1000     2");
	b.nesting = true;
	b.is_vm = true;
	assert_row(&b, "onboot,nesting,type,cpus,ctid", true,
		   "    no      on vm       -          7");
	assert_row(&a, "veid,hostname", true, "       101 ct101.example.com");
	assert_row(&a, "uptime", true, "001d01h:01m:01s");
}

static void test_units(void **state)
{
	struct vzlist_row a = running_row(), b = stopped_row(102);

	/* Memory in 4 KiB pages, disk space in KB, unlimited spelt out. */
	assert_row(&a, "physpages,physpages.l,swappages,swappages.l", true,
		   "     10240      65536          0  unlimited");
	assert_row(&a, "diskspace,diskspace.s,diskspace.h,diskinodes,diskinodes.s,diskinodes.h",
		   true, "      3072    1048576    2097152       1234     100000     110000");
	assert_row(&a, "numproc,numproc.l", true, "        17        500");
	assert_row(&b, "numproc,numproc.l,physpages,diskspace,diskspace.h", true,
		   "         -  unlimited          -          -  unlimited");
}

static void test_trim(void **state)
{
	struct vzlist_row a = running_row();

	a.description = "a description that is much longer than thirty-two characters";
	assert_row(&a, "description,ctid", true, "a description that is much longe        101");
	assert_row(&a, "description,ctid", false,
		   "a description that is much longer than thirty-two characters        101");
	assert_row(&a, "ctid,description", true,
		   "       101 a description that is much longer than thirty-two characters");
}

static void test_sort_numeric(void **state)
{
	struct vzlist_row rows[4] = {running_row(), running_row(), running_row(), stopped_row(50)};
	const struct vzlist_field *np = vzlist_field_find("numproc");

	rows[0].veid = 101, rows[0].numproc_used = 100;
	rows[1].veid = 102, rows[1].numproc_used = 5;
	rows[2].veid = 103, rows[2].numproc_used = 20;
	/* Numerically, not as text ("100" < "20" < "5"); no value sorts first. */
	vzlist_rows_sort(rows, 4, np, false);
	assert_int_equal(rows[0].veid, 50);
	assert_int_equal(rows[1].veid, 102);
	assert_int_equal(rows[2].veid, 103);
	assert_int_equal(rows[3].veid, 101);
	vzlist_rows_sort(rows, 4, np, true);
	assert_int_equal(rows[0].veid, 101);
	assert_int_equal(rows[1].veid, 103);
	assert_int_equal(rows[2].veid, 102);
	assert_int_equal(rows[3].veid, 50);
	/* unlimited is larger than any number */
	rows[0].physpages.limit = VE_UNLIMITED;
	assert_true(
	    vzlist_row_compare(&rows[0], &rows[1], vzlist_field_find("physpages.l"), false) > 0);
}

static void test_sort_text_and_ties(void **state)
{
	struct vzlist_row rows[3] = {running_row(), running_row(), running_row()};
	const struct vzlist_field *hn = vzlist_field_find("hostname");

	rows[0].veid = 300, rows[0].hostname = "b";
	rows[1].veid = 200, rows[1].hostname = "a";
	rows[2].veid = 100, rows[2].hostname = "b";
	vzlist_rows_sort(rows, 3, hn, false);
	assert_int_equal(rows[0].veid, 200);
	assert_int_equal(rows[1].veid, 100); /* equal values keep CTID order */
	assert_int_equal(rows[2].veid, 300);
	vzlist_rows_sort(rows, 3, hn, true);
	assert_int_equal(rows[0].veid, 100);
	assert_int_equal(rows[1].veid, 300);
	assert_int_equal(rows[2].veid, 200);
	vzlist_rows_sort(rows, 3, vzlist_field_find("ctid"), true);
	assert_int_equal(rows[0].veid, 300);
	assert_int_equal(rows[2].veid, 100);
}

static json_t *roundtrip(json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2));
	json_error_t err;
	json_t *back;

	assert_non_null(text);
	back = json_loads(text, 0, &err);
	assert_non_null(back);
	free(text);
	json_decref(j);
	return back;
}

static void test_json_selected(void **state)
{
	struct vzlist_row rows[2] = {running_row(), stopped_row(2000)};
	const struct vzlist_field **f = NULL;
	size_t n = fields("ctid,hostname,ip,numproc,swappages.l,onboot,nesting,status", &f);
	json_t *a = roundtrip(vzlist_rows_json(rows, 2, f, n));
	json_t *o;

	free(f);
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 2);
	o = json_array_get(a, 0);
	assert_int_equal(json_object_size(o), 8);
	assert_true(json_is_integer(json_object_get(o, "ctid")));
	assert_int_equal(json_integer_value(json_object_get(o, "ctid")), 101);
	assert_string_equal(json_string_value(json_object_get(o, "hostname")), "ct101.example.com");
	assert_true(json_is_array(json_object_get(o, "ip")));
	assert_int_equal(json_array_size(json_object_get(o, "ip")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(o, "ip"), 1)),
			    "10.0.0.2");
	assert_int_equal(json_integer_value(json_object_get(o, "numproc")), 17);
	assert_true(json_is_null(json_object_get(o, "swappages.l")));
	assert_true(json_is_true(json_object_get(o, "onboot")));
	assert_true(json_is_false(json_object_get(o, "nesting")));
	assert_string_equal(json_string_value(json_object_get(o, "status")), "running");

	o = json_array_get(a, 1);
	assert_true(json_is_null(json_object_get(o, "hostname")));
	assert_true(json_is_array(json_object_get(o, "ip")));
	assert_int_equal(json_array_size(json_object_get(o, "ip")), 0);
	assert_true(json_is_null(json_object_get(o, "numproc")));
	assert_string_equal(json_string_value(json_object_get(o, "status")), "stopped");
	json_decref(a);
}

static void test_json_all(void **state)
{
	struct vzlist_row r = running_row();
	json_t *a = roundtrip(vzlist_rows_json(&r, 1, NULL, 0));
	json_t *o = json_array_get(a, 0);

	/* Every field but the veid alias, with the numbers as numbers. */
	assert_int_equal(json_object_size(o), vzlist_n_fields - 1);
	assert_null(json_object_get(o, "veid"));
	assert_int_equal(json_integer_value(json_object_get(o, "physpages.l")), 65536);
	assert_int_equal(json_integer_value(json_object_get(o, "diskspace")), 3072);
	assert_int_equal(json_integer_value(json_object_get(o, "uptime")), 90061);
	assert_int_equal(json_integer_value(json_object_get(o, "cpus")), 2);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "ct");
	json_decref(a);

	a = roundtrip(vzlist_rows_json(NULL, 0, NULL, 0));
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

static void test_field_list(void **state)
{
	char *list = vzlist_format_field_list();
	size_t lines = 0;

	assert_non_null(list);
	for (char *p = list; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, vzlist_n_fields);
	assert_int_equal(strncmp(list, "ctid          CTID         container ID\n", 40), 0);
	assert_non_null(strstr(list, "\nnesting "));
	free(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_field_find),
	    cmocka_unit_test(test_fields_parse),
	    cmocka_unit_test(test_fields_need),
	    cmocka_unit_test(test_default_table),
	    cmocka_unit_test(test_output_table),
	    cmocka_unit_test(test_units),
	    cmocka_unit_test(test_trim),
	    cmocka_unit_test(test_sort_numeric),
	    cmocka_unit_test(test_sort_text_and_ties),
	    cmocka_unit_test(test_json_selected),
	    cmocka_unit_test(test_json_all),
	    cmocka_unit_test(test_field_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
