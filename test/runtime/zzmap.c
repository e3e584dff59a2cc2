/* Test program for libampfit's zz4l momentum maps (test/runtime/momenta.test.ts),
 * linked with the MCFM oracle (../shared/oracle, GPL, built in a temporary copy):
 *   zzmap <x.bin> <n> <map>
 * reads n rows of x1..x8, takes the oracle's momenta of each (zz_momenta, MCFM's
 * layout turned into physical (E, px, py, pz) with positive incoming energies)
 * and maps them back with map 0 (zz4l-8d), 1 (zz4l-4d) or 2 (zz4l-2d). Prints
 * per row: the point code, the 24 momenta, the coordinates (%.17g). */
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"
#include "zz_oracle.h"

int main(int argc, char **argv) {
  static const int dims[3] = {8, 4, 2};
  const size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 0;
  const int map = argc > 3 ? atoi(argv[3]) : 0;
  FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
  double *x = malloc((8 * n + 1) * sizeof *x), q[4][14], rts, p[24], y[8];
  char why[512];
  size_t r;
  int i, k;
  if (f == NULL || x == NULL || fread(x, sizeof *x, 8 * n, f) != 8 * n || map < 0 || map > 2) { fprintf(stderr, "usage: zzmap x.bin n map\n"); return 2; }
  fclose(f);
  for (r = 0; r < n; r++) {
    if (zz_momenta(x + 8 * r, q, &rts) != 0) { fprintf(stderr, "row %zu: zz_momenta failed\n", r); return 2; }
    for (i = 0; i < 6; i++) {
      const double sign = i < 2 ? -1.0 : 1.0; /* MCFM: all outgoing, incoming with negative energy */
      p[4 * i] = sign * q[3][i];
      for (k = 0; k < 3; k++) p[4 * i + 1 + k] = sign * q[k][i];
    }
    printf("%d", amp_zz4l_map(map, p, y, why, sizeof why));
    for (i = 0; i < 24; i++) printf(" %.17g", p[i]);
    for (i = 0; i < dims[map]; i++) printf(" %.17g", y[i]);
    printf("\n");
  }
  free(x);
  return 0;
}
