// grad_into with a bundle that has no entry for a symbol of wrt.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto x = tapeless::var<"x">;
  constexpr auto y = tapeless::var<"y">;
  auto g = tapeless::at(x = 0.0);
  tapeless::grad_into(g, x * y, tapeless::wrt(x, y), x = 1.0, y = 2.0);
}
