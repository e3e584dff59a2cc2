/* What blha_contract.c builds from a contract file and blha.c evaluates. */
#ifndef AMPFIT_BLHA_INTERNAL_H
#define AMPFIT_BLHA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "internal.h"

#define BLHA_MAX_PARTICLES 32

enum { BLHA_LOOP, BLHA_TREE, BLHA_LOOP_INDUCED };

typedef struct {
  int id;
  int n_particles;
  int type;                    /* BLHA_LOOP, ... */
  const ampfit_model *model;   /* the trained model (owned by blha_state.models) */
  const ampfit_model *born;    /* NULL: none */
  int ratio;                   /* the model regresses target / Born */
  const int32_t *src;          /* a set member's folded map over the model's inputs; NULL: identity */
  double factor;               /* a set member's folded factor (1 otherwise) */
  double scale;                /* the declared scale; 0: any mu */
  size_t line;                 /* in the contract, for messages */
} blha_proc;

typedef struct {
  char *name;
  double value;
} blha_param;

typedef struct {
  blha_proc *procs; /* sorted by id */
  size_t n_procs;
  ampfit_model **models;
  char **model_paths;
  size_t n_models;
  int32_t **maps;   /* owned maps the procs point to */
  size_t n_maps;
  blha_param *params;
  size_t n_params;
} blha_state;

/* Reads a contract file into st (zeroed by the caller); on failure returns
 * an AMPFIT_ERR_* with the message naming the file and line, and st holds
 * whatever was loaded so far for blha_state_free. */
int blha_read_contract(const char *path, blha_state *st);
void blha_state_free(blha_state *st);

#endif
