/* check_svg: the test of relu_plot's output, with no XML library needed.
 *
 *   check_svg [--curves N] FILE
 *
 * Checks that FILE is well-formed XML (in the subset an SVG writer uses:
 * elements, attributes, text, entity and character references, comments,
 * processing instructions, CDATA), that its root element is <svg> and the
 * file ends with </svg>, and that exactly N elements (default 4) have
 * "curve" among their classes, each with path data of at least two points
 * in a d or points attribute.
 *
 * Exit status: 0 when all holds, 1 when not (with the reason and line),
 * 2 for a bad command line or an unreadable file. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256
#define MAX_NAME 64
#define MAX_ATTRS 64

typedef struct parser {
  const char *file, *buf, *p, *end;
  char stack[MAX_DEPTH][MAX_NAME];
  int depth;
  int roots;  /* top-level elements seen */
  int curves; /* elements with class "curve" */
  int elements;
} parser;

static int fail(const parser *ps, const char *at, const char *msg,
                const char *detail) {
  int line = 1;
  for (const char *q = ps->buf; q < at && q < ps->end; ++q)
    line += *q == '\n';
  fprintf(stderr, "check_svg: %s:%d: %s%s%s\n", ps->file, line, msg,
          detail ? ": " : "", detail ? detail : "");
  return 0;
}

static int starts(const parser *ps, const char *s) {
  size_t n = strlen(s);
  return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, s, n) == 0;
}

static int name_start(int c) { return isalpha(c) || c == '_' || c == ':'; }
static int name_char(int c) {
  return name_start(c) || isdigit(c) || c == '-' || c == '.';
}

/* Reads a name into out; returns its length, 0 when there is none. */
static size_t read_name(parser *ps, char out[MAX_NAME]) {
  const char *s = ps->p;
  if (s >= ps->end || !name_start((unsigned char)*s))
    return 0;
  while (s < ps->end && name_char((unsigned char)*s))
    ++s;
  size_t n = (size_t)(s - ps->p);
  if (n >= MAX_NAME)
    return 0;
  memcpy(out, ps->p, n);
  out[n] = '\0';
  ps->p = s;
  return n;
}

static void skip_space(parser *ps) {
  while (ps->p < ps->end && isspace((unsigned char)*ps->p))
    ++ps->p;
}

/* Checks the character data in [s, e): every & starts a reference to one of
 * the five predefined entities or a character, and no < occurs. */
static int check_chars(const parser *ps, const char *s, const char *e) {
  static const char *const ents[] = {"amp;", "lt;", "gt;", "quot;", "apos;"};
  for (const char *q = s; q < e; ++q) {
    if (*q == '<')
      return fail(ps, q, "'<' in character data", NULL);
    if (*q != '&')
      continue;
    const char *r = q + 1;
    int good = 0;
    if (r < e && *r == '#') {
      ++r;
      int hex = r < e && *r == 'x';
      r += hex;
      const char *d = r;
      while (r < e &&
             (hex ? isxdigit((unsigned char)*r) : isdigit((unsigned char)*r)))
        ++r;
      good = r > d && r < e && *r == ';';
    } else {
      for (size_t k = 0; k < 5 && !good; ++k) {
        size_t n = strlen(ents[k]);
        good = (size_t)(e - r) >= n && memcmp(r, ents[k], n) == 0;
      }
    }
    if (!good)
      return fail(ps, q, "'&' that starts no valid reference", NULL);
  }
  return 1;
}

/* At least two points' worth (four numbers) of coordinates. */
static int enough_points(const char *s, size_t n) {
  int numbers = 0;
  for (size_t k = 0; k < n; ++k) {
    int digit = isdigit((unsigned char)s[k]);
    int prev = k > 0 && (isdigit((unsigned char)s[k - 1]) || s[k - 1] == '.');
    numbers += digit && !prev;
  }
  return numbers >= 4;
}

/* Whether the class list [s, s + n) holds the token "curve". */
static int has_curve_class(const char *s, size_t n) {
  size_t k = 0;
  while (k < n) {
    while (k < n && isspace((unsigned char)s[k]))
      ++k;
    size_t b = k;
    while (k < n && !isspace((unsigned char)s[k]))
      ++k;
    if (k - b == 5 && memcmp(s + b, "curve", 5) == 0)
      return 1;
  }
  return 0;
}

/* An element's start tag from just after '<'. */
static int start_tag(parser *ps) {
  const char *tag = ps->p - 1;
  char name[MAX_NAME], attrs[MAX_ATTRS][MAX_NAME];
  int nattrs = 0, curve = 0, points = 0;
  if (!read_name(ps, name))
    return fail(ps, tag, "bad element name", NULL);
  if (ps->depth == 0) {
    if (++ps->roots > 1)
      return fail(ps, tag, "more than one root element", name);
    if (strcmp(name, "svg") != 0)
      return fail(ps, tag, "the root element is not svg", name);
  }
  ++ps->elements;
  for (;;) {
    const char *before = ps->p;
    skip_space(ps);
    if (starts(ps, "/>") || starts(ps, ">"))
      break;
    if (ps->p == before)
      return fail(ps, ps->p, "expected a space, '>' or '/>' in tag", name);
    if (nattrs == MAX_ATTRS)
      return fail(ps, ps->p, "too many attributes", name);
    char *an = attrs[nattrs];
    if (!read_name(ps, an))
      return fail(ps, ps->p, "bad attribute name in", name);
    for (int k = 0; k < nattrs; ++k)
      if (strcmp(attrs[k], an) == 0)
        return fail(ps, ps->p, "duplicate attribute", an);
    ++nattrs;
    skip_space(ps);
    if (!starts(ps, "="))
      return fail(ps, ps->p, "expected '=' after attribute", an);
    ++ps->p;
    skip_space(ps);
    if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\''))
      return fail(ps, ps->p, "attribute value not quoted", an);
    char q = *ps->p++;
    const char *v = ps->p, *ve = memchr(v, q, (size_t)(ps->end - v));
    if (!ve)
      return fail(ps, v, "unterminated attribute value", an);
    if (!check_chars(ps, v, ve))
      return 0;
    if (strcmp(an, "class") == 0)
      curve = has_curve_class(v, (size_t)(ve - v));
    if (strcmp(an, "d") == 0 || strcmp(an, "points") == 0)
      points = enough_points(v, (size_t)(ve - v));
    ps->p = ve + 1;
  }
  if (curve) {
    if (!points)
      return fail(ps, tag, "a curve without at least two points", name);
    ++ps->curves;
  }
  if (starts(ps, "/>")) {
    ps->p += 2;
    return 1;
  }
  ++ps->p;
  if (ps->depth == MAX_DEPTH)
    return fail(ps, tag, "elements nested too deeply", name);
  strcpy(ps->stack[ps->depth++], name);
  return 1;
}

static int end_tag(parser *ps) {
  const char *tag = ps->p - 2;
  char name[MAX_NAME];
  if (!read_name(ps, name))
    return fail(ps, tag, "bad end tag", NULL);
  skip_space(ps);
  if (!starts(ps, ">"))
    return fail(ps, ps->p, "expected '>' to end the end tag", name);
  ++ps->p;
  if (ps->depth == 0)
    return fail(ps, tag, "end tag without a start tag", name);
  if (strcmp(ps->stack[ps->depth - 1], name) != 0) {
    char msg[2 * MAX_NAME + 32];
    snprintf(msg, sizeof msg, "</%s> closes <%s>", name,
             ps->stack[ps->depth - 1]);
    return fail(ps, tag, "tags do not balance", msg);
  }
  --ps->depth;
  return 1;
}

/* Skips from the current position past the terminator; fails if missing. */
static int skip_past(parser *ps, const char *term, const char *what) {
  const char *start = ps->p;
  size_t n = strlen(term);
  for (const char *q = ps->p; q + n <= ps->end; ++q) {
    if (memcmp(q, term, n) == 0) {
      ps->p = q + n;
      return 1;
    }
  }
  return fail(ps, start, "unterminated", what);
}

static int parse(parser *ps) {
  while (ps->p < ps->end) {
    if (*ps->p != '<') {
      const char *s = ps->p, *e = memchr(s, '<', (size_t)(ps->end - s));
      e = e ? e : ps->end;
      if (ps->depth == 0) {
        for (const char *q = s; q < e; ++q)
          if (!isspace((unsigned char)*q))
            return fail(ps, q, "text outside the root element", NULL);
      } else if (!check_chars(ps, s, e)) {
        return 0;
      }
      ps->p = e;
    } else if (starts(ps, "<!--")) {
      const char *s = ps->p;
      ps->p += 4;
      if (!skip_past(ps, "-->", "comment"))
        return 0;
      for (const char *q = s + 4; q + 2 < ps->p - 1; ++q)
        if (q[0] == '-' && q[1] == '-')
          return fail(ps, q, "'--' inside a comment", NULL);
    } else if (starts(ps, "<?")) {
      ps->p += 2;
      if (!skip_past(ps, "?>", "processing instruction"))
        return 0;
    } else if (starts(ps, "<![CDATA[")) {
      if (ps->depth == 0)
        return fail(ps, ps->p, "CDATA outside the root element", NULL);
      ps->p += 9;
      if (!skip_past(ps, "]]>", "CDATA section"))
        return 0;
    } else if (starts(ps, "<!DOCTYPE")) {
      if (ps->roots)
        return fail(ps, ps->p, "DOCTYPE after the root element", NULL);
      ps->p += 9;
      if (!skip_past(ps, ">", "DOCTYPE"))
        return 0;
    } else if (starts(ps, "</")) {
      ps->p += 2;
      if (!end_tag(ps))
        return 0;
    } else {
      ++ps->p;
      if (!start_tag(ps))
        return 0;
    }
  }
  if (ps->depth > 0)
    return fail(ps, ps->end, "unclosed element at end of file",
                ps->stack[ps->depth - 1]);
  if (ps->roots == 0)
    return fail(ps, ps->end, "no root element", NULL);
  return 1;
}

int main(int argc, char **argv) {
  const char *path = NULL;
  long want = 6;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--help") == 0) {
      printf("usage: %s [--curves N] FILE\n"
             "Checks that FILE is well-formed XML with an <svg> root and\n"
             "exactly N elements (default 4) of class \"curve\".\n",
             argv[0]);
      return 0;
    } else if (strcmp(argv[i], "--curves") == 0 && i + 1 < argc) {
      char *end;
      want = strtol(argv[++i], &end, 10);
      if (*end != '\0' || want < 0) {
        fprintf(stderr, "check_svg: bad --curves value\n");
        return 2;
      }
    } else if (!path && argv[i][0] != '-') {
      path = argv[i];
    } else {
      fprintf(stderr, "usage: %s [--curves N] FILE\n", argv[0]);
      return 2;
    }
  }
  if (!path) {
    fprintf(stderr, "usage: %s [--curves N] FILE\n", argv[0]);
    return 2;
  }

  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return 2;
  }
  size_t cap = 1 << 16, len = 0, got;
  char *buf = malloc(cap);
  /* One byte is kept for a terminating NUL. */
  while (buf && (got = fread(buf + len, 1, cap - 1 - len, f)) > 0) {
    len += got;
    if (len == cap - 1) {
      char *nb = cap < ((size_t)1 << 30) ? realloc(buf, cap * 2) : NULL;
      if (!nb) {
        free(buf);
        buf = NULL;
      }
      buf = nb;
      cap *= 2;
    }
  }
  int read_error = ferror(f);
  fclose(f);
  if (!buf || read_error) {
    fprintf(stderr, "check_svg: cannot read %s\n", path);
    free(buf);
    return 2;
  }

  buf[len] = '\0';

  parser ps = {0};
  ps.file = path;
  ps.buf = ps.p = buf;
  ps.end = buf + len;
  int good = 1;

  /* The file itself starts with <svg (after an optional XML declaration)
   * and ends with </svg> (before trailing white space). */
  const char *s = buf, *e = buf + len;
  if ((size_t)(e - s) >= 5 && memcmp(s, "<?xml", 5) == 0) {
    const char *q = strstr(s, "?>");
    s = q ? q + 2 : e;
  }
  while (s < e && isspace((unsigned char)*s))
    ++s;
  while (e > s && isspace((unsigned char)e[-1]))
    --e;
  if ((size_t)(e - s) < 4 || memcmp(s, "<svg", 4) != 0 ||
      !(isspace((unsigned char)s[4]) || s[4] == '>' || s[4] == '/'))
    good = fail(&ps, s, "the file does not start with <svg", NULL);
  else if ((size_t)(e - s) < 6 || memcmp(e - 6, "</svg>", 6) != 0)
    good = fail(&ps, e, "the file does not end with </svg>", NULL);

  good = good && parse(&ps);
  if (good && ps.curves != want) {
    fprintf(stderr, "check_svg: %s: %d elements of class curve, want %ld\n",
            path, ps.curves, want);
    good = 0;
  }
  if (good)
    printf("check_svg: %s: well-formed, %d elements, %d curves\n", path,
           ps.elements, ps.curves);
  free(buf);
  return good ? 0 : 1;
}
