// vjp_into with a bundle of float entries for an evaluation in double.
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto a = tapeless::var<"a", 3>;
  auto g = tapeless::at(a = tapeless::vector<float, 3>{});
  tapeless::vjp_into(g, tapeless::tanh(a), tapeless::vector<double, 3>{}, tapeless::wrt(a),
                     a = tapeless::vector<double, 3>{});
}
