// A float stepper with a parameter bound as double: nothing is converted, the bindings must have
// the stepper's value type.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;

int main() {
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto t = tl::var<"t">;
  constexpr auto k = tl::var<"k">;
  const std::array<float, 2> times{0.0f, 1.0f};
  (void)tlo::solve(tlo::ode(-k * z, z, t, tl::wrt(k)), tl::vector<float, 2>{{1.0f, 2.0f}}, times,
                   tl::at(k = 0.5), tlo::options{},
                   boost::numeric::odeint::runge_kutta_dopri5<tl::vector<float, 2>, float>{});
}
