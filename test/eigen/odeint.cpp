// Fixed-size Eigen vectors as Odeint states: a tapeless system stepped by Odeint with an
// Eigen::Vector2d state, and tapeless::odeint::solve from one, against the closed form of a linear
// ODE with a non-symmetric matrix.
#include <catch2/catch.hpp>
#include <utility>  // (before Odeint: its check_adapter.hpp uses std::pair undeclared)

#include <boost/numeric/odeint/integrate/integrate_const.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <cmath>
#include <tapeless/eigen.hpp>
#include <tapeless/odeint.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
constexpr auto x = tl::var<"x", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto A = tl::var<"A", 2, 2>;

// A = -0.5 I + B with B = [[0, 2], [-1, 0]], B^2 = -2 I: exp(A t) = e^(-t/2) (cos(r t) I +
// sin(r t) / r B), r = sqrt(2).
Eigen::Matrix2d a_value() {
  Eigen::Matrix2d a;
  a << -0.5, 2.0,  //
      -1.0, -0.5;
  return a;
}
Eigen::Vector2d exact(double time, const Eigen::Vector2d& x0, bool transposed = false) {
  const double r = std::sqrt(2.0);
  Eigen::Matrix2d bm;
  bm << 0, 2, -1, 0;
  if (transposed) bm.transposeInPlace();
  const Eigen::Matrix2d e =
      std::exp(-0.5 * time) *
      (std::cos(r * time) * Eigen::Matrix2d::Identity() + std::sin(r * time) / r * bm);
  return e * x0;
}
}  // namespace

TEST_CASE("an Eigen::Vector2d state, a tapeless system, Odeint's runge_kutta4", "[eigen]") {
  STATIC_REQUIRE(tlo::StaticState<Eigen::Vector2d>);
  STATIC_REQUIRE(tlo::static_size_v<Eigen::Vector2d> == 2);
  // The matrix parameter is bound from Eigen too.
  const auto sys = tlo::system(tl::matmul(A, x), x, t, tl::at(A = a_value()));
  Eigen::Vector2d state(1.0, 0.5);
  const Eigen::Vector2d x0 = state;
  ode::integrate_const(ode::runge_kutta4<Eigen::Vector2d>{}, sys, state, 0.0, 2.0, 1e-3);
  const Eigen::Vector2d want = exact(2.0, x0);
  CHECK(state(0) == Approx(want(0)).epsilon(1e-11));
  CHECK(state(1) == Approx(want(1)).epsilon(1e-11));
  // The transposed matrix gives another trajectory: the binding is not transposed.
  CHECK((state - want).norm() < 1e-10);
  CHECK((state - exact(2.0, x0, true)).norm() > 0.1);
  // One evaluation of the right-hand side: A x exactly.
  Eigen::Vector2d dxdt;
  sys(x0, dxdt, 0.0);
  CHECK((dxdt - a_value() * x0).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("tapeless::odeint::solve from an Eigen initial state with an Eigen stepper state",
          "[eigen]") {
  const auto model = tlo::ode(tl::matmul(A, x), x, t, tl::wrt(A));
  const Eigen::Vector2d x0(1.0, 0.5);
  const std::array<double, 3> times{0.0, 1.0, 3.0};
  tlo::options opt;
  opt.rtol = 1e-10;
  opt.atol = 1e-12;
  const auto zs = tlo::solve(model, x0, times, tl::at(A = a_value()), opt,
                             ode::runge_kutta_dopri5<Eigen::Vector2d>{});
  for (std::size_t i = 0; i < times.size(); ++i) {
    const Eigen::Vector2d want = exact(times[i], x0);
    CHECK(zs(i, 0) == Approx(want(0)).epsilon(1e-8));
    CHECK(zs(i, 1) == Approx(want(1)).epsilon(1e-8));
  }
}
