/*
 * `wharf-shim --serve NAME`: a zygote for shims. Starting a process from wharfd (a fork of an
 * ~80 MB Node process, exec, the dynamic loader) costs 6–13 ms here, on every container start and
 * every exec; forking this small process costs well under one. wharfd starts one server and, per
 * shim, connects to it and sends the shim's arguments; the server forks, and the child runs the
 * shim's main with the connection as its ready fd (--ready-fd), so the reply is the readiness
 * line and EOF exactly as with a spawned shim. The shim then daemonizes as always: it is no
 * child of the server, and outlives it.
 *
 * The socket is in the abstract namespace (nothing on disk to leak), so anyone on the host could
 * connect: only the server's parent (wharfd, by SO_PEERCRED) is served — a request names the
 * runtime binary to run as root. The server dies with wharfd (PR_SET_PDEATHSIG).
 * Request: a u32 big-endian length, then that many bytes of NUL-terminated arguments.
 */
#include "shim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REQUEST_MAX (256 * 1024)
#define ARGS_MAX 256

static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Splits the request into argv (argv[0] = "wharf-shim"), then `--ready-fd CONN`. */
static int build_argv(char *req, size_t len, int conn, char **argv, char fdtext[16])
{
	int argc = 0;
	argv[argc++] = "wharf-shim";
	for (size_t i = 0; i < len && argc < ARGS_MAX - 3; i += strlen(req + i) + 1)
		argv[argc++] = req + i;
	snprintf(fdtext, 16, "%d", conn);
	argv[argc++] = "--ready-fd";
	argv[argc++] = fdtext;
	argv[argc] = NULL;
	return argc;
}

/* One request: checked, read, forked; the child never returns from here. */
static void serve_one(int listen_fd, int conn, int (*shim_main)(int, char **))
{
	struct ucred peer;
	socklen_t plen = sizeof(peer);
	uint32_t be;
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &plen) < 0 || peer.pid != getppid() || read_full(conn, &be, 4) < 0)
		return;
	size_t len = ntohl(be);
	char *req = len <= REQUEST_MAX ? malloc(len + 1) : NULL;
	if (!req || read_full(conn, req, len) < 0 || (len > 0 && req[len - 1] != '\0')) {
		free(req);
		return;
	}
	pid_t child = fork();
	if (child == 0) {
		char *argv[ARGS_MAX], fdtext[16];
		close(listen_fd);
		signal(SIGCHLD, SIG_DFL); /* the server's auto-reaping must not reach the shim */
		int argc = build_argv(req, len, conn, argv, fdtext);
		optind = 1;
		exit(shim_main(argc, argv));
	}
	if (child < 0) {
		const char *e = "{\"error\":\"wharf-shim: fork failed\"}\n";
		write_all(conn, e, strlen(e));
	}
	free(req);
}

int shim_serve(const char *name, int (*shim_main)(int, char **))
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof(sa.sun_path) - 1) {
		fprintf(stderr, "wharf-shim: bad server name\n");
		return 2;
	}
	/* Abstract: sun_path[0] is NUL. The address is the whole NUL-padded sun_path, because that
	 * is what Node 20's net.connect (libuv) passes for a name starting with NUL. */
	memcpy(sa.sun_path + 1, name, n);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return 1; /* wharfd died before the death signal was armed */
	signal(SIGCHLD, SIG_IGN); /* each request's first child exits at once; no zombies */
	signal(SIGPIPE, SIG_IGN);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		fprintf(stderr, "wharf-shim: serve %s: %s\n", name, strerror(errno));
		return 1;
	}
	/* Ready: wharfd waits for this line on stdout before sending requests. */
	write_all(1, "ready\n", 6);
	for (;;) {
		int conn = accept4(fd, NULL, NULL, 0); /* not CLOEXEC: it becomes the shim's ready fd */
		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return 1;
		}
		serve_one(fd, conn, shim_main);
		close(conn);
	}
}
