/*
 * The exec'd process's own set-up, in the container's namespaces and cgroups (see native-exec.c
 * for the whole path and why it exists). The order is runc 1.1's setns init: session keyring,
 * rlimits, no_new_privs, seccomp (before dropping capabilities unless no_new_privs, since loading
 * a filter is then a privileged operation), bounding set, user and groups with capabilities kept,
 * the capability sets, AppArmor, seccomp (with no_new_privs, as late as possible), exec. Errors
 * are written to the error pipe in runc's words; wharfd maps them (126/127) as runc's.
 */
#include "shim.h"
#include "exec-plan.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Go's error text for an errno: strerror with a lower-case first letter, as runc prints it. */
static const char *go_strerror(int e, char out[128])
{
	snprintf(out, 128, "%s", strerror(e));
	if (out[0] >= 'A' && out[0] <= 'Z')
		out[0] = (char)(out[0] - 'A' + 'a');
	return out;
}

/* The parts of the process's set-up that can fail before its user is set (see the top). */
static void __attribute__((noreturn)) process_fail(int errfd, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	write_all(errfd, msg, (size_t)(n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1));
	_exit(127);
}

/* Go's exec.LookPath (1.19) with the process's PATH, as runc resolves args[0]. */
static const char *look_path(const struct exec_plan *p, char *out, size_t outlen, int errfd)
{
	const char *name = p->argv[0], *path = "";
	struct stat st;
	char e[128];
	if (strchr(name, '/')) {
		if (stat(name, &st) < 0)
			process_fail(errfd, "exec: \"%s\": stat %s: %s", name, name, go_strerror(errno, e));
		if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
			process_fail(errfd, "exec: \"%s\": permission denied", name);
		return name;
	}
	for (char **env = p->envp; *env; env++)
		if (!strncmp(*env, "PATH=", 5))
			path = *env + 5;
	/* An empty PATH has no elements; an empty element is the current directory. */
	for (const char *seg = path; *path;) {
		size_t len = strcspn(seg, ":");
		snprintf(out, outlen, "%.*s/%s", (int)(len ? len : 1), len ? seg : ".", name);
		if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode) && (st.st_mode & 0111)) {
			if (out[0] != '/')
				process_fail(errfd, "exec: \"%s\": cannot run executable found relative to current directory", name);
			return out;
		}
		if (!seg[len])
			break;
		seg += len + 1;
	}
	process_fail(errfd, "exec: \"%s\": executable file not found in $PATH", name);
	return NULL;
}

/* runc's fixStdioPermissions: stdio that is not /dev/null is given to the user (e.g. the pty). */
static void fix_stdio(uid_t uid, int errfd)
{
	struct stat null, st;
	char e[128];
	if (stat("/dev/null", &null) < 0)
		process_fail(errfd, "stat /dev/null: %s", go_strerror(errno, e));
	for (int fd = 0; fd < 3; fd++) {
		if (fstat(fd, &st) < 0 || st.st_uid == uid || st.st_rdev == null.st_rdev)
			continue;
		if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
			process_fail(errfd, "fchown stdio: %s", go_strerror(errno, e));
	}
}

static int last_cap(void)
{
	char text[16] = {0};
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (fd >= 0)
		close(fd);
	return n > 0 ? atoi(text) : 63;
}

/* Bounding set, user, groups and capability sets: runc's finalizeNamespace. */
static void set_user_and_caps(const struct exec_plan *p, int errfd)
{
	char e[128];
	for (int c = 0, last = last_cap(); c <= last && c < 64; c++)
		if (!(p->cap_bounding & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			process_fail(errfd, "drop capability %d from the bounding set: %s", c, go_strerror(errno, e));
	/* As root first: the directory may be one only the daemon's user can reach (runc does so). */
	int chdir_later = 0;
	if (chdir(p->cwd) < 0) {
		if (errno != EACCES && errno != EPERM)
			process_fail(errfd, "chdir to cwd (\"%s\") set in config.json failed: %s", p->cwd, go_strerror(errno, e));
		chdir_later = 1;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		process_fail(errfd, "set keep caps: %s", go_strerror(errno, e));
	fix_stdio(p->uid, errfd);
	/* Always: an empty list drops the groups the shim (root) had. */
	if (setgroups((size_t)p->n_gids, p->gids) < 0)
		process_fail(errfd, "setgroups: %s", go_strerror(errno, e));
	if (setresgid(p->gid, p->gid, p->gid) < 0 || setresuid(p->uid, p->uid, p->uid) < 0)
		process_fail(errfd, "set user %u:%u: %s", (unsigned)p->uid, (unsigned)p->gid, go_strerror(errno, e));
	if (chdir_later && chdir(p->cwd) < 0)
		process_fail(errfd, "chdir to cwd (\"%s\") set in config.json failed: %s", p->cwd, go_strerror(errno, e));
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		process_fail(errfd, "clear keep caps: %s", go_strerror(errno, e));
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2] = {
		{(uint32_t)p->cap_effective, (uint32_t)p->cap_permitted, (uint32_t)p->cap_inheritable},
		{(uint32_t)(p->cap_effective >> 32), (uint32_t)(p->cap_permitted >> 32), (uint32_t)(p->cap_inheritable >> 32)},
	};
	if (syscall(SYS_capset, &hdr, data) < 0)
		process_fail(errfd, "apply capabilities: %s", go_strerror(errno, e));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		process_fail(errfd, "clear ambient capabilities: %s", go_strerror(errno, e));
	for (int c = 0; c < 64; c++)
		if ((p->cap_ambient & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			process_fail(errfd, "raise ambient capability %d: %s", c, go_strerror(errno, e));
}

/* runc's apparmor.ApplyProfile: the profile takes effect at execve. */
static void apply_apparmor(const char *profile, int errfd)
{
	char text[512], e[128];
	int n = snprintf(text, sizeof(text), "exec %s", profile);
	int fd = open("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, (size_t)n) != n)
		process_fail(errfd, "apparmor failed to apply profile: %s", go_strerror(errno, e));
	close(fd);
}

void native_exec_process(const struct exec_plan *p, const struct seccomp_prog *sc, int slave, int errfd)
{
	char e[128], path[4096], msg[1024];
	sigset_t none;
	/* execve keeps the signal mask and ignored signals: the shim's must not reach the process. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (setsid() < 0)
		process_fail(errfd, "setsid: %s", go_strerror(errno, e));
	if (slave >= 0 && (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0))
		process_fail(errfd, "set up the pty: %s", go_strerror(errno, e));
	/* Only stdio and the error pipe stay open: every other fd of the shim is the host's. */
	if (errfd != 3 && (errfd = dup3(errfd, 3, O_CLOEXEC)) < 0)
		_exit(127);
	syscall(SYS_close_range, 4, ~0U, 0);
	if (p->keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, p->keyring) < 0 && errno != ENOSYS)
		process_fail(errfd, "unable to join session keyring: %s", go_strerror(errno, e));
	for (int i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = {p->rlimits[i].soft, p->rlimits[i].hard};
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			process_fail(errfd, "error setting rlimit type %d: %s", p->rlimits[i].resource, go_strerror(errno, e));
	}
	const char *prog = look_path(p, path, sizeof(path), errfd);
	if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		process_fail(errfd, "set no_new_privs: %s", go_strerror(errno, e));
	if (!p->no_new_privs && filter_load(sc, msg, sizeof(msg)) < 0)
		process_fail(errfd, "%s", msg);
	set_user_and_caps(p, errfd);
	if (p->apparmor && p->apparmor[0])
		apply_apparmor(p->apparmor, errfd);
	if (p->no_new_privs && filter_load(sc, msg, sizeof(msg)) < 0)
		process_fail(errfd, "%s", msg);
	execve(prog, p->argv, p->envp);
	process_fail(errfd, "exec %s: %s", prog, go_strerror(errno, e));
}
