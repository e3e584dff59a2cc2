/* A BLHA caller written as Sherpa's LH_OLE interface drives an OLP
 * (test/runtime/blha.test.ts):
 *   lhole <contract> [points.bin n particles mu id...]
 * OLP_Start with the contract, OLP_Info, OLP_SetParameter for alpha_s and
 * masses as a generator sets them, then for every point and id
 * OLP_EvalSubProcess2 (BLHA2) and OLP_EvalSubProcess (BLHA1) with pp = 5
 * doubles (E, px, py, pz, m) per particle. Prints "start <ierr> <message>",
 * the info, "param <name> <ierr>" lines, then per point and id
 * "id rval0 rval1 rval2 rval3 acc | blha1 rval0..3" in %.17g and, where rval
 * is NaN, the message. Points are ampfit's 4 doubles per particle. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ampfit.h"
#include "ampfit_blha.h"

int main(int argc, char **argv) {
  int ierr = -1, k;
  char name[15], version[15], message[255];
  static const struct { const char *name; double re; } params[] = {
      {"alpha_s", 0.118}, {"alpha_s", 0.2}, {"mass(23)", 91.1876}, {"width(23)", 2.4952}, {"mass(6)", 173.2}};
  OLP_Start(argv[1], &ierr);
  printf("start %d %s\n", ierr, ampfit_last_error());
  if (ierr != 1) return 0;
  OLP_Info(name, version, message);
  printf("info %s %s %s\n", name, version, message);
  for (k = 0; k < (int)(sizeof params / sizeof params[0]); k++) {
    const double im = 0;
    OLP_SetParameter(params[k].name, &params[k].re, &im, &ierr);
    printf("param %s %.17g %d%s%s\n", params[k].name, params[k].re, ierr, ierr == 0 ? " " : "", ierr == 0 ? ampfit_last_error() : "");
  }
  if (argc > 6) {
    const size_t n = strtoull(argv[3], NULL, 10);
    const size_t np = strtoull(argv[4], NULL, 10);
    double mu = strtod(argv[5], NULL), alphas = 0.118;
    FILE *f = fopen(argv[2], "rb");
    size_t i, j;
    double *x;
    long size;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) return 2;
    if (np == 0 || np > 32 || (size_t)size < n * np * 4 * sizeof *x) return 2;
    x = malloc((size_t)size + 8);
    if (x == NULL || fread(x, 1, (size_t)size, f) != (size_t)size) return 2;
    fclose(f);
    for (i = 0; i < n; i++) {
      double pp[5 * 32];
      for (j = 0; j < np; j++) {
        const double *p = x + 4 * (np * i + j);
        const double m2 = p[0] * p[0] - p[1] * p[1] - p[2] * p[2] - p[3] * p[3];
        memcpy(pp + 5 * j, p, 4 * sizeof *p);
        pp[5 * j + 4] = sqrt(m2 > 0 ? m2 : 0);
      }
      for (k = 6; k < argc; k++) {
        int id = atoi(argv[k]);
        double rval[4] = {-1, -1, -1, -1}, r1[4] = {-1, -1, -1, -1}, acc = -1;
        OLP_EvalSubProcess2(&id, pp, &mu, rval, &acc);
        printf("%d %.17g %.17g %.17g %.17g %.17g", id, rval[0], rval[1], rval[2], rval[3], acc);
        if (isnan(rval[0])) printf(" (%s)", ampfit_last_error());
        OLP_EvalSubProcess(id, pp, mu, &alphas, r1);
        printf(" | %.17g %.17g %.17g %.17g\n", r1[0], r1[1], r1[2], r1[3]);
      }
    }
    free(x);
  }
  ampfit_blha_finish();
  return 0;
}
