/*
 * The container's seccomp filter for a native exec, built as runc 1.1 builds it (libcontainer/
 * seccomp/seccomp_linux.go) so that an exec'd process is confined exactly like one `runc exec`
 * starts: libseccomp compiles the OCI rules; rules whose action is the default are skipped, as are
 * syscalls libseccomp does not know; conditions on the same argument become separate rules (OR).
 * Like runc (patchbpf), syscalls numbered above the highest one the profile names return ENOSYS
 * instead of the default action, so that a libc probing a newer syscall falls back instead of
 * failing with EPERM. runc generates that stub for every architecture of the filter; this one
 * covers the native architecture (x32 numbers excluded), which is what containers here run.
 */
#include "shim.h"
#include "exec-plan.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Instructions in front of libseccomp's program (the ENOSYS stub). */
#define STUB_LEN 6

/* "SCMP_ACT_ERRNO 1" → libseccomp's action; -1 errno means unset (EPERM, as runc). */
static int parse_action(const char *text, uint32_t *out, const char **rest)
{
	char name[40];
	int errno_ret, used = 0;
	if (sscanf(text, "%39s %d%n", name, &errno_ret, &used) != 2)
		return -1;
	if (rest)
		*rest = text + used;
	uint32_t ret = errno_ret < 0 ? EPERM : (uint32_t)errno_ret;
	if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO(ret);
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE(ret);
	else if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else
		return -1;
	return 0;
}

static int parse_op(const char *name, enum scmp_compare *op)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {{"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
		   {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
		   {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(name, ops[i].name))
			return *op = ops[i].op, 0;
	return -1;
}

/* Adds one OCI rule ("ACTION ERRNO NAME [INDEX OP VALUE VALUETWO]..."); tracks the highest number. */
static int add_rule(scmp_filter_ctx ctx, uint32_t def, const char *text, int *max_nr, char *err, size_t errlen)
{
	uint32_t act;
	const char *rest;
	char name[64];
	int used = 0;
	if (parse_action(text, &act, &rest) < 0 || sscanf(rest, " %63s%n", name, &used) != 1)
		return snprintf(err, errlen, "wharf-shim: bad seccomp rule %s", text), -1;
	rest += used;
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* unknown to libseccomp: not supported by this kernel, as runc ignores it */
	if (nr > *max_nr)
		*max_nr = nr;
	if (act == def)
		return 0; /* libseccomp refuses a rule with the default action; it is a no-op anyway */
	struct scmp_arg_cmp args[6];
	unsigned count = 0, per_arg[6] = {0}, same_arg = 0;
	char opname[32];
	unsigned idx;
	unsigned long long a, b;
	while (sscanf(rest, " %u %31s %llu %llu%n", &idx, opname, &a, &b, &used) == 4) {
		rest += used;
		if (count == 6 || idx > 5 || parse_op(opname, &args[count].op) < 0)
			return snprintf(err, errlen, "wharf-shim: bad seccomp condition in %s", text), -1;
		args[count].arg = idx, args[count].datum_a = a, args[count].datum_b = b;
		same_arg |= ++per_arg[idx] > 1;
		count++;
	}
	int rc = 0;
	if (same_arg) /* libseccomp can't AND two conditions on one argument: runc adds one rule each */
		for (unsigned i = 0; i < count && rc == 0; i++)
			rc = seccomp_rule_add_array(ctx, act, nr, 1, &args[i]);
	else
		rc = seccomp_rule_add_array(ctx, act, nr, count, args);
	if (rc < 0)
		return snprintf(err, errlen, "wharf-shim: error adding seccomp filter rule for syscall %s: %s", name, strerror(-rc)), -1;
	return 0;
}

/* The compiled program with the ENOSYS stub in front (see the top of the file). */
static int export_with_stub(scmp_filter_ctx ctx, int max_nr, struct seccomp_prog *out, char *err, size_t errlen)
{
	int fd = memfd_create("wharf-seccomp", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0)
		return snprintf(err, errlen, "wharf-shim: export seccomp filter: %s", strerror(errno)), -1;
	off_t size = lseek(fd, 0, SEEK_END);
	size_t n = (size_t)size / sizeof(struct sock_filter);
	struct sock_filter *insns = calloc(n + STUB_LEN, sizeof(*insns));
	if (!insns || n + STUB_LEN > BPF_MAXINSNS || pread(fd, insns + STUB_LEN, (size_t)size, 0) != size)
		return snprintf(err, errlen, "wharf-shim: read seccomp filter: %s", strerror(errno)), -1;
	close(fd);
	uint32_t arch = seccomp_arch_native();
	uint32_t x32_bit = arch == SCMP_ARCH_X86_64 ? 0x40000000u : 0;
	/* Offsets are relative to the next instruction; STUB_LEN is where the filter starts. */
	struct sock_filter stub[STUB_LEN] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),			     /* A = arch */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 4),		     /* another arch: the filter */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),			     /* A = nr */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, x32_bit, 2, 0),	     /* x32: the filter */
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max_nr, 0, 1), /* not newer: the filter */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};
	memcpy(insns, stub, sizeof(stub));
	if (max_nr < 0) /* no rule resolved: nothing is "newer" */
		insns[4] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0);
	out->insns = insns;
	out->len = (unsigned short)(n + STUB_LEN);
	return 0;
}

/* The OCI flags as seccomp(2) flags. */
static int parse_flags(char **names, unsigned *flags, char *err, size_t errlen)
{
	*flags = 0;
	for (char **f = names; *f; f++) {
		if (!strcmp(*f, "SECCOMP_FILTER_FLAG_LOG"))
			*flags |= SECCOMP_FILTER_FLAG_LOG;
		else if (!strcmp(*f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			*flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
		else if (strcmp(*f, "SECCOMP_FILTER_FLAG_TSYNC")) /* TSYNC: one thread here anyway */
			return snprintf(err, errlen, "wharf-shim: seccomp flag %s is not supported", *f), -1;
	}
	return 0;
}

static int compile(const struct exec_plan *p, struct seccomp_prog *out, char *err, size_t errlen)
{
	uint32_t def;
	if (parse_action(p->sc_default, &def, NULL) < 0)
		return snprintf(err, errlen, "wharf-shim: bad seccomp default action %s", p->sc_default), -1;
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return snprintf(err, errlen, "wharf-shim: seccomp_init failed"), -1;
	int rc = -1, max_nr = -1;
	for (char **a = p->sc_arches; *a; a++) {
		char name[32];
		snprintf(name, sizeof(name), "%s", strncmp(*a, "SCMP_ARCH_", 10) ? *a : *a + 10);
		for (char *c = name; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		uint32_t token = seccomp_arch_resolve_name(name);
		int r = token ? seccomp_arch_add(ctx, token) : -EINVAL;
		if (r < 0 && r != -EEXIST) {
			snprintf(err, errlen, "wharf-shim: seccomp architecture %s: %s", *a, strerror(-r));
			goto out;
		}
	}
	for (char **r = p->sc_rules; *r; r++)
		if (add_rule(ctx, def, *r, &max_nr, err, errlen) < 0)
			goto out;
	rc = export_with_stub(ctx, max_nr, out, err, errlen);
out:
	seccomp_release(ctx);
	return rc;
}

/* A filter kept by an earlier exec of the container; 0 when there is none (or it is unusable). */
static int read_cache(const char *path, struct seccomp_prog *out)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t n = fstat(fd, &st) == 0 ? (size_t)st.st_size / sizeof(struct sock_filter) : 0;
	struct sock_filter *insns = n && n <= BPF_MAXINSNS && st.st_size % (off_t)sizeof(*insns) == 0 ? malloc((size_t)st.st_size) : NULL;
	if (insns && read(fd, insns, (size_t)st.st_size) == st.st_size) {
		out->insns = insns, out->len = (unsigned short)n;
		close(fd);
		return 1;
	}
	free(insns);
	close(fd);
	return 0;
}

/* Keeps the filter for the container's next execs (compiling is ~10 ms); best effort. */
static void write_cache(const char *path, const struct seccomp_prog *prog)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	size_t size = prog->len * sizeof(*prog->insns);
	int ok = write(fd, prog->insns, size) == (ssize_t)size;
	/* Rename, no fsync: a torn file after a host crash is impossible (rename is atomic), and a
	 * lost one is compiled again. */
	if (close(fd) < 0 || !ok || rename(tmp, path) < 0)
		unlink(tmp);
}

int filter_prepare(const struct exec_plan *p, struct seccomp_prog *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!p->has_seccomp)
		return 0;
	if (parse_flags(p->sc_flags, &out->flags, err, errlen) < 0)
		return -1;
	if (p->sc_cache && read_cache(p->sc_cache, out))
		return 0;
	if (compile(p, out, err, errlen) < 0)
		return -1;
	if (p->sc_cache)
		write_cache(p->sc_cache, out);
	return 0;
}

int filter_load(const struct seccomp_prog *prog, char *err, size_t errlen)
{
	if (!prog->insns)
		return 0;
	struct sock_fprog fprog = {.len = prog->len, .filter = prog->insns};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fprog) < 0)
		return snprintf(err, errlen, "wharf-shim: load seccomp filter: %s", strerror(errno)), -1;
	return 0;
}
