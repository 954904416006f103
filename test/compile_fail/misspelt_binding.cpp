// Binding `w` where the model uses `W`: W is unbound and w is bound but unused; the error names
// both.
#include <tapeless/tapeless.hpp>
namespace tl = tapeless;
int main() {
  constexpr auto W = tl::var<"W", 3, 2>;
  constexpr auto w = tl::var<"w", 3, 2>;
  constexpr auto z = tl::var<"z", 2>;
  const auto f = tl::sum(tl::tanh(tl::matmul(W, z)));
  const auto g = tl::grad(f, tl::wrt(z), w = tl::matrix<double, 3, 2>{}, z = tl::vector<double, 2>{});
  return static_cast<int>(g[z][0]);
}
