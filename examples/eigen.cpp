// Eigen objects as tapeless values (docs/eigen.md shows the marked regions): bindings, gradients
// back as Eigen objects, views without a copy, and an Eigen vector as an Odeint state.
#include <utility>  // (first: Boost 1.74's odeint check_adapter.hpp uses std::pair undeclared)
#include <boost/numeric/odeint/integrate/integrate_const.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4.hpp>
#include <cstdio>
#include <iostream>
#include <tapeless/eigen.hpp>
#include <tapeless/odeint.hpp>
#include <tapeless/tapeless.hpp>

#include "cli.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

int main(int argc, char** argv) {
  cli::no_options(argc, argv, "eigen");
  // [bind]
  constexpr auto W = tl::var<"W", 2, 3>;
  constexpr auto z = tl::var<"z", 3>;
  const auto f = tl::sum(tl::tanh(tl::matmul(W, z)));

  Eigen::Matrix<double, 2, 3> w;  // column-major, as Eigen's default
  w << 0.5, -1.0, 0.25,
       2.0, 0.75, -0.5;
  Eigen::VectorXd zv(3);          // dynamic: its size is checked when bound
  zv << 0.3, -0.7, 1.1;
  const auto g = tl::grad(f, tl::wrt(W, z), W = w, z = zv);
  // [/bind]

  // [back]
  const Eigen::Matrix<double, 2, 3> dW = tl::to_eigen(g[W]);  // a copy, as an Eigen matrix
  Eigen::VectorXd dz;
  tl::eigen_into(g, z, dz);  // into an Eigen object: resized (a Map or fixed size: checked)
  std::cout << "df/dW =\n" << dW << "\ndf/dz = " << dz.transpose() << "\n";
  // [/back]

  // [size]
  try {
    const Eigen::MatrixXd wrong = w.transpose();
    (void)tl::grad(f, tl::wrt(W), W = wrong, z = zv);
  } catch (const std::invalid_argument& e) {
    std::printf("%s\n", e.what());
  }
  // [/size]

  // [view]
  tl::matrix<double, 2, 3> params{};
  tl::eigen_view(params) = w;  // Eigen writes the tapeless tensor's own elements
  const auto g2 = tl::grad(f, tl::wrt(W), W = std::cref(params), z = zv);  // no copy at all
  std::printf("the same gradient: %s\n", tl::to_eigen(g2[W]) == dW ? "yes" : "no");
  // [/view]

  // [odeint]
  constexpr auto x = tl::var<"x", 2>;
  constexpr auto t = tl::var<"t">;
  constexpr auto A = tl::var<"A", 2, 2>;
  Eigen::Matrix2d a;
  a << -0.5, 2.0,
       -1.0, -0.5;
  const auto sys = tlo::system(tl::matmul(A, x), x, t, tl::at(A = a));
  Eigen::Vector2d state(1.0, 0.5);
  ode::integrate_const(ode::runge_kutta4<Eigen::Vector2d>{}, sys, state, 0.0, 2.0, 1e-3);
  std::printf("x(2) = (%.9f, %.9f)\n", state(0), state(1));
  // [/odeint]
  return 0;
}
