// The right-hand sides handed to Odeint, white-box: no heap allocation in any evaluation, the
// augmented Jacobians (for implicit steppers) equal finite differences of the augmented
// dynamics, and the quintic Hermite interpolant reproduces quintics exactly.
#include <atomic>
#include <boost/numeric/ublas/matrix.hpp>
#include <catch2/catch.hpp>
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
// reads it) out of its stages 2 to 5, and every step is the same to the bit as with every part
// computed. What the right-hand side sees of part 1 shows that the stages really skipped it.
namespace {
using quad_state = tld::parted_state<double, tl::vector<double, 2>, tl::vector<double, 3>>;
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
    seen->push_back(tld::item<1>(s.parts)[0]);
  }
};
}  // namespace

TEST_CASE("dopri5 leaves the quadratures out of its stages, to the same bits",
          "[odeint][kernels]") {
  namespace bo = boost::numeric::odeint;
  using stepper = bo::runge_kutta_dopri5<quad_state, double, quad_state, double,
                                         tlo::dopri5_algebra>;
  static_assert(std::is_same_v<tld::scheme<bo::runge_kutta_dopri5<std::array<double, 2>>>::algebra,
                               tlo::dopri5_algebra>);
  const auto run = [](std::size_t stage_parts, std::vector<double>& seen) {
    // The solver's error checker: Odeint's default one computes its norm with for_each3.
    bo::controlled_runge_kutta<stepper, tld::error_checker<double>> c(
        tld::error_checker<double>{1e-10, 1e-10});
    c.stepper().algebra().stage_parts = stage_parts;
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
  };
  std::vector<double> seen_all, seen_skip;
  const quad_state full = run(static_cast<std::size_t>(-1), seen_all);
  const quad_state skip = run(1, seen_skip);
  for (std::size_t i = 0; i < quad_state::size; ++i) CHECK(skip[i] == full[i]);
  CHECK(std::abs(full[2]) > 0.1);  // the quadratures are integrated all the same
  REQUIRE(seen_all.size() == seen_skip.size());
  // Per step the right-hand side sees stages 2 to 6 and the new state (and once the FSAL start).
  // Computed in full, part 1 changes from each call to the next; skipped, stages 2 to 5 all see
  // what stage 6 of the step before left there: three repeats per step.
  std::size_t repeats_all = 0, repeats_skip = 0;
  for (std::size_t i = 1; i < seen_all.size(); ++i) {
    repeats_all += seen_all[i] == seen_all[i - 1];
    repeats_skip += seen_skip[i] == seen_skip[i - 1];
  }
  CHECK(repeats_all == 0);
  CHECK(repeats_skip >= 3 * (seen_skip.size() / 6));
}
