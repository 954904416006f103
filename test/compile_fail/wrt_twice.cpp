// Listing one symbol twice in wrt.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto x = tapeless::var<"x">;
  auto g = tapeless::grad(x * x, tapeless::wrt(x, x), x = 1.0);
  (void)g;
}
