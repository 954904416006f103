// Readable printing of derivatives (issue 9): the pinned gradients of the Rosenbrock function and
// of the spiral MLP, each rewrite that makes them readable, the printed form of every node
// (docs/printing.md), and that the rewritten derivatives compute the same numbers.
#include <cmath>
#include <random>
#include <string>
#include <type_traits>

#include "check.hpp"

namespace tl = tapeless;

namespace {
constexpr auto x = tl::var<"x">;
constexpr auto y = tl::var<"y">;
constexpr auto v = tl::var<"v", 2>;
constexpr auto z = tl::var<"z", 3>;
constexpr auto W = tl::var<"W", 2, 3>;

template <class A, class B>
constexpr bool same(const A&, const B&) {
  return std::is_same_v<A, B>;
}
template <class E>
constexpr bool idempotent(const E& e) {
  return same(tl::simplify(tl::simplify(e)), tl::simplify(e));
}
template <class E>
std::string str(const E& e) {
  return tl::to_string(e);
}

// Rosenbrock, f(z) = (1 - z0)^2 + 100 (z1 - z0^2)^2, with runtime constants as people write it.
constexpr auto zr = tl::var<"z", 2>;
const auto z0 = tl::component<0>(zr);
const auto z1 = tl::component<1>(zr);
const auto rosenbrock = tl::square(1.0 - z0) + 100.0 * tl::square(z1 - tl::square(z0));
// ... and with compile-time constants.
const auto rosenbrock_c = tl::square(tl::c<1> - z0) + tl::c<100> * tl::square(z1 - tl::square(z0));

// The spiral MLP of examples/spiral.cpp.
constexpr auto ys = tl::var<"y", 2>;
constexpr auto W1 = tl::var<"W1", 50, 2>;
constexpr auto b1 = tl::var<"b1", 50>;
constexpr auto W2 = tl::var<"W2", 2, 50>;
constexpr auto b2 = tl::var<"b2", 2>;
constexpr auto mlp = tl::matmul(W2, tl::tanh(tl::matmul(W1, tl::pow<3>(ys)) + b1)) + b2;
constexpr auto mlp_loss = tl::sum(mlp);

double rel(double a, double b) {
  return std::abs(a - b) / std::max(1.0, std::max(std::abs(a), std::abs(b)));
}
}  // namespace

TEST_CASE("the printed Rosenbrock gradient", "[print]") {
  const std::string g =
      "[-2 * (1 - z[0]) - 400 * (z[1] - square(z[0])) * z[0], 200 * (z[1] - square(z[0]))]";
  CHECK(str(tl::d(rosenbrock, zr)) == g);
  CHECK(str(tl::d(rosenbrock_c, zr)) == g);
  CHECK(str(rosenbrock) == "square(1 - z[0]) + 100 * square(z[1] - square(z[0]))");
  // The rewritten gradient computes the textbook gradient (to 1e-12, relative) and agrees with
  // central finite differences.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-2, 2);
  for (int k = 0; k < 20; ++k) {
    const tl::vector<double, 2> p{{u(rng), u(rng)}};
    const double a = p[0], b = p[1];
    const double e0 = -2 * (1 - a) - 400 * a * (b - a * a), e1 = 200 * (b - a * a);
    for (const auto& gv :
         {tl::eval(tl::d(rosenbrock, zr), zr = p), tl::eval(tl::d(rosenbrock_c, zr), zr = p),
          tl::grad(rosenbrock, tl::wrt(zr), zr = p)[zr]}) {
      CHECK(rel(gv[0], e0) < 1e-12);
      CHECK(rel(gv[1], e1) < 1e-12);
      for (std::size_t i = 0; i < 2; ++i)
        CHECK(gv[i] ==
              check::close(check::finite_difference(rosenbrock, zr, p, i, tl::at()), 1e-6));
    }
  }
}

TEST_CASE("the printed derivatives of the spiral MLP", "[print]") {
  const std::string h = "1 - square(tanh(W1 @ pow(y, 3) + b1))";
  CHECK(str(mlp) == "W2 @ tanh(W1 @ pow(y, 3) + b1) + b2");
  CHECK(str(tl::d(mlp_loss, W1)) == "outer((ones(2) @ W2) * (" + h + "), pow(y, 3))");
  CHECK(str(tl::d(mlp_loss, b1)) == "(ones(2) @ W2) * (" + h + ")");
  CHECK(str(tl::d(mlp_loss, W2)) == "outer(ones(2), tanh(W1 @ pow(y, 3) + b1))");
  CHECK(str(tl::d(mlp_loss, b2)) == "ones(2)");
  CHECK(str(tl::d(mlp_loss, ys)) == "3 * (((ones(2) @ W2) * (" + h + ")) @ W1) * square(y)");

  // The derivatives against a hand-written backward pass (to 1e-12, relative) and finite
  // differences.
  const auto w1 = check::random_value<tl::shape<50, 2>>(-1, 1);
  const auto bb1 = check::random_value<tl::shape<50>>(-1, 1);
  const auto w2 = check::random_value<tl::shape<2, 50>>(-1, 1);
  const auto bb2 = check::random_value<tl::shape<2>>(-1, 1);
  const auto y0 = check::random_value<tl::shape<2>>(-1, 1);
  const auto at = tl::at(W1 = w1, b1 = bb1, W2 = w2, b2 = bb2, ys = y0);
  double y3[2], dy[2] = {0, 0}, dh[50];
  for (std::size_t j = 0; j < 2; ++j) y3[j] = y0[j] * y0[j] * y0[j];
  for (std::size_t i = 0; i < 50; ++i) {
    const double t = std::tanh(w1(i, 0) * y3[0] + w1(i, 1) * y3[1] + bb1[i]);
    dh[i] = (w2(0, i) + w2(1, i)) * (1 - t * t);
    for (std::size_t j = 0; j < 2; ++j) dy[j] += dh[i] * w1(i, j) * 3 * y0[j] * y0[j];
  }
  const auto gw1 = tl::eval(tl::d(mlp_loss, W1), at);
  const auto gb1 = tl::eval(tl::d(mlp_loss, b1), at);
  const auto gy = tl::eval(tl::d(mlp_loss, ys), at);
  for (std::size_t i = 0; i < 50; ++i) {
    CHECK(rel(gb1[i], dh[i]) < 1e-12);
    for (std::size_t j = 0; j < 2; ++j) CHECK(rel(gw1(i, j), dh[i] * y3[j]) < 1e-12);
  }
  for (std::size_t j = 0; j < 2; ++j) {
    CHECK(rel(gy[j], dy[j]) < 1e-12);
    const auto rest = tl::at(W1 = w1, b1 = bb1, W2 = w2, b2 = bb2);
    CHECK(gy[j] == check::close(check::finite_difference(mlp_loss, ys, y0, j, rest), 1e-6));
  }
}

TEST_CASE("rewrites that make derivatives readable", "[simplify][print]") {
  // x + x -> 2 * x, like terms joined (also a product in either order, and square(a) with a * a).
  STATIC_REQUIRE(same(tl::simplify(x + x), tl::c<2> * x));
  STATIC_REQUIRE(same(tl::simplify(tl::c<3> * x - x), tl::c<2> * x));
  STATIC_REQUIRE(same(tl::simplify(tl::c<3> * x + tl::c<-3> * x), tl::c<0>));
  STATIC_REQUIRE(same(tl::simplify(x * y + y * x), tl::c<2> * (x * y)));
  STATIC_REQUIRE(same(tl::simplify(x * x), tl::square(x)));
  STATIC_REQUIRE(same(tl::simplify(tl::square(x) + x * x), tl::c<2> * tl::square(x)));
  // ... one level down a sum.
  STATIC_REQUIRE(same(tl::simplify(x + (x - y)), tl::c<2> * x - y));
  STATIC_REQUIRE(same(tl::simplify((x + y) + x), tl::c<2> * x + y));
  STATIC_REQUIRE(same(tl::simplify((y - x) - x), y - tl::c<2> * x));
  STATIC_REQUIRE(same(tl::simplify(x - (y - x)), tl::c<2> * x - y));
  // a + (-c) b -> a - c b, and its mirror images.
  STATIC_REQUIRE(same(tl::simplify(x + tl::c<-2> * y), x - tl::c<2> * y));
  STATIC_REQUIRE(same(tl::simplify(tl::c<-2> * x + y), y - tl::c<2> * x));
  STATIC_REQUIRE(same(tl::simplify(x - tl::c<-2> * y), x + tl::c<2> * y));
  // Constants gather at the front of a product and fold.
  STATIC_REQUIRE(same(tl::simplify(x * (tl::c<2> * y)), tl::c<2> * (x * y)));
  STATIC_REQUIRE(same(tl::simplify((tl::c<2> * x) * (tl::c<3> * y)), tl::c<6> * (x * y)));
  STATIC_REQUIRE(same(tl::simplify((tl::c<2> * x) / y), tl::c<2> * (x / y)));
  STATIC_REQUIRE(same(tl::simplify(-x / y), -(x / y)));
  STATIC_REQUIRE(same(tl::simplify(x / -y), -(x / y)));
  STATIC_REQUIRE(same(tl::simplify(tl::c<2> * (tl::c<3> * z)), tl::c<6> * z));
  // Derivatives come out in that form.
  STATIC_REQUIRE(same(tl::d(x * x, x), tl::c<2> * x));
  STATIC_REQUIRE(same(tl::d(x * x * x, x), tl::c<3> * tl::square(x)));
  CHECK(str(tl::d(tl::sin(x) * x, x)) == "cos(x) * x + sin(x)");
  CHECK(str(tl::d(tl::d(tl::sin(x) * x, x), x)) == "2 * cos(x) - sin(x) * x");
  const auto e = tl::tanh(x * y) * tl::exp(x) / (x + tl::c<2>);
  STATIC_REQUIRE(idempotent(tl::d(e, x)));
  STATIC_REQUIRE(idempotent(tl::d(tl::d(e, x), y)));
  STATIC_REQUIRE(idempotent(tl::d(rosenbrock_c, zr)));
  STATIC_REQUIRE(idempotent(tl::d(mlp_loss, ys)));

  // Each rewrite computes what the written expression computes, to 1e-12 (relative).
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0.2, 2);
  for (int k = 0; k < 20; ++k) {
    const double xv = u(rng), yv = u(rng) * (k % 2 ? -1 : 1);
    auto agree = [&](const auto& written) {
      const double a = tl::eval(written, x = xv, y = yv);
      const double b = tl::eval(tl::simplify(written), x = xv, y = yv);
      INFO(str(written) << " -> " << str(tl::simplify(written)));
      CHECK(rel(a, b) < 1e-12);
    };
    agree(x + x);
    agree(tl::c<3> * x - x);
    agree(x * y + y * x);
    agree(x * x);
    agree(x + (x - y));
    agree((x + y) + x);
    agree(x - (y - x));
    agree(x + tl::c<-2> * y);
    agree((tl::c<2> * x) * (tl::c<3> * y));
    agree((tl::c<3> * x) / y);
    agree(-x / y);
    agree(tl::sin(x) * tl::c<7> * (tl::c<1, 3> * y) + x * tl::sin(x));
    const double d3 = tl::eval(tl::d(x * x * x, x), x = xv);
    CHECK(rel(d3, 3 * xv * xv) < 1e-12);
  }
}

TEST_CASE("the printed form of every node", "[print]") {
  // Leaves.
  CHECK(str(x) == "x");
  CHECK(str(tl::c<2>) == "2");
  CHECK(str(tl::c<-2>) == "-2");
  CHECK(str(tl::c<1, 4>) == "0.25");
  CHECK(str(tl::c<1, 3>) == "1/3");
  CHECK(str(tl::zero_t<tl::shape<3>>{}) == "zeros(3)");
  CHECK(str(tl::cconst<1, 1, tl::shape<2, 3>>{}) == "ones(2, 3)");
  CHECK(str(tl::cconst<-1, 4, tl::shape<2, 2>>{}) == "-0.25 * ones(2, 2)");
  CHECK(str(tl::constant(2.5)) == "2.5");
  CHECK(str(tl::constant(tl::vector<double, 2>{{1, 2}})) == "[1, 2]");
  CHECK(str(tl::constant(tl::matrix<double, 2, 2>{{1, 2, 3, 4}})) == "[1, 2; 3, 4]");
  CHECK(str(tl::detail::lowered_t<decltype(2.0 * x)>{}) == "c0 * x");  // a pooled runtime constant
  // Arithmetic: numeric factors multiplied into one coefficient in front, signs moved to the sum.
  CHECK(str(x * y + tl::sin(x)) == "x * y + sin(x)");
  CHECK(str(x - (y - x)) == "x - (y - x)");
  CHECK(str((x + y) * x) == "(x + y) * x");
  CHECK(str(-(x + y)) == "-(x + y)");
  CHECK(str(-x * y) == "-x * y");
  CHECK(str(2.0 * (3.0 * x)) == "6 * x");
  CHECK(str(x * 2.0 * tl::c<3>) == "6 * x");
  CHECK(str(x * 1.0) == "1 * x");  // a runtime 1 is a value, so it is shown
  CHECK(str(x + -2.0 * y) == "x - 2 * y");
  CHECK(str(x - -2.0 * y) == "x + 2 * y");
  CHECK(str(x + (y + x)) == "x + y + x");
  CHECK(str(tl::pow<3>(x) / 2.5) == "pow(x, 3) / 2.5");
  CHECK(str(tl::c<1> / x) == "1 / x");
  CHECK(str(x / (y * x)) == "x / (y * x)");
  CHECK(str(x / y * (x / y)) == "x * x / (y * y)");
  CHECK(str(tl::pow(x, y)) == "pow(x, y)");
  CHECK(str(tl::d(tl::pow(x, y), y)) == "pow(x, y) * log(x)");  // 0 where pow(x, y) is 0
  // Functions.
  CHECK(str(tl::exp(x) + tl::log(x) + tl::sqrt(x) + tl::sin(x) + tl::cos(x)) ==
        "exp(x) + log(x) + sqrt(x) + sin(x) + cos(x)");
  CHECK(str(tl::tanh(x) + tl::sigmoid(x) + tl::relu(x) + tl::softplus(x)) ==
        "tanh(x) + sigmoid(x) + relu(x) + softplus(x)");
  CHECK(str(tl::abs(x) + tl::square(x) + tl::sign(x) + tl::step(x)) ==
        "abs(x) + square(x) + sign(x) + step(x)");
  CHECK(str(tl::d(tl::relu(x), x)) == "step(x)");
  CHECK(str(tl::d(tl::abs(x), x)) == "sign(x)");
  // Reductions and broadcast.
  CHECK(str(tl::sum(z) + tl::mean(z)) == "sum(z) + mean(z)");
  CHECK(str(tl::broadcast<tl::shape<3>>(x)) == "x * ones(3)");
  CHECK(str(tl::broadcast<tl::shape<2, 3>>(x + y)) == "(x + y) * ones(2, 3)");
  CHECK(str(tl::d(tl::sum(x * z), z)) == "x * ones(3)");
  CHECK(str(tl::d(tl::mean(z), z)) == "1/3 * ones(3)");
  // Linear algebra: @ is the matrix product; its operands and a product around it are
  // parenthesised unless plain.
  CHECK(str(tl::matmul(W, z)) == "W @ z");
  CHECK(str(tl::matmul(W, z * x)) == "W @ (z * x)");
  CHECK(str(tl::matmul(W, -z)) == "-(W @ z)");
  CHECK(str(x * tl::matmul(W, z)) == "x * (W @ z)");
  CHECK(str(tl::matmul(tl::matmul(v, W), tl::transpose(W))) == "v @ W @ transpose(W)");
  CHECK(str(tl::d(tl::sum(tl::matmul(W, z)), z)) == "ones(2) @ W");
  CHECK(str(tl::dot(z, z) + tl::sum(tl::outer(v, z))) == "dot(z, z) + sum(outer(v, z))");
  // Parts of vectors: slices, stacks and pads (the adjoint of a slice) as block vectors.
  CHECK(str(tl::component<1>(z)) == "z[1]");
  CHECK(str(tl::slice<1, 2>(z)) == "z[1:3]");
  CHECK(str(tl::component<0>(z + z)) == "(z + z)[0]");
  CHECK(str(tl::stack(x, y, z)) == "[x, y, z]");
  CHECK(str(tl::unary<tl::pad_op<1, 3>, decltype(x)>{}) == "[0, x, 0]");
  CHECK(str(tl::unary<tl::pad_op<1, 6>, decltype(v)>{}) == "[0, v, zeros(3)]");
  CHECK(str(tl::d(tl::component<1>(z), x)) == "0");
  CHECK(str(tl::d(x * tl::component<1>(z), z)) == "[0, x, 0]");
  CHECK(str(tl::d(x * tl::component<0>(z) - y * tl::component<2>(z), z)) == "[x, 0, -y]");
  // (a scalar added to a vector adds to every element)
  CHECK(str(tl::d(tl::square(tl::component<0>(z)) + tl::sum(z), z)) == "[2 * z[0], zeros(2)] + 1");
  CHECK(str(tl::d(tl::dot(tl::stack(x, y), v), v)) == "[x, y]");
  // The seed's loss.
  constexpr auto w = tl::var<"param_w", 2, 2>;
  constexpr auto b = tl::var<"param_b", 2, 2>;
  constexpr auto xs = tl::var<"x", 2, 2>;
  constexpr auto ty = tl::var<"true_y", 2, 2>;
  const auto loss = tl::mean(ty - (w * xs + b));
  CHECK(str(loss) == "mean(true_y - (param_w * x + param_b))");
  CHECK(str(tl::d(loss, w)) == "-0.25 * x");
  CHECK(str(tl::d(loss, b)) == "-0.25 * ones(2, 2)");
}
