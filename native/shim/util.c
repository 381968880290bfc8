/*
 * Small helpers: byte queues, EINTR-safe writes, Go-compatible JSON string escaping and
 * timestamps, atomic file replacement, unix socket addresses for long paths.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int buf_append(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		/* Reclaim the consumed prefix before growing: queues are drained from the front. */
		if (b->off > 0) {
			memmove(b->p, b->p + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		if (b->len + n > b->cap) {
			size_t cap = b->cap ? b->cap : 4096;
			while (cap < b->len + n)
				cap *= 2;
			char *p = realloc(b->p, cap);
			if (!p)
				return -1;
			b->p = p;
			b->cap = cap;
		}
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return 0;
}

void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

size_t buf_size(const struct buf *b) { return b->len - b->off; }
const char *buf_data(const struct buf *b) { return b->p + b->off; }
void buf_reset(struct buf *b) { b->off = b->len = 0; }

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Writes everything to a blocking fd, retrying on EINTR and short writes. */
int write_all(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int set_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	return fl < 0 ? -1 : fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Go's time.RFC3339Nano in UTC: fraction with trailing zeros trimmed, none when zero. */
void format_time(char out[64], const struct timespec *ts)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	size_t n = strftime(out, 64, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ts->tv_nsec != 0) {
		char frac[16];
		snprintf(frac, sizeof(frac), ".%09ld", ts->tv_nsec);
		size_t f = strlen(frac);
		while (frac[f - 1] == '0')
			frac[--f] = '\0';
		memcpy(out + n, frac, f);
		n += f;
	}
	out[n++] = 'Z';
	out[n] = '\0';
}

/*
 * Length of the valid UTF-8 sequence at s, or 0 when invalid. Exactly Go's utf8.DecodeRune
 * acceptance: no overlong forms, no surrogates (ED A0..BF), nothing above U+10FFFF, no
 * truncated sequences.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char b = s[0], lo = 0x80, hi = 0xBF;
	size_t need;
	if (b < 0x80)
		return 1;
	if (b < 0xC2)
		return 0;
	if (b < 0xE0)
		need = 2;
	else if (b < 0xF0) {
		need = 3;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b < 0xF5) {
		need = 4;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return need;
}

/*
 * Appends s as a JSON string literal, byte-for-byte what Docker's json-file driver writes
 * (moby jsonlog ffjsonWriteJSONBytesAsString): \" \\ \n \r, other controls and < > & as \u00XX,
 * U+2028/U+2029 escaped, each invalid UTF-8 byte as \ufffd.
 */
void json_escape(struct buf *b, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0, i = 0;
	buf_append(b, "\"", 1);
	while (i < n) {
		unsigned char c = s[i];
		const char *rep = NULL;
		char tmp[8];
		size_t adv = 1;
		if (c < 0x80) {
			if (c >= 0x20 && c != '\\' && c != '"' && c != '<' && c != '>' && c != '&') {
				i++;
				continue;
			}
			if (c == '\\' || c == '"') {
				tmp[0] = '\\', tmp[1] = (char)c, tmp[2] = '\0';
			} else if (c == '\n' || c == '\r') {
				tmp[0] = '\\', tmp[1] = c == '\n' ? 'n' : 'r', tmp[2] = '\0';
			} else {
				memcpy(tmp, "\\u00", 4);
				tmp[4] = hex[c >> 4], tmp[5] = hex[c & 0xF], tmp[6] = '\0';
			}
			rep = tmp;
		} else {
			adv = utf8_len(s + i, n - i);
			if (adv == 0) {
				adv = 1;
				rep = "\\ufffd";
			} else if (adv == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
				rep = s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
			}
		}
		if (rep) {
			buf_append(b, s + start, i - start);
			buf_append(b, rep, strlen(rep));
			start = i + adv;
		}
		i += adv;
	}
	buf_append(b, s + start, n - start);
	buf_append(b, "\"", 1);
}

/*
 * Replaces `path` so that readers see the old content or the new, never a torn file: write a
 * temp file beside it and rename it over (atomic within a filesystem). Deliberately no fsync:
 * shim.pid means nothing after a host crash (the shim died with the host), and wharfd records
 * an exit in its own store (durably) as soon as it learns of it; an fsync here cost 5-20 ms on
 * the exit path of every container, which `docker run --rm` waits on.
 */
int write_file_atomic(const char *path, const char *data, size_t n)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -1;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, n) < 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * A sockaddr_un for dir/name. sun_path holds 107 bytes; a state dir under a deep data root can
 * be longer, so then the path goes through the directory's fd (/proc/self/fd/N/name), which the
 * kernel resolves like any path. Clients (attach-shim.ts) do the same.
 */
int unix_sockaddr(const char *path, int dirfd, const char *name, void *sa, socklen_t *len)
{
	struct sockaddr_un *un = sa;
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	int n = snprintf(un->sun_path, sizeof(un->sun_path), "%s", path);
	if (n >= (int)sizeof(un->sun_path)) {
		if (dirfd < 0)
			return -1;
		n = snprintf(un->sun_path, sizeof(un->sun_path), "/proc/self/fd/%d/%s", dirfd, name);
		if (n >= (int)sizeof(un->sun_path))
			return -1;
	}
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return 0;
}
