// The right-hand sides handed to Odeint, white-box: no heap allocation in any evaluation, the
// augmented Jacobians (for implicit steppers) equal finite differences of the augmented
// dynamics, and the quintic Hermite interpolant reproduces quintics exactly.
#include <atomic>
#include <boost/numeric/ublas/matrix.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <new>
#include <tapeless/odeint/adjoint.hpp>
#include <tapeless/odeint/system.hpp>
#include <tapeless/tapeless.hpp>

#include "../allocation_counter.hpp"

using allocation_counter::allocations;

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace tld = tapeless::odeint::detail;

namespace {
constexpr auto z = tl::var<"z", 2>;
constexpr auto t = tl::var<"t">;
constexpr auto W1 = tl::var<"W1", 16, 2>;
constexpr auto b1 = tl::var<"b1", 16>;
constexpr auto W2 = tl::var<"W2", 2, 16>;
constexpr auto w = tl::var<"w">;
// An MLP with a time-dependent input, so that every block of the augmented system is non-zero.
const auto f = tl::matmul(W2, tl::tanh(tl::matmul(W1, tl::pow<3>(z)) + b1)) + 0.3 * tl::sin(w * t);
const auto model = tlo::ode(f, z, t, tl::wrt(W1, b1, W2, w));
constexpr std::size_t N = 2, P = 32 + 16 + 32 + 1;

struct fixture {
  tl::matrix<double, 16, 2> w1;
  tl::vector<double, 16> bb1;
  tl::matrix<double, 2, 16> w2;
  double ww = 1.3;
  fixture() {
    for (std::size_t i = 0; i < 32; ++i) {
      w1[i] = 0.05 * double(int(i % 7) - 3);
      w2[i] = 0.04 * double(int(i % 5) - 2);
    }
    for (std::size_t i = 0; i < 16; ++i) bb1[i] = 0.01 * double(i) - 0.05;
  }
};
}  // namespace

TEST_CASE("no heap allocation in a right-hand-side evaluation", "[odeint][kernels]") {
  const fixture fx;
  const auto values = tl::at(W1 = fx.w1, b1 = fx.bb1, W2 = fx.w2, w = fx.ww);
  const auto refs = tld::reference_values(values);
  tlo::solve_stats stats;
  using Ctx = tld::solve_context<std::remove_cvref_t<decltype(model)>, double,
                                 std::remove_cvref_t<decltype(refs)>>;
  Ctx ctx{&model, &refs, &stats};
  tld::hermite_trajectory<double, N> traj;
  const std::array<double, 2> z0{0.5, -0.7}, f0{0.1, 0.2}, a0{0.3, 0.4};
  traj.push(0.0, z0, f0, a0);
  traj.push(1.0, z0, f0, a0);
  ctx.trajectory = &traj;

  std::array<double, N> x{0.4, -0.3}, dx{};
  std::array<double, 2 * N + P + 1> s{}, ds{};
  std::array<double, N + P + 1> s2{}, ds2{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = 0.1 * double(i % 5);
  s[0] = x[0];
  s[1] = x[1];
  for (std::size_t i = 0; i < s2.size(); ++i) s2[i] = 0.2 * double(i % 3);
  const auto sys = tlo::system(f, z, t, W1 = std::cref(fx.w1), b1 = std::cref(fx.bb1),
                               W2 = std::cref(fx.w2), w = fx.ww);

  // The solver's own layouts (results written in place) next to flat arrays (the ublas path).
  using MT = tld::model_types<std::remove_cvref_t<decltype(model)>>;
  MT::backsolve_layout<double> ls{}, lds{};
  MT::adjoint_layout<double> ls2{}, lds2{};
  for (std::size_t i = 0; i < s.size(); ++i) ls[i] = s[i];
  for (std::size_t i = 0; i < s2.size(); ++i) ls2[i] = s2[i];

  const long before = allocations.load();
  tld::forward_rhs<Ctx>{&ctx, &stats.forward_rhs}(x, dx, 0.2);
  tld::backsolve_rhs<Ctx>{&ctx}(s, ds, 0.2);
  tld::interpolated_rhs<Ctx>{&ctx}(s2, ds2, 0.2);
  tld::backsolve_rhs<Ctx>{&ctx}(ls, lds, 0.2);
  tld::interpolated_rhs<Ctx>{&ctx}(ls2, lds2, 0.2);
  sys(x, dx, 0.2);
  const long after = allocations.load();
  CHECK(after - before == 0);
  CHECK(stats.forward_rhs == 1);
  CHECK(stats.backward_rhs == 4);
  for (std::size_t i = 0; i < s.size(); ++i) CHECK(lds[i] == ds[i]);
  for (std::size_t i = 0; i < s2.size(); ++i) CHECK(lds2[i] == ds2[i]);
  CHECK(ds[0] == dx[0]);  // the augmented system's first block is f itself
  CHECK(ds[1] == dx[1]);
  // the counter counts
  const long v0 = allocations.load();
  {
    std::vector<double> v(3);
    CHECK(v.size() == 3);
  }
  CHECK(allocations.load() - v0 == 1);
}

TEST_CASE("the augmented Jacobians equal finite differences of the augmented dynamics",
          "[odeint][kernels]") {
  const fixture fx;
  const auto values = tl::at(W1 = fx.w1, b1 = fx.bb1, W2 = fx.w2, w = fx.ww);
  const auto refs = tld::reference_values(values);
  tlo::solve_stats stats;
  using Ctx = tld::solve_context<std::remove_cvref_t<decltype(model)>, double,
                                 std::remove_cvref_t<decltype(refs)>>;
  Ctx ctx{&model, &refs, &stats};
  // A trajectory through the real dynamics: nodes at t = 0 and 0.5 (z'' from the model).
  tld::hermite_trajectory<double, N> traj;
  for (double tn : {0.0, 0.5}) {
    const tl::vector<double, 2> zn{{0.6 - tn, -0.2 + 0.3 * tn}};
    Ctx::node_values r;
    ctx.node(zn, tn, r);
    traj.push(tn, zn.data, tld::item<0>(r).data, tld::item<1>(r).data);
  }
  ctx.trajectory = &traj;

  auto check_jacobian = [](auto rhs, auto jac, auto s, double tt) {
    const std::size_t m = s.size();
    boost::numeric::ublas::matrix<double> J(m, m);
    auto dfdt = s;
    jac(s, J, tt, dfdt);
    const double h = 1e-6;
    double worst = 0, scale = 0;
    auto ds_up = s, ds_dn = s;
    for (std::size_t j = 0; j < m; ++j) {
      auto up = s, dn = s;
      up[j] += h;
      dn[j] -= h;
      rhs(up, ds_up, tt);
      rhs(dn, ds_dn, tt);
      for (std::size_t i = 0; i < m; ++i) {
        const double fd = (ds_up[i] - ds_dn[i]) / (2 * h);
        worst = std::max(worst, std::abs(fd - J(i, j)));
        scale = std::max(scale, std::abs(fd));
      }
    }
    rhs(s, ds_up, tt + h);
    rhs(s, ds_dn, tt - h);
    for (std::size_t i = 0; i < m; ++i) {
      const double fd = (ds_up[i] - ds_dn[i]) / (2 * h);
      worst = std::max(worst, std::abs(fd - dfdt[i]));
      scale = std::max(scale, std::abs(fd));
    }
    CHECK(scale > 0.1);
    CHECK(worst < 1e-8 * scale);
  };
  std::array<double, 2 * N + P + 1> s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = 0.3 * std::sin(double(i));
  check_jacobian(tld::backsolve_rhs<Ctx>{&ctx}, tld::backsolve_jacobian<Ctx>{&ctx}, s, 0.3);
  std::array<double, N + P + 1> s2{};
  for (std::size_t i = 0; i < s2.size(); ++i) s2[i] = 0.5 * std::cos(double(i));
  check_jacobian(tld::interpolated_rhs<Ctx>{&ctx}, tld::interpolated_jacobian<Ctx>{&ctx}, s2, 0.3);
  std::array<double, N> x{0.4, -0.3};
  check_jacobian(tld::forward_rhs<Ctx>{&ctx, &stats.forward_rhs}, tld::forward_jacobian<Ctx>{&ctx},
                 x, 0.3);
}

TEST_CASE("the quintic Hermite interpolant is exact on quintics", "[odeint][kernels]") {
  // p(t) = 1 - 2t + 0.5t^2 + 3t^3 - t^4 + 0.7t^5 and its derivatives, nodes at 0.2, 0.9, 1.3.
  auto p = [](double s) {
    return 1 - 2 * s + 0.5 * s * s + 3 * s * s * s - s * s * s * s + 0.7 * s * s * s * s * s;
  };
  auto dp = [](double s) { return -2 + s + 9 * s * s - 4 * s * s * s + 3.5 * s * s * s * s; };
  auto ddp = [](double s) { return 1 + 18 * s - 12 * s * s + 14 * s * s * s; };
  tld::hermite_trajectory<double, 1> traj;
  for (double s : {0.2, 0.9, 1.3})
    traj.push(s, std::array<double, 1>{p(s)}, std::array<double, 1>{dp(s)},
              std::array<double, 1>{ddp(s)});
  tl::vector<double, 1> v, dv;
  for (double s : {0.2, 0.35, 0.6, 0.9, 1.0, 1.29, 1.1, 0.25}) {  // out of order on purpose
    traj.at(s, v, &dv);
    CHECK(v[0] == Approx(p(s)).epsilon(1e-13));
    CHECK(dv[0] == Approx(dp(s)).epsilon(1e-12));
  }
}

// dopri5_algebra: with stage_parts = 1, Odeint's dopri5 leaves part 1 (a quadrature: nothing
// reads it) out of its stages 2 to 6, and with error_parts = 1 out of its error estimate, which
// then only the norm of part 0 (the seminorm) reads; every step is the same to the bit as with
// every part computed. What the right-hand side sees of part 1, and what the error estimate holds
// there, show that the parts really were skipped.
namespace {
using quad_state = tld::parted_state<double, tl::vector<double, 2>, tl::vector<double, 5>>;
struct quadrature_rhs {
  std::vector<double>* seen;  // part 1 of every stage state handed in
  void operator()(const quad_state& s, quad_state& ds, double tt) const {
    const auto& y = tld::item<0>(s.parts);
    auto& dy = tld::item<0>(ds.parts);
    auto& dq = tld::item<1>(ds.parts);
    dy[0] = y[1];
    dy[1] = -y[0] - 0.1 * y[1];
    dq[0] = y[0] * y[0];
    dq[1] = y[0] * y[1];
    dq[2] = std::sin(tt) * y[1];
    dq[3] = y[1] * y[1];
    dq[4] = std::cos(tt) * y[0];
    seen->push_back(tld::item<1>(s.parts)[0]);
  }
};
namespace bo = boost::numeric::odeint;
using quad_stepper =
    bo::runge_kutta_dopri5<quad_state, double, quad_state, double, tlo::dopri5_algebra>;

// Steps to t = 3 under error control; part 0 alone in the norm when norm_count is 2.
quad_state run_quadrature(std::size_t stage_parts, std::size_t error_parts, std::size_t norm_count,
                          std::vector<double>& seen) {
  // The solver's error checker: Odeint's default one computes its norm with for_each3.
  tld::error_checker<double> checker{1e-10, 1e-10};
  checker.norm_count = norm_count;
  bo::controlled_runge_kutta<quad_stepper, tld::error_checker<double>> c(checker);
  c.stepper().algebra().stage_parts = stage_parts;
  c.stepper().algebra().error_parts = error_parts;
  quad_state s{};
  tld::item<0>(s.parts)[0] = 1.0;
  double tt = 0, dt = 1e-3;
  std::size_t steps = 0;
  while (tt < 3.0) {
    if (c.try_step(quadrature_rhs{&seen}, s, tt, dt) == bo::success) ++steps;
    dt = std::min(dt, 3.0 - tt + 1e-300);
  }
  CHECK(steps > 20);
  return s;
}
}  // namespace

TEST_CASE("dopri5 leaves the quadratures out of its stages, to the same bits",
          "[odeint][kernels]") {
  static_assert(std::is_same_v<tld::scheme<bo::runge_kutta_dopri5<std::array<double, 2>>>::algebra,
                               tlo::dopri5_algebra>);
  constexpr std::size_t all = tlo::dopri5_algebra::all_parts;
  std::vector<double> seen_all, seen_skip;
  const quad_state full = run_quadrature(all, all, all, seen_all);
  const quad_state skip = run_quadrature(1, all, all, seen_skip);
  for (std::size_t i = 0; i < quad_state::size; ++i) CHECK(skip[i] == full[i]);
  CHECK(std::abs(full[2]) > 0.1);  // the quadratures are integrated all the same
  REQUIRE(seen_all.size() == seen_skip.size());
  // Per step the right-hand side sees stages 2 to 6 and the new state (and once the FSAL start).
  // Computed in full, part 1 changes from each call to the next; skipped, the stage state's part
  // 1 is never written, so stages 2 to 6 all see the same value: four repeats per step.
  std::size_t repeats_all = 0, repeats_skip = 0;
  for (std::size_t i = 1; i < seen_all.size(); ++i) {
    repeats_all += seen_all[i] == seen_all[i - 1];
    repeats_skip += seen_skip[i] == seen_skip[i - 1];
  }
  CHECK(repeats_all == 0);
  CHECK(repeats_skip >= 4 * (seen_skip.size() / 6));
}

TEST_CASE("with the seminorm dopri5 estimates the error of the normed parts only, to the same bits",
          "[odeint][kernels]") {
  constexpr std::size_t all = tlo::dopri5_algebra::all_parts;
  std::vector<double> seen;
  // Under error control: the same steps whether the error of part 1 is computed or not.
  const quad_state full = run_quadrature(all, all, 2, seen);
  const quad_state skip = run_quadrature(1, 1, 2, seen);
  for (std::size_t i = 0; i < quad_state::size; ++i) CHECK(skip[i] == full[i]);

  // One step: the new state in full, the error estimate of part 0 only (part 1 keeps the NaN
  // put there), and that of part 0 the same bits as when everything is computed.
  const auto step = [](std::size_t parts, quad_state& out, quad_state& err) {
    std::vector<double> unused;
    quad_stepper st;
    st.algebra().stage_parts = parts;
    st.algebra().error_parts = parts;
    quad_state x{};
    tld::item<0>(x.parts)[0] = 1.0;
    tld::item<0>(x.parts)[1] = 0.5;
    for (std::size_t i = 0; i < quad_state::size; ++i) err[i] = std::nan("");
    st.do_step(quadrature_rhs{&unused}, x, 0.0, out, 0.1, err);
  };
  quad_state out_all{}, err_all{}, out_skip{}, err_skip{};
  step(all, out_all, err_all);
  step(1, out_skip, err_skip);
  for (std::size_t i = 0; i < quad_state::size; ++i) CHECK(out_skip[i] == out_all[i]);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(err_skip[i] == err_all[i]);
    CHECK(err_all[i] != 0.0);
  }
  for (std::size_t i = 2; i < quad_state::size; ++i) {
    CHECK(std::isfinite(err_all[i]));
    CHECK(std::isnan(err_skip[i]));
  }
}

// Odeint's scale_sum operations run on blocks of four elements (apply_to_elements): the results
// are those of the plain loop to the bit, for distinct arrays and for an update in place, with a
// tail shorter than a block.
TEST_CASE("the algebra's blocked element loops give the plain loop's bits", "[odeint][kernels]") {
  using state = std::array<double, 11>;
  static_assert(tld::writes_first_only_v<bo::default_operations::scale_sum3<double, double, double>>);
  static_assert(!tld::writes_first_only_v<bo::default_operations::scale_sum_swap2<double, double>>);
  state a{}, b{}, c{};
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = std::sin(double(i) + 0.3);
    b[i] = std::cos(3.0 * double(i));
    c[i] = 1.0 / (1.0 + double(i));
  }
  const bo::default_operations::scale_sum3<double, double, double> op(0.7, -1.3e-3, 2.9);
  state out{};
  tlo::static_algebra::for_each4(out, a, b, c, op);
  state in_place = a;
  tlo::static_algebra::for_each4(in_place, in_place, b, c, op);
  for (std::size_t i = 0; i < a.size(); ++i) {
    double expected;
    op(expected, a[i], b[i], c[i]);
    CHECK(out[i] == expected);
    CHECK(in_place[i] == expected);
  }
}

// The error norm runs in vectorised lanes; it is the maximum of the scaled errors over the
// first norm_count elements, a NaN wins over everything and an infinity over every number, and
// check_finite finds a non-finite element wherever it is.
TEST_CASE("the error norm is the exact maximum, NaN and infinity included", "[odeint][kernels]") {
  using st = tld::parted_state<double, tl::vector<double, 7>, tl::vector<double, 13>, double>;
  st err{}, x{}, dx{};
  for (std::size_t i = 0; i < st::size; ++i) {
    err[i] = 1e-7 * std::sin(1.7 * double(i) + 0.2);
    x[i] = std::cos(0.9 * double(i));
    dx[i] = 0.5 - 0.03 * double(i);
  }
  tld::error_checker<double> checker{1e-9, 1e-6};
  tlo::static_algebra algebra;
  const double dt = 0.01;
  const auto reference = [&](std::size_t n) {
    double m = 0;
    for (std::size_t i = 0; i < std::min(n, st::size); ++i) {
      const double e =
          std::abs(err[i]) / (1e-9 + 1e-6 * (std::abs(x[i]) + dt * std::abs(dx[i])));
      if (e > m || e != e) m = e;
    }
    return m;
  };
  for (std::size_t n : {std::size_t(0), std::size_t(3), std::size_t(7), std::size_t(12),
                        std::size_t(20), st::size}) {
    checker.norm_count = n;  // (the same operations; a tolerance only for contracted FMAs)
    CHECK(checker.error(algebra, x, dx, err, dt) == Approx(reference(n)).epsilon(1e-15));
  }
  checker.norm_count = st::size;
  CHECK(checker.error(algebra, x, dx, err, dt) > 0.01);

  const tld::driver_base<double> drv{};
  CHECK_NOTHROW(drv.check_finite(x, st::size, 0.0));
  for (std::size_t bad : {std::size_t(0), std::size_t(6), std::size_t(11), std::size_t(20)}) {
    const double keep = err[bad];
    err[bad] = std::numeric_limits<double>::infinity();
    CHECK(checker.error(algebra, x, dx, err, dt) == std::numeric_limits<double>::infinity());
    err[bad] = std::nan("");
    CHECK(std::isnan(checker.error(algebra, x, dx, err, dt)));
    checker.norm_count = bad;  // the bad element is left out of the norm
    CHECK(checker.error(algebra, x, dx, err, dt) == Approx(reference(bad)).epsilon(1e-15));
    checker.norm_count = st::size;
    st y = x;
    y[bad] = std::nan("");
    CHECK_THROWS_AS(drv.check_finite(y, st::size, 0.0), tlo::solver_error);
    y[bad] = -std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(drv.check_finite(y, st::size, 0.0), tlo::solver_error);
    err[bad] = keep;
  }
}
