// grad_into, value_and_grad_into, vjp_into, value_and_vjp_into: the numbers of grad and vjp,
// bit for bit, written into the caller's bundle; other entries untouched; no heap allocation even
// for gradients too large to be inline; an entry that is also an input is refused before anything
// is written.
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

#include "../allocation_counter.hpp"

using allocation_counter::allocations;
namespace tl = tapeless;

namespace {
template <class T, std::size_t... D>
bool same_bits(const tl::tensor<T, D...>& a, const tl::tensor<T, D...>& b) {
  for (std::size_t i = 0; i < a.size; ++i)
    if (std::bit_cast<std::uint64_t>(double(a[i])) != std::bit_cast<std::uint64_t>(double(b[i])))
      return false;
  return true;
}
template <class V>
void fill(V& v, double scale) {
  for (std::size_t i = 0; i < v.size; ++i) v[i] = scale * std::sin(0.37 * double(i) + scale);
}

// The MLP of the benchmarks, W2 tanh(W1 z + b1) + b2, at width N.
template <std::size_t N>
struct mlp {
  static constexpr auto z = tl::var<"z", 2>;
  static constexpr auto W1 = tl::var<"W1", N, 2>;
  static constexpr auto b1 = tl::var<"b1", N>;
  static constexpr auto W2 = tl::var<"W2", 2, N>;
  static constexpr auto b2 = tl::var<"b2", 2>;
  static constexpr auto f = tl::matmul(W2, tl::tanh(tl::matmul(W1, z) + b1)) + b2;
  tl::vector<double, 2> zv{{0.3, -0.7}}, b2v{{0.1, -0.2}}, u{{1.0, -0.5}};
  tl::matrix<double, N, 2> W1v;
  tl::vector<double, N> b1v;
  tl::matrix<double, 2, N> W2v;
  mlp() {
    fill(W1v, 0.5);
    fill(b1v, 0.1);
    fill(W2v, 0.3);
  }
  auto params() const { return tl::at(W1 = W1v, b1 = b1v, W2 = W2v, b2 = b2v); }
};
}  // namespace

TEST_CASE("grad_into writes grad's gradient, bit for bit, and leaves other entries alone",
          "[into]") {
  mlp<50> m;
  const auto loss = tl::sum(tl::square(m.f)) + tl::mean(tl::tanh(m.b1));
  const auto expected = tl::grad(loss, tl::wrt(m.W1, m.b1, m.z), m.params(), m.z = m.zv);
  // A copy of the parameters as the bundle: W2 and b2 are not asked for, and keep their values.
  auto g = m.params();
  fill(g[m.W1], 9.0);
  const auto W2_before = g[m.W2];
  auto gz = tl::at(m.z = tl::vector<double, 2>{{5.0, 5.0}});
  tl::grad_into(g, loss, tl::wrt(m.W1, m.b1), m.params(), m.z = m.zv);
  tl::grad_into(gz, loss, tl::wrt(m.z), m.params(), m.z = m.zv);
  CHECK(same_bits(g[m.W1], expected[m.W1]));
  CHECK(same_bits(g[m.b1], expected[m.b1]));
  CHECK(same_bits(gz[m.z], expected[m.z]));
  CHECK(same_bits(g[m.W2], W2_before));
  CHECK(g[m.b2] == m.b2v);
  // And those numbers are the derivative: a central difference in one entry of W1.
  const double h = 1e-6;
  auto at_W1 = [&](double delta) {
    auto w = m.W1v;
    w(7, 1) += delta;
    return tl::eval(loss, m.W1 = w, m.b1 = m.b1v, m.W2 = m.W2v, m.b2 = m.b2v, m.z = m.zv);
  };
  CHECK(g[m.W1](7, 1) == Approx((at_W1(h) - at_W1(-h)) / (2 * h)).epsilon(1e-8));
}

TEST_CASE("value_and_grad_into returns value_and_grad's value and writes its gradient",
          "[into]") {
  constexpr auto x = tl::var<"x", 3>;
  constexpr auto s = tl::var<"s">;
  const auto e = s * tl::log(tl::sum(tl::exp(x)));
  const tl::vector<double, 3> xv{{0.5, -1.0, 2.0}};
  const auto expected = tl::value_and_grad(e, tl::wrt(x, s), x = xv, s = 1.5);
  auto g = tl::at(x = tl::vector<double, 3>{}, s = 0.0);
  const double v = tl::value_and_grad_into(g, e, tl::wrt(x, s), x = xv, s = 1.5);
  CHECK(std::bit_cast<std::uint64_t>(v) == std::bit_cast<std::uint64_t>(expected.value));
  CHECK(same_bits(g[x], expected.gradient[x]));
  CHECK(std::bit_cast<std::uint64_t>(g[s]) == std::bit_cast<std::uint64_t>(expected.gradient[s]));
  // d/ds s log(sum(exp(x))) = log(sum(exp(x))), by hand.
  CHECK(g[s] == Approx(std::log(std::exp(0.5) + std::exp(-1.0) + std::exp(2.0))).epsilon(1e-15));
}

TEST_CASE("vjp_into and value_and_vjp_into of a width-512 MLP: vjp's bits, no heap allocation",
          "[into][allocation]") {
  mlp<512> m;  // W1, W2 and their gradients are heap blocks (storage.hpp)
  const auto w = tl::wrt(m.z, m.W1, m.b1, m.W2, m.b2);
  const auto expected = tl::value_and_vjp(m.f, m.u, w, m.params(), m.z = m.zv);
  auto g = tl::zeros_like(expected.gradient);
  // The large parameters by reference, as a training loop binds them: a binding holds a copy.
  const auto bound = tl::at(m.W1 = std::cref(m.W1v), m.b1 = m.b1v, m.W2 = std::cref(m.W2v),
                            m.b2 = m.b2v, m.z = m.zv);
  tl::vjp_into(g, m.f, m.u, w, bound);  // the first call makes the thread's workspace
  const long before = allocations.load();
  tl::vjp_into(g, m.f, m.u, w, bound);
  const auto value = tl::value_and_vjp_into(g, m.f, m.u, w, bound);
  const long after = allocations.load();
  CHECK(after - before == 0);
  CHECK(same_bits(value, expected.value));
  CHECK(same_bits(g[m.W1], expected.gradient[m.W1]));
  CHECK(same_bits(g[m.W2], expected.gradient[m.W2]));
  CHECK(same_bits(g[m.b1], expected.gradient[m.b1]));
  CHECK(same_bits(g[m.b2], expected.gradient[m.b2]));
  CHECK(same_bits(g[m.z], expected.gradient[m.z]));
  // u^T df/db2 = u, by hand; and the returned form does allocate, for comparison.
  CHECK(g[m.b2] == m.u);
  const long r0 = allocations.load();
  { const auto r = tl::vjp(m.f, m.u, w, m.params(), m.z = m.zv); CHECK(same_bits(r[m.W1], g[m.W1])); }
  CHECK(allocations.load() - r0 > 0);
}

TEST_CASE("grad_into with allow_unused writes a zero for the unused symbol", "[into]") {
  constexpr auto x = tl::var<"x">;
  constexpr auto y = tl::var<"y">;
  auto g = tl::at(x = 7.0, y = 7.0);
  tl::grad_into(g, x * x * x, tl::wrt(tl::allow_unused, x, y), x = 2.0);
  CHECK(g[x] == 12.0);
  CHECK(g[y] == 0.0);
}

TEST_CASE("an entry that is also an input by reference is refused, nothing written", "[into]") {
  constexpr auto a = tl::var<"a", 3>;
  constexpr auto b = tl::var<"b", 3>;
  const auto e = tl::sum(tl::tanh(a) * b);
  auto g = tl::at(a = tl::vector<double, 3>{{1.0, 2.0, 3.0}}, b = tl::vector<double, 3>{{4.0, 5.0, 6.0}});
  const auto before = g;
  try {
    tl::grad_into(g, e, tl::wrt(a, b), a = std::cref(g[a]), b = tl::vector<double, 3>{});
    FAIL("no exception");
  } catch (const std::invalid_argument& err) {
    CHECK_THAT(err.what(), Catch::Contains("entry for \"a\" is also an input of the call (\"a\""));
  }
  // Bound by reference as another symbol: the entry for b is a's input.
  CHECK_THROWS_WITH(tl::grad_into(g, e, tl::wrt(a, b), a = std::cref(g[b]), b = g[a]),
                    Catch::Contains("entry for \"b\" is also an input of the call (\"a\""));
  // The cotangent of a vjp.
  CHECK_THROWS_WITH(tl::vjp_into(g, tl::tanh(a), std::cref(g[a]), tl::wrt(a), a = g[b]),
                    Catch::Contains("entry for \"a\" is also an input of the call (the cotangent u"));
  CHECK(g[a] == before[a]);
  CHECK(g[b] == before[b]);
  // A copy (the default binding) is no alias: the same call with g[a] bound by value works.
  tl::grad_into(g, e, tl::wrt(a, b), a = g[a], b = tl::vector<double, 3>{{1.0, 1.0, 1.0}});
  CHECK(g[a][1] == Approx(1.0 - std::tanh(2.0) * std::tanh(2.0)));
  CHECK(g[b][2] == Approx(std::tanh(3.0)));
}

TEST_CASE("grad_into in float and at compile time", "[into]") {
  constexpr auto x = tl::var<"x", 2>;
  auto g = tl::at(x = tl::vector<float, 2>{});
  tl::grad_into(g, tl::sum(tl::square(x)), tl::wrt(x), x = tl::vector<float, 2>{{1.5f, -2.0f}});
  CHECK(g[x] == tl::vector<float, 2>{{3.0f, -4.0f}});
  constexpr double at_compile_time = [] {
    constexpr auto y = tl::var<"y">;
    auto gy = tl::at(y = 0.0);
    tl::grad_into(gy, y * y * y, tl::wrt(y), y = 2.0);
    return gy[y];
  }();
  STATIC_REQUIRE(at_compile_time == 12.0);
}
