/*
 * wharf-shim: the per-container monitor process. See docs/shim-protocol.md for the contract
 * (invocation, readiness line, log format, attach frames); this header is the shared vocabulary
 * of the C files that implement it.
 */
#ifndef WHARF_SHIM_H
#define WHARF_SHIM_H

#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/* Docker's copier flushes a line without newline once its 16 KiB buffer is full. */
#define LOG_LINE_MAX (16 * 1024)
/* An attach client whose unsent output exceeds this is disconnected, so that a slow reader
 * can never make the shim stop draining the container (which would block the container). */
#define CLIENT_OUT_MAX (4 * 1024 * 1024)
/* Stdin bytes queued for the container before the shim stops reading from clients. */
#define STDIN_QUEUE_MAX (1024 * 1024)
/* Largest frame payload a client may send; larger is a protocol error. */
#define FRAME_MAX (1024 * 1024)
/* Output kept for clients that attach after the process started: an exec's first client (an
 * exec runs, --detach, before wharfd can attach), and with --start every client of the start
 * window (the container runs before its attach clients connect). */
#define PREATTACH_MAX (1024 * 1024)
/* With --start: how long the start window stays open when no client ends it (frame 7). */
#define REPLAY_WINDOW_MS 5000
/* After the process exited: how long to wait for EOF on its output (a background child may hold
 * the pipe open forever), and how long to give clients to read their last bytes. */
#define DRAIN_AFTER_EXIT_MS 2000
#define FLUSH_CLIENTS_MS 5000

/* Frame types of the attach protocol. */
enum frame_type {
	FRAME_STDIN = 0,
	FRAME_STDOUT = 1,
	FRAME_STDERR = 2,
	FRAME_STDIN_CLOSE = 4,
	FRAME_RESIZE = 5,
	FRAME_EXIT = 6,
	FRAME_REPLAY_END = 7,
};

/* A growable byte queue: live bytes are p[off..len). */
struct buf {
	char *p;
	size_t off, len, cap;
};

int buf_append(struct buf *b, const void *data, size_t n);
void buf_consume(struct buf *b, size_t n);
size_t buf_size(const struct buf *b);
const char *buf_data(const struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* util.c */
int write_all(int fd, const void *data, size_t n);
int set_nonblock(int fd);
int set_cloexec(int fd);
void format_time(char out[64], const struct timespec *ts);
void json_escape(struct buf *b, const unsigned char *s, size_t n);
int write_file_atomic(const char *path, const char *data, size_t n);
long long now_ms(void);
int unix_sockaddr(const char *path, int dirfd, const char *name, void *sa, socklen_t *len);

/* Command line, see "Invocation" in the protocol doc. Paths are absolute after parsing. */
struct opts {
	const char *id, *bundle, *runtime, *runtime_root, *state_dir, *exec_json, *log_path;
	int tty, open_stdin, ready_fd, log_max_files;
	int start; /* `runtime run --detach`: created and started in one runtime invocation */
	int native_exec; /* exec_json is a native exec's plan, run by the shim itself (native-exec.c) */
	long long log_max_size;
};

int parse_opts(struct opts *o, int argc, char **argv, char *err, size_t errlen);

/* serve.c: the zygote mode (`wharf-shim --serve NAME`); runs shim_main in a child per request. */
int shim_serve(const char *name, int (*shim_main)(int, char **));

/* jsonlog.c: Docker json-file log writer with rotation. */
struct jsonlog {
	int fd;
	const char *path;
	long long max_size, size;
	int max_files;
	int warned;
	char line[2][LOG_LINE_MAX];
	size_t line_len[2];
	struct buf entry;
};

int jsonlog_open(struct jsonlog *l, const char *path, long long max_size, int max_files);
void jsonlog_feed(struct jsonlog *l, int stream, const char *data, size_t n);
void jsonlog_flush(struct jsonlog *l, int stream);
void jsonlog_close(struct jsonlog *l);

/* runtime.c: what the runtime's create/exec left us. fds are -1 when absent. */
struct launch {
	pid_t pid;     /* the container's init, or the exec'd process */
	int out_fd;    /* stdout pipe read end, or the pty master */
	int err_fd;    /* stderr pipe read end (-1 with a tty) */
	int stdin_fd;  /* stdin pipe write end, or the pty master again (with --stdin) */
};

int runtime_launch(const struct opts *o, struct launch *l, char *err, size_t errlen);
/* runtime-log.c */
int runtime_log_error(const char *path, char *out, size_t outlen);

/* epoll registrations point at one of these; a client embeds one as its first member. */
enum watch_kind { W_SIGNAL, W_OUT, W_ERR, W_STDIN, W_LISTEN, W_CLIENT };
struct watch {
	enum watch_kind kind;
	int fd;
};
int watch_add(int epfd, struct watch *w, uint32_t events);
int watch_mod(int epfd, struct watch *w, uint32_t events);
void watch_del(int epfd, struct watch *w);

/* Everything the event loop (loop.c) and the attach server (attach.c) share. */
struct client;

struct shim {
	struct opts o;
	struct launch io;
	int epfd, listen_fd;
	struct watch w_sig, w_out, w_err, w_stdin, w_listen;
	uint32_t out_events, stdin_events; /* what w_out / w_stdin are registered for */
	struct jsonlog log;
	int has_log;
	struct buf stdin_q;
	int stdin_close_pending, clients_paused;
	struct client *clients, *graveyard;
	int ever_attached; /* exec mode: replay `preattach` to the first client only */
	int replay_open;   /* --start: the start window; every client gets `preattach` first */
	long long replay_deadline;
	int preattach_full; /* stopped keeping output: a replay is a prefix, never has holes */
	struct buf preattach;
	int exited;        /* the process was reaped */
	int exit_code, exit_signal;
	struct timespec exited_at;
	int finished;      /* exit.json written, exit frame queued to every client */
	struct buf exit_frame;
};

/* attach.c */
int attach_listen(struct shim *s);
void attach_accept(struct shim *s);
void attach_client_event(struct shim *s, struct client *c, uint32_t events);
void attach_broadcast(struct shim *s, int type, const char *data, size_t n);
void attach_set_paused(struct shim *s, int paused);
void attach_finish(struct shim *s, const char *exit_json, size_t n);
void attach_reap_dead(struct shim *s);
int attach_pending(const struct shim *s);
void attach_replay_end(struct shim *s);
void attach_close_all(struct shim *s);

/* loop.c */
void stdin_enqueue(struct shim *s, const char *data, size_t n);
void stdin_request_close(struct shim *s);
void tty_resize(struct shim *s, unsigned rows, unsigned cols);
int shim_loop(struct shim *s);

#endif
