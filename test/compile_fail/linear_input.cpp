// A layer applied to an input of the wrong size.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto x = tapeless::var<"x", 3>;
  constexpr tapeless::linear<"fc1", 2, 4> fc1;
  auto params = tapeless::parameters(fc1);
  auto y = tapeless::eval(tapeless::tanh(fc1(x)), params, x = tapeless::vector<double, 3>{});
  (void)y;
}
