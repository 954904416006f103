// A float stepper with the loss's data bound as double.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

int main() {
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto t = tl::var<"t">;
  constexpr auto k = tl::var<"k">;
  constexpr auto Z = tl::var<"Z", 2, 2>;
  constexpr auto Y = tl::var<"Y", 2, 2>;
  const std::array<float, 2> times{0.0f, 1.0f};
  const tl::matrix<double, 2, 2> data{};
  (void)tlo::odeint_adjoint(tlo::ode(-k * z, z, t, tl::wrt(k)),
                            tlo::loss(tl::sum(tl::square(Z - Y)), Z, Y = data),
                            tl::vector<float, 2>{{1.0f, 2.0f}}, times, tl::at(k = 0.5f),
                            tlo::options{}, ode::runge_kutta_dopri5<tl::vector<float, 2>, float>{});
}
