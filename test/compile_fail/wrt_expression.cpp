// Asking grad for the gradient with respect to an expression.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto x = tapeless::var<"x">;
  auto g = tapeless::grad(x * x, tapeless::wrt(x + 1.0), x = 1.0);
  (void)g;
}
