// The reductions added for issue 10: max, min, logsumexp, softmax, norm, squared_norm, and the
// reductions of a matrix over one axis (sum<D>, mean<D>, max<D>, min<D>). Derivatives against
// finite differences and between modes; values in closed form, also for inputs where the naive
// formulas overflow; ties and zeros take PyTorch's conventions.
#include "check.hpp"

#include <cmath>

namespace tl = tapeless;
using check::close;
using check::gradient_laws;
using check::hessian_laws;
using check::random_value;

namespace {
constexpr auto x = tl::var<"x", 3>;
constexpr auto w = tl::var<"w", 3>;
constexpr auto X = tl::var<"X", 2, 3>;
constexpr auto r2 = tl::var<"r", 2>;
using v3 = tl::shape<3>;
using m23 = tl::shape<2, 3>;
using vec3 = tl::vector<double, 3>;
using mat23 = tl::matrix<double, 2, 3>;
}  // namespace

TEST_CASE("reductions to a scalar: derivatives agree with finite differences", "[laws]") {
  for (int k = 0; k < 4; ++k) {
    const auto x0 = random_value<v3>(-2, 2);
    const auto b = tl::at(w = random_value<v3>(-2, 2));
    gradient_laws(tl::max(x * w), x, x0, b);
    gradient_laws(tl::min(x * w), x, x0, b);
    gradient_laws(tl::max(x) * tl::min(x), x, x0, b);
    gradient_laws(tl::logsumexp(x * w), x, x0, b);
    gradient_laws(tl::dot(tl::softmax(x), w), x, x0, b);
    gradient_laws(tl::norm(x * w), x, x0, b);
    gradient_laws(tl::squared_norm(x * w), x, x0, b);
    hessian_laws(tl::square(tl::max(x * w)), x, x0, b);
    hessian_laws(tl::logsumexp(x * w), x, x0, b);
    hessian_laws(tl::dot(tl::softmax(x), w), x, x0, b);
    hessian_laws(tl::norm(x * w), x, x0, b);
    hessian_laws(tl::squared_norm(x * w), x, x0, b);
  }
}

TEST_CASE("softmax: the jvp and the vjp are transposes of each other", "[laws]") {
  for (int k = 0; k < 4; ++k) {
    const auto x0 = random_value<v3>(-3, 3);
    const auto u = random_value<v3>(-1, 1), v = random_value<v3>(-1, 1);
    const auto jv = tl::jvp(tl::softmax(x), x, v, x = x0);
    const auto ju = tl::vjp(tl::softmax(x), u, tl::wrt(x), x = x0)[x];
    double uJv = 0, Juv = 0;
    for (std::size_t i = 0; i < 3; ++i) uJv += u[i] * jv[i], Juv += ju[i] * v[i];
    CHECK(uJv == close(Juv, 1e-14));
    // J = diag(y) - y y^T, so J v = y * (v - y . v).
    const auto y = tl::eval(tl::softmax(x), x = x0);
    const double yv = y[0] * v[0] + y[1] * v[1] + y[2] * v[2];
    for (std::size_t i = 0; i < 3; ++i) CHECK(jv[i] == close(y[i] * (v[i] - yv), 1e-15));
  }
}

TEST_CASE("reductions to a scalar: closed forms and large inputs", "[values]") {
  const vec3 v{{1.0, -2.0, 3.0}};
  CHECK(tl::eval(tl::max(x), x = v) == 3.0);
  CHECK(tl::eval(tl::min(x), x = v) == -2.0);
  CHECK(tl::eval(tl::logsumexp(x), x = v) ==
        Approx(std::log(std::exp(1.0) + std::exp(-2.0) + std::exp(3.0))).epsilon(1e-15));
  CHECK(tl::eval(tl::norm(x), x = v) == Approx(std::sqrt(14.0)).epsilon(1e-15));
  CHECK(tl::eval(tl::squared_norm(x), x = v) == 14.0);
  CHECK(tl::eval(tl::norm(r2), r2 = tl::vector<double, 2>{{3.0, 4.0}}) == 5.0);
  const auto gn = tl::grad(tl::norm(r2), tl::wrt(r2), r2 = tl::vector<double, 2>{{3.0, 4.0}})[r2];
  CHECK(gn[0] == Approx(0.6).epsilon(1e-15));
  CHECK(gn[1] == Approx(0.8).epsilon(1e-15));
  // logsumexp shifts by the max: no overflow, no underflow.
  const tl::vector<double, 2> big{{1000.0, 1000.0}}, small{{-1000.0, -1000.0}};
  CHECK(tl::eval(tl::logsumexp(r2), r2 = big) == Approx(1000.0 + std::log(2.0)).epsilon(1e-15));
  CHECK(tl::eval(tl::logsumexp(r2), r2 = small) == Approx(-1000.0 + std::log(2.0)).epsilon(1e-15));
  const auto gl = tl::grad(tl::logsumexp(r2), tl::wrt(r2), r2 = big)[r2];
  CHECK(gl[0] == Approx(0.5).epsilon(1e-13));  // lse = 1000.69... is rounded to an ulp of 1000
  CHECK(gl[1] == gl[0]);
  CHECK(tl::eval(tl::logsumexp(r2), r2 = tl::vector<double, 2>{{1000.0, -INFINITY}}) == 1000.0);
  CHECK(tl::eval(tl::logsumexp(r2), r2 = tl::vector<double, 2>{{-INFINITY, -INFINITY}}) == -INFINITY);
  // softmax of large inputs: softmax([1000, 1000, 999]) = [1, 1, e^-1] / (2 + e^-1).
  const vec3 large{{1000.0, 1000.0, 999.0}};
  const auto sm = tl::eval(tl::softmax(x), x = large);
  const double z = 2 + std::exp(-1.0);
  CHECK(sm[0] == Approx(1 / z).epsilon(1e-15));
  CHECK(sm[1] == Approx(1 / z).epsilon(1e-15));
  CHECK(sm[2] == Approx(std::exp(-1.0) / z).epsilon(1e-15));
  const auto sm_low = tl::eval(tl::softmax(x), x = vec3{{-1000.0, -1000.0, -1001.0}});
  CHECK(sm_low[0] == Approx(1 / z).epsilon(1e-15));
  // Its vjp at large inputs stays finite: grad of softmax(x)[0] is y0 (e0 - y).
  const auto g0 = tl::grad(tl::dot(tl::softmax(x), tl::constant(vec3{{1.0, 0.0, 0.0}})), tl::wrt(x), x = large)[x];
  CHECK(g0[0] == Approx(sm[0] * (1 - sm[0])).epsilon(1e-14));
  CHECK(g0[2] == Approx(-sm[0] * sm[2]).epsilon(1e-14));
  // norm of huge and tiny vectors: no overflow, no underflow to 0.
  CHECK(tl::eval(tl::norm(r2), r2 = tl::vector<double, 2>{{3e200, 4e200}}) == Approx(5e200).epsilon(1e-15));
  CHECK(tl::eval(tl::norm(r2), r2 = tl::vector<double, 2>{{3e-200, 4e-200}}) == Approx(5e-200).epsilon(1e-15));
}

TEST_CASE("reductions: ties and zeros take PyTorch's conventions", "[kinks]") {
  // max(x) and min(x) share the gradient evenly among tied elements (torch.max(x), torch.amax).
  const vec3 tied{{3.0, 1.0, 3.0}};
  CHECK(tl::grad(tl::max(x), tl::wrt(x), x = tied)[x] == vec3{{0.5, 0.0, 0.5}});
  CHECK(tl::grad(tl::min(x), tl::wrt(x), x = vec3{{1.0, 1.0, 1.0}})[x] == vec3{{1 / 3.0, 1 / 3.0, 1 / 3.0}});
  CHECK(tl::jvp(tl::max(x), x, vec3{{1.0, 5.0, 2.0}}, x = tied) == 1.5);
  // norm at 0: value 0, gradient 0 (PyTorch), jvp 0; squared_norm's gradient 2 x is 0 too.
  const vec3 zero{};
  CHECK(tl::eval(tl::norm(x), x = zero) == 0.0);
  CHECK(tl::grad(tl::norm(x), tl::wrt(x), x = zero)[x] == zero);
  CHECK(tl::jvp(tl::norm(x), x, vec3{{1.0, 2.0, 3.0}}, x = zero) == 0.0);
  CHECK(tl::grad(tl::squared_norm(x), tl::wrt(x), x = zero)[x] == zero);
  // NaN propagates through max, logsumexp and norm.
  const vec3 nan_at_1{{1.0, std::nan(""), 3.0}};
  CHECK(std::isnan(tl::eval(tl::max(x), x = nan_at_1)));
  CHECK(std::isnan(tl::eval(tl::min(x), x = nan_at_1)));
  CHECK(std::isnan(tl::eval(tl::logsumexp(x), x = nan_at_1)));
  CHECK(std::isnan(tl::eval(tl::norm(x), x = nan_at_1)));
  CHECK(std::isnan(tl::eval(tl::norm(x), x = vec3{{1e300, std::nan(""), 0.0}})));
  CHECK(tl::eval(tl::norm(x), x = vec3{{INFINITY, 1.0, 0.0}}) == INFINITY);
}

TEST_CASE("reductions over one axis of a matrix", "[laws][axis]") {
  const mat23 M{{1, 2, 3, 4, 5, 6}};
  const auto at = tl::at(X = M);
  // sum<0> of a 2x3 matrix: the 3 column sums; sum<1>: the 2 row sums (PyTorch's dim).
  CHECK(tl::eval(tl::sum<0>(X), at) == vec3{{5, 7, 9}});
  CHECK(tl::eval(tl::sum<1>(X), at) == tl::vector<double, 2>{{6, 15}});
  CHECK(tl::eval(tl::mean<0>(X), at) == vec3{{2.5, 3.5, 4.5}});
  CHECK(tl::eval(tl::mean<1>(X), at) == tl::vector<double, 2>{{2, 5}});
  const mat23 N{{1, 9, -3, 4, -5, 6}};
  CHECK(tl::eval(tl::max<0>(X), X = N) == vec3{{4, 9, 6}});
  CHECK(tl::eval(tl::max<1>(X), X = N) == tl::vector<double, 2>{{9, 6}});
  CHECK(tl::eval(tl::min<0>(X), X = N) == vec3{{1, -5, -3}});
  CHECK(tl::eval(tl::min<1>(X), X = N) == tl::vector<double, 2>{{-3, -5}});
  // Gradients in closed form: d dot(sum<0>(X), w) / dX has every row w; d sum<1> has every
  // column of the row's weight.
  const vec3 w0{{1.0, 0.5, -2.0}};
  CHECK(tl::grad(tl::dot(tl::sum<0>(X), w), tl::wrt(X), at, w = w0)[X] == mat23{{1.0, 0.5, -2.0, 1.0, 0.5, -2.0}});
  CHECK(tl::grad(tl::dot(tl::mean<1>(X), r2), tl::wrt(X), at, r2 = tl::vector<double, 2>{{3.0, -6.0}})[X] ==
        mat23{{1.0, 1.0, 1.0, -2.0, -2.0, -2.0}});
  // max<0> with a tie in column 0: half of that column's gradient to each of its two elements.
  const mat23 T{{2, 1, 0, 2, 5, -1}};
  CHECK(tl::grad(tl::dot(tl::max<0>(X), w), tl::wrt(X), X = T, w = w0)[X] ==
        mat23{{0.5, 0.0, -2.0, 0.5, 0.5, 0.0}});
  CHECK(tl::grad(tl::sum(tl::min<1>(X)), tl::wrt(X), X = mat23{{1, 1, 2, 0, 3, 4}})[X] ==
        mat23{{0.5, 0.5, 0.0, 1.0, 0.0, 0.0}});
  // The laws at random matrices.
  for (int k = 0; k < 4; ++k) {
    const auto X0 = random_value<m23>(-2, 2);
    const auto b = tl::at(w = random_value<v3>(-2, 2), r2 = random_value<tl::shape<2>>(-2, 2));
    gradient_laws(tl::dot(tl::sum<0>(X), w), X, X0, b);
    gradient_laws(tl::dot(tl::sum<1>(X), r2), X, X0, b);
    gradient_laws(tl::dot(tl::mean<0>(tl::square(X)), w), X, X0, b);
    gradient_laws(tl::dot(tl::mean<1>(X), r2), X, X0, b);
    gradient_laws(tl::dot(tl::max<0>(X), w), X, X0, b);
    gradient_laws(tl::dot(tl::min<1>(X), r2), X, X0, b);
    // Second order with respect to a vector w that the matrix depends on (hessian takes a
    // scalar or vector symbol).
    const auto A = tl::outer(r2, w) * X;
    const auto bX = tl::at(X = X0, r2 = random_value<tl::shape<2>>(-2, 2));
    const auto w0 = random_value<v3>(-2, 2);
    hessian_laws(tl::sum(tl::square(tl::sum<0>(A))), w, w0, bX);
    hessian_laws(tl::dot(tl::sin(tl::mean<1>(A)), r2), w, w0, bX);
    hessian_laws(tl::dot(tl::square(tl::max<1>(A)), r2), w, w0, bX);
    hessian_laws(tl::sum(tl::exp(tl::min<0>(A))), w, w0, bX);
  }
}

TEST_CASE("printed forms of the reductions and their derivatives", "[print]") {
  CHECK(tl::to_string(tl::max(x) - tl::min(x) + tl::logsumexp(x)) == "max(x) - min(x) + logsumexp(x)");
  CHECK(tl::to_string(tl::norm(x) * tl::squared_norm(x)) == "norm(x) * squared_norm(x)");
  CHECK(tl::to_string(tl::softmax(x)) == "softmax(x)");
  CHECK(tl::to_string(tl::sum<0>(X) + tl::mean<0>(X)) == "sum(X, dim=0) + mean(X, dim=0)");
  CHECK(tl::to_string(tl::max<1>(X) - tl::min<1>(X)) == "max(X, dim=1) - min(X, dim=1)");
  CHECK(tl::to_string(tl::d(tl::logsumexp(x), x)) == "exp(x - logsumexp(x))");
  CHECK(tl::to_string(tl::d(tl::norm(x), x)) == "x / norm(x)");
  CHECK(tl::to_string(tl::d(tl::squared_norm(x), x)) == "2 * x");
  CHECK(tl::to_string(tl::d(tl::max(x), x)) == "(x == max(x)) / sum(x == max(x))");
  CHECK(tl::to_string(tl::d(tl::dot(tl::softmax(x), w), x)) == "softmax(x) * (w - sum(w * softmax(x)))");
  CHECK(tl::to_string(tl::d(tl::dot(tl::sum<0>(X), w), X)) == "outer(ones(2), w)");
  CHECK(tl::to_string(tl::d(tl::dot(tl::mean<1>(X), r2), X)) == "1/3 * outer(r, ones(3))");
}
