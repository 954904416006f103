// The dynamics expression as an Odeint system: cash_karp54, fehlberg78, bulirsch_stoer (plain,
// dense), both state types.
//
// g++ 12 at -O3 warns (-Wmaybe-uninitialized) when Odeint copies a stepper whose std::array or
// tapeless::vector buffers nobody has written yet (make_controlled and the integrate functions take
// steppers by value). The copy is Odeint's and harmless; tapeless's own solver builds its steppers
// in place on zeroed buffers (odeint/state.hpp) and needs no such switch.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <array>
#include <boost/numeric/odeint/integrate/integrate_adaptive.hpp>
#include <boost/numeric/odeint/integrate/integrate_const.hpp>
#include <boost/numeric/odeint/stepper/bulirsch_stoer.hpp>
#include <boost/numeric/odeint/stepper/bulirsch_stoer_dense_out.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_cash_karp54.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_fehlberg78.hpp>
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

TEMPLATE_TEST_CASE("the system steps with cash_karp54, fehlberg78 and bulirsch_stoer",
                   "[odeint][system]", (std::array<double, 2>), (tl::vector<double, 2>)) {
  using S = TestType;
  SECTION("cash_karp54") {
    check_stepper<S>(ode::make_controlled(1e-11, 1e-11, ode::runge_kutta_cash_karp54<S>()), 1e-9,
                     false);
  }
  SECTION("fehlberg78") {
    check_stepper<S>(ode::make_controlled(1e-11, 1e-11, ode::runge_kutta_fehlberg78<S>()), 1e-9,
                     false);
  }
  SECTION("bulirsch_stoer") { check_stepper<S>(ode::bulirsch_stoer<S>(1e-11, 1e-11), 1e-9, false); }
  SECTION("bulirsch_stoer dense output") {
    check_stepper<S>(ode::bulirsch_stoer_dense_out<S>(1e-11, 1e-11), 1e-9, false);
  }
}
