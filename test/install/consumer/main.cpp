#include <cstdio>
#include <tapeless/tapeless.hpp>

int main() {
  constexpr auto x = tapeless::var<"x">;
  const auto d = tapeless::d(x * tapeless::sin(x), x);
  std::printf("d/dx x*sin(x) = %s = %.5f\n", tapeless::to_string(d).c_str(), tapeless::eval(d, x = 1.0));
}
