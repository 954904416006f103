// How the sweeps add and write (detail/sums.hpp, write_elements in ops/arithmetic.hpp): a long
// sum runs in four partial sums, combined as (s0 + s1) + (s2 + s3), the same value in a sum, in
// a matrix-vector and in a vector-matrix product; short sums add left to right; element-wise
// results written in blocks of four are the plain loop's to the bit, tail included.
#include <catch2/catch.hpp>
#include <cmath>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

namespace {
template <std::size_t N>
tl::vector<double, N> ramp(double scale) {
  tl::vector<double, N> v{};
  for (std::size_t i = 0; i < N; ++i) v[i] = scale * std::sin(1.3 * double(i) + 0.4) * std::pow(10.0, double(i % 7) - 3.0);
  return v;
}
// The policy written out: four partial sums over p mod 4 (the tail into the first).
template <std::size_t N, class Term>
double four_sums(Term term) {
  double s[4] = {term(0), term(1), term(2), term(3)};
  std::size_t p = 4;
  for (; p + 4 <= N; p += 4)
    for (std::size_t q = 0; q < 4; ++q) s[q] += term(p + q);
  for (; p < N; ++p) s[0] += term(p);
  return (s[0] + s[1]) + (s[2] + s[3]);
}
template <std::size_t N, class Term>
double left_to_right(Term term) {
  double s = 0;
  for (std::size_t p = 0; p < N; ++p) s += term(p);
  return s;
}
}  // namespace

TEST_CASE("a long sum runs in four partial sums, a short one left to right", "[sums]") {
  constexpr auto x = tl::var<"x", 51>;
  const auto v = ramp<51>(1.0);
  const double got = tl::eval(tl::sum(x), x = v);
  CHECK(got == four_sums<51>([&](std::size_t p) { return v[p]; }));
  // As accurate as the plain sum: against a long double reference.
  long double exact = 0;
  for (double e : v.data) exact += e;
  const double plain = left_to_right<51>([&](std::size_t p) { return v[p]; });
  CHECK(std::abs(double(got - exact)) <= std::abs(double(plain - exact)) + 4e-16 * std::abs(double(exact)));

  constexpr auto y = tl::var<"y", 15>;  // below partial_sums_from: left to right
  const auto w = ramp<15>(1.0);
  CHECK(tl::eval(tl::sum(y), y = w) == left_to_right<15>([&](std::size_t p) { return w[p]; }));
}

TEST_CASE("the long dot products of matmul are the same partial sums", "[sums][matmul]") {
  constexpr std::size_t K = 50;
  constexpr auto A = tl::var<"A", 2, K>;   // two rows: a fused matrix-vector product
  constexpr auto h = tl::var<"h", K>;
  constexpr auto g = tl::var<"g", K>;
  constexpr auto B = tl::var<"B", K, 2>;   // two columns: a vector-matrix product
  tl::matrix<double, 2, K> a{};
  tl::matrix<double, K, 2> bm{};
  const auto hv = ramp<K>(1.0), gv = ramp<K>(-0.7);
  for (std::size_t p = 0; p < K; ++p) {
    a(0, p) = std::cos(0.3 * double(p));
    a(1, p) = 1.0 / (1.0 + double(p));
    bm(p, 0) = a(1, p);
    bm(p, 1) = -a(0, p);
  }
  const auto y = tl::eval(tl::matmul(A, h), A = a, h = hv);
  const auto z = tl::eval(tl::matmul(g, B), g = gv, B = bm);
  for (std::size_t r = 0; r < 2; ++r) {
    CHECK(y[r] == four_sums<K>([&](std::size_t p) { return a(r, p) * hv[p]; }));
    CHECK(z[r] == four_sums<K>([&](std::size_t p) { return gv[p] * bm(p, r); }));
  }
  // Fused into an element-wise consumer, the same value.
  const auto yb = tl::eval(tl::matmul(A, h) + 1.0, A = a, h = hv);
  for (std::size_t r = 0; r < 2; ++r) CHECK(yb[r] == y[r] + 1.0);
}

TEST_CASE("element-wise results written in blocks are the plain loop's bits", "[sums][elementwise]") {
  constexpr auto u = tl::var<"u", 11>;
  constexpr auto v = tl::var<"v", 11>;
  const auto uv = ramp<11>(0.9), vv = ramp<11>(-1.1);
  const auto r = tl::eval(tl::exp(u) * v + u, u = uv, v = vv);
  for (std::size_t i = 0; i < 11; ++i) {
    const double e = std::exp(uv[i]) * vv[i] + uv[i];
    CHECK(r[i] == e);
  }
}
