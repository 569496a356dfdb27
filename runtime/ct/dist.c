/* Distribution scripts (templates/<distro>/<action>) and the environment they run with. */
#include "ct-internal.h"
#include "runtime/util.h"
#include "templates/template.h"

#include <string.h>

#define VE_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char **ct_base_env(const struct ve_config *c)
{
	char **env = calloc(1, sizeof(char *));
	const char *term = getenv("TERM");
	_cleanup_free_ char *veid = ve_strdup_printf("VEID=%u", c->veid);
	_cleanup_free_ char *t = term ? ve_strdup_printf("TERM=%s", term) : NULL;

	if (!env || !veid || (term && !t) || ve_strv_push(&env, VE_PATH) < 0 ||
	    ve_strv_push(&env, "HOME=/root") < 0 || ve_strv_push(&env, veid) < 0 ||
	    (t && ve_strv_push(&env, t) < 0)) {
		ve_strv_free(env);
		return NULL;
	}
	return env;
}

int ct_dist_script(const struct ve_config *c, const char *action, char **ret_text)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (!c->fs.ostemplate)
		return -ENOENT;
	r = ve_template_script(c->global, c->fs.ostemplate, action, &path);
	if (r < 0)
		return r;
	r = ve_read_file(path, ret_text, NULL);
	if (r < 0)
		return log_errno(r, "Unable to read %s: %m", path);
	return 0;
}

static int push_kv(char ***env, const char *key, char *const *vals)
{
	size_t len = strlen(key) + 2;
	char *s, *o;
	int r;

	for (char *const *p = vals; p && *p; p++)
		len += strlen(*p) + 1;
	s = o = malloc(len);
	if (!s)
		return -ENOMEM;
	o += sprintf(o, "%s=", key);
	for (char *const *p = vals; p && *p; p++)
		o += sprintf(o, "%s%s", p == vals ? "" : " ", *p);
	r = ve_strv_push(env, s);
	free(s);
	return r;
}

/* NAMESERVER="inherit": the host's own nameservers from /etc/resolv.conf. */
static char **host_nameservers(void)
{
	_cleanup_free_ char *text = NULL;
	char **v = calloc(1, sizeof(char *));

	if (!v || ve_read_file("/etc/resolv.conf", &text, NULL) < 0)
		return v;
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n")) {
		char addr[64];
		if (sscanf(l, " nameserver %63s", addr) == 1 && ve_strv_push(&v, addr) < 0)
			break;
	}
	return v;
}

/* Appends "( script )" for action to *text when the distribution has it. */
static int append_action(const struct ve_config *c, const char *action, char **text)
{
	_cleanup_free_ char *body = NULL;
	char *n;
	int r = ct_dist_script(c, action, &body);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	n = ve_strdup_printf("%s(\n%s\n) || exit $?\n", *text ? *text : "", body);
	if (!n)
		return -ENOMEM;
	free(*text);
	*text = n;
	return 0;
}

int ct_network_env(const struct ve_config *c, char ***env)
{
	/* Borrows the config's strings: freed as a plain array. */
	_cleanup_free_ char **names = calloc(c->net.n_netifs + 1, sizeof(char *));
	char *v6[] = {c->net.ipv6 ? "yes" : "no", NULL};
	int r;

	if (!names)
		return -ENOMEM;
	for (unsigned i = 0; i < c->net.n_netifs; i++)
		names[i] = c->net.netifs[i].ifname;
	r = push_kv(env, "VENET_IPS", c->net.ip_addresses);
	if (r == 0)
		r = push_kv(env, "NETIFS", names);
	if (r == 0)
		r = push_kv(env, "IPV6", v6);
	return r;
}

static int add_dns(const struct ve_config *c, char ***env, char **text)
{
	_cleanup_strv_ char **host = NULL;
	char **ns = c->net.nameservers;
	int r;

	if (ns && ns[0] && !strcmp(ns[0], "inherit") && !ns[1])
		ns = host = host_nameservers();
	r = ns || !c->net.nameservers ? push_kv(env, "NAMESERVER", ns) : -ENOMEM;
	if (r == 0)
		r = push_kv(env, "SEARCHDOMAIN", c->net.searchdomains);
	if (r == 0)
		r = append_action(c, "set-dns", text);
	return r;
}

int ct_prestart_script(const struct ve_config *c, char **ret_text, char ***ret_env)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_strv_ char **env = NULL;
	bool dns = c->net.nameservers || c->net.searchdomains;
	bool net = c->net.ip_addresses || c->net.n_netifs || !c->net.ipv6;
	int r = 0;

	*ret_text = NULL;
	*ret_env = NULL;
	/* A VE with nothing to configure runs no script: its start stays one fork shorter. */
	if (!c->net.hostname && !dns && !net)
		return 0;
	env = ct_base_env(c);
	if (!env)
		return -ENOMEM;
	if (c->net.hostname) {
		char *h[] = {c->net.hostname, NULL};
		r = push_kv(&env, "HOSTNAME", h);
		if (r == 0)
			r = append_action(c, "set-hostname", &text);
	}
	if (r == 0 && dns)
		r = add_dns(c, &env, &text);
	/* Also without network keys: a removed NETIF or IPV6=yes again must reach the files. */
	if (r == 0)
		r = ct_network_env(c, &env);
	if (r == 0)
		r = append_action(c, "set-network", &text);
	if (r < 0)
		return r;
	*ret_text = TAKE_PTR(text);
	*ret_env = *ret_text ? TAKE_PTR(env) : NULL;
	return 0;
}
