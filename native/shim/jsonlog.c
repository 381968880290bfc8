/*
 * The container log, in Docker's json-file format: one
 * {"log":"…","stream":"stdout|stderr","time":"RFC3339Nano"} object per line, split the way
 * Docker's copier splits (at '\n', or 16 KiB without one, or at EOF), rotated by size.
 * Log data is never dropped on purpose: a failed write is reported once in shim.log and the
 * next entry is tried again.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const stream_names[2] = {"stdout", "stderr"};

static int open_log(const char *path, int trunc)
{
	/* O_APPEND: a restarted container continues its log as Docker's does. 0640 as Docker. */
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (trunc ? O_TRUNC : 0), 0640);
}

int jsonlog_open(struct jsonlog *l, const char *path, long long max_size, int max_files)
{
	memset(l, 0, sizeof(*l));
	l->path = path;
	l->max_size = max_size;
	l->max_files = max_files < 1 ? 1 : max_files;
	l->fd = open_log(path, 0);
	if (l->fd < 0)
		return -1;
	off_t end = lseek(l->fd, 0, SEEK_END);
	l->size = end < 0 ? 0 : end;
	return 0;
}

/*
 * Moves the full file out of the way and starts an empty one. Renaming (not truncating) lets a
 * reader that has the old file open (docker logs -f) finish it; it then reopens the path.
 * FILE.(max-1) is deleted, FILE.i shifts to FILE.(i+1), FILE becomes FILE.1. With one file
 * there is no history: the file is unlinked and recreated, as Docker does.
 */
static void rotate(struct jsonlog *l)
{
	char from[PATH_MAX], to[PATH_MAX];
	close(l->fd);
	if (l->max_files >= 2) {
		snprintf(to, sizeof(to), "%s.%d", l->path, l->max_files - 1);
		if (unlink(to) < 0 && errno != ENOENT)
			fprintf(stderr, "wharf-shim: remove %s: %s\n", to, strerror(errno));
		for (int i = l->max_files - 1; i > 1; i--) {
			snprintf(from, sizeof(from), "%s.%d", l->path, i - 1);
			snprintf(to, sizeof(to), "%s.%d", l->path, i);
			if (rename(from, to) < 0 && errno != ENOENT)
				fprintf(stderr, "wharf-shim: rename %s: %s\n", from, strerror(errno));
		}
		snprintf(to, sizeof(to), "%s.1", l->path);
		if (rename(l->path, to) < 0 && errno != ENOENT)
			fprintf(stderr, "wharf-shim: rename %s: %s\n", l->path, strerror(errno));
	} else if (unlink(l->path) < 0 && errno != ENOENT) {
		fprintf(stderr, "wharf-shim: remove %s: %s\n", l->path, strerror(errno));
	}
	/* O_TRUNC in case the rename failed: the size bound matters more than old lines. */
	l->fd = open_log(l->path, 1);
	l->size = 0;
	if (l->fd < 0)
		fprintf(stderr, "wharf-shim: reopen %s: %s\n", l->path, strerror(errno));
}

/* Writes one entry: `text` is a whole line with its '\n', or a partial line without. */
static void write_entry(struct jsonlog *l, int stream, const char *text, size_t n)
{
	struct timespec ts;
	char when[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	format_time(when, &ts);

	buf_reset(&l->entry);
	buf_append(&l->entry, "{\"log\":", 7);
	json_escape(&l->entry, (const unsigned char *)text, n);
	buf_append(&l->entry, ",\"stream\":\"", 11);
	buf_append(&l->entry, stream_names[stream], 6);
	buf_append(&l->entry, "\",\"time\":\"", 10);
	buf_append(&l->entry, when, strlen(when));
	buf_append(&l->entry, "\"}\n", 3);

	size_t len = buf_size(&l->entry);
	/* Rotate before the file would exceed max-size; an entry larger than max-size alone still
	 * gets written (into a fresh file) rather than lost. */
	if (l->max_size > 0 && l->size > 0 && l->size + (long long)len > l->max_size)
		rotate(l);
	if (l->fd < 0)
		l->fd = open_log(l->path, 0);
	if (l->fd < 0 || write_all(l->fd, buf_data(&l->entry), len) < 0) {
		if (!l->warned)
			fprintf(stderr, "wharf-shim: write %s: %s\n", l->path, strerror(errno));
		l->warned = 1;
		return;
	}
	l->warned = 0;
	l->size += (long long)len;
}

/* Appends output of one stream and writes every complete line (Docker copier semantics). */
void jsonlog_feed(struct jsonlog *l, int stream, const char *data, size_t n)
{
	char *line = l->line[stream];
	size_t *len = &l->line_len[stream];
	while (n > 0) {
		size_t take = LOG_LINE_MAX - *len < n ? LOG_LINE_MAX - *len : n;
		memcpy(line + *len, data, take);
		*len += take;
		data += take;
		n -= take;

		size_t p = 0;
		char *nl;
		while ((nl = memchr(line + p, '\n', *len - p)) != NULL) {
			size_t end = (size_t)(nl - line) + 1;
			write_entry(l, stream, line + p, end - p);
			p = end;
		}
		if (p == 0 && *len == LOG_LINE_MAX) {
			/* A full buffer without a newline is written as a partial line. */
			write_entry(l, stream, line, *len);
			*len = 0;
		} else if (p > 0) {
			memmove(line, line + p, *len - p);
			*len -= p;
		}
	}
}

/* Writes what is left of a stream's last line (at EOF, or when the shim finishes). */
void jsonlog_flush(struct jsonlog *l, int stream)
{
	if (l->line_len[stream] > 0)
		write_entry(l, stream, l->line[stream], l->line_len[stream]);
	l->line_len[stream] = 0;
}

void jsonlog_close(struct jsonlog *l)
{
	jsonlog_flush(l, 0);
	jsonlog_flush(l, 1);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	buf_free(&l->entry);
}
