// A model of more than 256 stored nodes evaluates on both compilers: the sweep's store and its
// steps are built with braced lists, since clang refuses a fold expression of more than 256
// terms. The value is checked against the same recursion on doubles.
#include <catch2/catch.hpp>
#include <cmath>
#include <tapeless/tapeless.hpp>

namespace tl = tapeless;

namespace {
constexpr auto x = tl::var<"x">;
constexpr auto w = tl::var<"w">;

// 3 operations per level: tanh(e) * x + w.
template <int Depth, class E>
constexpr auto chain(const E& e) {
  if constexpr (Depth == 0)
    return e;
  else
    return chain<Depth - 1>(tl::tanh(e) * x + w);
}
}  // namespace

TEST_CASE("a chain of 300 scalar operations evaluates", "[core][large]") {
  const auto e = chain<100>(x);
  const double xv = 0.7, wv = 0.1;
  double ref = xv;
  for (int i = 0; i < 100; ++i) ref = std::tanh(ref) * xv + wv;
  CHECK(tl::eval(e, x = xv, w = wv) == Approx(ref).epsilon(1e-15));
}
