// Tutorial, step 3: derivatives as expressions, and derivative values.
#include <cstdio>
#include <tapeless/tapeless.hpp>

#include "../cli.hpp"

namespace tl = tapeless;

int main(int argc, char** argv) {
  cli::no_options(argc, argv, "tutorial_derivatives");
  // [d]
  constexpr auto x = tl::var<"x">;
  constexpr auto y = tl::var<"y">;
  constexpr auto f = x * tl::sin(x) * y;
  constexpr auto dfdx = tl::d(f, x);       // an expression, derived from f's type
  constexpr auto d2fdx2 = tl::d(dfdx, x);  // differentiate it again
  std::printf("f        = %s\n", tl::to_string(f).c_str());
  std::printf("df/dx    = %s\n", tl::to_string(dfdx).c_str());
  std::printf("d2f/dx2  = %s\n", tl::to_string(d2fdx2).c_str());
  std::printf("at x = 1, y = 2: %.6f %.6f\n", tl::eval(dfdx, x = 1.0, y = 2.0),
              tl::eval(d2fdx2, x = 1.0, y = 2.0));
  // [/d]

  // [grad]
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto A = tl::var<"A", 2, 2>;
  constexpr auto loss = tl::sum(tl::square(tl::tanh(tl::matmul(A, z))));
  const tl::matrix<double, 2, 2> a{{0.5, -1, 2, 0.25}};
  const tl::vector<double, 2> zv{{1, -0.5}};

  // Gradients with respect to several symbols from one forward and one backward sweep.
  const auto g = tl::grad(loss, tl::wrt(A, z), A = a, z = zv);
  std::printf("dL/dz = [%.6f, %.6f]\n", g[z][0], g[z][1]);
  std::printf("dL/dA = [%.6f, %.6f; %.6f, %.6f]\n", g[A](0, 0), g[A](0, 1), g[A](1, 0), g[A](1, 1));
  // [/grad]

  // [modes]
  const auto h = tl::tanh(tl::matmul(A, z));                      // vector-valued
  const auto J = tl::jacobian(h, z, A = a, z = zv);               // 2x2, forward mode
  const auto u = tl::vector<double, 2>{{1, 0}};
  const auto row = tl::vjp(h, u, tl::wrt(z), A = a, z = zv)[z];   // u^T dh/dz, reverse mode
  const auto col = tl::jvp(h, z, u, A = a, z = zv);               // dh/dz u, forward mode
  const auto H = tl::hessian(loss, z, A = a, z = zv);             // 2x2, forward over reverse
  std::printf("J = [%.6f, %.6f; %.6f, %.6f]\n", J(0, 0), J(0, 1), J(1, 0), J(1, 1));
  std::printf("vjp = [%.6f, %.6f], jvp = [%.6f, %.6f]\n", row[0], row[1], col[0], col[1]);
  std::printf("H = [%.6f, %.6f; %.6f, %.6f]\n", H(0, 0), H(0, 1), H(1, 0), H(1, 1));
  // [/modes]

  // [simplify]
  std::printf("simplify(x * 1 + 0 * y) = %s\n",
              tl::to_string(tl::simplify(x * tl::c<1> + tl::c<0> * y)).c_str());
  // [/simplify]
}
