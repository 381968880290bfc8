/*
 * Reads a native exec's plan (see exec-plan.h). The file is wharfd's, in the exec's private state
 * dir, but it is still checked strictly: a missing or malformed value is an error, never a default
 * that would run the process with more privilege than the container has.
 */
#include "shim.h"
#include "exec-plan.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PLAN_MAX (4 * 1024 * 1024)

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size > PLAN_MAX) {
		if (fd >= 0)
			close(fd), errno = EFBIG;
		return NULL;
	}
	char *text = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (text && got < (size_t)st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size - got);
		if (n <= 0) {
			free(text);
			text = NULL;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (text)
		text[got] = '\0', *len = got;
	return text;
}

static int parse_ull(const char *s, int base, unsigned long long *out)
{
	char *end;
	errno = 0;
	*out = strtoull(s, &end, base);
	return (errno || end == s || *end || s[0] == '-') ? -1 : 0;
}

static int parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno || end == s || *end || *out < min || *out > max) ? -1 : 0;
}

/* Appends to a NULL-terminated list sized for every record of the file. */
static void push(char **list, int *n, char *v)
{
	list[(*n)++] = v;
	list[*n] = NULL;
}

static int parse_rlimit(char *v, struct plan_rlimit *r)
{
	long long res;
	char *soft = strchr(v, ' '), *hard = soft ? strchr(soft + 1, ' ') : NULL;
	if (!hard)
		return -1;
	*soft++ = '\0', *hard++ = '\0';
	return parse_int(v, 0, 64, &res) < 0 || parse_ull(soft, 10, &r->soft) < 0 || parse_ull(hard, 10, &r->hard) < 0
		       ? -1
		       : (r->resource = (int)res, 0);
}

/* One key/value record (seccomp flags and rules aside); -1 for an unknown key or a bad value. */
static int apply(struct exec_plan *p, const char *k, char *v, int counts[4])
{
	long long n;
	unsigned long long u;
	if (!strcmp(k, "pid"))
		return parse_int(v, 1, 1 << 30, &n) < 0 ? -1 : (p->pid = (pid_t)n, 0);
	if (!strcmp(k, "start"))
		return parse_ull(v, 10, &u) < 0 ? -1 : (p->start = v, 0);
	if (!strcmp(k, "ns"))
		return parse_int(v, 0, 0x7fffffff, &n) < 0 ? -1 : (p->ns_flags = (int)n, 0);
	if (!strcmp(k, "cgroup"))
		return v[0] != '/' ? -1 : (push(p->cgroups, &counts[0], v), 0);
	if (!strcmp(k, "arg"))
		return push(p->argv, &counts[1], v), 0;
	if (!strcmp(k, "env"))
		return push(p->envp, &counts[2], v), 0;
	if (!strcmp(k, "cwd"))
		return v[0] != '/' ? -1 : (p->cwd = v, 0);
	if (!strcmp(k, "uid"))
		return parse_int(v, 0, 0xfffffffe, &n) < 0 ? -1 : (p->uid = (uid_t)n, 0);
	if (!strcmp(k, "gid"))
		return parse_int(v, 0, 0xfffffffe, &n) < 0 ? -1 : (p->gid = (gid_t)n, 0);
	if (!strcmp(k, "group"))
		return parse_int(v, 0, 0xfffffffe, &n) < 0 ? -1 : (p->gids[p->n_gids++] = (gid_t)n, 0);
	if (!strncmp(k, "cap.", 4)) {
		if (parse_ull(v, 16, &u) < 0)
			return -1;
		uint64_t *set = !strcmp(k, "cap.bounding")	? &p->cap_bounding
				: !strcmp(k, "cap.effective")	? &p->cap_effective
				: !strcmp(k, "cap.permitted")	? &p->cap_permitted
				: !strcmp(k, "cap.inheritable") ? &p->cap_inheritable
				: !strcmp(k, "cap.ambient")	? &p->cap_ambient
								: NULL;
		return set ? (*set = u, 0) : -1;
	}
	if (!strcmp(k, "nnp"))
		return parse_int(v, 0, 1, &n) < 0 ? -1 : (p->no_new_privs = (int)n, 0);
	if (!strcmp(k, "oom"))
		return parse_int(v, -1000, 1000, &n) < 0 ? -1 : (p->has_oom_score_adj = 1, p->oom_score_adj = (int)n, 0);
	if (!strcmp(k, "rlimit"))
		return parse_rlimit(v, &p->rlimits[p->n_rlimits]) < 0 ? -1 : (p->n_rlimits++, 0);
	if (!strcmp(k, "apparmor"))
		return p->apparmor = v, 0;
	if (!strcmp(k, "keyring"))
		return p->keyring = v, 0;
	if (!strcmp(k, "seccomp.cache"))
		return v[0] != '/' ? -1 : (p->sc_cache = v, 0);
	if (!strcmp(k, "seccomp.default"))
		return p->has_seccomp = 1, p->sc_default = v, 0;
	if (!strcmp(k, "seccomp.arch"))
		return push(p->sc_arches, &counts[3], v), 0;
	return -1;
}

int exec_plan_read(const char *path, struct exec_plan *p, char *err, size_t errlen)
{
	size_t len = 0;
	memset(p, 0, sizeof(*p));
	p->text = read_file(path, &len);
	if (!p->text) {
		snprintf(err, errlen, "wharf-shim: read %s: %s", path, strerror(errno));
		return -1;
	}
	/* Every list gets room for all records: the plan is small and this keeps parsing simple. */
	size_t records = 1;
	for (size_t i = 0; i < len; i++)
		records += p->text[i] == '\0';
	p->cgroups = calloc(records, sizeof(char *));
	p->argv = calloc(records, sizeof(char *));
	p->envp = calloc(records, sizeof(char *));
	p->sc_arches = calloc(records, sizeof(char *));
	p->sc_flags = calloc(records, sizeof(char *));
	p->sc_rules = calloc(records, sizeof(char *));
	p->gids = calloc(records, sizeof(gid_t));
	p->rlimits = calloc(records, sizeof(struct plan_rlimit));
	if (!p->cgroups || !p->argv || !p->envp || !p->sc_arches || !p->sc_flags || !p->sc_rules || !p->gids || !p->rlimits) {
		snprintf(err, errlen, "wharf-shim: out of memory");
		return -1;
	}
	int counts[4] = {0}, n_flags = 0, n_rules = 0;
	char *at = p->text, *end = p->text + len;
	while (at < end) {
		char *k = at, *v = k + strlen(k) + 1;
		if (v >= end) {
			snprintf(err, errlen, "wharf-shim: plan %s: key %s has no value", path, k);
			return -1;
		}
		at = v + strlen(v) + 1;
		int rc;
		if (!strcmp(k, "seccomp.flag"))
			rc = (push(p->sc_flags, &n_flags, v), 0);
		else if (!strcmp(k, "seccomp.rule"))
			rc = (push(p->sc_rules, &n_rules, v), 0);
		else
			rc = apply(p, k, v, counts);
		if (rc < 0) {
			snprintf(err, errlen, "wharf-shim: plan %s: bad %s %s", path, k, v);
			return -1;
		}
	}
	if (!p->pid || !p->start || !p->cwd || !p->argv[0]) {
		snprintf(err, errlen, "wharf-shim: plan %s lacks pid, start, cwd or args", path);
		return -1;
	}
	return 0;
}
