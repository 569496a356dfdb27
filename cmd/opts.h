#ifndef VZ_OPTS_H
#define VZ_OPTS_H

#include <stdbool.h>

#include "cmd/cli.h"

/* One long option of a command: --name [value]. */
struct cli_flag {
	const char *name;
	bool has_arg;
	bool *flag;	    /* set when present */
	const char **value; /* the value, when has_arg */
};

/*
 * Parses argv: the command's flags (a table ending with {NULL}) and, when c is not NULL, every
 * vzctl config option (--ram, --ipadd, ...) applied to c. Positional arguments are returned in
 * *ret_rest (NULL-terminated, pointing into argv; free the array only). Returns 0 or an exit
 * code, with the reason printed.
 */
int cli_parse(const char *cmd, int argc, char **argv, const struct cli_flag *flags,
	      struct ve_config *c, char ***ret_rest);

/*
 * The first argument that is neither an option nor an option's value, for commands that must
 * open the VE before their options can be parsed against its config. Options are assumed to
 * take a value unless they are one of the known boolean flags.
 */
const char *cli_first_positional(int argc, char **argv);

#endif
