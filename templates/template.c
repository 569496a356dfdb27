/*
 * OS templates: name validation, distro resolution, building versioned caches with the
 * distro's recipe, and locating distribution scripts.
 *
 * Layout: TEMPLATE/cache/<name>/<version>/root is a finished tree that is never modified;
 * builds happen in TEMPLATE/cache/<name>/.build-XXXXXX and are renamed into place, under an
 * flock on TEMPLATE/cache/<name>.lock.
 */
#include "templates/template.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "runtime/util.h"
#include "templates/template-internal.h"

#define TEMPLATE_NAME_MAX 100
#define RECIPE		  "mkcache"
#define BUILD_PREFIX	  ".build-"
#define RECIPE_PATH	  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

bool ve_template_name_valid(const char *name)
{
	size_t n;

	if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
		return false;
	n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-");
	return name[n] == '\0' && n <= TEMPLATE_NAME_MAX;
}

/* Versions and script actions follow the same rule as names: one safe path component. */
bool template_component_valid(const char *s)
{
	size_t n;

	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
		    (s[0] >= '0' && s[0] <= '9')))
		return false;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
	return s[n] == '\0' && n <= TEMPLATE_NAME_MAX;
}

static bool is_dir_at(int dfd, const char *path)
{
	struct stat st;

	return fstatat(dfd, path, &st, 0) == 0 && S_ISDIR(st.st_mode);
}

int template_cache_paths(const struct ve_global *g, const char *name, char **ret_cache,
			 char **ret_name_dir)
{
	*ret_cache = ve_strdup_printf("%s/cache", g->template_dir);
	*ret_name_dir = ve_strdup_printf("%s/cache/%s", g->template_dir, name);
	return *ret_cache && *ret_name_dir ? 0 : -ENOMEM;
}

int template_check_global(const struct ve_global *g, bool need_dist)
{
	if (!g || !g->template_dir || (need_dist && !g->dist_dir)) {
		log_error("TEMPLATE or DIST_DIR is not set");
		return -EINVAL;
	}
	return 0;
}

/*
 * Resolves a template name to its distro directory name: the exact directory, or the longest
 * directory name d such that name starts with "d-" (debian-12-minimal -> debian-12).
 */
static int find_distro(const char *dist_dir, const char *name, char **ret)
{
	_cleanup_free_ char *best = NULL;
	DIR *d = opendir(dist_dir);
	struct dirent *de;
	size_t best_len = 0;

	if (!d)
		return log_errno(neg_errno(), "Cannot open DIST_DIR '%s': %m", dist_dir);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		bool exact = strcmp(de->d_name, name) == 0;

		if (!ve_template_name_valid(de->d_name) || !is_dir_at(dirfd(d), de->d_name))
			continue;
		if (!exact && !(strncmp(name, de->d_name, len) == 0 && name[len] == '-'))
			continue;
		if (exact)
			len = SIZE_MAX;
		if (len <= best_len)
			continue;
		free(best);
		best = strdup(de->d_name);
		best_len = len;
		if (!best) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	if (!best) {
		log_error("OS template '%s' not found (no recipe in %s)", name, dist_dir);
		return -ENOENT;
	}
	*ret = TAKE_PTR(best);
	return 0;
}

int ve_template_dist_dir(const struct ve_global *g, const char *name, char **ret)
{
	_cleanup_free_ char *distro = NULL;
	char *p;
	int r;

	r = template_check_global(g, true);
	if (r < 0)
		return r;
	if (!ve_template_name_valid(name)) {
		log_error("Invalid OS template name '%s'", name ? name : "");
		return -EINVAL;
	}
	r = find_distro(g->dist_dir, name, &distro);
	if (r < 0)
		return r;
	p = ve_strdup_printf("%s/%s", g->dist_dir, distro);
	if (!p)
		return -ENOMEM;
	*ret = p;
	return 0;
}

int ve_template_script(const struct ve_global *g, const char *name, const char *action, char **ret)
{
	_cleanup_free_ char *dir = NULL;
	char *p;
	struct stat st;
	int r;

	if (!template_component_valid(action)) {
		log_error("Invalid distribution script name '%s'", action ? action : "");
		return -EINVAL;
	}
	r = ve_template_dist_dir(g, name, &dir);
	if (r < 0)
		return r;
	p = ve_strdup_printf("%s/%s", dir, action);
	if (!p)
		return -ENOMEM;
	/* Absence is normal (the action is skipped), so no log here. */
	if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(p);
		return -ENOENT;
	}
	*ret = p;
	return 0;
}

int ve_template_root(const struct ve_global *g, const char *name, const char *version, char **ret)
{
	char *p;
	int r;

	r = template_check_global(g, false);
	if (r < 0)
		return r;
	if (!ve_template_name_valid(name) || !template_component_valid(version))
		return -EINVAL;
	p = ve_strdup_printf("%s/cache/%s/%s/root", g->template_dir, name, version);
	if (!p)
		return -ENOMEM;
	if (!is_dir_at(AT_FDCWD, p)) {
		free(p);
		return -ENOENT;
	}
	*ret = p;
	return 0;
}

/* Finished versions of one template (directories with a root, not .build-*), unsorted. */
int template_list_versions(const char *name_dir, char ***ret)
{
	_cleanup_strv_ char **v = calloc(1, sizeof(char *));
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (!v)
		return -ENOMEM;
	d = opendir(name_dir);
	if (!d) {
		if (errno != ENOENT)
			return log_errno(neg_errno(), "Cannot open '%s': %m", name_dir);
		*ret = TAKE_PTR(v);
		return 0;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *root = NULL;

		if (!template_component_valid(de->d_name))
			continue;
		root = ve_strdup_printf("%s/root", de->d_name);
		if (!root) {
			r = -ENOMEM;
			break;
		}
		if (!is_dir_at(dirfd(d), root))
			continue;
		r = ve_strv_push(&v, de->d_name);
		if (r < 0)
			break;
	}
	closedir(d);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(v);
	return 0;
}

int template_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The newest finished version (versions sort lexically), or -ENOENT. */
int template_newest_version(const char *name_dir, char **ret)
{
	_cleanup_strv_ char **v = NULL;
	size_t n;
	int r;

	r = template_list_versions(name_dir, &v);
	if (r < 0)
		return r;
	n = ve_strv_len(v);
	if (n == 0)
		return -ENOENT;
	qsort(v, n, sizeof(char *), template_cmp_str);
	*ret = strdup(v[n - 1]);
	return *ret ? 0 : -ENOMEM;
}

int ve_template_list(const struct ve_global *g, char ***ret)
{
	_cleanup_strv_ char **out = calloc(1, sizeof(char *));
	_cleanup_free_ char *cache = NULL;
	DIR *d;
	struct dirent *de;
	int r = 0;

	if (!out)
		return -ENOMEM;
	r = template_check_global(g, false);
	if (r < 0)
		return r;
	cache = ve_strdup_printf("%s/cache", g->template_dir);
	if (!cache)
		return -ENOMEM;
	d = opendir(cache);
	if (!d && errno != ENOENT)
		return log_errno(neg_errno(), "Cannot open '%s': %m", cache);
	while (d && (de = readdir(d))) {
		_cleanup_strv_ char **v = NULL;
		_cleanup_free_ char *name_dir = NULL;

		if (!ve_template_name_valid(de->d_name) || !is_dir_at(dirfd(d), de->d_name))
			continue;
		name_dir = ve_strdup_printf("%s/%s", cache, de->d_name);
		r = name_dir ? template_list_versions(name_dir, &v) : -ENOMEM;
		for (char **p = v; r >= 0 && p && *p; p++) {
			_cleanup_free_ char *s = ve_strdup_printf("%s/%s", de->d_name, *p);

			r = s ? ve_strv_push(&out, s) : -ENOMEM;
		}
		if (r < 0)
			break;
	}
	if (d)
		closedir(d);
	if (r < 0)
		return r;
	qsort(out, ve_strv_len(out), sizeof(char *), template_cmp_str);
	*ret = TAKE_PTR(out);
	return 0;
}

/* Removes build directories left by a crashed build; only called with the lock held. */
static void remove_stale_builds(const char *name_dir)
{
	DIR *d = opendir(name_dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		int r;

		if (strncmp(de->d_name, BUILD_PREFIX, strlen(BUILD_PREFIX)) != 0)
			continue;
		p = ve_strdup_printf("%s/%s", name_dir, de->d_name);
		if (!p)
			break;
		log_info("Removing stale template build '%s'", p);
		r = ve_rm_rf(p);
		if (r < 0)
			log_warn_errno(r, "Cannot remove '%s': %m, ignoring", p);
	}
	closedir(d);
}

int template_lock(const char *cache, const char *name, int op)
{
	_cleanup_free_ char *path = ve_strdup_printf("%s/%s.lock", cache, name);
	_cleanup_close_ int fd = -1;

	if (!path)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return log_errno(neg_errno(), "Cannot open lock '%s': %m", path);
	if (flock(fd, op | LOCK_NB) == 0)
		return TAKE_FD(fd);
	if (errno != EWOULDBLOCK)
		return log_errno(neg_errno(), "Cannot lock '%s': %m", path);
	if (op == LOCK_EX)
		log_info("Waiting for another command using OS template '%s'", name);
	else
		log_info("Waiting for a build or removal of OS template '%s'", name);
	while (flock(fd, op) < 0) {
		if (errno != EINTR)
			return log_errno(neg_errno(), "Cannot lock '%s': %m", path);
	}
	return TAKE_FD(fd);
}

/* The recipe's environment: a clean, fixed set, plus proxies (the archive may need one). */
static char **recipe_env(const struct ve_global *g, const char *name, const char *root)
{
	static const char *const pass[] = {"http_proxy", "https_proxy", "no_proxy",
					   "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"};
	_cleanup_strv_ char **env = calloc(1, sizeof(char *));
	char *kv[4] = {
	    ve_strdup_printf("TEMPLATE_NAME=%s", name),
	    ve_strdup_printf("CACHE_ROOT=%s", root),
	    ve_strdup_printf("DIST_DIR=%s", g->dist_dir),
	    NULL,
	};
	int r = env ? 0 : -ENOMEM;

	if (r == 0)
		r = ve_strv_push(&env, RECIPE_PATH);
	if (r == 0)
		r = ve_strv_push(&env, "LC_ALL=C");
	for (size_t i = 0; i < 3; i++) {
		if (r == 0)
			r = kv[i] ? ve_strv_push(&env, kv[i]) : -ENOMEM;
		free(kv[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(pass) && r == 0; i++) {
		const char *v = getenv(pass[i]);
		_cleanup_free_ char *s = v ? ve_strdup_printf("%s=%s", pass[i], v) : NULL;

		if (v)
			r = s ? ve_strv_push(&env, s) : -ENOMEM;
	}
	return r == 0 ? TAKE_PTR(env) : NULL;
}

/* Child side of run_recipe: only async-signal-safe calls, ends in execve or _exit. */
static _Noreturn void exec_recipe(const char *recipe, char **env)
{
	char *argv[] = {(char *)recipe, NULL};
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t none;
	int fd;

	/* The recipe dies with us so no orphan keeps writing into a build dir we may remove. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		_exit(127);
	/* No descriptor of the caller (VE locks, sockets) leaks into the recipe. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	umask(022);
	execve(recipe, argv, env);
	_exit(127);
}

/* Runs DIST_DIR/<distro>/mkcache to fill root. 0 on success, -EIO when the recipe failed. */
static int run_recipe(const struct ve_global *g, const char *recipe, const char *name,
		      const char *root)
{
	_cleanup_strv_ char **env = recipe_env(g, name, root);
	int status;
	pid_t pid;

	if (!env)
		return -ENOMEM;
	pid = fork();
	if (pid < 0)
		return log_errno(neg_errno(), "Cannot fork for '%s': %m", recipe);
	if (pid == 0)
		exec_recipe(recipe, env);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return log_errno(neg_errno(), "Cannot wait for '%s': %m", recipe);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		log_error("Cannot run recipe '%s'", recipe);
	else if (WIFEXITED(status))
		log_error("Recipe '%s' failed with exit status %d", recipe, WEXITSTATUS(status));
	else
		log_error("Recipe '%s' killed by signal %d", recipe, WTERMSIG(status));
	return -EIO;
}

/* Checks the recipe left a non-empty tree and flushes it to disk before it is published. */
static int check_tree(const char *root)
{
	_cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	bool empty = true;

	if (fd < 0)
		return log_errno(neg_errno(), "Cannot open '%s': %m", root);
	d = opendir(root);
	if (!d)
		return log_errno(neg_errno(), "Cannot open '%s': %m", root);
	while (empty && (de = readdir(d)))
		empty = !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	if (empty) {
		log_error("Recipe produced an empty tree in '%s'", root);
		return -EIO;
	}
	/* A published cache is the lower layer of many VEs: it must survive a crash intact. */
	if (syncfs(fd) < 0)
		return log_errno(neg_errno(), "Cannot sync '%s': %m", root);
	return 0;
}

/* Renames the build dir to a fresh UTC-stamp version; a suffix keeps same-second builds apart. */
static int publish(const char *name_dir, const char *build, char **ret_version)
{
	char stamp[32], version[40];
	time_t now = time(NULL);
	struct tm tm;
	_cleanup_close_ int dfd = -1;

	if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		return -EINVAL;
	if (chmod(build, 0755) < 0)
		return log_errno(neg_errno(), "Cannot chmod '%s': %m", build);
	for (unsigned i = 0; i < 100; i++) {
		_cleanup_free_ char *dst = NULL;

		if (i == 0)
			snprintf(version, sizeof(version), "%s", stamp);
		else
			snprintf(version, sizeof(version), "%s-%02u", stamp, i);
		dst = ve_strdup_printf("%s/%s", name_dir, version);
		if (!dst)
			return -ENOMEM;
		if (rename(build, dst) == 0) {
			dfd = open(name_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0)
				(void)fsync(dfd);
			*ret_version = strdup(version);
			return *ret_version ? 0 : -ENOMEM;
		}
		if (errno != EEXIST && errno != ENOTEMPTY)
			return log_errno(neg_errno(), "Cannot rename '%s' to '%s': %m", build, dst);
	}
	return log_errno(-EEXIST, "Cannot find a free version name in '%s': %m", name_dir);
}

/* Builds a new version of name with recipe; called with the template lock held. */
int template_build(const struct ve_global *g, const char *name_dir, const char *name,
		   const char *recipe, char **ret_version)
{
	_cleanup_free_ char *build = ve_strdup_printf("%s/" BUILD_PREFIX "XXXXXX", name_dir);
	_cleanup_free_ char *root = NULL;
	uint64_t t0 = ve_now_usec();
	int r;

	if (!build)
		return -ENOMEM;
	/* A removal of the last version may have taken the directory while we waited. */
	r = ve_mkdir_p(name_dir, 0755);
	if (r < 0)
		return log_errno(r, "Cannot create '%s': %m", name_dir);
	remove_stale_builds(name_dir);
	if (!mkdtemp(build))
		return log_errno(neg_errno(), "Cannot create build dir in '%s': %m", name_dir);
	root = ve_strdup_printf("%s/root", build);
	if (!root) {
		r = -ENOMEM;
		goto fail;
	}
	if (mkdir(root, 0755) < 0 || chmod(root, 0755) < 0) {
		r = log_errno(neg_errno(), "Cannot create '%s': %m", root);
		goto fail;
	}
	log_info("Building OS template cache '%s' with %s", name, recipe);
	r = run_recipe(g, recipe, name, root);
	if (r >= 0)
		r = check_tree(root);
	if (r >= 0)
		r = publish(name_dir, build, ret_version);
	if (r < 0)
		goto fail;
	log_info("OS template cache %s/%s built in %.1f s", name, *ret_version,
		 (double)(ve_now_usec() - t0) / 1e6);
	return 0;
fail:
	if (ve_rm_rf(build) < 0)
		log_warn("Cannot remove build dir '%s', ignoring", build);
	return r;
}

int template_recipe(const struct ve_global *g, const char *name, char **ret)
{
	_cleanup_free_ char *dist = NULL;
	char *recipe;
	int r;

	r = ve_template_dist_dir(g, name, &dist);
	if (r < 0)
		return r;
	recipe = ve_strdup_printf("%s/" RECIPE, dist);
	if (!recipe)
		return -ENOMEM;
	if (access(recipe, X_OK) < 0) {
		log_error("OS template '%s' not found (no executable recipe %s)", name, recipe);
		free(recipe);
		return -ENOENT;
	}
	*ret = recipe;
	return 0;
}

/* The version pinned by this process (ve_template_pin), which ensure then returns. */
static struct {
	int fd;
	char *name;
	char *version;
} pinned = {.fd = -1};

int ve_template_ensure(const struct ve_global *g, const char *name, char **ret_version)
{
	_cleanup_free_ char *cache = NULL, *name_dir = NULL, *recipe = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	if (!ve_template_name_valid(name)) {
		log_error("Invalid OS template name '%s'", name ? name : "");
		return -EINVAL;
	}
	if (pinned.fd >= 0 && !strcmp(pinned.name, name)) {
		*ret_version = strdup(pinned.version);
		return *ret_version ? 0 : -ENOMEM;
	}
	r = template_check_global(g, true);
	if (r < 0)
		return r;
	if (template_cache_paths(g, name, &cache, &name_dir) < 0)
		return -ENOMEM;
	/* Fast path without the lock: published versions never change. */
	r = template_newest_version(name_dir, ret_version);
	if (r != -ENOENT)
		return r;
	r = template_recipe(g, name, &recipe);
	if (r < 0)
		return r;
	r = ve_mkdir_p(name_dir, 0755);
	if (r < 0)
		return log_errno(r, "Cannot create '%s': %m", name_dir);
	lock = template_lock(cache, name, LOCK_EX);
	if (lock < 0)
		return lock;
	/* Someone else may have finished the build while we waited for the lock. */
	r = template_newest_version(name_dir, ret_version);
	if (r != -ENOENT)
		return r;
	return template_build(g, name_dir, name, recipe, ret_version);
}

/* Takes the shared lock and checks version (NULL: the newest) is there; -ENOENT if not. */
static int pin_try(const char *cache, const char *name, const char *version, char **ret_version)
{
	_cleanup_free_ char *name_dir = ve_strdup_printf("%s/%s", cache, name);
	_cleanup_free_ char *root = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (!name_dir)
		return -ENOMEM;
	fd = template_lock(cache, name, LOCK_SH);
	if (fd < 0)
		return fd;
	if (!version)
		r = template_newest_version(name_dir, ret_version);
	else {
		root = ve_strdup_printf("%s/%s/root", name_dir, version);
		if (!root)
			return -ENOMEM;
		r = is_dir_at(AT_FDCWD, root) ? 0 : -ENOENT;
		if (r == 0 && !(*ret_version = strdup(version)))
			r = -ENOMEM;
	}
	return r < 0 ? r : TAKE_FD(fd);
}

int ve_template_pin(const struct ve_global *g, const char *name, const char *version,
		    char **ret_version)
{
	_cleanup_free_ char *cache = NULL, *v = NULL, *pname = NULL;
	int fd, r;

	if (!ve_template_name_valid(name) || (version && !template_component_valid(version))) {
		log_error("Invalid OS template '%s%s%s'", name ? name : "", version ? "/" : "",
			  version ? version : "");
		return -EINVAL;
	}
	if (pinned.fd >= 0)
		return log_errno(-EBUSY, "OS template '%s' is already pinned", pinned.name);
	r = template_check_global(g, false);
	if (r < 0)
		return r;
	cache = ve_strdup_printf("%s/cache", g->template_dir);
	pname = strdup(name);
	if (!cache || !pname)
		return -ENOMEM;
	r = ve_mkdir_p(cache, 0755);
	if (r < 0)
		return log_errno(r, "Cannot create '%s': %m", cache);
	/* A removal may take the version we built between the build and the shared lock. */
	for (unsigned tries = 0;; tries++) {
		fd = pin_try(cache, name, version, &v);
		if (fd != -ENOENT || tries == 3)
			break;
		if (version)
			return log_errno(-ENOENT, "OS template %s version %s not found", name,
					 version);
		r = ve_template_ensure(g, name, &v);
		if (r < 0)
			return r;
		free(TAKE_PTR(v));
	}
	if (fd < 0)
		return fd == -ENOENT ? log_errno(fd, "OS template %s not found", name) : fd;
	*ret_version = strdup(v);
	if (!*ret_version) {
		close(fd);
		return -ENOMEM;
	}
	pinned.fd = fd;
	pinned.name = TAKE_PTR(pname);
	pinned.version = TAKE_PTR(v);
	return fd;
}

void ve_template_unpin(int fd)
{
	if (fd < 0)
		return;
	if (fd == pinned.fd) {
		free(pinned.name);
		free(pinned.version);
		pinned.name = pinned.version = NULL;
		pinned.fd = -1;
	}
	close(fd);
}
