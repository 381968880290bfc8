/*
 * wharf-proxy: the userland proxy for one published TCP port (Docker's docker-proxy, same flags):
 *   wharf-proxy -proto tcp -host-ip IP -host-port P -container-ip IP -container-port P
 * It binds the host port itself and reports on stdout, one line, then closes stdout:
 *   "ok PORT"            listening (PORT is the bound port, so host port 0 picks one), or
 *   "err ERRNO-NAME MSG" bind/listen failed (the daemon turns EADDRINUSE etc. into Docker's text).
 * Bytes move with splice(2) through a pipe per direction (no copy into user space), on one
 * epoll loop. It lives exactly as long as the daemon that spawned it: PR_SET_PDEATHSIG kills it
 * when the daemon dies (even by SIGKILL), and EOF on stdin (the daemon's end of a pipe) ends it
 * too, which also covers a daemon that died before the prctl took effect.
 * Why C and not Node: the Node relay copies every byte through V8 buffers and the daemon's own
 * event loop; see bench/README.md (network) for the numbers.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Bytes a direction's pipe may hold; a larger pipe means fewer wake-ups per MB. */
#define PIPE_BYTES (512 * 1024)

struct conn;

/* One socket of a connection; epoll's data points here. */
struct side {
	struct conn *c;
	int fd;
};

/* One direction: bytes read from `from` wait in the pipe until written to `to`. */
struct dir {
	int pipe_r, pipe_w;
	size_t queued;
	int eof;  /* `from` reached EOF */
	int done; /* EOF forwarded (shutdown of `to`'s write side) */
};

struct conn {
	struct side client, up;
	struct dir c2u, u2c;
	int connected;
	int closed;
	struct conn *next_dead;
};

static int ep;
static struct sockaddr_in upstream_addr;
static struct conn *dead; /* closed during this epoll batch, freed after it */
static char listen_tag, stdin_tag;

static void close_conn(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	/* Closing the sockets removes them from epoll; events already fetched check `closed`. */
	close(c->client.fd);
	close(c->up.fd);
	close(c->c2u.pipe_r);
	close(c->c2u.pipe_w);
	close(c->u2c.pipe_r);
	close(c->u2c.pipe_w);
	c->next_dead = dead;
	dead = c;
}

static int make_pipe(struct dir *d)
{
	int p[2];
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES); /* best effort: the default 64 KiB works too */
	d->pipe_r = p[0];
	d->pipe_w = p[1];
	return 0;
}

/*
 * Moves what it can from `from` to `to` until both are blocked (EAGAIN) or EOF is forwarded.
 * Epoll is edge-triggered, so stopping anywhere short of EAGAIN could miss a wake-up; a read
 * that fails because the pipe is full is retried after the write side made room.
 * Returns -1 on a socket error (the connection is then reset by closing both sides).
 */
static int pump(struct dir *d, int from, int to)
{
	for (;;) {
		int progress = 0;
		if (!d->eof && d->queued < PIPE_BYTES) {
			ssize_t n = splice(from, NULL, d->pipe_w, NULL, PIPE_BYTES - d->queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->queued += n;
				progress = 1;
			} else if (n == 0) {
				d->eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (d->queued > 0) {
			ssize_t n = splice(d->pipe_r, NULL, to, NULL, d->queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->queued -= n;
				progress = 1;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				return -1;
			}
		}
		if (d->eof && d->queued == 0 && !d->done) {
			/* Half-close: the peer may still answer (HTTP/1.0 clients, `nc -q`). */
			shutdown(to, SHUT_WR);
			d->done = 1;
		}
		if (!progress)
			return 0;
	}
}

static void service(struct side *s, uint32_t events)
{
	struct conn *c = s->c;
	if (c->closed)
		return;
	if (!c->connected) {
		if (s != &c->up)
			return; /* client bytes wait in the kernel until the upstream connects */
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->up.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
			close_conn(c);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		c->connected = 1;
	}
	if (pump(&c->c2u, c->client.fd, c->up.fd) < 0 || pump(&c->u2c, c->up.fd, c->client.fd) < 0) {
		close_conn(c);
		return;
	}
	if (c->c2u.done && c->u2c.done)
		close_conn(c);
}

static int watch(int fd, void *ptr, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Accepts one client and starts its upstream connect; returns -1 when none is pending. */
static int accept_one(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -1 : 0;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct conn *c = calloc(1, sizeof(*c));
	int up = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!c || up < 0 || make_pipe(&c->c2u) < 0 || (make_pipe(&c->u2c) < 0 && (close(c->c2u.pipe_r), close(c->c2u.pipe_w), 1))) {
		close(fd);
		if (up >= 0)
			close(up);
		free(c);
		return 0;
	}
	setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->client = (struct side){c, fd};
	c->up = (struct side){c, up};
	int r = connect(up, (struct sockaddr *)&upstream_addr, sizeof(upstream_addr));
	if (r < 0 && errno != EINPROGRESS) {
		close_conn(c);
		return 0;
	}
	c->connected = r == 0;
	uint32_t ev = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	if (watch(fd, &c->client, ev) < 0 || watch(up, &c->up, ev) < 0)
		close_conn(c);
	return 0;
}

static int parse_addr(const char *ip, const char *port, struct sockaddr_in *out)
{
	char *end;
	long p = strtol(port ? port : "", &end, 10);
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)p);
	return ip && port && *end == 0 && p >= 0 && p <= 65535 && inet_pton(AF_INET, ip, &out->sin_addr) == 1 ? 0 : -1;
}

static void report_exit(const char *what)
{
	int e = errno;
	const char *name = strerrorname_np(e);
	printf("err %s %s: %s\n", name ? name : "EIO", what, strerror(e));
	exit(1);
}

static int listen_on(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		report_exit("socket");
	/* As Node and Go listeners do: a port in TIME_WAIT from the last container is reusable. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)a, sizeof(*a)) < 0)
		report_exit("bind");
	if (listen(fd, SOMAXCONN) < 0)
		report_exit("listen");
	return fd;
}

int main(int argc, char **argv)
{
	const char *proto = NULL, *hip = NULL, *hport = NULL, *cip = NULL, *cport = NULL;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i] + (argv[i][0] == '-' && argv[i][1] == '-');
		const char **slot = !strcmp(k, "-proto") ? &proto : !strcmp(k, "-host-ip") ? &hip : !strcmp(k, "-host-port") ? &hport : !strcmp(k, "-container-ip") ? &cip : !strcmp(k, "-container-port") ? &cport : NULL;
		if (!slot) {
			fprintf(stderr, "wharf-proxy: unknown flag %s\n", argv[i]);
			return 2;
		}
		*slot = argv[i + 1];
	}
	struct sockaddr_in host;
	if (!proto || strcmp(proto, "tcp") || parse_addr(hip, hport, &host) || parse_addr(cip, cport, &upstream_addr)) {
		fprintf(stderr, "usage: wharf-proxy -proto tcp -host-ip IP -host-port P -container-ip IP -container-port P\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-write is an EPIPE, handled per connection */
	int lfd = listen_on(&host);
	socklen_t alen = sizeof(host);
	getsockname(lfd, (struct sockaddr *)&host, &alen);
	printf("ok %u\n", ntohs(host.sin_port));
	fflush(stdout);
	/* stdout is the daemon's pipe: close it so the daemon's reader sees the end of the reply. */
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(devnull, STDOUT_FILENO);

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || watch(lfd, &listen_tag, EPOLLIN) < 0) {
		perror("wharf-proxy: epoll");
		return 1;
	}
	/* A stdin that is not a pipe (a terminal, /dev/null: EPERM) leaves only the death signal. */
	watch(STDIN_FILENO, &stdin_tag, EPOLLIN | EPOLLRDHUP);
	struct epoll_event evs[64];
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == &listen_tag) {
				/* Bounded, so a flood of connects cannot starve live connections. */
				for (int k = 0; k < 64 && accept_one(lfd) == 0; k++)
					;
			} else if (p == &stdin_tag) {
				char b[64];
				if (read(STDIN_FILENO, b, sizeof(b)) <= 0)
					return 0; /* the daemon closed its end or died */
			} else {
				service(p, evs[i].events);
			}
		}
		while (dead) {
			struct conn *c = dead;
			dead = c->next_dead;
			free(c);
		}
	}
}
