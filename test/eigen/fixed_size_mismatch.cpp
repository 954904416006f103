// Binding a fixed-size 3x2 Eigen matrix to a 2x3 symbol: a compile error, not a run-time one.
#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto W = tapeless::var<"W", 2, 3>;
  const Eigen::Matrix<double, 3, 2> w = Eigen::Matrix<double, 3, 2>::Zero();
  auto b = (W = w);
  (void)b;
}
