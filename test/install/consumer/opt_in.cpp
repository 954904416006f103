// <tapeless/eigen.hpp> and <tapeless/safetensors.hpp> from an installed tapeless.
#include <cstdio>
#include <tapeless/eigen.hpp>
#include <tapeless/safetensors.hpp>
#include <tapeless/tapeless.hpp>

int main() {
  namespace tl = tapeless;
  constexpr auto z = tl::var<"z", 2>;
  const auto p = tl::at(z = Eigen::Vector2d(1.5, -2.0));
  auto q = tl::at(z = tl::vector<double, 2>{});
  tl::decode_safetensors(tl::encode_safetensors(p), "memory", q);
  std::printf("opt-in: z = (%g, %g)\n", q[z][0], q[z][1]);
}
