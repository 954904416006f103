// Xavier initialisation of a vector symbol: it has no fan_in and fan_out.
#include <random>
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto v = tapeless::var<"v", 3>;
  std::mt19937 gen(1);
  auto params = tapeless::parameters(gen, tapeless::init::xavier_uniform{}, v);
  (void)params;
}
