// A state type Odeint cannot step for tapeless is one readable error, not pages of range_algebra.
#include <tapeless/odeint/system.hpp>
#include <tapeless/tapeless.hpp>
#include <deque>

namespace tl = tapeless;

int main() {
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto t = tl::var<"t">;
  const auto sys = tapeless::odeint::system(-z, z, t);
  std::deque<double> x(2), dx(2);
  sys(x, dx, 0.0);
}
