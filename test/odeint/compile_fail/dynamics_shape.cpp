// The dynamics must have the shape of the state.
#include <tapeless/odeint/model.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

int main() {
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto t = tl::var<"t">;
  const auto model = tapeless::odeint::ode(tl::sum(z), z, t);
  (void)model;
}
