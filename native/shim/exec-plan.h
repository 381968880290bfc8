/*
 * The plan of a native exec (`wharf-shim --native-exec PLAN`): everything `runc exec` would read
 * from its state and the process.json, resolved by wharfd into plain values so that the shim
 * needs no JSON parser. File format (written by src/plugins/shim/exec-plan.ts): a sequence of
 * NUL-terminated strings, key then value, repeated keys for lists. See docs/shim-protocol.md.
 */
#ifndef WHARF_EXEC_PLAN_H
#define WHARF_EXEC_PLAN_H

#include <linux/filter.h>
#include <stdint.h>
#include <sys/types.h>

struct plan_rlimit {
	int resource;
	unsigned long long soft, hard;
};

struct exec_plan {
	char *text; /* the file; every string below points into it */
	pid_t pid;  /* the container's init (host pid) */
	char *start; /* its start time, field 22 of /proc/PID/stat, as the runtime recorded it */
	int ns_flags; /* CLONE_NEW* of the namespaces to join (those the container has of its own) */
	char **cgroups; /* cgroup directories (one per hierarchy) to join */
	char **argv, **envp, *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *gids; /* additional groups */
	int n_gids;
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	int no_new_privs;
	int has_oom_score_adj, oom_score_adj;
	struct plan_rlimit *rlimits;
	int n_rlimits;
	char *apparmor; /* NULL: none */
	char *keyring;	/* session keyring to join, NULL: keep (no_new_keyring) */
	/* seccomp, in the OCI config's terms; has_seccomp 0: unconfined */
	int has_seccomp;
	char *sc_default;  /* "ACTION ERRNO" (ERRNO -1: unset) */
	char **sc_arches;  /* SCMP_ARCH_* */
	char **sc_flags;   /* SECCOMP_FILTER_FLAG_* */
	char **sc_rules;   /* "ACTION ERRNO NAME [INDEX OP VALUE VALUETWO]..." */
	char *sc_cache;	   /* the compiled filter is kept here (per container); NULL: not kept */
};

/* Reads and checks the plan; on failure fills err and returns -1. */
int exec_plan_read(const char *path, struct exec_plan *p, char *err, size_t errlen);

/* seccomp.c: the filter as a BPF program, with the flags to load it with. */
struct seccomp_prog {
	struct sock_filter *insns; /* NULL: no filter (unconfined) */
	unsigned short len;
	unsigned flags;
};
/* Before joining the container: the plan's filter, from its cache file or compiled (and cached). */
int filter_prepare(const struct exec_plan *p, struct seccomp_prog *out, char *err, size_t errlen);
/* In the process: loads it (a no-op without a filter). */
int filter_load(const struct seccomp_prog *prog, char *err, size_t errlen);

/* native-exec.c: in the shim's forked child, does what `runtime exec --detach` does (see there). */
void native_exec_child(const char *plan_path, const char *state_dir, const char *console_path, int tty) __attribute__((noreturn));

/* native-exec-process.c: the process's own set-up, then execve; errors go to errfd. Never returns. */
void native_exec_process(const struct exec_plan *p, const struct seccomp_prog *sc, int slave, int errfd) __attribute__((noreturn));

#endif
