/*
 * The attach socket (DIR/attach.sock): any number of clients, each a non-blocking stream
 * connection speaking [type:u8][len:u32 BE][payload] frames. Output is fanned out to every
 * client through a bounded per-client queue; a client that falls CLIENT_OUT_MAX behind is
 * dropped, because waiting for it would stop the shim from draining the container's pipes and
 * so block the container. A dropped client loses output; the json-file log never does.
 *
 * Clients are freed only between epoll batches (the graveyard): an event for a client dropped
 * earlier in the same batch must still find valid memory that says "dead".
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct client {
	struct watch w; /* first member: epoll data points here */
	struct client *next;
	struct buf in, out;
	int closing;    /* close once `out` is sent (after the exit frame) */
	int rd_eof;     /* the client shut down its sending side */
	int dead;
	uint32_t events;
};

int attach_listen(struct shim *s)
{
	char path[PATH_MAX];
	struct sockaddr_un sa;
	socklen_t len;
	snprintf(path, sizeof(path), "%s/attach.sock", s->o.state_dir);
	int dirfd = open(s->o.state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int rc = -1;
	unlink(path);
	if (unix_sockaddr(path, dirfd, "attach.sock", &sa, &len) == 0) {
		s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->listen_fd >= 0 && bind(s->listen_fd, (struct sockaddr *)&sa, len) == 0 && listen(s->listen_fd, 64) == 0)
			rc = 0;
	}
	if (dirfd >= 0)
		close(dirfd);
	return rc;
}

static void update_events(struct shim *s, struct client *c);

static void drop(struct shim *s, struct client *c, const char *why)
{
	if (c->dead)
		return;
	if (why)
		fprintf(stderr, "wharf-shim: dropping attach client: %s\n", why);
	watch_del(s->epfd, &c->w);
	close(c->w.fd);
	c->dead = 1;
	for (struct client **pp = &s->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	c->next = s->graveyard;
	s->graveyard = c;
}

void attach_reap_dead(struct shim *s)
{
	while (s->graveyard) {
		struct client *c = s->graveyard;
		s->graveyard = c->next;
		buf_free(&c->in);
		buf_free(&c->out);
		free(c);
	}
}

/* Sends what the socket takes now; the rest waits for EPOLLOUT. */
static void flush(struct shim *s, struct client *c)
{
	while (!c->dead && buf_size(&c->out) > 0) {
		ssize_t n = send(c->w.fd, buf_data(&c->out), buf_size(&c->out), MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				drop(s, c, NULL);
			break;
		}
		buf_consume(&c->out, (size_t)n);
	}
	if (!c->dead)
		update_events(s, c);
}

static void update_events(struct shim *s, struct client *c)
{
	if (c->closing && buf_size(&c->out) == 0) {
		drop(s, c, NULL);
		return;
	}
	uint32_t ev = 0;
	if (!s->clients_paused && !c->rd_eof && !c->closing)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (buf_size(&c->out) > 0)
		ev |= EPOLLOUT;
	if (ev != c->events) {
		watch_mod(s->epfd, &c->w, ev);
		c->events = ev;
	}
}

/* Queues one frame to one client, dropping the client when it is too far behind. */
static void enqueue(struct shim *s, struct client *c, int type, const char *data, size_t n)
{
	unsigned char h[5] = {(unsigned char)type, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
			      (unsigned char)(n >> 8), (unsigned char)n};
	if (buf_size(&c->out) + sizeof(h) + n > CLIENT_OUT_MAX) {
		drop(s, c, "output queue full (client not reading)");
		return;
	}
	if (buf_append(&c->out, h, sizeof(h)) < 0 || buf_append(&c->out, data, n) < 0) {
		drop(s, c, "out of memory");
		return;
	}
	flush(s, c);
}

/* Whether output is being kept for clients still to come (see PREATTACH_MAX). */
static int keeping(const struct shim *s) { return (s->o.exec_json && !s->ever_attached) || s->replay_open; }

void attach_broadcast(struct shim *s, int type, const char *data, size_t n)
{
	if (keeping(s) && !s->preattach_full) {
		if (buf_size(&s->preattach) + 5 + n <= PREATTACH_MAX) {
			unsigned char h[5] = {(unsigned char)type, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
					      (unsigned char)(n >> 8), (unsigned char)n};
			buf_append(&s->preattach, h, sizeof(h));
			buf_append(&s->preattach, data, n);
		} else {
			/* Sticky: keeping a later, smaller chunk would replay output with a hole in it. */
			s->preattach_full = 1;
		}
	}
	for (struct client *c = s->clients, *next; c; c = next) {
		next = c->next;
		enqueue(s, c, type, data, n);
	}
}

void attach_accept(struct shim *s)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or EMFILE: the connection stays queued for a later try */
		}
		struct client *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->w.kind = W_CLIENT;
		c->w.fd = fd;
		c->next = s->clients;
		s->clients = c;
		watch_add(s->epfd, &c->w, 0);
		if (keeping(s) && buf_size(&s->preattach) > 0)
			buf_append(&c->out, buf_data(&s->preattach), buf_size(&s->preattach));
		s->ever_attached = 1;
		if (!keeping(s))
			buf_free(&s->preattach);
		if (s->finished) {
			/* Connected after the exit: it gets the exit frame at once. During the start
			 * window it is closed only once it closes its side or sends frame 7 (it may be
			 * wharfd ending the window), or when the window ends. */
			buf_append(&c->out, buf_data(&s->exit_frame), buf_size(&s->exit_frame));
			c->closing = !s->replay_open;
		}
		flush(s, c);
	}
}

/* Handles the complete frames a client sent, until stdin backpressure pauses input. */
static void process_frames(struct shim *s, struct client *c)
{
	while (!c->dead && !s->clients_paused && buf_size(&c->in) >= 5) {
		const unsigned char *h = (const unsigned char *)buf_data(&c->in);
		size_t len = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
		if (len > FRAME_MAX) {
			drop(s, c, "frame too large");
			return;
		}
		if (buf_size(&c->in) < 5 + len)
			return;
		const char *p = (const char *)h + 5;
		switch (h[0]) {
		case FRAME_STDIN:
			stdin_enqueue(s, p, len);
			break;
		case FRAME_STDIN_CLOSE:
			stdin_request_close(s);
			break;
		case FRAME_REPLAY_END:
			/* Closing that connection is the acknowledgement: once the client sees it closed,
			 * no later client gets the kept output. */
			attach_replay_end(s);
			drop(s, c, NULL);
			return;
		case FRAME_RESIZE:
			if (len == 4)
				tty_resize(s, (unsigned)(h[5] << 8 | h[6]), (unsigned)(h[7] << 8 | h[8]));
			break;
		default:
			break; /* unknown frames are ignored so that clients may be newer than the shim */
		}
		buf_consume(&c->in, 5 + len);
	}
}

void attach_client_event(struct shim *s, struct client *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & (EPOLLERR | EPOLLHUP)) {
		drop(s, c, NULL);
		return;
	}
	if (events & EPOLLOUT)
		flush(s, c);
	if (c->dead || !(events & (EPOLLIN | EPOLLRDHUP)) || s->clients_paused || c->rd_eof)
		return;
	char tmp[65536];
	ssize_t n = recv(c->w.fd, tmp, sizeof(tmp), 0);
	if (n > 0) {
		buf_append(&c->in, tmp, (size_t)n);
		process_frames(s, c);
	} else if (n == 0) {
		if (s->finished) {
			drop(s, c, NULL); /* nothing more for it to read but what was sent */
			return;
		}
		c->rd_eof = 1; /* it may still read output */
	} else if (errno != EAGAIN && errno != EINTR) {
		drop(s, c, NULL);
		return;
	}
	if (!c->dead)
		update_events(s, c);
}

/* Stops (or resumes) reading client input while the container's stdin queue is full. */
void attach_set_paused(struct shim *s, int paused)
{
	if (s->clients_paused == paused)
		return;
	s->clients_paused = paused;
	for (struct client *c = s->clients, *next; c; c = next) {
		next = c->next;
		if (!paused)
			process_frames(s, c);
		if (!c->dead)
			update_events(s, c);
	}
}

/* Sends the exit frame (payload: exit.json) to every client; each is closed once it got it. */
void attach_finish(struct shim *s, const char *exit_json, size_t n)
{
	unsigned char h[5] = {FRAME_EXIT, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
			      (unsigned char)n};
	buf_append(&s->exit_frame, h, sizeof(h));
	buf_append(&s->exit_frame, exit_json, n);
	s->finished = 1;
	for (struct client *c = s->clients, *next; c; c = next) {
		next = c->next;
		/* The exit frame goes even past the bound: it is small and the client is closing. */
		buf_append(&c->out, buf_data(&s->exit_frame), buf_size(&s->exit_frame));
		c->closing = 1;
		flush(s, c);
	}
}

/*
 * Whether the shim should stay for a client: one is still connected, or this is an exec nobody
 * attached to yet, or the start window is open (the process may have finished before wharfd's
 * clients could attach; they then get its kept output and the exit frame).
 */
int attach_pending(const struct shim *s) { return s->clients != NULL || keeping(s); }

/*
 * Ends the start window (--start): wharfd sends frame 7 once the clients that were waiting for
 * the start are connected, or the window times out. Later clients see live output only, as
 * `docker attach` to a running container does.
 */
void attach_replay_end(struct shim *s)
{
	if (!s->replay_open)
		return;
	s->replay_open = 0;
	buf_free(&s->preattach);
	if (!s->finished)
		return;
	/* Clients that connected after the exit were kept open for frame 7: close them now. */
	for (struct client *c = s->clients, *next; c; c = next) {
		next = c->next;
		c->closing = 1;
		flush(s, c);
	}
}

void attach_close_all(struct shim *s)
{
	char path[PATH_MAX];
	while (s->clients)
		drop(s, s->clients, NULL);
	attach_reap_dead(s);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	s->listen_fd = -1;
	snprintf(path, sizeof(path), "%s/attach.sock", s->o.state_dir);
	unlink(path);
}
