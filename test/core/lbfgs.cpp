// L-BFGS with the strong-Wolfe line search: the Rosenbrock function from its standard start, a
// quadratic (at most n + 1 iterations), the fixed-step variant, the closure forms, the state a
// checkpoint restores, and the line search's cubic step against its closed form.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <tapeless/tapeless.hpp>
#include <tapeless/train.hpp>
#include <utility>
#include <vector>

namespace tl = tapeless;

namespace {
constexpr auto a = tl::var<"a">;
constexpr auto b = tl::var<"b">;
// Rosenbrock's function, minimum 0 at (1, 1).
const auto rosenbrock = tl::square(1.0 - a) + 100.0 * tl::square(b - tl::square(a));
}  // namespace

TEST_CASE("L-BFGS finds the Rosenbrock minimum from (-1.2, 1)", "[lbfgs]") {
  auto params = tl::at(a = -1.2, b = 1.0);
  auto closure = [&](const auto& p) { return tl::value_and_grad(rosenbrock, tl::wrt(a, b), p); };
  tl::lbfgs<decltype(params)> opt(
      params, {.max_iter = 200, .tolerance_grad = 1e-12, .tolerance_change = 0});

  // Every accepted step, checked against the strong Wolfe conditions with the test's own
  // evaluations of f and its gradient at the old and the new point.
  auto prev = params;
  int steps = 0, wolfe_steps = 0;
  auto observe = [&](const auto& p, const tl::lbfgs_report& r) {
    ++steps;
    const auto before = closure(prev), after = closure(p);
    const double s0 = p[a] - prev[a], s1 = p[b] - prev[b];
    const double slope0 = before.gradient[a] * s0 + before.gradient[b] * s1;  // = t g.d
    const double slope1 = after.gradient[a] * s0 + after.gradient[b] * s1;
    CHECK(r.loss == after.value);
    if (r.strong_wolfe) {
      ++wolfe_steps;
      CHECK(slope0 < 0);
      CHECK(after.value <= before.value + 1e-4 * slope0);
      CHECK(std::abs(slope1) <= 0.9 * std::abs(slope0));
    }
    prev = p;
  };
  const tl::lbfgs_result r = opt.step(params, closure, observe);
  std::printf("rosenbrock: %ld iterations, %ld evaluations, %d of %d steps strong Wolfe, "
              "a - 1 = %.3e, b - 1 = %.3e, stop %d\n", r.iterations, r.evaluations, wolfe_steps,
              steps, params[a] - 1, params[b] - 1, int(r.stop));
  CHECK(r.initial_loss == Approx(24.2));  // (2.2)^2 + 100 (1 - 1.44)^2 = 4.84 + 19.36
  CHECK(r.stop == tl::lbfgs_stop::gradient_tolerance);
  CHECK(std::abs(params[a] - 1) < 1e-8);
  CHECK(std::abs(params[b] - 1) < 1e-8);
  CHECK(r.loss < 1e-16);
  CHECK(r.iterations <= 60);
  CHECK(wolfe_steps == steps);
}

namespace {
constexpr std::size_t n = 6;
constexpr auto x = tl::var<"x", n>;
constexpr auto A = tl::var<"A", n, n>;
constexpr auto c = tl::var<"c", n>;
const auto quadratic = 0.5 * tl::dot(x, tl::matmul(A, x)) - tl::dot(c, x);

// A = M^T M + I / 2 with M's entries from a fixed linear congruential sequence in [-1, 1):
// symmetric positive definite with distinct eigenvalues, so conjugate directions need all n steps.
tl::matrix<double, n, n> spd() {
  tl::matrix<double, n, n> M{}, out{};
  unsigned long long state = 12345;
  for (auto& m : M.data) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    m = double(state >> 11) / double(1ull << 53) * 2 - 1;
  }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double s = i == j ? 0.5 : 0.0;
      for (std::size_t k = 0; k < n; ++k) s += M(k, i) * M(k, j);
      out(i, j) = s;
    }
  return out;
}
}  // namespace

TEST_CASE("L-BFGS minimises a quadratic in at most n + 1 iterations", "[lbfgs]") {
  const auto Av = spd();
  const tl::vector<double, n> cv{{1, -2, 3, -4, 5, -6}};
  auto closure = [&](const auto& p) {
    return tl::value_and_grad(quadratic, tl::wrt(x), p, A = Av, c = cv);
  };
  // max |A x - c|, computed here with plain loops.
  auto residual = [&](const tl::vector<double, n>& xv) {
    double m = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double r = -cv[i];
      for (std::size_t j = 0; j < n; ++j) r += Av(i, j) * xv[j];
      m = std::max(m, std::abs(r));
    }
    return m;
  };
  SECTION("with exact line searches (c2 small) the directions are conjugate: n iterations") {
    auto params = tl::at(x = tl::vector<double, n>{});
    tl::lbfgs<decltype(params)> opt(
        params, {.max_iter = 50, .tolerance_grad = 1e-9, .tolerance_change = 0, .c2 = 1e-9});
    std::vector<double> residuals;
    const auto r = opt.step(params, closure, [&](const auto& p, const tl::lbfgs_report& rep) {
      CHECK(rep.strong_wolfe);
      residuals.push_back(residual(p[x]));
    });
    std::printf("quadratic, exact searches: %ld iterations, %ld evaluations, residual after "
                "n - 1: %.3e, after n: %.3e\n", r.iterations, r.evaluations,
                residuals.at(n - 2), residuals.at(n - 1));
    CHECK(r.stop == tl::lbfgs_stop::gradient_tolerance);
    CHECK(r.iterations <= long(n) + 1);
    CHECK(residuals.at(n - 2) > 1e-4);  // not done before the n-th direction
    CHECK(residual(params[x]) < 1e-9);
  }
  SECTION("with PyTorch's c2 = 0.9 the searches are inexact: no finite termination, still fast") {
    // (to PyTorch's tolerance_grad 1e-7: 1e-9 is below what the loss, near -61 at the
    // minimum, resolves in a sufficient-decrease test)
    auto params = tl::at(x = tl::vector<double, n>{});
    tl::lbfgs<decltype(params)> opt(params, {.max_iter = 100, .tolerance_change = 0});
    const auto r = opt.step(params, closure);
    std::printf("quadratic, c2 = 0.9: %ld iterations, %ld evaluations, loss %.17g\n", r.iterations,
                r.evaluations, r.loss);
    CHECK(r.stop == tl::lbfgs_stop::gradient_tolerance);
    CHECK(r.iterations <= 40);
    CHECK(residual(params[x]) < 1e-7);
  }
}

TEST_CASE("line_search::none: PyTorch's fixed steps, by hand", "[lbfgs]") {
  // f = (a^2 + 4 b^2) / 2 from (1, 1), lr 1, two iterations.
  const auto f = 0.5 * (tl::square(a) + 4.0 * tl::square(b));
  auto params = tl::at(a = 1.0, b = 1.0);
  // (max_eval too: PyTorch's default max_iter * 5 / 4 = 2 would stop after the first iteration)
  tl::lbfgs<decltype(params)> opt(
      params, {.max_iter = 2, .max_eval = 10, .line_search_fn = tl::line_search::none});
  const auto r =
      opt.step(params, [&](const auto& p) { return tl::value_and_grad(f, tl::wrt(a, b), p); });
  // Iteration 1: g = (1, 4), t = min(1, 1 / |g|_1) = 0.2, d = -g: x = (0.8, 0.2), g = (0.8, 0.8).
  // Iteration 2: s = (-0.2, -0.8), y = (-0.2, -3.2), s.y = 2.6, y.y = 10.28, H0 = 2.6 / 10.28;
  // two-loop: q = -g, al = s.q / s.y, q -= al y, r = H0 q, be = y.r / s.y, d = r + (al - be) s.
  const double s0 = -0.2, s1 = -0.8, y0 = -0.2, y1 = -3.2, sy = 2.6, h0 = 2.6 / 10.28;
  double q0 = -0.8, q1 = -0.8;
  const double al = (s0 * q0 + s1 * q1) / sy;
  q0 -= al * y0, q1 -= al * y1;
  double r0 = h0 * q0, r1 = h0 * q1;
  const double be = (y0 * r0 + y1 * r1) / sy;
  r0 += (al - be) * s0, r1 += (al - be) * s1;
  CHECK(params[a] == Approx(0.8 + r0).epsilon(1e-14));
  CHECK(params[b] == Approx(0.2 + r1).epsilon(1e-14));
  CHECK(r.initial_loss == 2.5);
  CHECK(r.iterations == 2);
  CHECK(r.evaluations == 2);  // PyTorch does not evaluate after the last fixed step
  CHECK(r.stop == tl::lbfgs_stop::max_iter);
  CHECK(r.loss == Approx(0.5 * (0.64 + 4 * 0.04)));  // the last point evaluated: (0.8, 0.2)
}

TEST_CASE("the closure's forms; a symbol without a gradient does not move", "[lbfgs]") {
  auto params = tl::at(a = 0.0, b = 5.0);
  tl::lbfgs<decltype(params)> opt(params, {.max_iter = 50});
  const auto f = tl::square(a - 3.0) + b;  // the closure asks only for d/da
  const auto r = opt.step(params, [&](const auto& p) {
    const auto vg = tl::value_and_grad(f, tl::wrt(a), p);
    return std::pair{vg.value, vg.gradient};
  });
  CHECK(r.stop == tl::lbfgs_stop::gradient_tolerance);
  CHECK(params[a] == Approx(3.0).margin(1e-8));
  CHECK(params[b] == 5.0);
  CHECK(r.loss == Approx(5.0));
}

TEST_CASE("a trial step where the loss is not a number is stepped back from", "[lbfgs]") {
  // f = -log(3 - a) - a, minimum at a = 2; NaN for a > 3. With lr 10 the second iteration's first
  // trial lands beyond 3.
  const auto f = -tl::log(3.0 - a) - a;
  auto params = tl::at(a = 0.0);
  tl::lbfgs<decltype(params)> opt(
      params, {.lr = 10, .max_iter = 50, .tolerance_grad = 1e-10, .tolerance_change = 0});
  bool saw_nan = false;
  const auto r = opt.step(params, [&](const auto& p) {
    const auto vg = tl::value_and_grad(f, tl::wrt(a), p);
    saw_nan = saw_nan || std::isnan(vg.value);
    return vg;
  });
  CHECK(saw_nan);
  CHECK(r.stop == tl::lbfgs_stop::gradient_tolerance);
  CHECK(params[a] == Approx(2.0).margin(1e-8));
  CHECK(r.loss == Approx(-2.0));
}

TEST_CASE("a checkpoint of L-BFGS mid-run resumes exactly", "[lbfgs]") {
  using params_t = decltype(tl::at(a = 0.0, b = 0.0));
  auto closure = [&](const auto& p) { return tl::value_and_grad(rosenbrock, tl::wrt(a, b), p); };
  const tl::lbfgs<params_t>::options o{.max_iter = 4, .history_size = 3};
  params_t straight = tl::at(a = -1.2, b = 1.0);
  tl::lbfgs<params_t> opt(straight, o);
  for (int i = 0; i < 6; ++i) opt.step(straight, closure);

  params_t first = tl::at(a = -1.2, b = 1.0);
  tl::lbfgs<params_t> opt1(first, o);
  for (int i = 0; i < 3; ++i) opt1.step(first, closure);
  CHECK(opt1.history() == 3);  // 12 iterations, history_size 3
  const auto bytes = tl::encode_checkpoint(tl::entry("params", first), tl::entry("opt", opt1));
  params_t resumed = tl::at(a = 0.0, b = 0.0);
  tl::lbfgs<params_t> opt2(resumed, o);
  tl::decode_checkpoint(bytes, "memory", tl::entry("params", resumed), tl::entry("opt", opt2));
  for (int i = 0; i < 3; ++i) opt2.step(resumed, closure);
  CHECK(resumed[a] == straight[a]);  // bitwise
  CHECK(resumed[b] == straight[b]);
  CHECK(tl::eval(rosenbrock, straight) < 0.5);  // from 24.2: mid-run
  // Without the restored history the run goes elsewhere.
  params_t fresh = first;
  tl::lbfgs<params_t> opt3(fresh, o);
  for (int i = 0; i < 3; ++i) opt3.step(fresh, closure);
  CHECK(fresh[a] != straight[a]);
}

TEST_CASE("the line search's cubic step is the minimiser of the interpolating cubic", "[lbfgs]") {
  using tl::detail::lbfgs_detail::cubic_interpolate;
  // phi(t) = t^3 - 6 t^2 + 9 t + 1: phi' = 3 (t - 1)(t - 3), local minimum at 3.
  // phi(2) = 3, phi'(2) = -3; phi(4) = 5, phi'(4) = 9.
  CHECK(cubic_interpolate(2, 3, -3, 4, 5, 9, 2, 4) == Approx(3.0).epsilon(1e-14));
  CHECK(cubic_interpolate(4, 5, 9, 2, 3, -3, 2, 4) == Approx(3.0).epsilon(1e-14));
  // A quadratic (t - 0.7)^2 through 0 and 1: its minimiser exactly.
  CHECK(cubic_interpolate(0, 0.49, -1.4, 1, 0.09, 0.6, 0, 1) == Approx(0.7).epsilon(1e-14));
  // Clamped to the bounds given (the extrapolation of the bracketing phase).
  CHECK(cubic_interpolate(2, 3, -3, 4, 5, 9, 3.5, 40) == 3.5);
  // phi(t) = t^3 + t rises everywhere (no critical point): the midpoint of the bounds.
  CHECK(cubic_interpolate(0, 0, 1, 1, 2, 4, 0, 1) == 0.5);
}

TEST_CASE("a float bundle: the search runs in double, the parameters stay float", "[lbfgs]") {
  auto params = tl::at(a = -1.2f, b = 1.0f);
  auto closure = [&](const auto& p) { return tl::value_and_grad(rosenbrock, tl::wrt(a, b), p); };
  tl::lbfgs<decltype(params)> opt(params, {.max_iter = 200, .tolerance_grad = 1e-4});
  const auto r = opt.step(params, closure);
  std::printf("float rosenbrock: %ld iterations, stop %d, a - 1 = %.3e, b - 1 = %.3e\n",
              r.iterations, int(r.stop), double(params[a] - 1), double(params[b] - 1));
  CHECK(std::abs(params[a] - 1) < 1e-4f);  // measured 1.7e-5 and 3.4e-5
  CHECK(std::abs(params[b] - 1) < 1e-4f);
}

TEST_CASE("a starting point where the loss is not finite is an error", "[lbfgs]") {
  const auto f = -tl::log(3.0 - a);
  auto params = tl::at(a = 4.0);
  tl::lbfgs<decltype(params)> opt(params, {});
  CHECK_THROWS_AS(
      opt.step(params, [&](const auto& p) { return tl::value_and_grad(f, tl::wrt(a), p); }),
      std::domain_error);
  CHECK(params[a] == 4.0);
}
