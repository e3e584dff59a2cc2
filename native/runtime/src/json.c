/* A small JSON parser (RFC 8259) for model file headers: a tree of values,
 * each remembering its byte span so ampfit_info can quote parts verbatim.
 * Hand-written because libampfit takes no dependencies. Numbers go through
 * strtod, which glibc and musl round correctly, so a double written by
 * JSON.stringify reads back bit for bit; the token's '.' is swapped for the
 * locale's decimal point first, since a host program may have called setlocale. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define MAX_DEPTH 64

typedef struct {
  const char *s;
  size_t n, i;
  char *err;
  size_t err_size;
  int failed;
  char point; /* the locale's decimal point, looked up once per parse (localeconv is not free) */
} parser;

static void fail(parser *p, const char *what) {
  if (!p->failed) snprintf(p->err, p->err_size, "%s at byte %zu of the header", what, p->i);
  p->failed = 1;
}

static void ws(parser *p) {
  while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r')) p->i++;
}

static int value(parser *p, amp_json *v, int depth);

static int hex4(parser *p, unsigned *out) {
  unsigned u = 0;
  int k;
  if (p->i + 4 > p->n) return fail(p, "truncated \\u escape"), 0;
  for (k = 0; k < 4; k++) {
    const char c = p->s[p->i++];
    u <<= 4;
    if (c >= '0' && c <= '9') u |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') u |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') u |= (unsigned)(c - 'A' + 10);
    else return fail(p, "bad \\u escape"), 0;
  }
  *out = u;
  return 1;
}

/* A string token (p->i at the opening quote) as a new NUL-terminated UTF-8 string. */
static char *string(parser *p) {
  /* Escapes never lengthen the text (\uXXXX is 6 bytes for at most 4), so the raw length bounds the result. */
  size_t j = p->i + 1, len = 0;
  char *out;
  while (j < p->n && p->s[j] != '"') j += p->s[j] == '\\' ? 2 : 1;
  if (j >= p->n) return fail(p, "unterminated string"), NULL;
  out = malloc(j - p->i);
  if (out == NULL) return fail(p, "out of memory"), NULL;
  p->i++;
  while (p->s[p->i] != '"') {
    unsigned char c = (unsigned char)p->s[p->i++];
    if (c < 0x20) {
      free(out);
      return fail(p, "control character in a string"), NULL;
    }
    if (c != '\\') {
      out[len++] = (char)c;
      continue;
    }
    c = (unsigned char)p->s[p->i++];
    switch (c) {
      case '"': case '\\': case '/': out[len++] = (char)c; break;
      case 'b': out[len++] = '\b'; break;
      case 'f': out[len++] = '\f'; break;
      case 'n': out[len++] = '\n'; break;
      case 'r': out[len++] = '\r'; break;
      case 't': out[len++] = '\t'; break;
      case 'u': {
        unsigned u, lo;
        if (!hex4(p, &u)) { free(out); return NULL; }
        if (u >= 0xd800 && u < 0xdc00 && p->i + 6 <= p->n && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
          p->i += 2;
          if (!hex4(p, &lo)) { free(out); return NULL; }
          if (lo >= 0xdc00 && lo < 0xe000) u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
          else { free(out); return fail(p, "bad surrogate pair"), NULL; }
        }
        if (u < 0x80) out[len++] = (char)u;
        else if (u < 0x800) { out[len++] = (char)(0xc0 | u >> 6); out[len++] = (char)(0x80 | (u & 63)); }
        else if (u < 0x10000) { out[len++] = (char)(0xe0 | u >> 12); out[len++] = (char)(0x80 | ((u >> 6) & 63)); out[len++] = (char)(0x80 | (u & 63)); }
        else { out[len++] = (char)(0xf0 | u >> 18); out[len++] = (char)(0x80 | ((u >> 12) & 63)); out[len++] = (char)(0x80 | ((u >> 6) & 63)); out[len++] = (char)(0x80 | (u & 63)); }
        break;
      }
      default:
        free(out);
        return fail(p, "bad escape in a string"), NULL;
    }
  }
  p->i++;
  out[len] = '\0';
  return out;
}

static int number(parser *p, amp_json *v) {
  char buf[64], *end;
  size_t j = p->i, k;
  if (j < p->n && p->s[j] == '-') j++;
  if (j >= p->n || p->s[j] < '0' || p->s[j] > '9') return fail(p, "unexpected character"), 0;
  while (j < p->n && ((p->s[j] >= '0' && p->s[j] <= '9') || p->s[j] == '.' || p->s[j] == 'e' || p->s[j] == 'E' || p->s[j] == '+' || p->s[j] == '-')) j++;
  if (j - p->i >= sizeof buf - 8) return fail(p, "number too long"), 0;
  for (k = 0; p->i + k < j; k++) buf[k] = p->s[p->i + k];
  buf[k] = '\0';
  if (p->point != '.') {
    for (k = 0; buf[k] != '\0'; k++) if (buf[k] == '.') buf[k] = p->point;
  }
  v->type = AMP_JNUM;
  v->num = strtod(buf, &end);
  if (*end != '\0') return fail(p, "malformed number"), 0;
  p->i = j;
  return 1;
}

static int literal(parser *p, const char *word) {
  const size_t n = strlen(word);
  if (p->i + n > p->n || memcmp(p->s + p->i, word, n) != 0) return fail(p, "unexpected character"), 0;
  p->i += n;
  return 1;
}

/* Items of an array or object, grown by doubling. */
static int push(parser *p, amp_json *v, size_t *cap, int keyed) {
  if (v->n < *cap) return 1;
  {
    const size_t c = *cap == 0 ? 8 : 2 * *cap;
    amp_json *items = realloc(v->items, c * sizeof *items);
    if (items == NULL) return fail(p, "out of memory"), 0;
    v->items = items;
    if (keyed) {
      char **keys = realloc(v->keys, c * sizeof *keys);
      if (keys == NULL) return fail(p, "out of memory"), 0;
      v->keys = keys;
    }
    *cap = c;
  }
  return 1;
}

/* An array or object opens: 1 when items follow, 0 when it closes at once. */
static int opens(parser *p, amp_json *v, int type, char close) {
  v->type = type;
  p->i++;
  ws(p);
  if (p->i < p->n && p->s[p->i] == close) { p->i++; return 0; }
  return 1;
}

/* The item in slot v->n (counted even when it fails, so that freeing v frees its part), then a
 * ',' or the closing bracket: 1 when more items follow, 0 when closed, -1 on an error. */
static int item(parser *p, amp_json *v, int depth, char close) {
  const int ok = value(p, &v->items[v->n], depth + 1);
  v->n++;
  if (!ok) return -1;
  ws(p);
  if (p->i < p->n && p->s[p->i] == ',') { p->i++; return 1; }
  if (p->i < p->n && p->s[p->i] == close) { p->i++; return 0; }
  return fail(p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'"), -1;
}

static int value(parser *p, amp_json *v, int depth) {
  memset(v, 0, sizeof *v);
  ws(p);
  if (depth > MAX_DEPTH) return fail(p, "nested too deeply"), 0;
  if (p->i >= p->n) return fail(p, "unexpected end"), 0;
  v->start = p->i;
  switch (p->s[p->i]) {
    case '{': {
      size_t cap = 0;
      for (int more = opens(p, v, AMP_JOBJ, '}'); more;) {
        char *key;
        ws(p);
        if (p->i >= p->n || p->s[p->i] != '"') return fail(p, "expected a key"), 0;
        if ((key = string(p)) == NULL) return 0;
        if (!push(p, v, &cap, 1)) { free(key); return 0; }
        v->keys[v->n] = key;
        ws(p);
        if (p->i >= p->n || p->s[p->i] != ':') { memset(&v->items[v->n], 0, sizeof v->items[0]); v->n++; return fail(p, "expected ':'"), 0; }
        p->i++;
        if ((more = item(p, v, depth, '}')) < 0) return 0;
      }
      break;
    }
    case '[': {
      size_t cap = 0;
      for (int more = opens(p, v, AMP_JARR, ']'); more;) {
        if (!push(p, v, &cap, 0)) return 0;
        if ((more = item(p, v, depth, ']')) < 0) return 0;
      }
      break;
    }
    case '"':
      v->type = AMP_JSTR;
      if ((v->str = string(p)) == NULL) return 0;
      break;
    case 't': v->type = AMP_JBOOL; v->boolean = 1; if (!literal(p, "true")) return 0; break;
    case 'f': v->type = AMP_JBOOL; if (!literal(p, "false")) return 0; break;
    case 'n': v->type = AMP_JNULL; if (!literal(p, "null")) return 0; break;
    default:
      if (!number(p, v)) return 0;
  }
  v->end = p->i;
  return 1;
}

static void release(amp_json *v) {
  size_t k;
  if (v->type == AMP_JSTR) free(v->str);
  for (k = 0; k < v->n; k++) {
    release(&v->items[k]);
    if (v->type == AMP_JOBJ) free(v->keys[k]);
  }
  free(v->items);
  free(v->keys);
}

amp_json *amp_json_parse(const char *text, size_t n, char *err, size_t err_size) {
  parser p;
  amp_json *v = malloc(sizeof *v);
  const char *dp = localeconv()->decimal_point;
  p.s = text; p.n = n; p.i = 0; p.err = err; p.err_size = err_size; p.failed = 0;
  p.point = dp != NULL && dp[0] != '\0' && dp[1] == '\0' ? dp[0] : '.';
  if (v == NULL) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  if (value(&p, v, 0)) {
    ws(&p);
    if (p.i != n) fail(&p, "unexpected text after the JSON value");
  }
  if (p.failed) {
    release(v);
    free(v);
    return NULL;
  }
  return v;
}

void amp_json_free(amp_json *v) {
  if (v == NULL) return;
  release(v);
  free(v);
}

const amp_json *amp_json_get(const amp_json *obj, const char *key) {
  size_t k;
  if (obj == NULL || obj->type != AMP_JOBJ) return NULL;
  for (k = 0; k < obj->n; k++) if (strcmp(obj->keys[k], key) == 0) return &obj->items[k];
  return NULL;
}
