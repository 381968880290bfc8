/*
 * The event loop: one thread, epoll, everything non-blocking. It drains the process's output
 * (pipes or the pty master) into the log and to attach clients, forwards client stdin with a
 * bounded queue, reaps children through a signalfd, and after the process exited drains the
 * last output, writes exit.json and sends every client the exit frame.
 */
#include "shim.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

int watch_add(int epfd, struct watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, w->fd, &ev);
}

int watch_mod(int epfd, struct watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void watch_del(int epfd, struct watch *w) { epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL); }

/* Registers write interest only while stdin bytes wait; with a tty the pty master is one fd
 * for both directions, so its single registration carries both interests. */
static void update_io(struct shim *s)
{
	int want_out = buf_size(&s->stdin_q) > 0;
	if (s->io.out_fd >= 0) {
		uint32_t ev = EPOLLIN | (s->o.tty && want_out ? EPOLLOUT : 0);
		if (ev != s->out_events && watch_mod(s->epfd, &s->w_out, ev) == 0)
			s->out_events = ev;
	}
	if (!s->o.tty && s->io.stdin_fd >= 0) {
		uint32_t ev = want_out ? EPOLLOUT : 0;
		if (ev != s->stdin_events && watch_mod(s->epfd, &s->w_stdin, ev) == 0)
			s->stdin_events = ev;
	}
}

/* The process will not read stdin any more (it closed it, or exited): forget queued input. */
static void stdin_drop(struct shim *s)
{
	buf_reset(&s->stdin_q);
	if (!s->o.tty && s->io.stdin_fd >= 0) {
		watch_del(s->epfd, &s->w_stdin);
		close(s->io.stdin_fd);
	}
	s->io.stdin_fd = -1;
	attach_set_paused(s, 0);
}

static void stdin_flush(struct shim *s)
{
	while (s->io.stdin_fd >= 0 && buf_size(&s->stdin_q) > 0) {
		ssize_t n = write(s->io.stdin_fd, buf_data(&s->stdin_q), buf_size(&s->stdin_q));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				stdin_drop(s); /* EPIPE or EIO: the reading side is gone for good */
			break;
		}
		buf_consume(&s->stdin_q, (size_t)n);
	}
	/* Closing the pipe's write end is how the process sees EOF on stdin. */
	if (s->stdin_close_pending && buf_size(&s->stdin_q) == 0 && s->io.stdin_fd >= 0)
		stdin_drop(s);
	if (buf_size(&s->stdin_q) < STDIN_QUEUE_MAX)
		attach_set_paused(s, 0);
	update_io(s);
}

void stdin_enqueue(struct shim *s, const char *data, size_t n)
{
	if (s->io.stdin_fd < 0 || s->stdin_close_pending || n == 0)
		return; /* no stdin (not --stdin, closed, or gone): input is discarded */
	buf_append(&s->stdin_q, data, n);
	stdin_flush(s);
	if (buf_size(&s->stdin_q) >= STDIN_QUEUE_MAX)
		attach_set_paused(s, 1);
}

/*
 * EOF from a client. With pipes, the write end is closed once queued input is written. A pty
 * cannot be half-closed (closing the master hangs up the terminal), so with a tty this does
 * nothing, as with containerd's shim; a user ends input by typing ^D, which is just data.
 */
void stdin_request_close(struct shim *s)
{
	if (s->o.tty || s->io.stdin_fd < 0)
		return;
	s->stdin_close_pending = 1;
	stdin_flush(s);
}

void tty_resize(struct shim *s, unsigned rows, unsigned cols)
{
	if (!s->o.tty || s->io.out_fd < 0)
		return;
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	/* TIOCSWINSZ on the master also sends SIGWINCH to the terminal's foreground group. */
	if (ioctl(s->io.out_fd, TIOCSWINSZ, &ws) < 0)
		fprintf(stderr, "wharf-shim: resize: %s\n", strerror(errno));
}

static void close_output(struct shim *s, int stream)
{
	int *fd = stream ? &s->io.err_fd : &s->io.out_fd;
	if (*fd < 0)
		return;
	if (s->has_log)
		jsonlog_flush(&s->log, stream); /* a last line without '\n' is still logged */
	watch_del(s->epfd, stream ? &s->w_err : &s->w_out);
	close(*fd);
	*fd = -1;
	if (s->o.tty) {
		s->io.stdin_fd = -1; /* it was the same pty master */
		buf_reset(&s->stdin_q);
		attach_set_paused(s, 0);
	}
}

static void read_output(struct shim *s, int stream)
{
	static char tmp[65536];
	int fd = stream ? s->io.err_fd : s->io.out_fd;
	ssize_t n = read(fd, tmp, sizeof(tmp));
	if (n > 0) {
		if (s->has_log)
			jsonlog_feed(&s->log, stream, tmp, (size_t)n);
		attach_broadcast(s, stream ? FRAME_STDERR : FRAME_STDOUT, tmp, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EOF, or EIO from a pty master once no process holds the slave open. */
	close_output(s, stream);
}

static void reap_children(struct shim *s)
{
	struct signalfd_siginfo si;
	while (read(s->w_sig.fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		; /* SIGCHLDs coalesce; waitpid below is the source of truth */
	int status;
	pid_t p;
	/* Reap everything: orphans re-parented to us (we are a subreaper) must not stay zombies. */
	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		if (p != s->io.pid || s->exited)
			continue;
		s->exited = 1;
		clock_gettime(CLOCK_REALTIME, &s->exited_at);
		if (WIFSIGNALED(status)) {
			s->exit_signal = WTERMSIG(status);
			s->exit_code = 128 + s->exit_signal; /* as Docker reports a killed process */
		} else {
			s->exit_code = WEXITSTATUS(status);
		}
	}
}

/* The process exited and its output is drained: log closed, exit.json, exit frame. */
static void finish(struct shim *s)
{
	char json[256], when[64], sig[16], path[PATH_MAX];
	close_output(s, 0);
	close_output(s, 1);
	if (s->has_log)
		jsonlog_close(&s->log);
	stdin_drop(s);
	format_time(when, &s->exited_at);
	snprintf(sig, sizeof(sig), s->exit_signal ? "%d" : "null", s->exit_signal);
	int n = snprintf(json, sizeof(json), "{\"exitCode\":%d,\"signal\":%s,\"exitedAt\":\"%s\"}\n", s->exit_code, sig, when);
	snprintf(path, sizeof(path), "%s/exit.json", s->o.state_dir);
	if (write_file_atomic(path, json, (size_t)n) < 0)
		fprintf(stderr, "wharf-shim: write %s: %s\n", path, strerror(errno));
	attach_finish(s, json, (size_t)n);
}

static void dispatch(struct shim *s, struct epoll_event *ev)
{
	struct watch *w = ev->data.ptr;
	switch (w->kind) {
	case W_SIGNAL:
		reap_children(s);
		break;
	case W_OUT:
		if ((ev->events & EPOLLOUT) && s->io.out_fd >= 0)
			stdin_flush(s);
		if ((ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && s->io.out_fd >= 0)
			read_output(s, 0);
		break;
	case W_ERR:
		if (s->io.err_fd >= 0)
			read_output(s, 1);
		break;
	case W_STDIN:
		if (s->io.stdin_fd < 0)
			break;
		if (ev->events & (EPOLLERR | EPOLLHUP))
			stdin_drop(s); /* the process closed its end of the pipe */
		else
			stdin_flush(s);
		break;
	case W_LISTEN:
		attach_accept(s);
		break;
	case W_CLIENT:
		attach_client_event(s, (struct client *)w, ev->events);
		break;
	}
}

static int register_all(struct shim *s)
{
	s->w_sig.kind = W_SIGNAL, s->w_listen.kind = W_LISTEN, s->w_listen.fd = s->listen_fd;
	s->w_out = (struct watch){W_OUT, s->io.out_fd};
	s->w_err = (struct watch){W_ERR, s->io.err_fd};
	s->w_stdin = (struct watch){W_STDIN, s->io.stdin_fd};
	s->out_events = EPOLLIN;
	if (watch_add(s->epfd, &s->w_sig, EPOLLIN) < 0 || watch_add(s->epfd, &s->w_listen, EPOLLIN) < 0 ||
	    watch_add(s->epfd, &s->w_out, EPOLLIN) < 0)
		return -1;
	if (s->io.err_fd >= 0 && watch_add(s->epfd, &s->w_err, EPOLLIN) < 0)
		return -1;
	if (!s->o.tty && s->io.stdin_fd >= 0 && watch_add(s->epfd, &s->w_stdin, 0) < 0)
		return -1;
	return 0;
}

int shim_loop(struct shim *s)
{
	struct epoll_event evs[32];
	long long deadline = -1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 || register_all(s) < 0) {
		fprintf(stderr, "wharf-shim: epoll: %s\n", strerror(errno));
		return -1;
	}
	reap_children(s); /* an exec'd process may already have exited */
	for (;;) {
		long long now = now_ms();
		if (s->exited && !s->finished) {
			if (deadline < 0)
				deadline = now + DRAIN_AFTER_EXIT_MS;
			if ((s->io.out_fd < 0 && s->io.err_fd < 0) || now >= deadline) {
				finish(s);
				deadline = now + FLUSH_CLIENTS_MS;
			}
		}
		if (s->replay_open && now >= s->replay_deadline)
			attach_replay_end(s);
		if (s->finished && (!attach_pending(s) || now >= deadline))
			break;
		long long wake = deadline;
		if (s->replay_open && (wake < 0 || s->replay_deadline < wake))
			wake = s->replay_deadline;
		int timeout = wake < 0 ? -1 : (int)(wake > now ? wake - now : 0);
		int n = epoll_wait(s->epfd, evs, 32, timeout);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "wharf-shim: epoll_wait: %s\n", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++)
			dispatch(s, &evs[i]);
		attach_reap_dead(s);
	}
	attach_close_all(s);
	return 0;
}
