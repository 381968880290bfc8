/*
 * Runs the OCI runtime's `create` (or `exec --detach`) and collects what it leaves behind: the
 * process's pid and its stdio, either pipes we made or the pty master the runtime sends over
 * the console socket. The runtime exits once the process exists; because the shim is a child
 * subreaper, the orphaned process is then re-parented to the shim, which can wait() for it.
 */
#include "shim.h"
#include "exec-plan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

int runtime_log_error(const char *path, char *out, size_t outlen);

struct console {
	int listen_fd;
	char path[PATH_MAX];
	char tmpdir[64]; /* non-empty when the socket lives in a private /tmp dir */
};

/*
 * Listens where the runtime will connect to hand over the pty master. DIR/console.sock when the
 * path fits in sun_path; else a private /tmp directory: unlike attach.sock, the runtime (not
 * us) resolves this path, so the /proc/self/fd trick cannot be used.
 */
static int console_listen(const struct opts *o, struct console *c)
{
	struct sockaddr_un sa;
	socklen_t len;
	c->tmpdir[0] = '\0';
	snprintf(c->path, sizeof(c->path), "%s/console.sock", o->state_dir);
	if (strlen(c->path) >= sizeof(sa.sun_path)) {
		snprintf(c->tmpdir, sizeof(c->tmpdir), "/tmp/wharf-shim-XXXXXX");
		if (!mkdtemp(c->tmpdir))
			return -1;
		snprintf(c->path, sizeof(c->path), "%s/console.sock", c->tmpdir);
	}
	unlink(c->path);
	if (unix_sockaddr(c->path, -1, NULL, &sa, &len) < 0)
		return -1;
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *)&sa, len) < 0 || listen(c->listen_fd, 1) < 0)
		return -1;
	return 0;
}

static void console_cleanup(struct console *c)
{
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	c->listen_fd = -1;
	unlink(c->path);
	if (c->tmpdir[0])
		rmdir(c->tmpdir);
}

/*
 * Receives the pty master. The runtime connected and sent it (SCM_RIGHTS) before it exited, and
 * a unix stream connection queues both before accept(), so by now it is waiting for us.
 */
static int console_receive(struct console *c)
{
	int conn = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return -1;
	char data[256];
	union {
		char space[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {data, sizeof(data)};
	struct msghdr msg = {0};
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.space;
	msg.msg_controllen = sizeof(ctl.space);
	ssize_t n;
	do
		n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	close(conn);
	int fd = -1;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); n >= 0 && h; h = CMSG_NXTHDR(&msg, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		int count = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int *fds = (int *)CMSG_DATA(h);
		for (int i = 0; i < count; i++) {
			if (fd < 0)
				fd = fds[i];
			else
				close(fds[i]); /* only one pty is expected; never leak extras */
		}
	}
	return fd;
}

/* Builds the runtime's argv (see "Invocation" in the protocol doc). */
static void build_argv(const struct opts *o, const char *console, char *paths[2], const char **argv)
{
	int i = 0;
	argv[i++] = o->runtime;
	argv[i++] = "--root";
	argv[i++] = o->runtime_root;
	argv[i++] = "--log";
	argv[i++] = paths[0];
	argv[i++] = "--log-format";
	argv[i++] = "json";
	if (o->exec_json) {
		argv[i++] = "exec";
		argv[i++] = "--process";
		argv[i++] = o->exec_json;
		argv[i++] = "--detach";
	} else if (o->start) {
		/* One runtime process instead of `create` + `start`: each costs a Go start-up. */
		argv[i++] = "run";
		argv[i++] = "--detach";
		argv[i++] = "--bundle";
		argv[i++] = o->bundle;
	} else {
		argv[i++] = "create";
		argv[i++] = "--bundle";
		argv[i++] = o->bundle;
	}
	argv[i++] = "--pid-file";
	argv[i++] = paths[1];
	if (console) {
		argv[i++] = "--console-socket";
		argv[i++] = console;
	}
	argv[i++] = o->id;
	argv[i] = NULL;
}

/* In the forked child: give the runtime its stdio and a clean signal state, then exec it. */
static void exec_runtime(const struct opts *o, const char **argv, const char *console, int in, int out, int err)
{
	sigset_t none;
	sigemptyset(&none);
	/* The mask and ignored dispositions survive exec and would reach the container process. */
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(127);
	if (o->native_exec) /* the shim is the runtime: same stdio, same files, same exit status */
		native_exec_child(o->exec_json, o->state_dir, console, o->tty);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Reads a pid file the runtime wrote. */
static pid_t read_pid(const char *path)
{
	char text[32] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	long v = n > 0 ? strtol(text, NULL, 10) : 0;
	return v > 0 ? (pid_t)v : -1;
}

/* Fills `err` with why the runtime failed: its logged error, else what it printed, else status. */
static void runtime_error(const char *logpath, int errfd, int status, char *err, size_t errlen)
{
	if (runtime_log_error(logpath, err, errlen) == 0)
		return;
	if (errfd >= 0) {
		ssize_t n = read(errfd, err, errlen - 1);
		while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
			n--;
		if (n > 0) {
			err[n] = '\0';
			return;
		}
	}
	snprintf(err, errlen, "runtime exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* The runtime's stdio and the container's, as the shim sets them up before forking. */
struct stdio_set {
	struct console con;
	int out[2], err[2], in[2], devnull;
};

/* Forks and execs the runtime; returns its exit status, or -1 when it could not be started. */
static int run_runtime(const struct opts *o, const char **argv, const char *console, struct stdio_set *io)
{
	pid_t child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		/* With a tty the runtime's own stdio is not the container's: its messages go to shim.log. */
		if (o->tty)
			exec_runtime(o, argv, console, io->devnull, 2, 2);
		exec_runtime(o, argv, console, io->in[0] >= 0 ? io->in[0] : io->devnull, io->out[1], io->err[1]);
	}
	/* Close our copies of the child's ends, or EOF would never come when the process exits. */
	close_fd(&io->out[1]);
	close_fd(&io->err[1]);
	close_fd(&io->in[0]);
	int status = 1 << 8; /* read as "exited 1" should waitpid fail for another reason */
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* Moves the fds the event loop needs into `l`: the pty master, or our ends of the pipes. */
static int take_stdio(const struct opts *o, struct stdio_set *io, struct launch *l)
{
	if (o->tty) {
		l->out_fd = console_receive(&io->con);
		if (l->out_fd < 0)
			return -1;
		l->stdin_fd = o->open_stdin ? l->out_fd : -1;
	} else {
		l->out_fd = io->out[0], l->err_fd = io->err[0], l->stdin_fd = io->in[1];
		io->out[0] = io->err[0] = io->in[1] = -1;
	}
	set_nonblock(l->out_fd);
	if (l->err_fd >= 0)
		set_nonblock(l->err_fd);
	if (l->stdin_fd >= 0)
		set_nonblock(l->stdin_fd);
	return 0;
}

int runtime_launch(const struct opts *o, struct launch *l, char *err, size_t errlen)
{
	char logpath[PATH_MAX], pidpath[PATH_MAX];
	char *paths[2] = {logpath, pidpath};
	const char *argv[24];
	struct stdio_set io = {.con = {.listen_fd = -1}, .out = {-1, -1}, .err = {-1, -1}, .in = {-1, -1}};
	int rc = -1;

	io.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	l->pid = -1;
	l->out_fd = l->err_fd = l->stdin_fd = -1;
	snprintf(logpath, sizeof(logpath), "%s/runtime.log", o->state_dir);
	snprintf(pidpath, sizeof(pidpath), "%s/init.pid", o->state_dir);
	unlink(pidpath);
	if (o->tty) {
		if (console_listen(o, &io.con) < 0) {
			snprintf(err, errlen, "wharf-shim: console socket %s: %s", io.con.path, strerror(errno));
			goto out;
		}
	} else if (pipe2(io.out, O_CLOEXEC) < 0 || pipe2(io.err, O_CLOEXEC) < 0 || (o->open_stdin && pipe2(io.in, O_CLOEXEC) < 0)) {
		snprintf(err, errlen, "wharf-shim: pipe: %s", strerror(errno));
		goto out;
	}
	build_argv(o, o->tty ? io.con.path : NULL, paths, argv);
	int status = run_runtime(o, argv, o->tty ? io.con.path : NULL, &io);
	if (status == -1) {
		snprintf(err, errlen, "wharf-shim: fork: %s", strerror(errno));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (io.err[0] >= 0)
			set_nonblock(io.err[0]);
		runtime_error(logpath, io.err[0], status, err, errlen);
		goto out;
	}
	l->pid = read_pid(pidpath);
	if (l->pid < 0) {
		snprintf(err, errlen, "wharf-shim: no pid in %s", pidpath);
		goto out;
	}
	if (take_stdio(o, &io, l) < 0) {
		snprintf(err, errlen, "wharf-shim: no pty master received on %s", io.con.path);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && l->pid > 0) {
		/* Created but unusable (no pty): don't leave a process nobody watches. */
		kill(l->pid, SIGKILL);
		l->pid = -1;
	}
	for (int i = 0; i < 2; i++)
		close_fd(&io.out[i]), close_fd(&io.err[i]), close_fd(&io.in[i]);
	close_fd(&io.devnull);
	if (o->tty)
		console_cleanup(&io.con);
	return rc;
}
