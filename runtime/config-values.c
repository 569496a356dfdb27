#include "config.h"
#include "util.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define VZ_LONG_MAX "9223372036854775807"

int ve_parse_size(const char *s, uint64_t default_unit, uint64_t *ret)
{
	char num[32];
	size_t n = 0;
	uint64_t v, mult = default_unit;
	int r;

	if (!s || !*s)
		return -EINVAL;
	if (!strcasecmp(s, "unlimited") || !strcmp(s, VZ_LONG_MAX)) {
		*ret = VE_UNLIMITED;
		return 0;
	}
	while (isdigit((unsigned char)s[n]) && n < sizeof(num) - 1) {
		num[n] = s[n];
		n++;
	}
	num[n] = '\0';
	if (n == 0)
		return -EINVAL;
	if (s[n]) {
		const char *suf = "KMGTP", *at = strchr(suf, toupper((unsigned char)s[n]));
		if (!at || s[n] == '\0')
			return -EINVAL;
		mult = 1ULL << (10 * (at - suf + 1));
		if (s[n + 1] && !(toupper((unsigned char)s[n + 1]) == 'B' && !s[n + 2]))
			return -EINVAL;
	}
	r = ve_parse_u64(num, &v);
	if (r < 0)
		return r;
	if (mult && v > UINT64_MAX / mult)
		return -ERANGE;
	*ret = v * mult;
	return 0;
}

int ve_parse_barlim(const char *s, uint64_t default_unit, struct ve_barlim *ret)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	struct ve_barlim bl;
	int r;

	if (!s)
		return -EINVAL;
	if (!colon) {
		r = ve_parse_size(s, default_unit, &bl.limit);
		if (r < 0)
			return r;
		bl.barrier = bl.limit;
	} else {
		_cleanup_free_ char *b = strndup(s, colon - s);
		if (!b)
			return -ENOMEM;
		r = ve_parse_size(b, default_unit, &bl.barrier);
		if (r < 0)
			return r;
		r = ve_parse_size(colon + 1, default_unit, &bl.limit);
		if (r < 0)
			return r;
	}
	if (bl.barrier > bl.limit)
		return -ERANGE;
	*ret = bl;
	return 0;
}

char *ve_format_size(uint64_t bytes)
{
	static const char suf[] = "KMGTP";
	int i;

	if (bytes == VE_UNLIMITED)
		return strdup("unlimited");
	if (bytes == 0)
		return strdup("0");
	for (i = 4; i >= 0; i--) {
		uint64_t m = 1ULL << (10 * (i + 1));
		if (bytes % m == 0)
			return ve_strdup_printf("%llu%c", (unsigned long long)(bytes / m), suf[i]);
	}
	return ve_strdup_printf("%llu", (unsigned long long)bytes);
}

char *ve_format_barlim(const struct ve_barlim *bl)
{
	_cleanup_free_ char *b = ve_format_size(bl->barrier);
	_cleanup_free_ char *l = ve_format_size(bl->limit);

	if (!b || !l)
		return NULL;
	return ve_strdup_printf("%s:%s", b, l);
}

int ve_parse_bool(const char *s, bool *ret)
{
	static const char *yes[] = {"yes", "on", "true", "1"}, *no[] = {"no", "off", "false", "0"};

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (s && !strcasecmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (s && !strcasecmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}
