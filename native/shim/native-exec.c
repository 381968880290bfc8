/*
 * A native exec: what `runc exec --detach` does for a running container, without runc's two Go
 * start-ups (57–84 ms here; this path takes a few ms). It runs in the shim's forked child, which
 * plays the runtime's part and keeps its interface: the process's host pid in init.pid, the pty
 * master over the console socket, an error as a runc-style JSON line in runtime.log (so wharfd's
 * error mapping is the same), exit 0 once the process has been exec'd.
 *
 * The steps follow runc 1.1 (nsexec.c, setns_init_linux.go, init_linux.go finalizeNamespace):
 * pin the init with a pidfd (checked against its recorded start time, so a reused pid is never
 * joined), enter its cgroups, join its namespaces, open the pty inside (its devpts), fork into the
 * pid namespace; then in the process: session keyring, rlimits, no_new_privs, seccomp, bounding
 * set, user and groups, capabilities, cwd, AppArmor, exec. The child is non-dumpable from before
 * it enters the container until execve, so nothing in the container can open its /proc/PID/fd
 * (runc's CVE-2016-9962), and it holds no fd of the host but the error pipe.
 */
#include "shim.h"
#include "exec-plan.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
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
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define START_FAILED "exec failed: unable to start container process: "

/* Where the runtime's interface lives: the exec's state dir and its runtime.log. */
static int g_dirfd = -1, g_logfd = -1;

/* Logs `msg` as runc does (one JSON line, level error) and exits 1: the shim reads it back. */
static void __attribute__((noreturn)) fail(const char *fmt, ...)
{
	char msg[4096], now[64];
	struct timespec ts;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	format_time(now, &ts);
	struct buf b = {0};
	buf_append(&b, "{\"level\":\"error\",\"msg\":", 23);
	json_escape(&b, (const unsigned char *)msg, strlen(msg));
	buf_append(&b, ",\"time\":\"", 9);
	buf_append(&b, now, strlen(now));
	buf_append(&b, "\"}\n", 3);
	if (g_logfd >= 0)
		write_all(g_logfd, buf_data(&b), buf_size(&b));
	_exit(1);
}

/* Field 22 of /proc/PID/stat (the start time in clock ticks), which the runtime recorded. */
static int start_time_matches(pid_t pid, const char *expected)
{
	char path[64], text[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	char *p = strrchr(text, ')'); /* the command name may contain spaces and parentheses */
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	size_t len = strcspn(p + 1, " ");
	return len == strlen(expected) && !strncmp(p + 1, expected, len);
}

/*
 * Joins the container's cgroups. Writing a pid to cgroup.procs takes the kernel's global
 * threadgroup lock for writing, which waits for an RCU grace period (8–30 ms here, runc pays it
 * on every exec); moving only the calling thread ("0" to a v1 hierarchy's `tasks`) skips that lock
 * (kernel 6.0+), and we are single-threaded, so that moves the whole process. A v2 (unified)
 * cgroup has no such file: it is joined at the fork instead, with clone3(CLONE_INTO_CGROUP), which
 * does not take the lock either. Returns the v2 cgroup's fd, or -1 when there is none.
 */
static int enter_cgroups(char **dirs)
{
	char path[4096];
	int v2 = -1;
	for (; *dirs; dirs++) {
		snprintf(path, sizeof(path), "%s/tasks", *dirs);
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			int dir = open(*dirs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dir < 0 && errno == ENOENT)
				continue; /* as runc's EnterPid: a hierarchy without this cgroup is skipped */
			if (dir < 0 || v2 >= 0)
				fail(START_FAILED "join cgroup %s: %s", *dirs, dir < 0 ? strerror(errno) : "a second cgroup2 hierarchy");
			v2 = dir;
			continue;
		}
		if (fd < 0 || write(fd, "0", 1) != 1)
			fail(START_FAILED "join cgroup %s: %s", *dirs, strerror(errno));
		close(fd);
	}
	return v2;
}

/* fork(), into the v2 cgroup `cgroup` when there is one. */
static pid_t fork_into(int cgroup)
{
	if (cgroup < 0)
		return fork();
	struct clone_args args = {.flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (uint64_t)cgroup};
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Sends the pty master to the shim as runc does over --console-socket. */
static void send_master(int sock, int master)
{
	char name[] = "pty";
	union {
		char space[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {name, sizeof(name)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space, .msg_controllen = sizeof(ctl.space)};
	struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
	h->cmsg_level = SOL_SOCKET, h->cmsg_type = SCM_RIGHTS, h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &master, sizeof(int));
	if (sendmsg(sock, &msg, 0) < 0)
		fail("wharf-shim: send the pty master: %s", strerror(errno));
}

/* Opens a pty in the container's devpts (its /dev/ptmx); returns the slave, sends the master. */
static int open_pty(int console_sock)
{
	char name[128];
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		fail(START_FAILED "open a pty in the container: %s", strerror(errno));
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		fail(START_FAILED "open %s: %s", name, strerror(errno));
	send_master(console_sock, master);
	close(master);
	close(console_sock);
	return slave;
}

static int connect_console(const char *path)
{
	struct sockaddr_un sa;
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || unix_sockaddr(path, -1, NULL, &sa, &len) < 0 || connect(fd, (struct sockaddr *)&sa, len) < 0)
		fail("wharf-shim: console socket %s: %s", path, strerror(errno));
	return fd;
}

/* Writes init.pid as the runtime does: whole or not at all. */
static void write_pidfile(pid_t pid)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%d", (int)pid);
	int fd = openat(g_dirfd, "init.pid.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, (size_t)n) != n || close(fd) < 0 || renameat(g_dirfd, "init.pid.tmp", g_dirfd, "init.pid") < 0)
		fail("wharf-shim: write init.pid: %s", strerror(errno));
}

void native_exec_child(const char *plan_path, const char *state_dir, const char *console_path, int tty)
{
	struct exec_plan p;
	char err[4096];
	g_dirfd = open(state_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	g_logfd = g_dirfd < 0 ? -1 : openat(g_dirfd, "runtime.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (g_logfd < 0)
		_exit(1);
	if (exec_plan_read(plan_path, &p, err, sizeof(err)) < 0)
		fail("%s", err);
	/* Pinned: from here the pidfd names this process, whatever becomes of its pid. */
	int pidfd = (int)syscall(SYS_pidfd_open, p.pid, 0);
	if (pidfd < 0 || !start_time_matches(p.pid, p.start))
		fail("cannot exec in a stopped container");
	/* Compiled (or read back) while we can still reach the host's files. */
	struct seccomp_prog sc;
	if (filter_prepare(&p, &sc, err, sizeof(err)) < 0)
		fail("%s", err);
	int console = tty ? connect_console(console_path) : -1;
	/* Before anything of the container can see us (see the top of the file). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail("wharf-shim: PR_SET_DUMPABLE: %s", strerror(errno));
	int cgroup2 = enter_cgroups(p.cgroups);
	if (p.has_oom_score_adj) {
		char v[16];
		int n = snprintf(v, sizeof(v), "%d", p.oom_score_adj);
		int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, v, (size_t)n) != n)
			fail(START_FAILED "set oom_score_adj: %s", strerror(errno));
		close(fd);
	}
	/* All at once through the pidfd; the mount namespace's root (the container's rootfs, which
	 * runc pivoted to) becomes our root and cwd. Without it we would stay in the host's root. */
	if (!(p.ns_flags & CLONE_NEWNS))
		fail("wharf-shim: the plan joins no mount namespace");
	if (setns(pidfd, p.ns_flags) < 0)
		fail(START_FAILED "join the container's namespaces: %s", strerror(errno));
	close(pidfd);
	int slave = tty ? open_pty(console) : -1;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		fail("wharf-shim: pipe: %s", strerror(errno));
	pid_t child = fork_into(cgroup2); /* the first process in the container's pid namespace */
	if (child < 0)
		fail("wharf-shim: fork: %s", strerror(errno));
	if (child == 0) {
		close(pipefd[0]);
		native_exec_process(&p, &sc, slave, pipefd[1]);
	}
	close(pipefd[1]);
	/* EOF without a message: the execve succeeded (the pipe is close-on-exec). */
	ssize_t n, got = 0;
	while ((n = read(pipefd[0], err + got, sizeof(err) - 1 - (size_t)got)) > 0 || (n < 0 && errno == EINTR))
		got += n > 0 ? n : 0;
	if (got > 0) {
		err[got] = '\0';
		waitpid(child, NULL, 0);
		fail(START_FAILED "%s", err);
	}
	write_pidfile(child);
	_exit(0);
}
