// The adjoint method from Eigen inputs: z0 an Eigen::Vector2d, A bound from an Eigen::Matrix2d, the
// stepper's state an Eigen::Vector2d. dL/dz0 against the closed form exp(A^T T) 1, dL/dA against
// central finite differences of the forward solve, dL/dA returned into an Eigen matrix.
#include <catch2/catch.hpp>
#include <utility>  // (before Odeint: its check_adapter.hpp uses std::pair undeclared)

#include <array>
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
constexpr auto Z = tl::var<"Z", 2, 2>;  // the states at t = 0 and t = T

// A = -0.5 I + B, B = [[0, 2], [-1, 0]], B^2 = -2 I: exp(A^T T) = e^(-T/2) (cos(r T) I +
// sin(r T) / r B^T), r = sqrt(2).
Eigen::Matrix2d a_value() {
  Eigen::Matrix2d a;
  a << -0.5, 2.0,  //
      -1.0, -0.5;
  return a;
}
constexpr double T = 1.5;
}  // namespace

TEST_CASE("odeint_adjoint from Eigen values against the closed form of a linear ODE", "[eigen]") {
  const auto model = tlo::ode(tl::matmul(A, x), x, t, tl::wrt(A));
  const auto objective = tlo::loss(tl::sum(Z), Z);  // L = sum(z(0)) + sum(z(T))
  const Eigen::Vector2d x0(1.0, 0.5);
  const std::array<double, 2> times{0.0, T};
  tlo::options opt;
  opt.rtol = 1e-12;
  opt.atol = 1e-14;
  const ode::runge_kutta_dopri5<Eigen::Vector2d> dopri5;
  const auto r =
      tlo::odeint_adjoint(model, objective, x0, times, tl::at(A = a_value()), opt, dopri5);

  const double rr = std::sqrt(2.0);
  Eigen::Matrix2d bt;
  bt << 0, -1, 2, 0;  // B^T
  const Eigen::Matrix2d e = std::exp(-0.5 * T) * (std::cos(rr * T) * Eigen::Matrix2d::Identity() +
                                                  std::sin(rr * T) / rr * bt);
  const Eigen::Vector2d want = Eigen::Vector2d::Ones() + e * Eigen::Vector2d::Ones();
  const Eigen::Vector2d dz0 = tl::to_eigen(r.dz0);
  CHECK((dz0 - want).cwiseAbs().maxCoeff() < 1e-9);

  Eigen::Matrix2d dA;
  tl::eigen_into(r.dparams, A, dA);
  const auto loss_at = [&](const Eigen::Matrix2d& a) {
    const auto zs = tlo::solve(model, x0, times, tl::at(A = a), opt, dopri5);
    return zs(0, 0) + zs(0, 1) + zs(1, 0) + zs(1, 1);
  };
  const double h = 1e-5;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      Eigen::Matrix2d ap = a_value(), am = a_value();
      ap(i, j) += h;
      am(i, j) -= h;
      const double fd = (loss_at(ap) - loss_at(am)) / (2 * h);
      INFO("dL/dA(" << i << ", " << j << ")");
      CHECK(dA(i, j) == Approx(fd).epsilon(1e-6));
    }
}

TEST_CASE("odeint_adjoint reads a row-major Eigen parameter in place (std::cref)", "[eigen]") {
  const auto model = tlo::ode(tl::matmul(A, x), x, t, tl::wrt(A));
  const auto objective = tlo::loss(tl::sum(Z), Z);
  const Eigen::Vector2d x0(1.0, 0.5);
  const std::array<double, 2> times{0.0, T};
  const ode::runge_kutta_dopri5<Eigen::Vector2d> dopri5;
  const Eigen::Matrix<double, 2, 2, Eigen::RowMajor> a_rows = a_value();
  const auto copied =
      tlo::odeint_adjoint(model, objective, x0, times, tl::at(A = a_value()), {}, dopri5);
  const auto viewed =
      tlo::odeint_adjoint(model, objective, x0, times, tl::at(A = std::cref(a_rows)), {}, dopri5);
  // The same numbers as from the copy, bit for bit: the sweep reads the same elements.
  CHECK(viewed.loss == copied.loss);
  CHECK(viewed.dparams[A] == copied.dparams[A]);
  CHECK(viewed.dz0 == copied.dz0);
  const auto zs = tlo::solve(model, x0, times, tl::at(A = std::cref(a_rows)), {}, dopri5);
  CHECK(zs(1, 0) == copied.states(1, 0));
}
