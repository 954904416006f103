// The losses of <tapeless/train.hpp> added for issue 10, against PyTorch's definitions: values
// in closed form (computed here from the defining formulas with <cmath>), finite at large logits, and gradients against the closed forms and central
// finite differences.
#include "check.hpp"

#include <cmath>
#include <stdexcept>
#include <tapeless/train.hpp>

namespace tl = tapeless;
using check::close;
using check::gradient_laws;
using check::random_value;

namespace {
constexpr auto z = tl::var<"z", 3>;
constexpr auto y = tl::var<"y", 3>;
constexpr auto p = tl::var<"p", 4>;
using vec3 = tl::vector<double, 3>;
using vec4 = tl::vector<double, 4>;

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }
// PyTorch's BCEWithLogitsLoss element: max(z, 0) - z y + log1p(exp(-|z|)).
double bce_term(double zi, double yi) { return std::max(zi, 0.0) - zi * yi + std::log1p(std::exp(-std::abs(zi))); }
double lse(const vec3& v) {
  const double m = std::max({v[0], v[1], v[2]});
  return m + std::log(std::exp(v[0] - m) + std::exp(v[1] - m) + std::exp(v[2] - m));
}
}  // namespace

TEST_CASE("bce_with_logits is PyTorch's BCEWithLogitsLoss (mean)", "[losses]") {
  const vec3 z0{{0.3, -1.2, 2.5}}, y0{{1.0, 0.0, 0.25}};
  const auto at = tl::at(z = z0, y = y0);
  const double expected = (bce_term(0.3, 1.0) + bce_term(-1.2, 0.0) + bce_term(2.5, 0.25)) / 3;
  CHECK(tl::eval(tl::bce_with_logits(z, y), at) == Approx(expected).epsilon(1e-15));
  // Gradient (sigmoid(z) - y) / n.
  const auto g = tl::grad(tl::bce_with_logits(z, y), tl::wrt(z), at)[z];
  for (std::size_t i = 0; i < 3; ++i) CHECK(g[i] == close((sigmoid(z0[i]) - y0[i]) / 3, 1e-15));
  // Large logits: finite, exact. z = 1000 with y = 0 costs 1000; z = -1000 with y = 1 too.
  const vec3 big{{1000.0, -1000.0, 0.0}}, yb{{0.0, 1.0, 1.0}};
  CHECK(tl::eval(tl::bce_with_logits(z, y), z = big, y = yb) == Approx((2000 + std::log(2.0)) / 3).epsilon(1e-15));
  const auto gb = tl::grad(tl::bce_with_logits(z, y), tl::wrt(z), z = big, y = yb)[z];
  CHECK(gb == vec3{{1 / 3.0, -1 / 3.0, -0.5 / 3}});
  // A target given as a value, not a symbol.
  CHECK(tl::eval(tl::bce_with_logits(z, y0), z = z0) == Approx(expected).epsilon(1e-15));
  for (int k = 0; k < 4; ++k) gradient_laws(tl::bce_with_logits(z, y), z, random_value<tl::shape<3>>(-4, 4), tl::at(y = y0));
}

TEST_CASE("cross_entropy is PyTorch's CrossEntropyLoss from logits", "[losses]") {
  const vec3 z0{{1.0, 2.0, 3.0}};
  // F.cross_entropy(torch.tensor([1., 2., 3.]), torch.tensor(0)) = log(e + e^2 + e^3) - 1
  CHECK(tl::eval(tl::cross_entropy(z, 0), z = z0) == Approx(2.4076059644443806).epsilon(1e-15));
  CHECK(tl::eval(tl::cross_entropy(z, 2), z = z0) == Approx(lse(z0) - 3.0).epsilon(1e-15));
  // Gradient softmax(z) - one_hot(k).
  const auto g = tl::grad(tl::cross_entropy(z, std::size_t{1}), tl::wrt(z), z = z0)[z];
  for (std::size_t i = 0; i < 3; ++i) CHECK(g[i] == close(std::exp(z0[i] - lse(z0)) - (i == 1 ? 1 : 0), 1e-15));
  // A one-hot target gives the same loss; soft labels give -sum(y log_softmax(z)).
  CHECK(tl::eval(tl::cross_entropy(z, y), z = z0, y = tl::one_hot<3>(1)) ==
        Approx(tl::eval(tl::cross_entropy(z, 1), z = z0)).epsilon(1e-15));
  const vec3 soft{{0.2, 0.5, 0.3}};
  double expected = 0;
  for (std::size_t i = 0; i < 3; ++i) expected -= soft[i] * (z0[i] - lse(z0));
  CHECK(tl::eval(tl::cross_entropy(z, y), z = z0, y = soft) == Approx(expected).epsilon(1e-15));
  CHECK(tl::eval(tl::cross_entropy(z, soft), z = z0) == Approx(expected).epsilon(1e-15));
  // Large logits: logsumexp([1000, 1000, 999]) - 999 = 1 + log(2 + e^-1), and no NaN anywhere.
  const vec3 big{{1000.0, 1000.0, 999.0}};
  CHECK(tl::eval(tl::cross_entropy(z, 2), z = big) == Approx(1 + std::log(2 + std::exp(-1.0))).epsilon(1e-13));
  CHECK(tl::eval(tl::cross_entropy(z, 0), z = big) == Approx(std::log(2 + std::exp(-1.0))).epsilon(1e-12));
  const auto gb = tl::grad(tl::cross_entropy(z, 2), tl::wrt(z), z = big)[z];
  const double d = 2 + std::exp(-1.0);
  CHECK(gb[0] == Approx(1 / d).epsilon(1e-12));
  CHECK(gb[2] == Approx(std::exp(-1.0) / d - 1).epsilon(1e-12));
  CHECK(tl::eval(tl::cross_entropy(z, 0), z = vec3{{-1000.0, 0.0, 1000.0}}) == Approx(2000.0).epsilon(1e-15));
  for (int k = 0; k < 4; ++k) {
    const auto z1 = random_value<tl::shape<3>>(-3, 3);
    gradient_laws(tl::cross_entropy(z, 1), z, z1, tl::at(y = soft));
    gradient_laws(tl::cross_entropy(z, y), z, z1, tl::at(y = soft));
  }
  // An index out of range is an error when the loss is built.
  CHECK_THROWS_AS(tl::cross_entropy(z, 3), std::out_of_range);
  CHECK(tl::one_hot<3>(2) == vec3{{0.0, 0.0, 1.0}});
}

TEST_CASE("a class that changes per sample is a one-hot symbol (docs/operators.md)", "[losses]") {
  const tl::vector<double, 3> logits{{0.5, 2.0, -1.0}};
  for (std::size_t label = 0; label < 3; ++label) {
    // [one_hot_symbol]
    constexpr auto z = tl::var<"z", 3>;
    constexpr auto y = tl::var<"y", 3>;
    const auto loss = tl::cross_entropy(z, y);  // sum(y * (logsumexp(z) - z))
    const double l = tl::eval(loss, z = logits, y = tl::one_hot<3>(label));
    // [/one_hot_symbol]
    CHECK(l == Approx(tl::eval(tl::cross_entropy(z, label), z = logits)).epsilon(1e-15));
    CHECK(l == Approx(std::log(std::exp(0.5) + std::exp(2.0) + std::exp(-1.0)) - logits[label]).epsilon(1e-15));
  }
}

TEST_CASE("nll is PyTorch's NLLLoss", "[losses]") {
  const vec3 lp{{-0.5, -1.5, -2.25}};
  CHECK(tl::eval(tl::nll(y, 1), y = lp) == 1.5);
  // The class as a one-hot symbol bound per sample: -sum(k * y).
  constexpr auto k = tl::var<"k", 3>;
  CHECK(tl::eval(tl::nll(y, k), y = lp, k = tl::one_hot<3>(1)) == 1.5);
  CHECK(tl::eval(tl::nll(y, k), y = lp, k = tl::one_hot<3>(2)) == 2.25);
  CHECK(tl::grad(tl::nll(y, 2), tl::wrt(y), y = lp)[y] == vec3{{0.0, 0.0, -1.0}});
  // nll of log_softmax is cross_entropy.
  const vec3 z0{{0.7, -0.1, 2.0}};
  CHECK(tl::eval(tl::nll(z - tl::logsumexp(z), 0), z = z0) ==
        Approx(tl::eval(tl::cross_entropy(z, 0), z = z0)).epsilon(1e-15));
  CHECK(tl::eval(tl::nll(z - tl::logsumexp(z), tl::one_hot<3>(2)), z = z0) ==
        Approx(lse(z0) - 2.0).epsilon(1e-15));
  CHECK_THROWS_AS(tl::nll(z, 5), std::out_of_range);
  for (int k = 0; k < 4; ++k)
    gradient_laws(tl::nll(z - tl::logsumexp(z), 2), z, random_value<tl::shape<3>>(-3, 3), tl::at(y = lp));
}

TEST_CASE("huber is PyTorch's HuberLoss (mean)", "[losses]") {
  constexpr auto t = tl::var<"t", 4>;
  const vec4 t0{{0.0, 0.0, 0.0, 0.0}}, p0{{-3.0, -0.5, 0.2, 2.0}};
  const auto at = tl::at(p = p0, t = t0);
  // 0.5 d^2 for |d| < delta, delta (|d| - delta / 2) elsewhere; delta = 1.
  CHECK(tl::eval(tl::huber(p, t), at) == Approx((2.5 + 0.125 + 0.02 + 1.5) / 4).epsilon(1e-15));
  // delta = 2.5: |d| = 3 is linear (2.5 (3 - 1.25)), the rest quadratic.
  CHECK(tl::eval(tl::huber(p, t, 2.5), at) == Approx((2.5 * 1.75 + 0.125 + 0.02 + 2.0) / 4).epsilon(1e-15));
  // Gradient clamp(d, -delta, delta) / n; at |d| = delta both pieces give delta sign(d).
  CHECK(tl::grad(tl::huber(p, t), tl::wrt(p), at)[p] == vec4{{-0.25, -0.125, 0.05, 0.25}});
  const vec4 edge{{-1.0, 1.0, 0.0, 0.5}};
  CHECK(tl::grad(tl::huber(p, t), tl::wrt(p), p = edge, t = t0)[p] == vec4{{-0.25, 0.25, 0.0, 0.125}});
  // The target's gradient is the opposite.
  CHECK(tl::grad(tl::huber(p, t), tl::wrt(t), at)[t] == vec4{{0.25, 0.125, -0.05, -0.25}});
  // delta -> small: huber / delta tends to the mean absolute error.
  CHECK(tl::eval(tl::huber(p, t, 1e-9), at) / 1e-9 == Approx((3 + 0.5 + 0.2 + 2) / 4).epsilon(1e-8));
  for (int k = 0; k < 4; ++k) {
    gradient_laws(tl::huber(p, t), p, random_value<tl::shape<4>>(-3, 3), tl::at(t = random_value<tl::shape<4>>(-1, 1)));
    gradient_laws(tl::huber(p, t, 0.5), p, random_value<tl::shape<4>>(-3, 3), tl::at(t = random_value<tl::shape<4>>(-1, 1)));
  }
}

TEST_CASE("printed forms of the losses", "[losses][print]") {
  CHECK(tl::to_string(tl::bce_with_logits(z, y)) == "mean(softplus(z) - z * y)");
  CHECK(tl::to_string(tl::cross_entropy(z, 1)) == "logsumexp(z) - dot(z, [0, 1, 0])");
  CHECK(tl::to_string(tl::cross_entropy(z, y)) == "sum(y * (logsumexp(z) - z))");
  CHECK(tl::to_string(tl::nll(z, 0)) == "-dot(z, [1, 0, 0])");
  CHECK(tl::to_string(tl::huber(p, tl::var<"t", 4>)) ==
        "mean(clamp(p - t, -1, 1) * (p - t - 0.5 * clamp(p - t, -1, 1)))");
}
