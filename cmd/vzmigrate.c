/* vzmigrate: live migration of a VE to another node (CRIU). Not built yet. */
#include "cmd/exitcode.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: vzmigrate [--online] DESTINATION CTID\n"
		       "Live migration is not yet supported by vzkit.\n");
		return 0;
	}
	fprintf(stderr, "vzmigrate: live migration is not yet supported\n");
	return VZ_NOT_SUPPORTED;
}
