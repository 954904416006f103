// The README's program: a small MLP made of layers, evaluated, differentiated and printed.
// [program]
#include <cstdio>
#include <random>
#include <tapeless/tapeless.hpp>

#include "cli.hpp"  // the examples' flags: --help, and an unknown flag is an error

namespace tl = tapeless;

int main(int argc, char** argv) {
  cli::no_options(argc, argv, "first_model");

  constexpr auto z = tl::var<"z", 2>;          // a symbol: a name and a static shape
  constexpr tl::linear<"fc1", 2, 16> fc1;      // PyTorch's nn.Linear(2, 16): fc1.weight, fc1.bias
  constexpr tl::linear<"fc2", 16, 1> fc2;
  constexpr auto f = tl::sum(fc2(tl::tanh(fc1(z))));  // the model; its type is all there is

  std::mt19937 gen(0);
  const auto params = tl::parameters(gen, fc1, fc2);  // nn.Linear's default initialisation
  const tl::vector<double, 2> z0{{0.3, -0.7}};        // values: double, tl::vector, tl::matrix

  const double y = tl::eval(f, params, z = z0);
  const auto g = tl::grad(f, tl::wrt(z, fc1), params, z = z0);  // one sweep, no heap, no tape
  std::printf("f(z0)       = %.6f\n", y);
  std::printf("df/dz       = %s\n", tl::to_string(g[z]).c_str());
  std::printf("df/dfc1.bias has %zu entries, the first %.6f\n", g[fc1.bias].size, g[fc1.bias][0]);
  std::printf("f           = %s\n", tl::to_string(f).c_str());
  std::printf("df/dz       = %s\n", tl::to_string(tl::d(f, z)).c_str());  // a derivative, printed
}
// [/program]
