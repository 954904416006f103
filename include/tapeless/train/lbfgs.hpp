#pragma once
// L-BFGS on parameter bundles, with a strong-Wolfe line search: PyTorch's
// torch.optim.LBFGS(line_search_fn="strong_wolfe"), its algorithm, options and names.
//
//   tl::lbfgs opt(params, {.max_iter = 100});
//   auto closure = [&](const auto& p) { return tl::value_and_grad(loss, tl::wrt(W, b), p, data); };
//   const tl::lbfgs_result r = opt.step(params, closure);   // r.loss, r.iterations, r.stop ...
//
// The closure is called with a point (a bundle of the type of params, const) and returns the loss
// there with its gradient: a tl::value_and_grad result (.value, .gradient), an odeint_adjoint
// result (.loss, .dparams), or a std::pair (loss, gradient bundle). A symbol the gradient leaves
// out has gradient zero (it does not move). One step() runs up to max_iter iterations (PyTorch's
// step(closure)); the curvature history persists from one call to the next, and reset() drops it.
// A loss or gradient that is not finite at the starting point is a std::domain_error; params
// changes only when an iteration is accepted, so if the closure throws, params holds the last
// accepted point.
//
// Each iteration, as PyTorch's:
//   d = -H g, by the two-loop recursion over the last history_size pairs (s, y), H0 = (s.y/y.y) I;
//       a pair is kept only when s.y > 1e-10 (curvature); the first iteration is d = -g
//   t0 = lr, or min(1, 1/|g|_1) lr at the very first iteration
//   t  from t0 by the strong-Wolfe line search (Nocedal and Wright, algorithms 3.5 and 3.6, with
//      safeguarded cubic interpolation), or t = t0 with line_search::none
//   x += t d
// It stops when max|g| <= tolerance_grad (also checked before the first iteration), when
// g.d > -tolerance_change, when max|t d| <= tolerance_change, when the loss changes by less than
// tolerance_change, after max_iter iterations, or when max_eval evaluations are spent; the result
// says which. The accepted point satisfies the strong Wolfe conditions
//   f(x + t d) <= f(x) + c1 t g.d       |g(x + t d).d| <= c2 |g.d|
// whenever the search reports strong_wolfe (it may stop short after max_ls evaluations or when
// the bracket is narrower than tolerance_change; it then takes the best point it has seen).
//
// Departures from PyTorch, all on purpose: the default is the strong-Wolfe search (PyTorch's
// default is none, a fixed step); c1, c2 and max_ls are options (PyTorch fixes them at 1e-4, 0.9,
// 25) and the search's bracket tolerance is the option tolerance_change (PyTorch passes its own
// 1e-9); a loss that is not a number (a trial step into a region where the model blows up) fails
// the sufficient-decrease test, so the search steps back instead of interpolating with NaN; a
// start that is not finite is an error instead of a run on NaN.
#include <algorithm>
#include <boost/hana/contains.hpp>
#include <boost/hana/keys.hpp>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bundle.hpp"

namespace tapeless {

enum class line_search { none, strong_wolfe };

// Why lbfgs::step returned.
enum class lbfgs_stop {
  gradient_tolerance,      // max |g| <= tolerance_grad: converged
  directional_derivative,  // g.d > -tolerance_change: no descent left along d
  step_tolerance,          // max |t d| <= tolerance_change
  loss_change,             // |f - f_previous| < tolerance_change
  max_iter,
  max_eval,
};

inline std::string to_string(lbfgs_stop s) {
  switch (s) {
    case lbfgs_stop::gradient_tolerance: return "gradient within tolerance_grad";
    case lbfgs_stop::directional_derivative: return "no descent left along the direction";
    case lbfgs_stop::step_tolerance: return "step within tolerance_change";
    case lbfgs_stop::loss_change: return "loss change within tolerance_change";
    case lbfgs_stop::max_iter: return "max_iter iterations";
    case lbfgs_stop::max_eval: return "max_eval evaluations";
  }
  return "unknown";
}

// What an observer sees after every iteration: obs(params, report).
struct lbfgs_report {
  long iteration;    // counted over the optimizer's life (PyTorch's state n_iter)
  double loss;       // at the new point (with line_search::none, at the last point evaluated)
  double t;          // the step length along d
  long evaluations;  // closure calls this iteration
  bool strong_wolfe; // the line search ended on a point satisfying both strong Wolfe conditions
};

struct lbfgs_result {
  double initial_loss;  // at the point step() started from (what PyTorch's step returns)
  double loss;          // at the last point evaluated (the returned point with strong_wolfe)
  long iterations;
  long evaluations;
  lbfgs_stop stop;
};

namespace detail::lbfgs_detail {

using flat = std::vector<double>;

inline double dot(const flat& a, const flat& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
inline double max_abs(const flat& a) {
  double m = 0;
  for (const double x : a) {
    if (std::isnan(x)) return x;
    m = std::max(m, std::abs(x));
  }
  return m;
}
inline bool all_finite(const flat& a) {
  for (const double x : a)
    if (!std::isfinite(x)) return false;
  return true;
}

template <class V>
constexpr void check_value() {
  static_assert(std::is_arithmetic_v<V> || requires { V::size; },
                "tapeless::lbfgs: the parameters must be a bundle of numbers or tensors held by "
                "value (tl::at(W = w, ...), not std::cref)");
}

template <class Params>
std::size_t flat_size(const Params& p) {
  std::size_t n = 0;
  for_each_binding(p, [&](auto, const auto& v) {
    check_value<std::remove_cvref_t<decltype(v)>>();
    n += size_of_value_v<std::remove_cvref_t<decltype(v)>>;
  });
  return n;
}

// out = the elements of p, in p's symbol order.
template <class Params>
void gather(const Params& p, flat& out) {
  std::size_t k = 0;
  for_each_binding(p, [&](auto, const auto& v) {
    for_each_element([&](const auto& x) { out[k++] = double(x); }, v);
  });
}

// out = the gradient g laid out as p (zero for a symbol g does not have).
template <class Params, class G>
void gather_gradient(const Params& p, const G& g, flat& out) {
  std::size_t k = 0;
  for_each_binding(p, [&](auto key, const auto& v) {
    using V = std::remove_cvref_t<decltype(v)>;
    if constexpr (decltype(boost::hana::contains(g, key))::value) {
      using GV = std::remove_cvref_t<decltype(g[key])>;
      static_assert(size_of_value_v<GV> == size_of_value_v<V>,
                    "tapeless::lbfgs: the closure's gradient of a symbol has another shape than "
                    "the parameter");
      for_each_element([&](const auto& x) { out[k++] = double(x); }, g[key]);
    } else {
      for (std::size_t i = 0; i < size_of_value_v<V>; ++i) out[k++] = 0;
    }
  });
}

// p = x + t d, element by element in p's symbol order.
template <class Params>
void assign(Params& p, const flat& x, double t, const flat& d) {
  std::size_t k = 0;
  for_each_binding(p, [&](auto, auto& v) {
    for_each_element(
        [&](auto& e) {
          e = std::remove_reference_t<decltype(e)>(x[k] + t * d[k]);
          ++k;
        },
        v);
  });
}

// The loss and gradient of whatever the closure returns.
template <class R>
decltype(auto) loss_of(const R& r) {
  if constexpr (requires { r.value; r.gradient; })
    return (r.value);
  else if constexpr (requires { r.loss; r.dparams; })
    return (r.loss);
  else
    return (r.first);
}
template <class R>
decltype(auto) gradient_of(const R& r) {
  if constexpr (requires { r.value; r.gradient; })
    return (r.gradient);
  else if constexpr (requires { r.loss; r.dparams; })
    return (r.dparams);
  else
    return (r.second);
}
template <class R>
concept closure_result = requires(const R& r) {
  { r.value } -> std::convertible_to<double>;
  r.gradient;
} || requires(const R& r) {
  { r.loss } -> std::convertible_to<double>;
  r.dparams;
} || requires(const R& r) {
  { r.first } -> std::convertible_to<double>;
  r.second;
};

// The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to [lo, hi]; the
// midpoint when the cubic has no minimiser (PyTorch's _cubic_interpolate).
inline double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                                double lo, double hi) {
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    const double d2 = std::sqrt(d2_square);
    const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    if (!std::isnan(min_pos)) return std::min(std::max(min_pos, lo), hi);
  }
  return (lo + hi) / 2;
}

struct no_observer {
  void operator()(const auto&, const lbfgs_report&) const {}
};

}  // namespace detail::lbfgs_detail

template <class Params>
class lbfgs {
  using flat = detail::lbfgs_detail::flat;

 public:
  struct options {
    double lr = 1;
    long max_iter = 20;       // iterations per step()
    long max_eval = 0;        // closure calls per step(); 0: max_iter * 5 / 4 (PyTorch's default)
    double tolerance_grad = 1e-7;
    double tolerance_change = 1e-9;
    long history_size = 100;
    line_search line_search_fn = line_search::strong_wolfe;
    double c1 = 1e-4;  // sufficient decrease
    double c2 = 0.9;   // curvature
    long max_ls = 25;  // evaluations per line search
  };

  lbfgs(const Params& like, options o) : opt_(o), n_(detail::lbfgs_detail::flat_size(like)) {}
  double lr() const noexcept { return opt_.lr; }
  void set_lr(double lr) noexcept { opt_.lr = lr; }
  const options& get_options() const noexcept { return opt_; }
  // Forgets the curvature history: the next step starts as the first one did.
  void reset() {
    n_iter_ = 0;
    old_dirs_.clear();
    old_stps_.clear();
    ro_.clear();
  }
  // The number of (s, y) pairs held.
  std::size_t history() const noexcept { return ro_.size(); }

  // Up to max_iter iterations from params, which ends at the last accepted point.
  template <class Closure, class Observer = detail::lbfgs_detail::no_observer>
  lbfgs_result step(Params& params, Closure&& closure, Observer&& observe = {}) {
    namespace ld = detail::lbfgs_detail;
    using R = std::remove_cvref_t<std::invoke_result_t<Closure&, const Params&>>;
    static_assert(ld::closure_result<R>,
                  "tapeless::lbfgs::step: the closure must return the loss and its gradient: a "
                  "tl::value_and_grad result, an odeint_adjoint result or a std::pair(loss, "
                  "gradient bundle)");
    const long max_eval = opt_.max_eval > 0 ? opt_.max_eval : opt_.max_iter * 5 / 4;
    const double tol_change = opt_.tolerance_change;
    resize();
    ld::gather(params, x_);
    Params trial = params;
    // The loss at x + t d; its gradient into g_out.
    auto evaluate = [&](double t, flat& g_out) -> double {
      ld::assign(trial, x_, t, d_);
      const auto r = closure(std::as_const(trial));
      ld::gather_gradient(trial, ld::gradient_of(r), g_out);
      return double(ld::loss_of(r));
    };

    double loss;
    {
      const auto r = closure(std::as_const(params));
      ld::gather_gradient(params, ld::gradient_of(r), g_);
      loss = double(ld::loss_of(r));
    }
    if (!std::isfinite(loss) || !ld::all_finite(g_))
      throw std::domain_error(
          "tapeless::lbfgs::step: the loss or its gradient at the starting point is not finite");
    long current_evals = 1;
    ++func_evals_;
    lbfgs_result res{loss, loss, 0, 1, lbfgs_stop::max_iter};
    bool opt_cond = ld::max_abs(g_) <= opt_.tolerance_grad;
    if (opt_cond) {
      res.stop = lbfgs_stop::gradient_tolerance;
      return res;
    }
    long n_iter = 0;
    while (n_iter < opt_.max_iter) {
      ++n_iter;
      ++n_iter_;
      if (n_iter_ == 1) {
        for (std::size_t i = 0; i < n_; ++i) d_[i] = -g_[i];
        old_dirs_.clear();
        old_stps_.clear();
        ro_.clear();
        H_diag_ = 1;
      } else {
        direction();
      }
      prev_g_ = g_;
      prev_loss_ = loss;
      if (n_iter_ == 1) {
        double l1 = 0;
        for (const double x : g_) l1 += std::abs(x);
        t_ = std::min(1.0, 1.0 / l1) * opt_.lr;
      } else {
        t_ = opt_.lr;
      }
      const double gtd = ld::dot(g_, d_);
      if (gtd > -tol_change) {
        res.stop = lbfgs_stop::directional_derivative;
        break;
      }
      long ls_evals = 0;
      bool wolfe = false;
      if (opt_.line_search_fn == line_search::strong_wolfe) {
        wolfe = strong_wolfe(evaluate, loss, gtd, ls_evals);  // sets t_, loss, g_
        ld::assign(params, x_, t_, d_);
        ld::gather(params, x_);
        opt_cond = ld::max_abs(g_) <= opt_.tolerance_grad;
      } else {
        ld::assign(params, x_, t_, d_);
        ld::gather(params, x_);
        if (n_iter != opt_.max_iter) {
          const auto r = closure(std::as_const(params));
          ld::gather_gradient(params, ld::gradient_of(r), g_);
          loss = double(ld::loss_of(r));
          opt_cond = ld::max_abs(g_) <= opt_.tolerance_grad;
          ls_evals = 1;
        }
      }
      current_evals += ls_evals;
      func_evals_ += ls_evals;
      observe(std::as_const(params), lbfgs_report{n_iter_, loss, t_, ls_evals, wolfe});

      if (opt_cond) {
        res.stop = lbfgs_stop::gradient_tolerance;
        break;
      }
      if (n_iter == opt_.max_iter) {
        res.stop = lbfgs_stop::max_iter;
        break;
      }
      if (current_evals >= max_eval) {
        res.stop = lbfgs_stop::max_eval;
        break;
      }
      if (ld::max_abs(d_) * std::abs(t_) <= tol_change) {
        res.stop = lbfgs_stop::step_tolerance;
        break;
      }
      if (std::abs(loss - prev_loss_) < tol_change) {
        res.stop = lbfgs_stop::loss_change;
        break;
      }
    }
    res.loss = loss;
    res.iterations = n_iter;
    res.evaluations = current_evals;
    return res;
  }

  // The state PyTorch's LBFGS keeps, for checkpoints: the history as concatenated vectors.
  template <class F>
  void for_each_state(F&& f) {
    f("lr", opt_.lr);
    f("func_evals", func_evals_);
    f("n_iter", n_iter_);
    f("d", d_);
    f("t", t_);
    f("old_dirs", old_dirs_);
    f("old_stps", old_stps_);
    f("ro", ro_);
    f("H_diag", H_diag_);
    f("prev_flat_grad", prev_g_);
    f("prev_loss", prev_loss_);
  }

 private:
  void resize() {
    // A fresh optimizer, or state restored from a checkpoint of another size: start over.
    if (d_.size() != n_ || prev_g_.size() != n_ || ro_.size() * n_ != old_dirs_.size() ||
        old_dirs_.size() != old_stps_.size())
      reset();
    x_.resize(n_);
    g_.resize(n_);
    d_.resize(n_);
    prev_g_.resize(n_);
    g_new_.resize(n_);
  }

  // d = -H g from the history, after adding the last pair (PyTorch's two-loop recursion).
  void direction() {
    namespace ld = detail::lbfgs_detail;
    flat& y = g_new_;
    double ys = 0, yy = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      y[i] = g_[i] - prev_g_[i];
      const double s = d_[i] * t_;
      ys += y[i] * s;
      yy += y[i] * y[i];
    }
    if (ys > 1e-10) {
      if (long(ro_.size()) == opt_.history_size && !ro_.empty()) {
        old_dirs_.erase(old_dirs_.begin(), old_dirs_.begin() + std::ptrdiff_t(n_));
        old_stps_.erase(old_stps_.begin(), old_stps_.begin() + std::ptrdiff_t(n_));
        ro_.erase(ro_.begin());
      }
      old_dirs_.insert(old_dirs_.end(), y.begin(), y.end());
      for (std::size_t i = 0; i < n_; ++i) old_stps_.push_back(d_[i] * t_);
      ro_.push_back(1.0 / ys);
      H_diag_ = ys / yy;
    }
    const std::size_t num_old = ro_.size();
    al_.resize(num_old);
    auto at = [&](const flat& v, std::size_t i) { return v.data() + i * n_; };
    flat& q = d_;
    for (std::size_t i = 0; i < n_; ++i) q[i] = -g_[i];
    for (std::size_t i = num_old; i-- > 0;) {
      const double* s = at(old_stps_, i);
      const double* yi = at(old_dirs_, i);
      double sq = 0;
      for (std::size_t k = 0; k < n_; ++k) sq += s[k] * q[k];
      al_[i] = sq * ro_[i];
      for (std::size_t k = 0; k < n_; ++k) q[k] -= al_[i] * yi[k];
    }
    for (std::size_t k = 0; k < n_; ++k) q[k] *= H_diag_;
    for (std::size_t i = 0; i < num_old; ++i) {
      const double* s = at(old_stps_, i);
      const double* yi = at(old_dirs_, i);
      double yr = 0;
      for (std::size_t k = 0; k < n_; ++k) yr += yi[k] * q[k];
      const double be = yr * ro_[i];
      for (std::size_t k = 0; k < n_; ++k) q[k] += (al_[i] - be) * s[k];
    }
  }

  // PyTorch's _strong_wolfe from t_ along d_ at loss f with gradient g_ and slope gtd. Sets t_,
  // f and g_ to the accepted point; true when it satisfies the strong Wolfe conditions.
  template <class Eval>
  bool strong_wolfe(Eval& obj, double& f0, double gtd, long& evals) {
    namespace ld = detail::lbfgs_detail;
    const double c1 = opt_.c1, c2 = opt_.c2, tol_change = opt_.tolerance_change;
    const long max_ls = opt_.max_ls;
    const double f = f0;
    const double d_norm = ld::max_abs(d_);
    double t = t_;
    double f_new = obj(t, g_new_);
    evals = 1;
    double gtd_new = ld::dot(g_new_, d_);
    double t_prev = 0, f_prev = f, gtd_prev = gtd;
    g_prev_ = g_;
    auto armijo_fails = [&](double tt, double ff) { return !(ff <= f + c1 * tt * gtd); };

    bool done = false;
    long ls_iter = 0;
    double br[2] = {0, 0}, br_f[2] = {0, 0}, br_gtd[2] = {0, 0};
    int count = 0;
    auto bracket2 = [&] {
      br[0] = t_prev, br[1] = t;
      br_f[0] = f_prev, br_f[1] = f_new;
      br_gtd[0] = gtd_prev, br_gtd[1] = gtd_new;
      br_g_[0] = g_prev_, br_g_[1] = g_new_;
      count = 2;
    };
    while (ls_iter < max_ls) {
      if (armijo_fails(t, f_new) || (ls_iter > 1 && f_new >= f_prev)) {
        bracket2();
        break;
      }
      if (std::abs(gtd_new) <= -c2 * gtd) {
        br[0] = t, br_f[0] = f_new, br_g_[0] = g_new_;
        count = 1;
        done = true;
        break;
      }
      if (gtd_new >= 0) {
        bracket2();
        break;
      }
      const double min_step = t + 0.01 * (t - t_prev);
      const double max_step = t * 10;
      const double tmp = t;
      t = ld::cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, min_step, max_step);
      t_prev = tmp;
      f_prev = f_new;
      g_prev_ = g_new_;
      gtd_prev = gtd_new;
      f_new = obj(t, g_new_);
      ++evals;
      gtd_new = ld::dot(g_new_, d_);
      ++ls_iter;
    }
    if (ls_iter == max_ls) {  // no bracket: between the start and the last point tried
      br[0] = 0, br[1] = t;
      br_f[0] = f, br_f[1] = f_new;
      br_gtd[0] = gtd, br_gtd[1] = gtd_new;
      br_g_[0] = g_, br_g_[1] = g_new_;
      count = 2;
    }

    // Zoom: shrink the bracket [low, high] (low the better end) until a point satisfies both.
    auto lower = [&] { return br_f[0] <= br_f[1] || std::isnan(br_f[1]) ? 0 : 1; };
    int low = count == 1 ? 0 : lower(), high = 1 - low;
    bool insuf_progress = false;
    while (!done && ls_iter < max_ls) {
      if (std::abs(br[1] - br[0]) * d_norm < tol_change) break;
      const double bmin = std::min(br[0], br[1]), bmax = std::max(br[0], br[1]);
      t = ld::cubic_interpolate(br[0], br_f[0], br_gtd[0], br[1], br_f[1], br_gtd[1], bmin, bmax);
      // Safeguard: keep away from the ends unless the last step already made progress there.
      const double eps = 0.1 * (bmax - bmin);
      if (std::min(bmax - t, t - bmin) < eps) {
        if (insuf_progress || t >= bmax || t <= bmin) {
          t = std::abs(t - bmax) < std::abs(t - bmin) ? bmax - eps : bmin + eps;
          insuf_progress = false;
        } else {
          insuf_progress = true;
        }
      } else {
        insuf_progress = false;
      }
      f_new = obj(t, g_new_);
      ++evals;
      gtd_new = ld::dot(g_new_, d_);
      ++ls_iter;
      if (armijo_fails(t, f_new) || f_new >= br_f[low]) {
        br[high] = t, br_f[high] = f_new, br_g_[high] = g_new_, br_gtd[high] = gtd_new;
        low = lower();
        high = 1 - low;
      } else {
        if (std::abs(gtd_new) <= -c2 * gtd) {
          done = true;
        } else if (gtd_new * (br[high] - br[low]) >= 0) {
          br[high] = br[low], br_f[high] = br_f[low], br_g_[high] = br_g_[low];
          br_gtd[high] = br_gtd[low];
        }
        br[low] = t, br_f[low] = f_new, br_g_[low] = g_new_, br_gtd[low] = gtd_new;
      }
    }
    t_ = br[low];
    f0 = br_f[low];
    g_ = br_g_[low];
    return done;
  }

  options opt_;
  std::size_t n_;
  // PyTorch's state
  long func_evals_ = 0;
  long n_iter_ = 0;
  flat d_;
  double t_ = 0;
  flat old_dirs_, old_stps_, ro_;  // y and s of each pair, one after another; 1 / (s.y)
  double H_diag_ = 1;
  flat prev_g_;
  double prev_loss_ = 0;
  // scratch
  flat x_, g_, g_new_, g_prev_, al_;
  flat br_g_[2];
};

}  // namespace tapeless
