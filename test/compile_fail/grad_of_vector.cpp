// grad needs a scalar expression; a vector-valued one needs vjp or jacobian.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto z = tapeless::var<"z", 2>;
  auto g = tapeless::grad(z * z, tapeless::wrt(z), z = tapeless::vector<double, 2>{});
  (void)g;
}
