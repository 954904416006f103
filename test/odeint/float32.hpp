#pragma once
// Shared by the float32 tests: Lotka-Volterra with four parameters and six observations, its
// gradient (parameters, z0, every observation time) and states run with any stepper and returned
// in double, double references at tight tolerances, and a part-by-part comparison. The inputs are
// float numbers for both value types, so float and double runs start from the very same numbers
// and their differences are those of the computation alone.
#include <array>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/tapeless.hpp>
#include <type_traits>
#include <vector>

#include "common.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace float32 {
using odeint_test::max_rel_err;
using odeint_test::rel_err;

constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto alpha = tl::var<"alpha">;
constexpr auto beta = tl::var<"beta">;
constexpr auto gamma_ = tl::var<"gamma">;
constexpr auto delta = tl::var<"delta">;
constexpr auto Z = tl::var<"Z", 6, 2>;
constexpr auto Y = tl::var<"Y", 6, 2>;

inline const auto x = tl::component<0>(z);
inline const auto y = tl::component<1>(z);
inline const auto model = tlo::ode(tl::stack(alpha * x - beta * x * y, delta* x* y - gamma_ * y), z,
                                   t, tl::wrt(alpha, beta, gamma_, delta));
inline const auto loss_expr = tl::sum(tl::square(Z - Y)) + 0.1 * tl::square(alpha - 1.0);

// The inputs in V, each the float nearest to the number written.
template <class V>
struct inputs {
  static V f(double v) { return V(float(v)); }
  tl::matrix<V, 6, 2> data;
  std::array<V, 6> times{f(0.0), f(0.5), f(1.3), f(2.0), f(3.1), f(4.0)};
  tl::vector<V, 2> z0{{f(1.2), f(0.9)}};
  V a = f(1.1), b = f(0.6), g = f(0.9), d = f(0.45);
  inputs() {
    const double v[] = {1.0, 1.0, 1.9, 0.8, 2.4, 1.1, 1.5, 2.3, 0.7, 1.6, 0.9, 0.9};
    for (std::size_t i = 0; i < 12; ++i) data.data[i] = f(v[i]);
  }
  auto params() const { return tl::at(alpha = a, beta = b, gamma_ = g, delta = d); }
};

// One gradient, every part in double.
struct gradient {
  double loss = 0;
  std::vector<double> dparams, dz0, dtimes, states;
  tlo::solve_stats stats;
};

template <class S, class A>
gradient run(const tlo::options& opt, const S& stepper, const A& adjoint_stepper) {
  using V = tlo::detail::stepper_value_t<S>;
  static const inputs<V> in;
  const auto r = tlo::odeint_adjoint(model, tlo::loss(loss_expr, Z, Y = std::cref(in.data)), in.z0,
                                     in.times, in.params(), opt, stepper, adjoint_stepper);
  // The results are in the stepper's value type.
  static_assert(std::is_same_v<decltype(r.loss), V>);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(r.dparams[alpha])>, V>);
  static_assert(std::is_same_v<decltype(r.dz0), tl::vector<V, 2>>);
  static_assert(std::is_same_v<decltype(r.states), tl::matrix<V, 6, 2>>);
  gradient o;
  o.loss = double(r.loss);
  o.dparams = {double(r.dparams[alpha]), double(r.dparams[beta]), double(r.dparams[gamma_]),
               double(r.dparams[delta])};
  for (V v : r.dz0.data) o.dz0.push_back(double(v));
  for (V v : r.dtimes) o.dtimes.push_back(double(v));
  for (V v : r.states.data) o.states.push_back(double(v));
  o.stats = r.stats;
  return o;
}
template <class S>
gradient run(const tlo::options& opt, const S& stepper) {
  return run(opt, stepper, stepper);
}

// float vs double, part by part: each part's largest error relative to its own largest entry.
inline void compare(const gradient& f, const gradient& d, double tol) {
  const double e_loss = rel_err(f.loss, d.loss);
  const double e_params = max_rel_err(f.dparams, d.dparams, 4);
  const double e_z0 = max_rel_err(f.dz0, d.dz0, 2);
  const double e_times = max_rel_err(f.dtimes, d.dtimes, 6);
  const double e_states = max_rel_err(f.states, d.states, 12);
  INFO("float vs double: loss " << e_loss << ", dL/dtheta " << e_params << ", dL/dz0 " << e_z0
                                << ", dL/dt " << e_times << ", states " << e_states
                                << " (tolerance " << tol << ")");
  CHECK(e_loss < tol);
  CHECK(e_params < tol);
  CHECK(e_z0 < tol);
  CHECK(e_times < tol);
  CHECK(e_states < tol);
  // The float run is a float computation, not the double one rounded at the end.
  CHECK(e_params > 0);
  CHECK(f.stats.forward_steps > 0);
}

using vecf = tl::vector<float, 2>;
using vecd = tl::vector<double, 2>;
inline const ode::runge_kutta_dopri5<vecf, float> dopri5f;
inline const ode::runge_kutta_dopri5<vecd, double> dopri5d;

// Float tolerances: rtol 3e-5 is about 250 float epsilons. The adaptive float runs then agree with
// the double reference to 1-2e-4 (the tolerance's error, not float rounding), checked at 1e-3.
inline tlo::options float_opts(tlo::adjoint_method m, bool seminorm = false) {
  tlo::options o;
  o.rtol = 3e-5;
  o.atol = 1e-6;
  o.method = m;
  o.seminorm = seminorm;
  return o;
}
constexpr double adaptive_tol = 1e-3;
// The double reference: the continuous gradient, to ~1e-10.
inline tlo::options double_opts(tlo::adjoint_method m) {
  tlo::options o;
  o.rtol = o.atol = 1e-11;
  o.method = m;
  return o;
}
inline const gradient& reference(tlo::adjoint_method m) {
  static const gradient ck = run(double_opts(tlo::adjoint_method::checkpointed), dopri5d);
  static const gradient bs = run(double_opts(tlo::adjoint_method::backsolve), dopri5d);
  return m == tlo::adjoint_method::backsolve ? bs : ck;
}
}  // namespace float32
