// A whole-trajectory loss needs a count of observation times fixed at compile time.
#include <array>
#include <vector>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;

int main() {
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto t = tl::var<"t">;
  constexpr auto k = tl::var<"k">;
  constexpr auto Z = tl::var<"Z", 3, 2>;
  const auto model = tlo::ode(-k * z, z, t, tl::wrt(k));
  const std::vector<double> times{0.0, 1.0, 2.0};
  (void)tlo::odeint_adjoint(model, tlo::loss(tl::sum(Z), Z), tl::vector<double, 2>{{1.0, 2.0}},
                            times, tl::at(k = 1.0), tlo::options{},
                            boost::numeric::odeint::runge_kutta_dopri5<std::array<double, 2>>{});
}
