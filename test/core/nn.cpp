// Layers and initialisers: tl::linear against W x + b by hand, wrt(layer), bundles of whole
// models, and every initialiser against its definition (bounds, moments, draw order, bits).
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

namespace {
constexpr auto x = tl::var<"x", 2>;
constexpr tl::linear<"fc1", 2, 3> fc1;
constexpr tl::linear<"fc2", 3, 1> fc2;

template <class V>
double mean_of(const V& v) {
  double s = 0;
  for (std::size_t i = 0; i < tl::size_of_value_v<V>; ++i) s += tl::elem(v, i);
  return s / double(tl::size_of_value_v<V>);
}
template <class V>
double variance_of(const V& v) {
  const double m = mean_of(v);
  double s = 0;
  for (std::size_t i = 0; i < tl::size_of_value_v<V>; ++i) s += (tl::elem(v, i) - m) * (tl::elem(v, i) - m);
  return s / double(tl::size_of_value_v<V> - 1);
}
template <class V>
double max_abs(const V& v) {
  double m = 0;
  for (std::size_t i = 0; i < tl::size_of_value_v<V>; ++i) m = std::max(m, double(std::abs(tl::elem(v, i))));
  return m;
}
}  // namespace

TEST_CASE("a linear layer is weight @ x + bias, with PyTorch's names and layout", "[nn]") {
  STATIC_REQUIRE(decltype(fc1)::weight.name == "fc1.weight");
  STATIC_REQUIRE(decltype(fc1)::bias.name == "fc1.bias");
  STATIC_REQUIRE(std::is_same_v<decltype(fc1.weight)::shape_type, tl::shape<3, 2>>);  // Out x In
  const tl::matrix<double, 3, 2> w{{1, 2, 3, 4, 5, 6}};  // rows (1 2), (3 4), (5 6)
  const tl::vector<double, 3> b{{0.5, -1, 2}};
  const tl::vector<double, 2> xv{{1, -2}};
  const auto y = tl::eval(fc1(x), fc1.weight = w, fc1.bias = b, x = xv);
  CHECK(y == tl::vector<double, 3>{{1 - 4 + 0.5, 3 - 8 - 1, 5 - 12 + 2}});
  CHECK(tl::to_string(fc1(x)) == "fc1.weight @ x + fc1.bias");
}

TEST_CASE("wrt(layer) is wrt of its weight and bias, and an MLP is one line", "[nn]") {
  std::mt19937 gen(7);
  const auto params = tl::parameters(gen, fc1, fc2);
  const tl::vector<double, 2> xv{{0.3, -0.8}};
  const auto loss = tl::sum(fc2(tl::tanh(fc1(x))));
  const auto by_layer = tl::grad(loss, tl::wrt(fc1, fc2), params, x = xv);
  const auto by_symbol =
      tl::grad(loss, tl::wrt(fc1.weight, fc1.bias, fc2.weight, fc2.bias), params, x = xv);
  CHECK(by_layer[fc1.weight] == by_symbol[fc1.weight]);
  CHECK(by_layer[fc2.bias] == by_symbol[fc2.bias]);
  CHECK(by_layer[fc2.bias][0] == 1.0);  // d sum(W2 h + b2) / d b2

  // By hand: loss = sum_k W2[k] tanh(W1[k] . x + b1[k]) + b2.
  const auto& w1 = params[fc1.weight];
  const auto& b1 = params[fc1.bias];
  const auto& w2 = params[fc2.weight];
  double value = params[fc2.bias][0];
  for (std::size_t k = 0; k < 3; ++k) {
    const double h = std::tanh(w1[2 * k] * xv[0] + w1[2 * k + 1] * xv[1] + b1[k]);
    value += w2[k] * h;
    CHECK(by_layer[fc1.bias][k] == Approx(w2[k] * (1 - h * h)).epsilon(1e-14));
    CHECK(by_layer[fc1.weight][2 * k + 1] == Approx(w2[k] * (1 - h * h) * xv[1]).epsilon(1e-14));
    CHECK(by_layer[fc2.weight][k] == Approx(h).epsilon(1e-14));
  }
  CHECK(tl::eval(loss, params, x = xv) == Approx(value).epsilon(1e-14));
}

TEST_CASE("parameters() assembles a whole model's bundle once", "[nn]") {
  constexpr auto A = tl::var<"A", 2, 2>;
  constexpr auto s = tl::var<"s">;
  const auto zeros = tl::parameters<float>(fc1, fc2, A, s);
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(zeros[fc1.weight])>, tl::matrix<float, 3, 2>>);
  STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(zeros[s])>, float>);
  CHECK(max_abs(zeros[fc1.weight]) == 0);
  CHECK(max_abs(zeros[A]) == 0);
  CHECK(zeros[s] == 0);
  std::mt19937 gen(1);
  const auto drawn = tl::parameters(gen, tl::init::normal{.std = 2.0}, fc1, A, s);
  CHECK(max_abs(drawn[A]) > 0);
  CHECK(drawn[s] != 0);
  CHECK(max_abs(drawn[fc1.bias]) == 0);  // a layer's bias is 0 under every scheme but the default
}

TEST_CASE("uniform01 takes 53 bits of the engine's output, the same on every compiler", "[nn]") {
  {
    std::mt19937 gen;  // the default seed 5489: the standard's first outputs
    const double u = tl::init::uniform01(gen);
    CHECK(u == Approx(3499211612.0 / 18446744073709551616.0 + 581869302.0 / 4294967296.0)
                   .epsilon(1e-15));
    std::mt19937 raw;
    CHECK(raw() == 3499211612u);
    CHECK(raw() == 581869302u);
  }
  {
    std::mt19937_64 gen(11), raw(11);  // a 64-bit engine: one output per draw
    CHECK(tl::init::uniform01(gen) == Approx(double(raw()) / 18446744073709551616.0).epsilon(1e-15));
  }
  {
    std::minstd_rand gen(3);  // a range of 2^31 - 2: two outputs per draw, generate_canonical's way
    std::minstd_rand raw(3);
    const double r = 2147483646.0;
    const double a = double(raw() - 1), b = double(raw() - 1);
    CHECK(tl::init::uniform01(gen) == Approx((a + b * r) / (r * r)).epsilon(1e-15));
  }
  std::mt19937 gen(5);
  double lo = 1, hi = 0, sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = tl::init::uniform01(gen);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
  }
  CHECK(lo >= 0.0);
  CHECK(hi < 1.0);
  CHECK(sum / 100000 == Approx(0.5).margin(4 * std::sqrt(1.0 / 12 / 100000)));
}

TEST_CASE("standard_normal has mean 0 and variance 1", "[nn]") {
  std::mt19937 gen(9);
  constexpr int n = 200000;
  double s = 0, s2 = 0, s4 = 0;
  for (int i = 0; i < n; ++i) {
    const double z = tl::init::standard_normal(gen);
    s += z;
    s2 += z * z;
    s4 += z * z * z * z;
  }
  CHECK(s / n == Approx(0).margin(4 / std::sqrt(double(n))));
  CHECK(s2 / n == Approx(1).margin(4 * std::sqrt(2.0 / n)));
  CHECK(s4 / n == Approx(3).margin(4 * std::sqrt(96.0 / n)));  // a normal's fourth moment
}

TEST_CASE("every scheme follows PyTorch's definition", "[nn]") {
  constexpr tl::linear<"big", 400, 300> big;  // fan_in 400, fan_out 300: 120000 weights
  constexpr double n = 120000;
  std::mt19937 gen(2026);
  SECTION("nn.Linear's default: weight and bias uniform on +-1/sqrt(fan_in)") {
    const auto p = tl::parameters(gen, big);
    const double bound = 1.0 / 20.0;
    CHECK(max_abs(p[big.weight]) <= bound);
    CHECK(max_abs(p[big.weight]) > 0.999 * bound);
    CHECK(max_abs(p[big.bias]) <= bound);
    CHECK(max_abs(p[big.bias]) > 0.9 * bound);
    CHECK(mean_of(p[big.weight]) == Approx(0).margin(4 * bound / std::sqrt(3 * n)));
    CHECK(variance_of(p[big.weight]) == Approx(bound * bound / 3).epsilon(0.02));
  }
  SECTION("xavier_uniform") {
    const auto p = tl::parameters(gen, tl::init::xavier_uniform{.gain = 2.0}, big);
    const double bound = 2.0 * std::sqrt(6.0 / 700.0);
    CHECK(max_abs(p[big.weight]) <= bound);
    CHECK(max_abs(p[big.weight]) > 0.999 * bound);
    CHECK(variance_of(p[big.weight]) == Approx(bound * bound / 3).epsilon(0.02));
    CHECK(max_abs(p[big.bias]) == 0);
  }
  SECTION("xavier_normal") {
    const auto p = tl::parameters(gen, tl::init::xavier_normal{}, big);
    CHECK(variance_of(p[big.weight]) == Approx(2.0 / 700.0).epsilon(0.02));
  }
  SECTION("kaiming_uniform and kaiming_normal, for relu and for a leaky relu") {
    const auto u = tl::parameters(gen, tl::init::kaiming_uniform{}, big);
    CHECK(max_abs(u[big.weight]) <= std::sqrt(6.0 / 400));
    CHECK(max_abs(u[big.weight]) > 0.999 * std::sqrt(6.0 / 400));
    const auto z = tl::parameters(gen, tl::init::kaiming_normal{.a = 0.5}, big);
    CHECK(variance_of(z[big.weight]) == Approx(2.0 / (1.25 * 400)).epsilon(0.02));
  }
  SECTION("normal, uniform, zeros") {
    const auto p = tl::parameters(gen, tl::init::normal{.mean = 1.0, .std = 0.1}, big);
    CHECK(mean_of(p[big.weight]) == Approx(1.0).margin(4 * 0.1 / std::sqrt(n)));
    CHECK(variance_of(p[big.weight]) == Approx(0.01).epsilon(0.02));
    const auto q = tl::parameters(gen, tl::init::uniform{.low = 2.0, .high = 3.0}, big);
    CHECK(mean_of(q[big.weight]) == Approx(2.5).margin(4 / std::sqrt(12 * n)));
    const auto r = tl::parameters(gen, tl::init::zeros{}, big);
    CHECK(max_abs(r[big.weight]) == 0);
  }
}

TEST_CASE("draws follow the items' order, weight then bias, row-major", "[nn]") {
  std::mt19937 gen(42), replay(42);
  const auto p = tl::parameters(gen, fc1, fc2);
  const double b1 = 1 / std::sqrt(2.0), b2 = 1 / std::sqrt(3.0);
  const auto next = [&](double bound) { return -bound + 2 * bound * tl::init::uniform01(replay); };
  for (std::size_t i = 0; i < 6; ++i) CHECK(p[fc1.weight][i] == next(b1));
  for (std::size_t i = 0; i < 3; ++i) CHECK(p[fc1.bias][i] == next(b1));
  for (std::size_t i = 0; i < 3; ++i) CHECK(p[fc2.weight][i] == next(b2));
  CHECK(p[fc2.bias][0] == next(b2));
  CHECK(gen() == replay());  // and nothing else was drawn

  std::mt19937 again(42);
  const auto q = tl::parameters(again, fc1, fc2);
  CHECK(q[fc1.weight] == p[fc1.weight]);

  // init::apply re-initialises one layer of a bundle in place and leaves the rest.
  auto r = p;
  std::mt19937 other(43);
  tl::init::apply(r, other, tl::init::zeros{}, fc2);
  CHECK(r[fc1.weight] == p[fc1.weight]);
  CHECK(max_abs(r[fc2.weight]) == 0);
}
