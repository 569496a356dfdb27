/*
 * vznft: runs one nftables batch through libnftables for vzctl (net/nft.c). Not a user
 * command: installed in LIBEXECDIR. vzctl is linked statically, and a static program cannot
 * safely load libnftables (and the second C library it pulls in); this small dynamic program
 * does it instead, only when a VE has a filter.
 *
 * Usage: vznft < BATCH. The batch is atomic (all or nothing). Exit 0 on success; 1 with nft's
 * own error text on stderr when the batch fails; 2 on bad usage, an unreadable batch, or when
 * libnftables cannot start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

/* The whole of stdin, NUL-terminated; NULL if it cannot be read. */
static char *read_batch(void)
{
	size_t len = 0, cap = 4096, n;
	char *buf = malloc(cap), *p;

	while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
		len += n;
		if (cap - len > 1)
			continue;
		p = realloc(buf, cap *= 2);
		if (!p)
			free(buf);
		buf = p;
	}
	if (!buf || ferror(stdin)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	struct nft_ctx *ctx;
	const char *err;
	char *batch;
	int r;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: vznft < BATCH (run by vzctl)\n");
		return 2;
	}
	batch = read_batch();
	if (!batch) {
		fprintf(stderr, "cannot read the batch on stdin\n");
		return 2;
	}
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		fprintf(stderr, "cannot start libnftables\n");
		return 2;
	}
	/* Buffered: the error text is printed once, without nft's listing on stdout. */
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	r = nft_run_cmd_from_buffer(ctx, batch);
	if (r != 0) {
		err = nft_ctx_get_error_buffer(ctx);
		fputs(err && *err ? err : "the batch failed\n", stderr);
	}
	nft_ctx_free(ctx);
	free(batch);
	return r != 0;
}
