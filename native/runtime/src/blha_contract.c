/* Reading a BLHA contract (answer) file: standard keyword lines, subprocess
 * lines with their ids after '|', and the Ampfit* keywords of ampfit_blha.h
 * that bind the following subprocesses to a model or a function-set member.
 * Every problem names the contract file and line: a generator reports it
 * once at start-up, instead of NaNs a billion calls later. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "blha.h"

#define PATH_MAX_LEN 4096
#define MAX_TOKENS 64

typedef struct {
  const char *path;
  size_t line;
  char dir[PATH_MAX_LEN];
  blha_state *st;
  /* what applies to the subprocess lines that follow */
  int type;
  const ampfit_model *model;
  const int32_t *src;
  double factor;
  const ampfit_model *born;
  double scale;
  /* the function set of the last AmpfitSet */
  amp_json *set;
  char set_dir[PATH_MAX_LEN];
} reader;

static int fail_at(const reader *r, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail_at(const reader *r, int status, const char *fmt, ...) {
  char what[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return amp_fail(status, "BLHA contract %s, line %zu: %s", r->path, r->line, what);
}

static void dir_of(const char *path, char *dir, size_t size) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL) snprintf(dir, size, ".");
  else snprintf(dir, size, "%.*s", (int)(slash - path == 0 ? 1 : slash - path), path);
}

/* 0 if the path does not fit. */
static int resolve(const char *dir, const char *rel, char *out, size_t size) {
  const int n = rel[0] == '/' ? snprintf(out, size, "%s", rel) : snprintf(out, size, "%s/%s", dir, rel);
  return n >= 0 && (size_t)n < size;
}

static int read_text(const char *path, char **text, size_t *n) {
  FILE *f = fopen(path, "rb");
  long size;
  if (f == NULL) return amp_fail(AMPFIT_ERR_IO, "cannot open %s: %s", path, strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return amp_fail(AMPFIT_ERR_IO, "cannot read %s", path);
  }
  *text = malloc((size_t)size + 1);
  if (*text == NULL) {
    fclose(f);
    return amp_fail(AMPFIT_ERR_MEMORY, "out of memory reading %s", path);
  }
  if (fread(*text, 1, (size_t)size, f) != (size_t)size) {
    fclose(f);
    free(*text);
    return amp_fail(AMPFIT_ERR_IO, "cannot read %s", path);
  }
  fclose(f);
  (*text)[size] = '\0';
  *n = (size_t)size;
  return AMPFIT_OK;
}

static void *grow(void *p, size_t n, size_t size) { return realloc(p, (n + 1) * size); }

/* A model loaded once however many subprocesses use it (many subprocesses, few regressors). */
static int model_at(reader *r, const char *path, const ampfit_model **out) {
  blha_state *st = r->st;
  ampfit_model *m = NULL;
  size_t k;
  void *a, *b;
  for (k = 0; k < st->n_models; k++) {
    if (strcmp(st->model_paths[k], path) == 0) {
      *out = st->models[k];
      return AMPFIT_OK;
    }
  }
  if ((k = (size_t)ampfit_load(path, &m)) != AMPFIT_OK) {
    return fail_at(r, (int)k, "%s", ampfit_last_error());
  }
  if (ampfit_n_particles(m, &k) != AMPFIT_OK) {
    ampfit_free(m);
    return fail_at(r, AMPFIT_ERR_UNSUPPORTED, "model %s: BLHA passes four-momenta, and %s", path, ampfit_last_error());
  }
  a = grow(st->models, st->n_models, sizeof *st->models);
  if (a != NULL) st->models = a;
  b = grow(st->model_paths, st->n_models, sizeof *st->model_paths);
  if (b != NULL) st->model_paths = b;
  if (a == NULL || b == NULL || (st->model_paths[st->n_models] = strdup(path)) == NULL) {
    ampfit_free(m);
    return fail_at(r, AMPFIT_ERR_MEMORY, "out of memory");
  }
  st->models[st->n_models++] = m;
  *out = m;
  return AMPFIT_OK;
}

static int is_ratio(const ampfit_model *m) {
  const amp_json *born = amp_json_get(amp_json_get(m->header, "target"), "born");
  return born != NULL && born->type == AMP_JSTR;
}

static int keep_map(reader *r, int32_t *src) {
  void *a = grow(r->st->maps, r->st->n_maps, sizeof *r->st->maps);
  if (a == NULL) {
    free(src);
    return fail_at(r, AMPFIT_ERR_MEMORY, "out of memory");
  }
  r->st->maps = a;
  r->st->maps[r->st->n_maps++] = src;
  return AMPFIT_OK;
}

static const amp_json *set_function(const amp_json *set, const char *name) {
  const amp_json *fs = amp_json_get(set, "functions");
  size_t k;
  if (fs == NULL || fs->type != AMP_JARR) return NULL;
  for (k = 0; k < fs->n; k++) {
    const amp_json *nm = amp_json_get(&fs->items[k], "name");
    if (nm != NULL && nm->type == AMP_JSTR && strcmp(nm->str, name) == 0) return &fs->items[k];
  }
  return NULL;
}

static long input_index(const amp_json *inputs, const char *name, size_t len) {
  size_t k;
  for (k = 0; k < inputs->n; k++)
    if (inputs->items[k].type == AMP_JSTR && strlen(inputs->items[k].str) == len && strncmp(inputs->items[k].str, name, len) == 0) return (long)k;
  return -1;
}

/* A map in the image notation set.json stores (src/symmetry/coordinateMap.ts formatMap): "(x1, 1-x2, x4, x3)". */
static int parse_map(reader *r, const char *s, const amp_json *inputs, int32_t *src, uint8_t *reflect, const char *fname) {
  const char *p = s;
  size_t d = inputs->n, j = 0;
  while (isspace((unsigned char)*p)) p++;
  if (*p++ != '(') goto bad;
  for (;;) {
    const char *start, *end;
    long k;
    while (isspace((unsigned char)*p)) p++;
    if (j >= d) goto bad;
    reflect[j] = 0;
    if (strncmp(p, "1-", 2) == 0) {
      reflect[j] = 1;
      p += 2;
      while (isspace((unsigned char)*p)) p++;
    }
    start = p;
    while (*p != '\0' && *p != ',' && *p != ')' && !isspace((unsigned char)*p)) p++;
    end = p;
    while (isspace((unsigned char)*p)) p++;
    k = input_index(inputs, start, (size_t)(end - start));
    if (k < 0) goto bad;
    src[j++] = (int32_t)k;
    if (*p == ')') break;
    if (*p++ != ',') goto bad;
  }
  if (j == d) return AMPFIT_OK;
bad:
  return fail_at(r, AMPFIT_ERR_FORMAT, "set function '%s': map \"%.200s\" is not (name, 1-name, ...) over the set's %zu inputs", fname, s, d);
}

/* A member of the current set: its trained model, and the chain of derivations folded into one map and one factor. */
static int set_member(reader *r, const char *name) {
  const amp_json *inputs = amp_json_get(r->set, "inputs"), *f = set_function(r->set, name);
  size_t d, j, steps = 0;
  int32_t *src, *g;
  uint8_t *reflect, *gr;
  double factor = 1;
  int st;
  if (f == NULL) {
    return fail_at(r, AMPFIT_ERR_ARGUMENT, "the function set in %s has no function '%s'", r->set_dir, name);
  }
  if (inputs == NULL || inputs->type != AMP_JARR || inputs->n == 0) return fail_at(r, AMPFIT_ERR_FORMAT, "the set's set.json has no \"inputs\" list");
  d = inputs->n;
  src = malloc(d * sizeof *src);
  g = malloc(d * sizeof *g);
  reflect = calloc(d, 1);
  gr = malloc(d);
  if (src == NULL || g == NULL || reflect == NULL || gr == NULL) {
    free(src), free(g), free(reflect), free(gr);
    return fail_at(r, AMPFIT_ERR_MEMORY, "out of memory");
  }
  for (j = 0; j < d; j++) src[j] = (int32_t)j;
  st = AMPFIT_OK;
  for (;;) {
    const amp_json *from = amp_json_get(f, "from"), *map = amp_json_get(f, "map"), *k = amp_json_get(f, "factor"), *model = amp_json_get(f, "model");
    const char *fname = amp_json_get(f, "name")->str; /* set_function matched a string name */
    if (from == NULL) {
      char path[PATH_MAX_LEN];
      const ampfit_model *m;
      size_t i;
      if (model == NULL || model->type != AMP_JSTR) {
        st = fail_at(r, AMPFIT_ERR_FORMAT, "set function '%s' has no trained model (\"model\"); train the set with ampfit train-set", fname);
        break;
      }
      if (!resolve(r->set_dir, model->str, path, sizeof path)) {
        st = fail_at(r, AMPFIT_ERR_ARGUMENT, "set function '%s': its model path is too long", fname);
        break;
      }
      if ((st = model_at(r, path, &m)) != AMPFIT_OK) break;
      for (i = 0; i < d && i < m->dim; i++)
        if (inputs->items[i].type != AMP_JSTR || strcmp(inputs->items[i].str, m->names[i]) != 0) break;
      if (m->dim != d || i != d) {
        st = fail_at(r, AMPFIT_ERR_FORMAT, "set function '%s': its model %s takes other inputs than the set declares", fname, path);
        break;
      }
      for (j = 0; j < d && src[j] == (int32_t)j && !reflect[j]; j++) {}
      /* A coordinate model's map acts after ampfit_eval_momenta's own mapping, where this file cannot reach. */
      if (j < d && m->input_kind != 1) {
        st = fail_at(r, AMPFIT_ERR_UNSUPPORTED, "member '%s' maps the coordinates of its base model; BLHA serves derived members of momentum models only", name);
        break;
      }
      for (j = 0; j < d && !reflect[j]; j++) {}
      if (j < d) {
        st = fail_at(r, AMPFIT_ERR_UNSUPPORTED, "member '%s' reflects input %s (1-x): four-momenta can only be permuted", name, m->names[src[j]]);
        break;
      }
      r->model = m;
      r->factor = factor;
      r->src = NULL;
      for (j = 0; j < d && src[j] == (int32_t)j; j++) {}
      if (j < d) {
        if ((st = keep_map(r, src)) != AMPFIT_OK) src = NULL;
        else {
          r->src = src;
          src = NULL;
        }
      }
      break;
    }
    if (from->type != AMP_JSTR || (map != NULL && map->type != AMP_JSTR) || (k != NULL && (k->type != AMP_JNUM || !isfinite(k->num) || k->num == 0))) {
      st = fail_at(r, AMPFIT_ERR_FORMAT, "set function '%s': \"from\" must name a function, \"map\" be a string in image notation and \"factor\" a non-zero number", fname);
      break;
    }
    if (++steps > 4096) {
      st = fail_at(r, AMPFIT_ERR_FORMAT, "set functions derive from each other in a cycle through '%s'", fname);
      break;
    }
    /* f(x) = k · p(g·x): the folded map becomes g_p ∘ (map so far), as src/sets/manifest.ts folds it. */
    if (map != NULL) {
      int32_t *t;
      if ((st = parse_map(r, map->str, inputs, g, gr, fname)) != AMPFIT_OK) break;
      t = malloc(d * sizeof *t);
      if (t == NULL) {
        st = fail_at(r, AMPFIT_ERR_MEMORY, "out of memory");
        break;
      }
      for (j = 0; j < d; j++) t[j] = src[g[j]];
      for (j = 0; j < d; j++) gr[j] = (uint8_t)(gr[j] ^ reflect[g[j]]);
      memcpy(src, t, d * sizeof *t);
      memcpy(reflect, gr, d);
      free(t);
    }
    if (k != NULL) factor *= k->num;
    if ((f = set_function(r->set, from->str)) == NULL) {
      st = fail_at(r, AMPFIT_ERR_FORMAT, "set function '%s' derives from unknown function '%s'", fname, from->str);
      break;
    }
  }
  free(src), free(g), free(reflect), free(gr);
  return st;
}

static int open_set(reader *r, const char *rel) {
  char path[PATH_MAX_LEN + 16], err[256];
  char *text;
  size_t n;
  int st;
  if (!resolve(r->dir, rel, r->set_dir, sizeof r->set_dir)) return fail_at(r, AMPFIT_ERR_ARGUMENT, "the set path is too long");
  snprintf(path, sizeof path, "%s/set.json", r->set_dir);
  if ((st = read_text(path, &text, &n)) != AMPFIT_OK) {
    return fail_at(r, st, "%s (AmpfitSet names a set directory holding set.json, written by ampfit train-set)", ampfit_last_error());
  }
  amp_json_free(r->set);
  r->set = amp_json_parse(text, n, err, sizeof err);
  free(text);
  if (r->set == NULL || r->set->type != AMP_JOBJ) {
    return fail_at(r, AMPFIT_ERR_FORMAT, "%s is not a set file: %s", path, r->set == NULL ? err : "not a JSON object");
  }
  return AMPFIT_OK;
}

static int add_param(reader *r, const char *name, const char *value) {
  char *end;
  double v = strtod(value, &end);
  void *a;
  if (*end != '\0' || !isfinite(v)) return fail_at(r, AMPFIT_ERR_FORMAT, "AmpfitParameter needs a name and a finite number");
  a = grow(r->st->params, r->st->n_params, sizeof *r->st->params);
  if (a == NULL) return fail_at(r, AMPFIT_ERR_MEMORY, "out of memory");
  r->st->params = a;
  if ((r->st->params[r->st->n_params].name = strdup(name)) == NULL) return fail_at(r, AMPFIT_ERR_MEMORY, "out of memory");
  r->st->params[r->st->n_params++].value = v;
  return AMPFIT_OK;
}

static int parse_int(const char *s, int *v) {
  char *end;
  long x;
  errno = 0;
  x = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || errno != 0 || x < -2147483647L || x > 2147483647L) return 0;
  *v = (int)x;
  return 1;
}

static int add_subprocess(reader *r, char **tok, size_t nt, char **ans, size_t na) {
  size_t k, arrow = nt, n_particles = 0;
  int count, id, pdg;
  for (k = 0; k < nt; k++) {
    if (strcmp(tok[k], "->") == 0) arrow = k;
    else if (!parse_int(tok[k], &pdg)) return fail_at(r, AMPFIT_ERR_FORMAT, "a subprocess line holds PDG codes and one '->'");
    else n_particles++;
  }
  if (arrow == 0 || arrow >= nt - 1) return fail_at(r, AMPFIT_ERR_FORMAT, "a subprocess needs particles before and after '->'");
  if (na < 2 || !parse_int(ans[0], &count) || count < 1 || (size_t)count != na - 1)
    return fail_at(r, AMPFIT_ERR_FORMAT, "the subprocess has no ids: its answer must be '| <count> <id> ...' (e.g. '| 1 0')");
  if (r->model == NULL) return fail_at(r, AMPFIT_ERR_FORMAT, "no AmpfitModel or AmpfitMember line before this subprocess says which surrogate answers it");
  ampfit_n_particles(r->model, &k);
  if (n_particles > BLHA_MAX_PARTICLES || k != n_particles) return fail_at(r, AMPFIT_ERR_FORMAT, "the subprocess has %zu particles, its model takes %zu", n_particles, k);
  if (r->born != NULL && (ampfit_n_particles(r->born, &k), k != n_particles))
    return fail_at(r, AMPFIT_ERR_FORMAT, "the subprocess has %zu particles, its AmpfitBorn model takes %zu", n_particles, k);
  if (r->born == NULL && (is_ratio(r->model) || r->type == BLHA_LOOP))
    return fail_at(r, AMPFIT_ERR_FORMAT, is_ratio(r->model) ? "the model regresses a ratio to the Born: name a Born model with AmpfitBorn"
                                                            : "AmplitudeType Loop returns the Born in rval[3]: name a Born model with AmpfitBorn, or use AmplitudeType LoopInduced or Tree");
  for (k = 1; k < na; k++) {
    blha_proc *p;
    size_t j;
    void *a;
    if (!parse_int(ans[k], &id)) return fail_at(r, AMPFIT_ERR_FORMAT, "subprocess ids are integers");
    for (j = 0; j < r->st->n_procs; j++) {
      if (r->st->procs[j].id == id) {
        return fail_at(r, AMPFIT_ERR_FORMAT, "subprocess id %d was already given on line %zu", id, r->st->procs[j].line);
      }
    }
    a = grow(r->st->procs, r->st->n_procs, sizeof *r->st->procs);
    if (a == NULL) return fail_at(r, AMPFIT_ERR_MEMORY, "out of memory");
    r->st->procs = a;
    p = &r->st->procs[r->st->n_procs++];
    p->id = id;
    p->n_particles = (int)n_particles;
    p->type = r->type;
    p->model = r->model;
    p->born = r->born;
    p->ratio = is_ratio(r->model);
    p->src = r->src;
    p->factor = r->factor;
    p->scale = r->scale;
    p->line = r->line;
  }
  return AMPFIT_OK;
}

static size_t split(char *s, char **tok) {
  size_t n = 0;
  char *save = NULL, *t;
  for (t = strtok_r(s, " \t\r\n", &save); t != NULL && n < MAX_TOKENS; t = strtok_r(NULL, " \t\r\n", &save)) tok[n++] = t;
  return n;
}

static int keyword(reader *r, char **tok, size_t nt) {
  const char *key = tok[0];
  char path[PATH_MAX_LEN];
  const ampfit_model *m;
  int st;
  if (strcasecmp(key, "AmplitudeType") == 0) {
    if (nt != 2) return fail_at(r, AMPFIT_ERR_FORMAT, "AmplitudeType needs one value");
    if (strcasecmp(tok[1], "Loop") == 0) r->type = BLHA_LOOP;
    else if (strcasecmp(tok[1], "Tree") == 0) r->type = BLHA_TREE;
    else if (strcasecmp(tok[1], "LoopInduced") == 0) r->type = BLHA_LOOP_INDUCED;
    else return fail_at(r, AMPFIT_ERR_UNSUPPORTED, "AmplitudeType must be Loop, Tree or LoopInduced: a surrogate gives one value per point, not colour or spin correlations");
    return AMPFIT_OK;
  }
  if (strcasecmp(key, "AmpfitModel") == 0 || strcasecmp(key, "AmpfitBorn") == 0) {
    const int born = strcasecmp(key, "AmpfitBorn") == 0;
    if (nt != 2) return fail_at(r, AMPFIT_ERR_FORMAT, born ? "AmpfitBorn needs one path (or none)" : "AmpfitModel needs one path");
    if (born && strcmp(tok[1], "none") == 0) {
      r->born = NULL;
      return AMPFIT_OK;
    }
    if (!resolve(r->dir, tok[1], path, sizeof path)) return fail_at(r, AMPFIT_ERR_ARGUMENT, "the model path is too long");
    if ((st = model_at(r, path, &m)) != AMPFIT_OK) return st;
    if (born) {
      if (is_ratio(m)) return fail_at(r, AMPFIT_ERR_FORMAT, "the AmpfitBorn model is itself a ratio to a Born");
      r->born = m;
    } else {
      r->model = m;
      r->src = NULL;
      r->factor = 1;
    }
    return AMPFIT_OK;
  }
  if (strcasecmp(key, "AmpfitSet") == 0) {
    if (nt != 2) return fail_at(r, AMPFIT_ERR_FORMAT, "AmpfitSet needs one directory");
    return open_set(r, tok[1]);
  }
  if (strcasecmp(key, "AmpfitMember") == 0) {
    if (nt != 2) return fail_at(r, AMPFIT_ERR_FORMAT, "AmpfitMember needs one function name");
    if (r->set == NULL) return fail_at(r, AMPFIT_ERR_FORMAT, "AmpfitMember before any AmpfitSet line");
    return set_member(r, tok[1]);
  }
  if (strcasecmp(key, "AmpfitParameter") == 0) {
    if (nt != 3) return fail_at(r, AMPFIT_ERR_FORMAT, "AmpfitParameter needs a name and a value");
    return add_param(r, tok[1], tok[2]);
  }
  if (strcasecmp(key, "AmpfitScale") == 0) {
    char *end;
    double mu = nt == 2 ? strtod(tok[1], &end) : 0;
    if (nt != 2 || *end != '\0' || !(mu > 0) || !isfinite(mu)) return fail_at(r, AMPFIT_ERR_FORMAT, "AmpfitScale needs one positive scale in GeV");
    r->scale = mu;
    return AMPFIT_OK;
  }
  if (strncasecmp(key, "Ampfit", 6) == 0) return fail_at(r, AMPFIT_ERR_FORMAT, "unknown Ampfit keyword (known: AmpfitModel, AmpfitSet, AmpfitMember, AmpfitBorn, AmpfitParameter, AmpfitScale)");
  /* The generator's own settings (CorrectionType, IRregularisation, ...): the contract already agreed to them. */
  return AMPFIT_OK;
}

static int read_line(reader *r, char *line) {
  char *bar, *hash = strchr(line, '#'), *tok[MAX_TOKENS], *ans[MAX_TOKENS];
  size_t nt, na = 0, k;
  if (hash != NULL) *hash = '\0';
  bar = strchr(line, '|');
  if (bar != NULL) {
    *bar = '\0';
    na = split(bar + 1, ans);
    if (na > 0 && strncasecmp(ans[0], "Error", 5) == 0) return fail_at(r, AMPFIT_ERR_FORMAT, "the contract answers this line with an Error");
  }
  nt = split(line, tok);
  if (nt == 0) return AMPFIT_OK;
  for (k = 0; k < nt; k++)
    if (strcmp(tok[k], "->") == 0) return add_subprocess(r, tok, nt, ans, na);
  return keyword(r, tok, nt);
}

static int by_id(const void *a, const void *b) {
  const int x = ((const blha_proc *)a)->id, y = ((const blha_proc *)b)->id;
  return (x > y) - (x < y);
}

int blha_read_contract(const char *path, blha_state *st) {
  reader r;
  char *text, *line, *next;
  size_t n;
  int status;
  memset(&r, 0, sizeof r);
  r.path = path;
  r.st = st;
  r.type = BLHA_LOOP;
  r.factor = 1;
  dir_of(path, r.dir, sizeof r.dir);
  if ((status = read_text(path, &text, &n)) != AMPFIT_OK) return status;
  status = AMPFIT_OK;
  for (line = text; status == AMPFIT_OK && line != NULL; line = next) {
    next = strchr(line, '\n');
    if (next != NULL) *next++ = '\0';
    r.line++;
    status = read_line(&r, line);
  }
  free(text);
  amp_json_free(r.set);
  if (status == AMPFIT_OK && st->n_procs == 0) status = amp_fail(AMPFIT_ERR_FORMAT, "BLHA contract %s has no subprocess line ('21 21 -> 22 22 21 | 1 0')", path);
  if (status == AMPFIT_OK) qsort(st->procs, st->n_procs, sizeof *st->procs, by_id);
  return status;
}

void blha_state_free(blha_state *st) {
  size_t k;
  for (k = 0; k < st->n_models; k++) {
    ampfit_free(st->models[k]);
    free(st->model_paths[k]);
  }
  for (k = 0; k < st->n_maps; k++) free(st->maps[k]);
  for (k = 0; k < st->n_params; k++) free(st->params[k].name);
  free(st->models);
  free(st->model_paths);
  free(st->maps);
  free(st->params);
  free(st->procs);
  memset(st, 0, sizeof *st);
}
