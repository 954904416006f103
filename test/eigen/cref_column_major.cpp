// std::cref of a column-major Eigen matrix: it cannot be read as a row-major tensor in place, so
// binding it without a copy is a compile error that says to bind it by value.
#include <tapeless/eigen.hpp>
#include <tapeless/tapeless.hpp>
int main() {
  constexpr auto W = tapeless::var<"W", 2, 3>;
  const Eigen::Matrix<double, 2, 3> w = Eigen::Matrix<double, 2, 3>::Zero();
  auto b = (W = std::cref(w));
  (void)b;
}
