// Matrix products, transpose, dot, outer, reductions and vector building: derivatives against
// finite differences, values against hand-computed numbers.
#include "check.hpp"

namespace tl = tapeless;
using check::close;
using check::gradient_laws;
using check::hessian_laws;
using check::random_value;

namespace {
constexpr auto A = tl::var<"A", 2, 3>;
constexpr auto B = tl::var<"B", 3, 2>;
constexpr auto u = tl::var<"u", 3>;
constexpr auto v = tl::var<"v", 2>;
}  // namespace

TEST_CASE("linear algebra values against hand-computed numbers", "[values]") {
  const tl::matrix<double, 2, 3> a{{1, 2, 3, 4, 5, 6}};
  const tl::matrix<double, 3, 2> b{{7, 8, 9, 10, 11, 12}};
  const tl::vector<double, 3> x{{1, 0, -1}};
  const tl::vector<double, 2> y{{2, -1}};
  const auto at = tl::at(A = a, B = b, u = x, v = y);
  CHECK(tl::eval(tl::matmul(A, B), at) == tl::matrix<double, 2, 2>{{58, 64, 139, 154}});
  CHECK(tl::eval(tl::matmul(A, u), at) == tl::vector<double, 2>{{-2, -2}});
  CHECK(tl::eval(tl::matmul(v, A), at) == tl::vector<double, 3>{{-2, -1, 0}});
  CHECK(tl::eval(tl::transpose(A), at) == tl::matrix<double, 3, 2>{{1, 4, 2, 5, 3, 6}});
  CHECK(tl::eval(tl::dot(u, u), at) == 2.0);
  CHECK(tl::eval(tl::outer(v, u), at) == tl::matrix<double, 2, 3>{{2, 0, -2, -1, 0, 1}});
  CHECK(tl::eval(tl::sum(A), at) == 21.0);
  CHECK(tl::eval(tl::mean(A), at) == 3.5);
  CHECK(tl::eval(tl::broadcast<tl::shape<2>>(tl::sum(u)), at) == tl::vector<double, 2>{{0, 0}});
  CHECK(tl::eval(tl::component<1>(v), at) == -1.0);
  CHECK(tl::eval(tl::slice<1, 2>(u), at) == tl::vector<double, 2>{{0, -1}});
  CHECK(tl::eval(tl::stack(tl::component<0>(v), u, 5.0), at) ==
        tl::vector<double, 5>{{2, 1, 0, -1, 5}});
}

TEST_CASE("linear algebra derivatives against finite differences", "[laws]") {
  for (int k = 0; k < 3; ++k) {
    const auto a0 = random_value<tl::shape<2, 3>>(-1, 1);
    const auto b0 = random_value<tl::shape<3, 2>>(-1, 1);
    const auto u0 = random_value<tl::shape<3>>(-1, 1);
    const auto v0 = random_value<tl::shape<2>>(-1, 1);
    const auto bAB = tl::at(B = b0, u = u0, v = v0);
    gradient_laws(tl::sum(tl::tanh(tl::matmul(A, B))), A, a0, bAB);
    gradient_laws(tl::dot(tl::matmul(A, u), v), A, a0, bAB);
    gradient_laws(tl::sum(tl::square(tl::matmul(v, A))), A, a0, bAB);
    gradient_laws(tl::sum(tl::transpose(A) * B), A, a0, bAB);
    gradient_laws(tl::sum(tl::outer(v, u) * A), A, a0, bAB);
    gradient_laws(tl::mean(tl::exp(A)), A, a0, bAB);
    const auto bB = tl::at(A = a0, u = u0, v = v0);
    gradient_laws(tl::sum(tl::sin(tl::matmul(A, B))), B, b0, bB);
    const auto bu = tl::at(A = a0, B = b0, v = v0);
    gradient_laws(tl::dot(tl::tanh(tl::matmul(A, u)), v), u, u0, bu);
    gradient_laws(tl::sum(tl::matmul(tl::matmul(v, A), tl::outer(u, u))), u, u0, bu);
    gradient_laws(tl::dot(u, u) * tl::sum(u), u, u0, bu);
    gradient_laws(tl::component<0>(u) * tl::component<2>(u) + tl::sum(tl::slice<1, 2>(u)), u, u0, bu);
    gradient_laws(tl::sum(tl::square(tl::stack(tl::component<1>(u), u, tl::dot(u, u)))), u, u0, bu);
    hessian_laws(tl::dot(tl::tanh(tl::matmul(A, u)), v), u, u0, bu);
    hessian_laws(tl::sum(tl::exp(tl::matmul(v, tl::outer(v, u)))), u, u0, bu);
  }
}

TEST_CASE("jacobian of a vector expression against finite differences", "[laws]") {
  constexpr auto z = tl::var<"z", 3>;
  const auto f = tl::stack(tl::component<0>(z) * tl::component<1>(z), tl::sin(tl::component<2>(z)));
  const tl::vector<double, 3> z0{{0.3, -1.2, 0.8}};
  const auto J = tl::jacobian(f, z, z = z0);
  const tl::matrix<double, 2, 3> expected{{-1.2, 0.3, 0, 0, 0, std::cos(0.8)}};
  for (std::size_t i = 0; i < 6; ++i) CHECK(J[i] == close(expected[i], 1e-14));
  // vjp with each unit cotangent gives the rows.
  for (std::size_t i = 0; i < 2; ++i) {
    tl::vector<double, 2> e{};
    e[i] = 1;
    const auto row = tl::vjp(f, e, tl::wrt(z), z = z0)[z];
    for (std::size_t j = 0; j < 3; ++j) CHECK(row[j] == close(J(i, j), 1e-14));
  }
}
