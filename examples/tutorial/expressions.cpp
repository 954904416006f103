// Tutorial, step 1: symbols, expressions, evaluation, printing.
#include <cstdio>
#include <tapeless/tapeless.hpp>

#include "../cli.hpp"

namespace tl = tapeless;

int main(int argc, char** argv) {
  cli::no_options(argc, argv, "tutorial_expressions");
  // [symbols]
  constexpr auto x = tl::var<"x">;        // a scalar
  constexpr auto z = tl::var<"z", 3>;     // a vector of 3
  constexpr auto W = tl::var<"W", 2, 3>;  // a 2x3 matrix

  // * + - / are element-wise (a scalar broadcasts); matmul is the matrix product.
  constexpr auto e = tl::tanh(tl::matmul(W, z) * x + 1.0);
  // [/symbols]

  // [eval]
  const tl::matrix<double, 2, 3> w{{1, 0, -1, 0.5, 0.5, 0.5}};
  const tl::vector<double, 3> zv{{1, 2, 3}};
  const tl::vector<double, 2> y = tl::eval(e, x = 0.1, z = zv, W = w);
  std::printf("%s = [%.6f, %.6f]\n", tl::to_string(e).c_str(), y[0], y[1]);

  // Bindings are a boost::hana::map keyed by the symbols; maps and single bindings mix.
  const auto params = tl::at(W = w, x = 0.1);
  const auto same = tl::eval(e, params, z = zv);
  std::printf("from a map: [%.6f, %.6f]\n", same[0], same[1]);
  // [/eval]

  // [constexpr]
  constexpr double p = tl::eval(x * x - 2.0 * x, x = 3.0);
  static_assert(p == 3.0);
  // [/constexpr]
  std::printf("constexpr value: %g\n", p);
}
