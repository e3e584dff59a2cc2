// A C++ caller of libampfit (test/runtime/callers.test.ts):
//   threads <model> <points.bin> <n> <threads> [<momentum model> <momenta.bin> <m>]
// prints "value sigma" per point from one thread (%.17g), then
// "identical 0|1": whether <threads> std::threads sharing one const
// ampfit::model, each evaluating the whole batch in chunks of a different
// size, reproduced those bits; then what ampfit::error says for a bad path;
// eval_fallback with tol 0 (every point with σ > 0 falls back to a constant
// 42) and with a throwing callback; n_particles of a coordinate model; then,
// given a momentum model, "momenta value sigma" of its m points with the
// Born 1 + i/m.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <span>
#include <thread>
#include <vector>

#include "ampfit.hpp"

int main(int argc, char **argv) {
  if (argc != 5 && argc != 8) return 2;
  const ampfit::model m(argv[1]);
  const std::size_t n = std::strtoull(argv[3], nullptr, 10), d = m.input_dim();
  const int threads = std::atoi(argv[4]);
  std::vector<double> x(n * d);
  std::ifstream in(argv[2], std::ios::binary);
  if (!in.read(reinterpret_cast<char *>(x.data()), static_cast<std::streamsize>(x.size() * sizeof(double)))) return 2;

  std::vector<double> one, one_sigma;
  m.eval(x, one, one_sigma);
  for (std::size_t i = 0; i < n; i++) std::printf("%.17g %.17g\n", one[i], one_sigma[i]);

  std::vector<std::vector<double>> out(threads, std::vector<double>(n)), sigma(threads, std::vector<double>(n));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([&, t] {
      // Chunks of 1, 8, 15, ... points: the value of a point must not depend on its batch.
      const std::size_t chunk = 1 + 7 * static_cast<std::size_t>(t);
      for (std::size_t at = 0; at < n; at += chunk) {
        const std::size_t k = std::min(chunk, n - at);
        m.eval(std::span<const double>(x.data() + at * d, k * d), std::span<double>(out[t].data() + at, k),
               std::span<double>(sigma[t].data() + at, k));
      }
    });
  }
  for (auto &th : pool) th.join();
  bool same = true;
  for (int t = 0; t < threads; t++)
    same = same && std::memcmp(out[t].data(), one.data(), n * sizeof(double)) == 0 &&
           std::memcmp(sigma[t].data(), one_sigma.data(), n * sizeof(double)) == 0;
  std::printf("identical %d\n", same ? 1 : 0);

  try {
    ampfit::model missing(std::string(argv[1]) + ".not-there");
    std::printf("error none\n");
  } catch (const ampfit::error &e) {
    std::printf("error %d %s\n", e.status(), e.what());
  }

  std::vector<double> fb(n);
  std::size_t asked = 0;
  const double fraction = m.eval_fallback(x.data(), n, fb.data(), 0.0, [&](const double *, std::size_t k, double *o) {
    asked += k;
    for (std::size_t i = 0; i < k; i++) o[i] = 42;
  });
  bool all42 = true;
  for (double v : fb) all42 = all42 && v == 42;
  std::printf("fallback %.17g %zu %d\n", fraction, asked, all42 ? 1 : 0);
  try {
    m.eval_fallback(x.data(), n, fb.data(), 0.0, [](const double *, std::size_t, double *) { throw std::runtime_error("no exact function here"); });
    std::printf("thrown none\n");
  } catch (const std::runtime_error &e) {
    std::printf("thrown %s\n", e.what());
  }
  try {
    std::printf("particles %zu\n", m.n_particles());
  } catch (const ampfit::error &e) {
    std::printf("particles error %d\n", e.status());
  }

  if (argc == 8) {
    const ampfit::model mm(argv[5]);
    const std::size_t k = std::strtoull(argv[7], nullptr, 10), np = mm.n_particles();
    std::vector<double> p(k * np * 4), born(k), v(k), sg(k);
    std::ifstream pin(argv[6], std::ios::binary);
    if (!pin.read(reinterpret_cast<char *>(p.data()), static_cast<std::streamsize>(p.size() * sizeof(double)))) return 2;
    for (std::size_t i = 0; i < k; i++) born[i] = 1 + static_cast<double>(i) / static_cast<double>(k);
    mm.eval_momenta(p.data(), k, born.data(), v.data(), sg.data());
    for (std::size_t i = 0; i < k; i++) std::printf("momenta %.17g %.17g\n", v[i], sg[i]);
  }
  return 0;
}
