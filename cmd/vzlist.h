/*
 * vzlist: the field table and the pure formatting of VE rows (cmd/vzlist-fields.c), shared by
 * the vzlist command (cmd/vzlist.c) and its unit test. Nothing here touches the system.
 */
#ifndef VZLIST_H
#define VZLIST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/config.h"

/* Exit codes, numbered as vzctl numbers them. */
enum {
	VZLIST_EXIT_OK = 0,
	VZLIST_EXIT_NOT_FOUND = 1, /* explicit CTIDs given, none of them exists */
	VZLIST_EXIT_SYSTEM = 3,	   /* unreadable configuration directory, no cgroups, write error */
	VZLIST_EXIT_NOMEM = 6,
	VZLIST_EXIT_NO_VZCONF = 10, /* global vz.conf not found or unreadable */
	VZLIST_EXIT_SYNTAX = 20,    /* unknown option or field */
};

enum vzlist_status {
	VZLIST_STOPPED = 0,
	VZLIST_MOUNTED,
	VZLIST_SUSPENDED,
	VZLIST_RUNNING,
};

/*
 * Everything vzlist shows about one VE, gathered by cmd/vzlist.c. Strings are borrowed (from
 * the VE's loaded config); NULL means unset. Limits are kept in the config's units (bytes for
 * memory and disk space) and converted when formatted; VE_UNLIMITED means no limit.
 */
struct vzlist_row {
	unsigned veid;
	const char *name;
	const char *hostname;
	const char *description;
	const char *ostemplate;
	const char *private_dir;
	const char *root_dir;
	const char *layout;
	char *const *ip; /* NULL-terminated, may be NULL */
	enum vzlist_status status;
	bool is_vm;
	bool onboot;
	bool nesting;
	bool privileged;    /* no user namespace */
	uint32_t local_uid; /* host uid of the VE's root; 0 when privileged */
	unsigned cpulimit;  /* percent, 0 = none */
	unsigned cpuunits;
	unsigned cpus; /* 0 = all */
	struct ve_barlim numproc;
	struct ve_barlim physpages; /* bytes */
	struct ve_barlim swappages; /* bytes */
	struct ve_barlim diskspace; /* bytes */
	struct ve_barlim diskinodes;
	/* Current usage, valid only when the has_* flag is set. */
	bool has_stats;
	uint64_t numproc_used;
	uint64_t mem_used;  /* bytes */
	uint64_t swap_used; /* bytes */
	bool has_disk;
	uint64_t disk_used; /* bytes */
	uint64_t inodes_used;
	bool has_uptime;
	uint64_t uptime; /* seconds since the VE's init started */
	pid_t init_pid;	 /* the VE's init on the host; 0 when not running */
};

/* What a set of fields needs gathered beyond the config and the status. */
enum {
	VZLIST_NEED_STATS = 1 << 0,  /* cgroup statistics (running VEs) */
	VZLIST_NEED_DISK = 1 << 1,   /* storage usage (mounted VEs) */
	VZLIST_NEED_UPTIME = 1 << 2, /* start time of the VE's init */
};

enum vzlist_kind {
	VZLIST_STR,    /* text; JSON string */
	VZLIST_LIST,   /* words; text shows the first unless last column; JSON array */
	VZLIST_NUM,    /* unsigned number; VE_UNLIMITED prints "unlimited", JSON null */
	VZLIST_YESNO,  /* yes/no; JSON boolean */
	VZLIST_ONOFF,  /* on/off; JSON boolean */
	VZLIST_UPTIME, /* seconds, text as 000d00h:00m:00s; JSON number */
};

/* One field's value for one row, as a getter extracts it. */
struct vzlist_value {
	bool none; /* no value: "-" in text, null in JSON */
	const char *str;
	char *const *list;
	uint64_t num;
	bool b;
};

struct vzlist_field {
	const char *name;   /* for -o, -s and the JSON key */
	const char *header; /* column title */
	int width;	    /* column width; negative: left-aligned */
	enum vzlist_kind kind;
	unsigned need;	  /* VZLIST_NEED_* */
	bool alias;	  /* a second name (veid): left out of the all-fields JSON */
	const char *help; /* one line for -L */
	void (*get)(const struct vzlist_row *r, struct vzlist_value *ret);
};

/* The whole table, in -L order. */
extern const struct vzlist_field vzlist_fields[];
extern const size_t vzlist_n_fields;

/* The field named name, or NULL. */
const struct vzlist_field *vzlist_field_find(const char *name);

/*
 * Parses a comma-separated field list. Returns 0 and a newly allocated array (caller frees
 * the array only) in *ret, *ret_n; -EINVAL with *ret_bad pointing to a newly allocated copy
 * of the first unknown name (caller frees); -ENOMEM.
 */
int vzlist_fields_parse(const char *spec, const struct vzlist_field ***ret, size_t *ret_n,
			char **ret_bad);

/* Union of the VZLIST_NEED_* bits of the fields. */
unsigned vzlist_fields_need(const struct vzlist_field *const *f, size_t n);

/* Status as vzlist prints it: running, stopped, mounted, suspended. */
const char *vzlist_status_str(enum vzlist_status s);

/*
 * Text output. Columns are separated by one space and padded to the field's width; trailing
 * blanks are cut. With trim, a text or list column that is not the last one is cut to its
 * width, and a list shows only its first word. Return a new string without the newline, or
 * NULL (ENOMEM).
 */
char *vzlist_format_header(const struct vzlist_field *const *f, size_t n);
char *vzlist_format_row(const struct vzlist_row *r, const struct vzlist_field *const *f, size_t n,
			bool trim);
/* The -L listing: one "name header description" line per field. New string or NULL. */
char *vzlist_format_field_list(void);

/*
 * Orders two rows by field f: no value first, numbers numerically (unlimited last), text
 * with strcmp, false before true; ties by CTID. reverse flips the field order only.
 */
int vzlist_row_compare(const struct vzlist_row *a, const struct vzlist_row *b,
		       const struct vzlist_field *f, bool reverse);
void vzlist_rows_sort(struct vzlist_row *rows, size_t n, const struct vzlist_field *f,
		      bool reverse);

/*
 * JSON output: an array with one object per row, keyed by field name. f == NULL selects every
 * field except aliases. Returns a new reference, or NULL (ENOMEM).
 */
json_t *vzlist_rows_json(const struct vzlist_row *rows, size_t n_rows,
			 const struct vzlist_field *const *f, size_t n);

#endif
