// Implicit steppers: the exact Jacobian df/dz and df/dt derived from the dynamics expression,
// handed to rosenbrock4 (plain, controlled, dense output) and implicit_euler.
#include <boost/numeric/odeint/integrate/integrate_adaptive.hpp>
#include <boost/numeric/odeint/integrate/integrate_const.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/implicit_euler.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_controller.hpp>
#include <boost/numeric/odeint/stepper/rosenbrock4_dense_output.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <tapeless/odeint/implicit.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;
namespace ublas = boost::numeric::ublas;

namespace {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto mu = tl::var<"mu">;
// Van der Pol with a time-dependent forcing, so that df/dt is not zero:
//   z0' = z1,  z1' = mu (1 - z0^2) z1 - z0 + sin(t)
const auto f = tl::stack(tl::component<1>(z),
                         mu*(1.0 - tl::square(tl::component<0>(z))) * tl::component<1>(z) -
                             tl::component<0>(z) + tl::sin(t));
}  // namespace

TEST_CASE("the derived Jacobian and df/dt are exact", "[odeint][implicit]") {
  const double m = 7.5;
  auto sys = tlo::implicit_system(f, z, t, mu = m);
  ublas::vector<double> x(2), dfdt(2);
  x[0] = 0.7;
  x[1] = -1.3;
  ublas::matrix<double> J(2, 2);
  const double s = 0.4;
  sys.second(x, J, s, dfdt);
  // Hand-written: d/dz0 = (0, -2 mu z0 z1 - 1), d/dz1 = (1, mu (1 - z0^2)), d/dt = (0, cos t).
  CHECK(J(0, 0) == 0.0);
  CHECK(J(0, 1) == 1.0);
  CHECK(J(1, 0) == Approx(-2.0 * m * x[0] * x[1] - 1.0).epsilon(1e-15));
  CHECK(J(1, 1) == Approx(m * (1.0 - x[0] * x[0])).epsilon(1e-15));
  CHECK(dfdt[0] == 0.0);
  CHECK(dfdt[1] == Approx(std::cos(s)).epsilon(1e-15));
  // The three-argument form (implicit_euler) gives the same matrix.
  ublas::matrix<double> J3(2, 2);
  sys.second(x, J3, s);
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j) CHECK(J3(i, j) == J(i, j));
}

TEST_CASE("rosenbrock4 and implicit_euler solve stiff van der Pol with the derived Jacobian",
          "[odeint][implicit]") {
  const double m = 1000.0;  // stiff: an explicit stepper needs ~mu times more steps
  auto sys = tlo::implicit_system(f, z, t, mu = m);
  const double T = 1.0;
  auto start = [] {
    ublas::vector<double> x(2);
    x[0] = 2.0;
    x[1] = 0.0;
    return x;
  };
  // Reference: rosenbrock4 dense output at a tight tolerance (it agrees with dopri5 at 1e-12 to
  // 3e-9).
  ublas::vector<double> ref = start();
  ode::integrate_adaptive(ode::make_dense_output(1e-10, 1e-10, ode::rosenbrock4<double>()), sys,
                          ref, 0.0, T, 1e-6);
  CHECK(ref[0] == Approx(1.9994866124).epsilon(1e-8));
  CHECK(ref[1] == Approx(-3.863259e-4).epsilon(1e-5));

  // At a loose tolerance the stiff solver takes a handful of steps (dopri5 needs ~900 here, its
  // step being held down by stability, not accuracy).
  ublas::vector<double> xc = start();
  const std::size_t steps = ode::integrate_adaptive(
      ode::make_controlled(1e-6, 1e-6, ode::rosenbrock4<double>()), sys, xc, 0.0, T, 1e-6);
  CHECK(steps < 50);
  CHECK(std::abs(xc[0] - ref[0]) < 1e-5);
  CHECK(std::abs(xc[1] - ref[1]) < 1e-7);

  ublas::vector<double> xe = start();
  ode::integrate_const(ode::implicit_euler<double>(), sys, xe, 0.0, T, 1e-4);
  CHECK(std::abs(xe[0] - ref[0]) < 1e-3);  // first order, but stable at dt = 0.1 / mu
}
