// A loss that never mentions its states symbol (here a second matrix symbol named by mistake).
#include <tapeless/odeint/loss.hpp>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

int main() {
  constexpr auto Z = tl::var<"Z", 3, 2>;
  constexpr auto Y = tl::var<"Y", 3, 2>;
  const tl::matrix<double, 3, 2> data{};
  (void)tapeless::odeint::loss(tl::sum(tl::square(Y)), Z, Y = data);
}
