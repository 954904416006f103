// Adding a vector of 2 to a vector of 3 is a compile error that says so.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto a = tapeless::var<"a", 2>;
  constexpr auto b = tapeless::var<"b", 3>;
  auto e = a + b;
  (void)e;
}
