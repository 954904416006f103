// A 2x3 matrix times a vector of 2: the inner dimensions differ.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto W = tapeless::var<"W", 2, 3>;
  constexpr auto z = tapeless::var<"z", 2>;
  auto e = tapeless::matmul(W, z);
  (void)e;
}
