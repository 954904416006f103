// The dynamics expression as an Odeint system: euler, runge_kutta4, dopri5 (controlled, dense),
// both state types.
//
// g++ 12 at -O3 warns (-Wmaybe-uninitialized) when Odeint copies a stepper whose
// std::array or tapeless::vector buffers nobody has written yet (make_controlled and the integrate
// functions take steppers by value). The copy is Odeint's and harmless; tapeless's own solver
// builds its steppers in place on zeroed buffers (odeint/state.hpp) and needs no such switch.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <array>
#include <boost/numeric/odeint/integrate/integrate_adaptive.hpp>
#include <boost/numeric/odeint/integrate/integrate_const.hpp>
#include <boost/numeric/odeint/integrate/integrate_times.hpp>
#include <boost/numeric/odeint/stepper/euler.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <tapeless/odeint/system.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto w = tl::var<"w">;
// A damped, driven oscillator with a closed form is overkill; the undamped one with a
// time-dependent forcing term keeps both z and t in play:
//   z0' = z1,  z1' = -w^2 z0 + cos(t)   (w != 1)
// solution from z(0) = (1, 0): z0 = A cos(w t) + cos(t) / (w^2 - 1), A = 1 - 1/(w^2 - 1).
const auto f = tl::stack(tl::component<1>(z), -w* w* tl::component<0>(z) + tl::cos(t));
constexpr double omega = 2.0;
double exact0(double s) {
  const double c = 1.0 / (omega * omega - 1.0);
  return (1.0 - c) * std::cos(omega * s) + c * std::cos(s);
}
double exact1(double s) {
  const double c = 1.0 / (omega * omega - 1.0);
  return -(1.0 - c) * omega * std::sin(omega * s) - c * std::sin(s);
}

template <class State>
State start() {
  State x{};
  x[0] = 1.0;
  x[1] = 0.0;
  return x;
}

template <class State, class Stepper>
void check_stepper(Stepper stepper, double tol, bool fixed) {
  const auto sys = tlo::system(f, z, t, w = omega);
  State x = start<State>();
  const double T = 3.0;
  if (fixed)
    ode::integrate_const(stepper, sys, x, 0.0, T, 1e-3);
  else
    ode::integrate_adaptive(stepper, sys, x, 0.0, T, 1e-2);
  CHECK(std::abs(x[0] - exact0(T)) < tol);
  CHECK(std::abs(x[1] - exact1(T)) < tol);
}
}  // namespace

TEMPLATE_TEST_CASE("the system steps with euler, runge_kutta4 and dopri5", "[odeint][system]",
                   (std::array<double, 2>), (tl::vector<double, 2>)) {
  using S = TestType;
  SECTION("euler") { check_stepper<S>(ode::euler<S>(), 2e-2, true); }
  SECTION("runge_kutta4") { check_stepper<S>(ode::runge_kutta4<S>(), 1e-10, true); }
  SECTION("dopri5 controlled") {
    check_stepper<S>(ode::make_controlled(1e-11, 1e-11, ode::runge_kutta_dopri5<S>()), 1e-9, false);
  }
  SECTION("dopri5 dense output") {
    check_stepper<S>(ode::make_dense_output(1e-11, 1e-11, ode::runge_kutta_dopri5<S>()), 1e-9,
                     false);
  }
}

TEST_CASE("integrate_times with dense output samples the exact solution", "[odeint][system]") {
  using S = tl::vector<double, 2>;
  const auto sys = tlo::system(f, z, t, w = omega);
  S x = start<S>();
  const std::array<double, 4> times{0.0, 0.5, 1.7, 2.9};
  std::array<S, 4> seen{};
  std::size_t k = 0;
  ode::integrate_times(ode::make_dense_output(1e-11, 1e-11, ode::runge_kutta_dopri5<S>()), sys, x,
                       times.begin(), times.end(), 0.01,
                       [&](const S& s, double) { seen[k++] = s; });
  REQUIRE(k == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(std::abs(seen[i][0] - exact0(times[i])) < 1e-9);
}

TEST_CASE("bindings held by reference follow the caller's value", "[odeint][system]") {
  double k = 4.0;
  const auto sys =
      tlo::system(tl::stack(tl::component<1>(z), -w * tl::component<0>(z)), z, t, w = std::cref(k));
  std::array<double, 2> x{1.0, 2.0}, dx{};
  sys(x, dx, 0.0);
  CHECK(dx[0] == 2.0);
  CHECK(dx[1] == -4.0);
  k = 9.0;
  sys(x, dx, 0.0);
  CHECK(dx[1] == -9.0);
}
