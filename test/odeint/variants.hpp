#pragma once
// Shared by the variant tests: the spiral MLP with 20 observation times, a runner returning the
// whole gradient flat with the solver's counts, and a tight reference (checkpointed, 1e-12).
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <random>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/tapeless.hpp>
#include <vector>

#include "common.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace variants {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto W1 = tl::var<"W1", 50, 2>;
constexpr auto b1 = tl::var<"b1", 50>;
constexpr auto W2 = tl::var<"W2", 2, 50>;
constexpr auto b2 = tl::var<"b2", 2>;
constexpr auto Z = tl::var<"Z", 20, 2>;
using state = std::array<double, 2>;
inline const auto model =
    tlo::ode(tl::matmul(W2, tl::tanh(tl::matmul(W1, tl::pow<3>(z)) + b1)) + b2, z, t,
             tl::wrt(W1, b1, W2, b2));
inline const auto objective = tlo::loss(tl::mean(tl::abs(Z)), Z);
inline const tl::vector<double, 2> z0{{2.0, 0.0}};

struct weights {
  tl::matrix<double, 50, 2> w1;
  tl::vector<double, 50> bb1;
  tl::matrix<double, 2, 50> w2;
  tl::vector<double, 2> bb2;
  std::array<double, 20> times;
  weights() {
    std::mt19937 gen(3);
    std::normal_distribution<double> n(0.0, 0.3);
    for (auto& x : w1.data) x = n(gen);
    for (auto& x : bb1.data) x = n(gen);
    for (auto& x : w2.data) x = n(gen);
    for (auto& x : bb2.data) x = n(gen);
    for (std::size_t i = 0; i < 20; ++i) times[i] = 0.05 * double(i);
  }
};
inline const weights w;

struct outcome {
  std::vector<double> gradient;  // every entry: W1, b1, W2, b2, z0, times
  tlo::solve_stats stats;
};
template <class S, class A>
outcome run(const tlo::options& opt, const S& stepper, const A& adjoint_stepper) {
  const auto r = tlo::odeint_adjoint(model, objective, z0, w.times,
                                     tl::at(W1 = std::cref(w.w1), b1 = std::cref(w.bb1),
                                            W2 = std::cref(w.w2), b2 = std::cref(w.bb2)),
                                     opt, stepper, adjoint_stepper);
  outcome o{{}, r.stats};
  for (double x : r.dparams[W1].data) o.gradient.push_back(x);
  for (double x : r.dparams[b1].data) o.gradient.push_back(x);
  for (double x : r.dparams[W2].data) o.gradient.push_back(x);
  for (double x : r.dparams[b2].data) o.gradient.push_back(x);
  for (double x : r.dz0.data) o.gradient.push_back(x);
  for (double x : r.dtimes) o.gradient.push_back(x);
  return o;
}
inline const ode::runge_kutta_dopri5<state> dopri5;
inline tlo::options base() {
  tlo::options o;
  o.rtol = o.atol = 1e-8;
  return o;
}
inline const outcome& reference() {
  static const outcome r = [] {
    tlo::options o;
    o.rtol = o.atol = 1e-12;
    return run(o, dopri5, dopri5);
  }();
  return r;
}
inline double error(const outcome& o) {
  return odeint_test::max_rel_err(o.gradient, reference().gradient, o.gradient.size());
}
}  // namespace variants
