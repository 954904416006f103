// Evaluating x * y with only x bound.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto x = tapeless::var<"x">;
  constexpr auto y = tapeless::var<"y">;
  return static_cast<int>(tapeless::eval(x * y, x = 1.0));
}
