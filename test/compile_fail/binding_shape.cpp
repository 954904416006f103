// Binding a vector of 3 to a 2x2 matrix symbol.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto W = tapeless::var<"W", 2, 2>;
  auto b = (W = tapeless::vector<double, 3>{});
  (void)b;
}
