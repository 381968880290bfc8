/*
 * Finds the runtime's own error message in its JSON log (`--log F --log-format json`): a series
 * of flat objects like {"level":"error","msg":"…","time":"…"}. runc ends each with '\n'; crun
 * may not, so objects are read back to back, not line by line. Only string values matter here;
 * other values are skipped. This is the message the readiness line reports, e.g.
 * `exec: "nosuch": executable file not found in $PATH`.
 */
#include "shim.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cursor {
	const char *p, *end;
};

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static void put_utf8(char *out, size_t outlen, size_t *o, unsigned cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80)
		b[0] = (char)cp, n = 1;
	else if (cp < 0x800)
		b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
	else if (cp < 0x10000)
		b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
	else
		b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)), b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
	for (size_t i = 0; i < n && *o + 1 < outlen; i++)
		out[(*o)++] = b[i];
}

static unsigned hex4(const char *p)
{
	char h[5] = {p[0], p[1], p[2], p[3], 0};
	return (unsigned)strtoul(h, NULL, 16);
}

/* The character a one-letter JSON escape stands for (\" \\ \/ map to themselves). */
static char unescape(char e)
{
	switch (e) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	default: return e;
	}
}

/* Decodes the JSON string at c->p (on its opening quote) into out; -1 when malformed. */
static int read_string(struct cursor *c, char *out, size_t outlen)
{
	size_t o = 0;
	if (c->p >= c->end || *c->p != '"')
		return -1;
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;
		if (ch == '\\' && c->p < c->end) {
			char e = *c->p++;
			if (e == 'u' && c->end - c->p >= 4) {
				unsigned cp = hex4(c->p);
				c->p += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u') {
					unsigned lo = hex4(c->p + 2);
					if (lo >= 0xDC00 && lo < 0xE000) {
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						c->p += 6;
					}
				}
				put_utf8(out, outlen, &o, cp);
				continue;
			}
			ch = unescape(e);
		}
		if (o + 1 < outlen)
			out[o++] = ch;
	}
	if (c->p >= c->end)
		return -1;
	c->p++;
	out[o] = '\0';
	return 0;
}

/* Skips a non-string value (number, true, false, null, or a nested object/array). */
static void skip_value(struct cursor *c)
{
	int depth = 0, in_str = 0;
	for (; c->p < c->end; c->p++) {
		char ch = *c->p;
		if (in_str) {
			if (ch == '\\')
				c->p++;
			else if (ch == '"')
				in_str = 0;
		} else if (ch == '"')
			in_str = 1;
		else if (ch == '{' || ch == '[')
			depth++;
		else if (ch == '}' || ch == ']') {
			if (depth == 0)
				return;
			depth--;
		} else if (ch == ',' && depth == 0)
			return;
	}
}

/* Parses one object; sets *is_error and copies its msg. Returns -1 at the end or on garbage. */
static int read_object(struct cursor *c, int *is_error, char *msg, size_t msglen)
{
	char key[32], val[4096];
	*is_error = 0;
	msg[0] = '\0';
	skip_ws(c);
	if (c->p >= c->end || *c->p != '{')
		return -1;
	c->p++;
	for (;;) {
		skip_ws(c);
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return 0;
		}
		if (read_string(c, key, sizeof(key)) < 0)
			return -1;
		skip_ws(c);
		if (c->p >= c->end || *c->p++ != ':')
			return -1;
		skip_ws(c);
		if (c->p < c->end && *c->p == '"') {
			if (read_string(c, val, sizeof(val)) < 0)
				return -1;
			if (strcmp(key, "level") == 0)
				*is_error = strcmp(val, "error") == 0 || strcmp(val, "fatal") == 0;
			else if (strcmp(key, "msg") == 0)
				snprintf(msg, msglen, "%s", val);
		} else
			skip_value(c);
		skip_ws(c);
		if (c->p < c->end && *c->p == ',')
			c->p++;
	}
}

/* Copies the last error-level message of the runtime log into out; -1 when there is none. */
int runtime_log_error(const char *path, char *out, size_t outlen)
{
	static char text[256 * 1024];
	char msg[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* The tail is enough: the error we want is the last one written. */
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)sizeof(text) ? size - (off_t)sizeof(text) : 0;
	ssize_t n = pread(fd, text, sizeof(text), from);
	close(fd);
	if (n <= 0)
		return -1;
	struct cursor c = {text, text + n};
	if (from > 0) {
		/* Started mid-file: resynchronise on the next object. */
		const char *nl = memchr(text, '\n', (size_t)n);
		c.p = nl ? nl + 1 : c.end;
	}
	int found = -1, is_error;
	while (c.p < c.end) {
		if (read_object(&c, &is_error, msg, sizeof(msg)) < 0)
			break;
		if (is_error && msg[0]) {
			snprintf(out, outlen, "%s", msg);
			found = 0;
		}
	}
	return found;
}
