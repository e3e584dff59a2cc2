# Built by scripts/build-native.mjs (npm's "install" script); see that file for
# how node-gyp is found and how failures fall back to the TypeScript kernels.
{
  'variables': {
    # The addon is compiled on the machine that runs it, so it may use every
    # instruction that CPU has. AMPFIT_NATIVE_MARCH overrides this (e.g. for a
    # build that must run on older CPUs of the same architecture).
    'ampfit_march%': 'native',
  },
  'targets': [
    {
      'target_name': 'ampfit_native',
      'sources': [
        'binding.c',
        'dispatch.c',
        'threads.c',
        'kernels/gemm.c',
        'kernels/dense.c',
        'kernels/adam.c',
        'kernels/rational.c',
        'kernels/kan.c',
        'kernels/angular_head.c',
        'dispatch_mv.c',
        'kernels/mv.c',
        'dispatch_trees.c',
        'kernels/hist.c',
        'kernels/split.c',
        'kernels/partition.c',
        'kernels/forest.c',
      ],
      'include_dirs': ['.'],
      'defines': ['NAPI_VERSION=8'],
      # FMA is used deliberately, not by the compiler's choice: the GEMM
      # micro-kernel and the vectorised exp/erfc call it explicitly (vfma in
      # kernels/simd.h), because on Zen 4 it makes the products ~20% faster
      # than a separate multiply and add. That rounds each product term once
      # instead of twice, so results match the TypeScript reference "up to
      # rounding" (tests check error bounds, not bits). Everywhere else
      # contraction is OFF (-ffp-contract=off), so formulas written in the same
      # order as the reference round like it: Adam, for one, is bit-identical.
      # -fno-math-errno lets sqrt vectorise (Adam); neither it nor
      # -fno-trapping-math changes any result.
      'cflags_c': [
        '-std=gnu11', '-O3', '-march=<(ampfit_march)', '-ffp-contract=off',
        '-fno-math-errno', '-fno-trapping-math', '-fvisibility=hidden',
        '-Wall', '-Wextra', '-Wno-unused-parameter',
      ],
      'ldflags': ['-pthread'],
      'libraries': ['-lm'],
      'xcode_settings': {
        'OTHER_CFLAGS': [
          '-std=gnu11', '-O3', '-march=<(ampfit_march)', '-ffp-contract=off',
          '-fno-math-errno', '-fno-trapping-math', '-fvisibility=hidden',
        ],
      },
    },
  ],
}
