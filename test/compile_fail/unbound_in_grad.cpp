// A gradient of a model with one of its inputs (z) left unbound.
#include <tapeless/tapeless.hpp>
namespace tl = tapeless;
int main() {
  constexpr auto W = tl::var<"W", 3, 2>;
  constexpr auto b = tl::var<"b", 3>;
  constexpr auto v = tl::var<"v", 3>;
  constexpr auto z = tl::var<"z", 2>;
  const auto f = tl::dot(v, tl::tanh(tl::matmul(W, z) + b));
  const auto g = tl::grad(f, tl::wrt(W, b), W = tl::matrix<double, 3, 2>{}, b = tl::vector<double, 3>{},
                          v = tl::vector<double, 3>{});
  return static_cast<int>(g[W](0, 0));
}
