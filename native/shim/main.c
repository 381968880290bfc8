/*
 * wharf-shim entry point: parse the command line, detach from wharfd, launch the runtime,
 * report readiness, then run the event loop until the process has exited and been reported.
 * The contract is docs/shim-protocol.md.
 */
#include "shim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* Paths are resolved now because the shim chdirs to / when it detaches. */
static const char *absolute(const char *p)
{
	char cwd[PATH_MAX], *out;
	if (!p || p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return p;
	if (asprintf(&out, "%s/%s", cwd, p) < 0)
		return p;
	return out;
}

int parse_opts(struct opts *o, int argc, char **argv, char *err, size_t errlen)
{
	static const struct option longopts[] = {
		{"id", required_argument, 0, 'i'},	    {"bundle", required_argument, 0, 'b'},
		{"runtime", required_argument, 0, 'r'},	    {"runtime-root", required_argument, 0, 'R'},
		{"state-dir", required_argument, 0, 's'},   {"tty", no_argument, 0, 't'},
		{"stdin", no_argument, 0, 'I'},		    {"exec", required_argument, 0, 'e'},
		{"log-path", required_argument, 0, 'l'},    {"log-max-size", required_argument, 0, 'm'},
		{"log-max-files", required_argument, 0, 'n'}, {"ready-fd", required_argument, 0, 'f'},
		{"start", no_argument, 0, 'S'},		    {"native-exec", required_argument, 0, 'N'},
		{0, 0, 0, 0},
	};
	memset(o, 0, sizeof(*o));
	o->ready_fd = -1;
	o->log_max_files = 1;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'i': o->id = optarg; break;
		case 'b': o->bundle = optarg; break;
		case 'r': o->runtime = optarg; break;
		case 'R': o->runtime_root = optarg; break;
		case 's': o->state_dir = optarg; break;
		case 't': o->tty = 1; break;
		case 'I': o->open_stdin = 1; break;
		case 'e': o->exec_json = optarg; break;
		case 'l': o->log_path = optarg; break;
		case 'm': o->log_max_size = atoll(optarg); break;
		case 'n': o->log_max_files = atoi(optarg); break;
		case 'f': o->ready_fd = atoi(optarg); break;
		case 'S': o->start = 1; break;
		case 'N': o->exec_json = optarg, o->native_exec = 1; break;
		default:
			snprintf(err, errlen, "wharf-shim: unknown or incomplete option %s", argv[optind - 1]);
			return -1;
		}
	}
	if (!o->id || !o->runtime || !o->runtime_root || !o->state_dir || (!o->bundle && !o->exec_json)) {
		snprintf(err, errlen, "wharf-shim: --id, --runtime, --runtime-root, --state-dir and --bundle (or --exec) are required");
		return -1;
	}
	if (o->ready_fd >= 0 && o->ready_fd <= 2) {
		/* stdio is replaced when the shim detaches: the ready pipe must be another fd. */
		snprintf(err, errlen, "wharf-shim: --ready-fd must be above 2");
		o->ready_fd = -1;
		return -1;
	}
	o->bundle = absolute(o->bundle);
	o->runtime_root = absolute(o->runtime_root);
	o->state_dir = absolute(o->state_dir);
	o->exec_json = absolute(o->exec_json);
	o->log_path = absolute(o->log_path);
	if (strchr(o->runtime, '/'))
		o->runtime = absolute(o->runtime);
	return 0;
}

/* Writes the readiness line (see "Readiness") and closes the pipe: wharfd reads to EOF. */
static void ready(int fd, pid_t pid, const char *error)
{
	struct buf b = {0};
	char text[64];
	if (fd < 0)
		return;
	if (error) {
		buf_append(&b, "{\"error\":", 9);
		json_escape(&b, (const unsigned char *)error, strlen(error));
		buf_append(&b, "}\n", 2);
	} else {
		int n = snprintf(text, sizeof(text), "{\"pid\":%d,\"shimPid\":%d}\n", (int)pid, (int)getpid());
		buf_append(&b, text, (size_t)n);
	}
	write_all(fd, buf_data(&b), buf_size(&b));
	close(fd);
	buf_free(&b);
}

/*
 * Double fork + setsid: the process wharfd spawned exits at once, the middle one leads a new
 * session and exits, and the shim (grandchild) belongs to no session or process group of
 * wharfd's. So a signal to wharfd's group, wharfd's death or its restart leaves it running;
 * it is re-parented to init (or the nearest subreaper).
 */
static void daemonize(int ready_fd)
{
	pid_t p = fork();
	if (p < 0) {
		ready(ready_fd, 0, "wharf-shim: fork failed");
		exit(1);
	}
	if (p > 0) {
		int st;
		while (waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	setsid();
	p = fork();
	if (p < 0) {
		ready(ready_fd, 0, "wharf-shim: fork failed");
		_exit(1);
	}
	if (p > 0)
		_exit(0);
	if (chdir("/") < 0)
		_exit(1);
}

/*
 * Our stdio: /dev/null in, /dev/null out, shim.log for diagnostics. Every other inherited fd is
 * closed: a leaked wharfd fd (a listening socket, a pipe) held by a long-lived shim would keep
 * it open after wharfd dies.
 */
static void setup_stdio(const struct opts *o)
{
	char path[PATH_MAX];
	int null = open("/dev/null", O_RDWR);
	snprintf(path, sizeof(path), "%s/shim.log", o->state_dir);
	int log = open(path, O_WRONLY | O_CREAT | O_APPEND, 0640);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(log >= 0 ? log : null, 2);
	}
	DIR *d = opendir("/proc/self/fd");
	int keep = d ? dirfd(d) : -1;
	struct dirent *e;
	int fds[1024], n = 0;
	while (d && (e = readdir(d)) != NULL && n < 1024) {
		int fd = atoi(e->d_name);
		if (fd > 2 && fd != o->ready_fd && fd != keep)
			fds[n++] = fd;
	}
	if (d)
		closedir(d);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	/* The runtime and the container must not inherit the ready pipe: wharfd waits for its EOF. */
	if (o->ready_fd >= 0)
		set_cloexec(o->ready_fd);
}

static int shim_main(int argc, char **argv)
{
	static struct shim s;
	char err[PATH_MAX + 1024], path[PATH_MAX], pidtext[32];
	if (parse_opts(&s.o, argc, argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		ready(s.o.ready_fd, 0, err);
		return 2;
	}
	daemonize(s.o.ready_fd);
	setup_stdio(&s.o);
	/* A client that goes away must give EPIPE, not kill the shim. */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	/* Orphans (the container's init once `runtime create` exits) are re-parented to us. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		ready(s.o.ready_fd, 0, "wharf-shim: PR_SET_CHILD_SUBREAPER failed");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/shim.pid", s.o.state_dir);
	int n = snprintf(pidtext, sizeof(pidtext), "%d\n", (int)getpid());
	if (write_file_atomic(path, pidtext, (size_t)n) < 0) {
		snprintf(err, sizeof(err), "wharf-shim: write %s: %s", path, strerror(errno));
		ready(s.o.ready_fd, 0, err);
		return 1;
	}
	/* SIGCHLD is read through a signalfd in the loop; blocked before any child can exit. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s.w_sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	s.listen_fd = -1;
	if (s.w_sig.fd < 0 || attach_listen(&s) < 0) {
		snprintf(err, sizeof(err), "wharf-shim: attach socket in %s: %s", s.o.state_dir, strerror(errno));
		ready(s.o.ready_fd, 0, err);
		return 1;
	}
	if (s.o.log_path && !s.o.exec_json) {
		if (jsonlog_open(&s.log, s.o.log_path, s.o.log_max_size, s.o.log_max_files) < 0) {
			snprintf(err, sizeof(err), "wharf-shim: open log %s: %s", s.o.log_path, strerror(errno));
			ready(s.o.ready_fd, 0, err);
			attach_close_all(&s);
			return 1;
		}
		s.has_log = 1;
	}
	if (runtime_launch(&s.o, &s.io, err, sizeof(err)) < 0) {
		fprintf(stderr, "wharf-shim: %s\n", err);
		ready(s.o.ready_fd, 0, err);
		attach_close_all(&s);
		return 1;
	}
	if (s.o.start && !s.o.exec_json) {
		/* The container already runs: keep its output for the clients wharfd is connecting. */
		s.replay_open = 1;
		s.replay_deadline = now_ms() + REPLAY_WINDOW_MS;
	}
	ready(s.o.ready_fd, s.io.pid, NULL);
	return shim_loop(&s) < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	/* The zygote (serve.c): wharfd's shims are forked from it rather than spawned. */
	if (argc == 3 && !strcmp(argv[1], "--serve"))
		return shim_serve(argv[2], shim_main);
	return shim_main(argc, argv);
}
