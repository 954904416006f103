// dense_output(...) of a stepper Odeint has no dense-output form for.
#include <array>
#include <boost/numeric/odeint/stepper/runge_kutta_cash_karp54.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;

int main() {
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto t = tl::var<"t">;
  const std::array<double, 2> times{0.0, 1.0};
  (void)tlo::solve(
      tlo::ode(-z, z, t), tl::vector<double, 2>{{1.0, 2.0}}, times, tl::at(), tlo::options{},
      tlo::dense_output(boost::numeric::odeint::runge_kutta_cash_karp54<std::array<double, 2>>{}));
}
