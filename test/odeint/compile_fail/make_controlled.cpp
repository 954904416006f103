// Passing make_controlled(...) instead of the plain stepper: tolerances belong in the options.
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <tapeless/odeint.hpp>
namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;
int main() {
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto t = tl::var<"t">;
  constexpr auto k = tl::var<"k">;
  constexpr auto Z = tl::var<"Z", 2, 2>;
  const auto model = tlo::ode(-k * z, z, t, tl::wrt(k));
  const std::array<double, 2> times{0.0, 1.0};
  (void)tlo::odeint_adjoint(model, tlo::loss(tl::sum(Z), Z), tl::vector<double, 2>{{1.0, 2.0}}, times, tl::at(k = 1.0), tlo::options{},
      ode::make_controlled(1e-6, 1e-6, ode::runge_kutta_dopri5<std::array<double, 2>>{}));
}
