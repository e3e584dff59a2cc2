/* SHA-256 (FIPS 180-4), to verify a model file's closing checksum. Written
 * here because libampfit may depend on nothing but libc and libm. The
 * checksum covers the whole file and is the integrity guarantee, so it is
 * always computed in full; on x86-64 CPUs with the SHA extensions (Intel
 * since Goldmont/Ice Lake, AMD since Zen) the compression function runs on
 * them, ~15x fewer instructions than the portable one, which dominated the
 * load time of a 35k-parameter model. Chosen at run time by CPUID, so the
 * library still runs on CPUs without them. */
#include <string.h>
#include "internal.h"
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define AMP_SHANI 1
#endif

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void block(uint32_t h[8], const unsigned char *p) {
  uint32_t w[64], a, b, c, d, e, f, g, hh;
  int i;
  for (i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (i = 16; i < 64; i++) {
    const uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
  for (i = 0; i < 64; i++) {
    const uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    const uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

#ifdef AMP_SHANI
/* n 64-byte blocks with the SHA-NI instructions (the state is kept as ABEF/CDGH, as they want it). */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_shani(uint32_t h[8], const unsigned char *p, size_t n) {
  const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&h[0]), 0xB1); /* CDAB */
  __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&h[4]), 0x1B);  /* EFGH */
  __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);                                                     /* ABEF */
  s1 = _mm_blend_epi16(s1, tmp, 0xF0);                                                          /* CDGH */
  for (; n > 0; n--, p += 64) {
    const __m128i abef = s0, cdgh = s1;
    __m128i msg[4];
    int g;
    for (g = 0; g < 4; g++) msg[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)), mask);
    for (g = 0; g < 16; g++) {
      /* Rounds 4g..4g+3, then the schedule words of group g + 4 into the slot just used. */
      __m128i t = _mm_add_epi32(msg[g & 3], _mm_loadu_si128((const __m128i *)(const void *)&K[4 * g]));
      s1 = _mm_sha256rnds2_epu32(s1, s0, t);
      s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(t, 0x0E));
      if (g < 12) {
        __m128i a = _mm_sha256msg1_epu32(msg[g & 3], msg[(g + 1) & 3]);
        a = _mm_add_epi32(a, _mm_alignr_epi8(msg[(g + 3) & 3], msg[(g + 2) & 3], 4));
        msg[g & 3] = _mm_sha256msg2_epu32(a, msg[(g + 3) & 3]);
      }
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
  }
  tmp = _mm_shuffle_epi32(s0, 0x1B);                                               /* FEBA */
  s1 = _mm_shuffle_epi32(s1, 0xB1);                                                /* DCHG */
  _mm_storeu_si128((__m128i *)(void *)&h[0], _mm_blend_epi16(tmp, s1, 0xF0)); /* DCBA */
  _mm_storeu_si128((__m128i *)(void *)&h[4], _mm_alignr_epi8(s1, tmp, 8));    /* HGFE */
}

static int have_shani(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3)) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b >> 29) & 1;
}
#endif

static void blocks(uint32_t h[8], const unsigned char *p, size_t n) {
#ifdef AMP_SHANI
  if (have_shani()) { blocks_shani(h, p, n); return; }
#endif
  for (; n > 0; n--, p += 64) block(h, p);
}

void amp_sha256(const unsigned char *data, size_t n, unsigned char out[32]) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  unsigned char tail[128];
  size_t i, rest = n % 64, pad;
  const uint64_t bits = (uint64_t)n * 8;
  blocks(h, data, n / 64);
  i = n - rest;
  memset(tail, 0, sizeof tail);
  memcpy(tail, data + i, rest);
  tail[rest] = 0x80;
  pad = rest < 56 ? 64 : 128;
  for (i = 0; i < 8; i++) tail[pad - 1 - i] = (unsigned char)(bits >> (8 * i));
  blocks(h, tail, pad / 64);
  for (i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(h[i] >> 8);
    out[4 * i + 3] = (unsigned char)h[i];
  }
}
