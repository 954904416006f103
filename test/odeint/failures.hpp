#pragma once
// Shared by the failure tests: what the caller owns, and a run that must throw.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;
using Catch::Matchers::Contains;

namespace failures {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto k = tl::var<"k">;
constexpr auto W = tl::var<"W", 2, 2>;
constexpr auto Z = tl::var<"Z", 3, 2>;
using state = std::array<double, 2>;
using dopri5 = ode::runge_kutta_dopri5<state>;
inline const double not_a_number = std::numeric_limits<double>::quiet_NaN();

// The message of the exception of type E that f throws ("" if none).
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// What the caller owns, and a copy to compare with afterwards.
struct caller {
  tl::matrix<double, 2, 2> w{{-0.5, 1.0, -1.0, -0.5}};
  double kk = 1.0;
  tl::vector<double, 2> z0{{1.0, 0.5}};
  std::array<double, 3> times{0.0, 0.5, 1.0};
};
// Bit for bit, so that a nan the caller put in compares equal to itself.
template <class T>
bool same_bits(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof(T)) == 0;
}
inline void unchanged(const caller& now, const caller& before) {
  CHECK(same_bits(now.w, before.w));
  CHECK(same_bits(now.kk, before.kk));
  CHECK(same_bits(now.z0, before.z0));
  CHECK(same_bits(now.times, before.times));
}

// Runs the adjoint of dz/dt = k W z (or the given dynamics) and returns the solver_error it throws.
template <class F, class Stepper = dopri5>
tlo::solver_error failure_of(caller& c, const F& f, const tlo::options& opt,
                             const Stepper& stepper = Stepper{}) {
  const caller before = c;
  const auto model = tlo::ode(f, z, t, tl::wrt(W, k));
  try {
    (void)tlo::odeint_adjoint(model, tlo::loss(tl::sum(Z), Z), c.z0, c.times,
                              tl::at(W = std::cref(c.w), k = std::cref(c.kk)), opt, stepper);
  } catch (const tlo::solver_error& e) {
    unchanged(c, before);
    return e;
  }
  FAIL("no solver_error was thrown");
  return tlo::solver_error(tlo::failure::too_many_steps, 0, "");
}
inline const auto linear = k * tl::matmul(W, z);
}  // namespace failures
