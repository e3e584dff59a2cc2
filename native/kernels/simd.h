/* Portable SIMD vocabulary for the kernels: GCC/Clang vector extensions, so
 * one source compiles to AVX-512, AVX2 or SSE2 depending on -march. The only
 * ISA-specific pieces are the masked partial loads/stores used at matrix
 * edges, which AVX-512 does in one instruction and the others emulate.
 *
 * Register-blocking constants live here because they follow from the register
 * file size of the target: AF_MR rows x AF_NVMAX vectors of accumulators plus
 * AF_NVMAX B vectors and one broadcast must fit in the vector registers
 * (32 zmm on AVX-512, 16 ymm/xmm otherwise). */
#ifndef AMPFIT_SIMD_H
#define AMPFIT_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#define AF_VL 8
#define AF_MR 8
#define AF_NVMAX 3
#elif defined(__AVX__)
#include <immintrin.h>
#define AF_VL 4
#define AF_MR 4
#define AF_NVMAX 3
#else
#define AF_VL 2
#define AF_MR 4
#define AF_NVMAX 3
#endif

typedef double vd __attribute__((vector_size(AF_VL * 8)));
typedef int64_t vl __attribute__((vector_size(AF_VL * 8)));
/* Same vectors with element alignment: our arrays come from JS typed arrays
 * and row offsets, so nothing is guaranteed to be vector-aligned. */
typedef double vdu __attribute__((vector_size(AF_VL * 8), aligned(8), may_alias));

#define AF_INLINE static inline __attribute__((always_inline))

AF_INLINE vd vload(const double *p) { return *(const vdu *)p; }
AF_INLINE void vstore(double *p, vd v) { *(vdu *)p = v; }
/* A real broadcast: `(vd){0} + x` would cost an add and turn -0 into +0. */
AF_INLINE vd vset1(double x) {
#if AF_VL == 8
  return (vd){x, x, x, x, x, x, x, x};
#elif AF_VL == 4
  return (vd){x, x, x, x};
#else
  return (vd){x, x};
#endif
}

/* First n (1..AF_VL) lanes; the rest are zero on load and untouched on store. */
AF_INLINE vd vload_n(const double *p, int n) {
#if defined(__AVX512F__)
  return (vd)_mm512_maskz_loadu_pd((__mmask8)((1u << n) - 1u), p);
#else
  union { vd v; double d[AF_VL]; } u;
  u.v = vset1(0.0);
  for (int i = 0; i < n; i++) u.d[i] = p[i];
  return u.v;
#endif
}

AF_INLINE void vstore_n(double *p, vd v, int n) {
#if defined(__AVX512F__)
  _mm512_mask_storeu_pd(p, (__mmask8)((1u << n) - 1u), (__m512d)v);
#else
  union { vd v; double d[AF_VL]; } u;
  u.v = v;
  for (int i = 0; i < n; i++) p[i] = u.d[i];
#endif
}

/* a*b + c with one rounding where the target has FMA. The code says where it
 * wants fusion (GEMM micro-kernel, elementary functions); elsewhere the build
 * disables contraction (binding.gyp). */
#if defined(__FMA__) || defined(__AVX512F__)
#define AF_HAVE_FMA 1
#else
#define AF_HAVE_FMA 0
#endif
AF_INLINE vd vfma(vd a, vd b, vd c) {
#if defined(__AVX512F__)
  return (vd)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
#elif defined(__FMA__) && AF_VL == 4
  return (vd)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
#elif defined(__FMA__) && AF_VL == 2
  return (vd)_mm_fmadd_pd((__m128d)a, (__m128d)b, (__m128d)c);
#else
  return a * b + c;
#endif
}

/* The rounding error of p = a*b: a*b = p + lo exactly (FMA, or Dekker's
 * splitting where there is none). */
AF_INLINE vd vprod_lo(vd a, vd b, vd p) {
#if AF_HAVE_FMA
  return vfma(a, b, -p);
#else
  const vd split = vset1(134217729.0); /* 2^27 + 1 */
  vd ta = split * a, tb = split * b;
  vd ah = ta - (ta - a), al = a - ah;
  vd bh = tb - (tb - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
}

/* Lane-wise m ? a : b, m being the all-ones/all-zeros result of a comparison. */
AF_INLINE vd vsel(vl m, vd a, vd b) { return (vd)(((vl)a & m) | ((vl)b & ~m)); }
AF_INLINE vd vabs(vd x) { return (vd)((vl)x & ((vl){0} + INT64_MAX)); }
AF_INLINE vd vcopysign(vd mag, vd sgn) {
  return (vd)(((vl)vabs(mag)) | ((vl)sgn & ((vl){0} + INT64_MIN)));
}
/* Bit-cast helpers for exponent manipulation. */
AF_INLINE vl vasl(vd x) { return (vl)x; }
AF_INLINE vd vasd(vl x) { return (vd)x; }

AF_INLINE int vany(vl m) {
#if defined(__AVX512F__)
  return _mm512_test_epi64_mask((__m512i)m, (__m512i)m) != 0;
#else
  int64_t r = 0;
  for (int i = 0; i < AF_VL; i++) r |= m[i];
  return r != 0;
#endif
}

#endif
