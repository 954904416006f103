// Differentiating by an expression instead of a symbol.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto x = tapeless::var<"x">;
  auto e = tapeless::d(x * x, 2.0 * x);
  (void)e;
}
