// runge_kutta_dopri5<std::array<float, 2>>: Odeint's value type defaults to double, so this
// stepper would compute in double; the solver asks for the value type to be written out.
#include <array>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <tapeless/odeint/solve.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;
namespace tlo = tapeless::odeint;

int main() {
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto t = tl::var<"t">;
  const std::array<float, 2> times{0.0f, 1.0f};
  (void)tlo::solve(tlo::ode(-z, z, t), tl::vector<float, 2>{{1.0f, 2.0f}}, times, tl::at(),
                   tlo::options{},
                   boost::numeric::odeint::runge_kutta_dopri5<std::array<float, 2>>{});
}
