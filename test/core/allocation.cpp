// Evaluating a gradient allocates nothing on the heap: every global operator new is counted.
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <new>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>

#include "../allocation_counter.hpp"

using allocation_counter::allocations;

namespace tl = tapeless;

TEST_CASE("grad and vjp of an MLP allocate nothing", "[allocation]") {
  constexpr auto z = tl::var<"z", 2>;
  constexpr auto W1 = tl::var<"W1", 50, 2>;
  constexpr auto b1 = tl::var<"b1", 50>;
  constexpr auto W2 = tl::var<"W2", 2, 50>;
  constexpr auto b2 = tl::var<"b2", 2>;
  constexpr auto y = tl::var<"y", 2>;
  const auto f = tl::matmul(W2, tl::tanh(tl::matmul(W1, tl::pow<3>(z)) + b1)) + b2;
  const auto loss = tl::mean(tl::abs(f - y)) + 0.5 * tl::sum(tl::square(f));

  tl::matrix<double, 50, 2> w1{};
  tl::vector<double, 50> bb1{};
  tl::matrix<double, 2, 50> w2{};
  for (std::size_t i = 0; i < 100; ++i) {
    w1[i] = 0.01 * double(i % 7) - 0.03;
    w2[i] = 0.02 * double(i % 5) - 0.04;
  }
  for (std::size_t i = 0; i < 50; ++i) bb1[i] = 0.001 * double(i);
  const tl::vector<double, 2> zz{{0.5, -1.0}}, bb2{{0.1, 0.2}}, yy{{1.0, -1.0}}, u{{1.0, 0.5}};

  const long before = allocations.load();
  const auto g = tl::grad(loss, tl::wrt(z, W1, b1, W2, b2), z = zz, W1 = std::cref(w1), b1 = bb1,
                          W2 = std::cref(w2), b2 = bb2, y = yy);
  const auto r = tl::value_and_vjp(f, u, tl::wrt(z, W1, b1, W2, b2), z = zz, W1 = w1, b1 = bb1,
                                   W2 = w2, b2 = bb2);
  const auto J = tl::jacobian(f, z, z = zz, W1 = w1, b1 = bb1, W2 = w2, b2 = bb2);
  const long after = allocations.load();

  CHECK(after - before == 0);
  // The results are real: the jacobian row 0 dotted with u... and the vjp agrees with J^T u.
  CHECK(r.gradient[z][0] == Approx(J(0, 0) * u[0] + J(1, 0) * u[1]));
  CHECK(r.gradient[z][1] == Approx(J(0, 1) * u[0] + J(1, 1) * u[1]));
  CHECK(g[b2][0] != 0.0);
  // And the counter works: a std::vector does allocate.
  const long v0 = allocations.load();
  { std::vector<double> v(10); CHECK(v.size() == 10); }
  CHECK(allocations.load() - v0 == 1);
}

TEST_CASE("grad and vjp of a classifier with the issue-10 operators and losses allocate nothing", "[allocation]") {
  constexpr auto x = tl::var<"x", 4>;
  constexpr auto W = tl::var<"W", 3, 4>;
  constexpr auto b = tl::var<"b", 3>;
  const auto h = tl::gelu(tl::matmul(W, tl::clamp(x, -2.0, 2.0))) + tl::silu(b);
  const auto loss = tl::cross_entropy(h, 1) + 0.1 * tl::norm(tl::softmax(h)) + tl::max(tl::leaky_relu(h)) +
                    tl::huber(h, b) + tl::bce_with_logits(h, tl::sigmoid(b)) + 0.01 * tl::squared_norm(tl::sum<0>(W));
  tl::matrix<double, 3, 4> w{};
  for (std::size_t i = 0; i < 12; ++i) w[i] = 0.1 * double(i % 5) - 0.2;
  const tl::vector<double, 4> xx{{0.5, -1.0, 3.0, 0.25}};
  const tl::vector<double, 3> bb{{0.1, -0.2, 0.3}};

  const long before = allocations.load();
  const auto g = tl::grad(loss, tl::wrt(W, b), x = xx, W = w, b = bb);
  const auto v = tl::vjp(tl::softmax(h), bb, tl::wrt(b), x = xx, W = w, b = bb)[b];
  const long after = allocations.load();
  CHECK(after - before == 0);
  CHECK(g[W][0] != 0.0);
  CHECK(std::isfinite(v[0]));
}
