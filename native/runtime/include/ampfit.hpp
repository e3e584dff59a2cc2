/* libampfit for C++ (header only, C++11; std::span overloads under C++20).
 *
 *   ampfit::model m("run/model.ampfit");           // throws ampfit::error
 *   std::vector<double> y = m.eval(x);             // x: n * m.input_dim() doubles
 *   m.eval(x.data(), n, y.data(), sigma.data());   // caller-owned buffers
 *   m.eval_momenta(p.data(), n, born.data(), y.data());   // four-momenta in
 *   double f = m.eval_fallback(x.data(), n, y.data(), 1e-3, exact);   // exact(x, k, out)
 *
 * A model is move-only (it owns the C handle) and every method is const: the
 * C handle is read-only after load, so one model may be shared by any number
 * of std::threads without locks, exactly as the C API allows. Errors become
 * ampfit::error, which carries the C status code and the thread's message. */
#ifndef AMPFIT_HPP
#define AMPFIT_HPP

#include <cstddef>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>
#if __cplusplus >= 202002L
#include <span>
#endif

#include "ampfit.h"

namespace ampfit {

class error : public std::runtime_error {
 public:
  error(int status, const std::string &message) : std::runtime_error(message), status_(status) {}
  /* One of the AMPFIT_ERR_* codes of ampfit.h. */
  int status() const noexcept { return status_; }

 private:
  int status_;
};

namespace detail {
/* The message is copied at once: it is thread-local and the next call replaces it. */
inline void check(int status) {
  if (status != AMPFIT_OK) throw error(status, ampfit_last_error());
}
struct deleter {
  void operator()(ampfit_model *m) const noexcept { ampfit_free(m); }
};
}  // namespace detail

inline std::string version() { return ampfit_version(); }

class model {
 public:
  explicit model(const std::string &path) {
    ampfit_model *h = nullptr;
    detail::check(ampfit_load(path.c_str(), &h));
    h_.reset(h);
  }

  static model from_memory(const void *bytes, std::size_t n_bytes) {
    ampfit_model *h = nullptr;
    detail::check(ampfit_load_memory(bytes, n_bytes, &h));
    return model(h);
  }

  std::size_t input_dim() const {
    std::size_t d = 0;
    detail::check(ampfit_input_dim(h_.get(), &d));
    return d;
  }

  /* 0: unit-hypercube coordinates; 1: four-momenta. */
  int input_kind() const {
    int k = 0;
    detail::check(ampfit_input_kind(h_.get(), &k));
    return k;
  }

  std::vector<std::string> input_names() const {
    std::vector<std::string> names(input_dim());
    for (std::size_t i = 0; i < names.size(); i++) {
      const char *s = nullptr;
      detail::check(ampfit_input_name(h_.get(), i, &s));
      names[i] = s;
    }
    return names;
  }

  bool has_sigma() const {
    int s = 0;
    detail::check(ampfit_has_sigma(h_.get(), &s));
    return s != 0;
  }

  /* The model's description (JSON text). */
  std::string info() const {
    const char *json = nullptr;
    detail::check(ampfit_info(h_.get(), &json));
    return json;
  }

  /* The trained box: lo and hi, input_dim() each. */
  void domain(std::vector<double> &lo, std::vector<double> &hi) const {
    lo.assign(input_dim(), 0.0);
    hi.assign(lo.size(), 0.0);
    detail::check(ampfit_domain(h_.get(), lo.data(), hi.data()));
  }

  /* n points, row-major; sigma may be nullptr. Throws on any failure; on
   * AMPFIT_ERR_DOMAIN out (and sigma) are still filled, NaN at the points
   * outside the domain. Use try_eval to get that status without a throw. */
  void eval(const double *x, std::size_t n, double *out, double *sigma = nullptr) const {
    detail::check(ampfit_eval(h_.get(), x, n, out, sigma));
  }

  /* The C status, no exception (ampfit_last_error() has the message). */
  int try_eval(const double *x, std::size_t n, double *out, double *sigma = nullptr) const noexcept {
    return ampfit_eval(h_.get(), x, n, out, sigma);
  }

  std::vector<double> eval(const std::vector<double> &x) const {
    std::vector<double> out(points(x.size()));
    eval(x.data(), out.size(), out.data());
    return out;
  }

  /* Values and learned σ (NaN when the model has none). */
  void eval(const std::vector<double> &x, std::vector<double> &out, std::vector<double> &sigma) const {
    out.resize(points(x.size()));
    sigma.resize(out.size());
    eval(x.data(), out.size(), out.data(), sigma.data());
  }

  std::vector<int> check(const std::vector<double> &x) const {
    std::vector<int> codes(points(x.size()));
    detail::check(ampfit_check(h_.get(), x.data(), codes.size(), codes.data()));
    return codes;
  }

  /* How many four-momenta a point of eval_momenta takes (throws for a coordinate model without a momentum map). */
  std::size_t n_particles() const {
    std::size_t k = 0;
    detail::check(ampfit_n_particles(h_.get(), &k));
    return k;
  }

  /* n points of n_particles() four-momenta (E, px, py, pz); born: n values for
   * a Born-normalised model (else nullptr). Throws as eval does. */
  void eval_momenta(const double *p, std::size_t n, const double *born, double *out, double *sigma = nullptr) const {
    detail::check(ampfit_eval_momenta(h_.get(), p, n, born, out, sigma));
  }

  int try_eval_momenta(const double *p, std::size_t n, const double *born, double *out, double *sigma = nullptr) const noexcept {
    return ampfit_eval_momenta(h_.get(), p, n, born, out, sigma);
  }

  /* ampfit_eval_fallback with any callable exact(const double *x, std::size_t k, double *out)
   * (k gathered points, row-major); returns the fraction of points that fell
   * back. An exception thrown by exact is rethrown here, after the C call. */
  template <class Exact>
  double eval_fallback(const double *x, std::size_t n, double *out, double tol, Exact &&exact) const {
    struct call {
      typename std::remove_reference<Exact>::type *f;
      std::exception_ptr thrown;
      static int run(const double *xs, std::size_t k, double *o, void *user) {
        call *c = static_cast<call *>(user);
        try {
          (*c->f)(xs, k, o);
          return 0;
        } catch (...) {
          /* Exceptions must not cross the C library's frames. */
          c->thrown = std::current_exception();
          return 1;
        }
      }
    } c{&exact, nullptr};
    double fraction = 0;
    const int status = ampfit_eval_fallback(h_.get(), x, n, out, tol, &call::run, &c, &fraction);
    if (c.thrown) std::rethrow_exception(c.thrown);
    detail::check(status);
    return fraction;
  }

#if __cplusplus >= 202002L
  void eval(std::span<const double> x, std::span<double> out) const {
    if (out.size() != points(x.size())) throw error(AMPFIT_ERR_ARGUMENT, "ampfit::model::eval: out must hold one double per point");
    eval(x.data(), out.size(), out.data());
  }
  void eval(std::span<const double> x, std::span<double> out, std::span<double> sigma) const {
    if (out.size() != points(x.size()) || sigma.size() != out.size())
      throw error(AMPFIT_ERR_ARGUMENT, "ampfit::model::eval: out and sigma must hold one double per point");
    eval(x.data(), out.size(), out.data(), sigma.data());
  }
#endif

  /* The C handle, for calls this wrapper does not cover. */
  const ampfit_model *get() const noexcept { return h_.get(); }

 private:
  explicit model(ampfit_model *h) : h_(h) {}

  std::size_t points(std::size_t n_doubles) const {
    const std::size_t d = input_dim();
    if (d == 0 || n_doubles % d != 0)
      throw error(AMPFIT_ERR_ARGUMENT, "ampfit::model: " + std::to_string(n_doubles) + " doubles are not a whole number of points of " +
                                           std::to_string(d) + " inputs");
    return n_doubles / d;
  }

  std::unique_ptr<ampfit_model, detail::deleter> h_;
};

}  // namespace ampfit

#endif /* AMPFIT_HPP */
