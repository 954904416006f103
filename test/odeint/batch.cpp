// Batches: every item's result equals its own odeint_adjoint call, the sums are the index-order
// sums, and all of it is bitwise the same on 1, 2 or 3 threads; each item keeps its own adaptive
// step size; a failing item is reported by index, with the caller's data untouched; the threads
// are kept between batches, and batches inside batches or from several threads still work.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <tapeless/odeint/batch.hpp>
#include <tapeless/tapeless.hpp>
#include <vector>

#include "lotka_model.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
using namespace lotka;
constexpr auto zi = tl::var<"zi", 2>;
constexpr auto yi = tl::var<"yi", 2>;
using state = std::array<double, 2>;
using vec2 = tl::vector<double, 2>;

const auto obs = tl::sum(tl::square(zi - yi));
const auto params = tl::at(alpha = 1.1, beta = 0.6, gamma_ = 0.9, delta = 0.45);

// Items that differ in everything: initial state, number and spacing of times, data. Item 3
// starts far out on its orbit, where the dynamics are fast and its steps must be short.
struct problem {
  vec2 z0;
  std::vector<double> times;
  std::vector<vec2> rows;
};
std::vector<problem> make_problems() {
  std::vector<problem> ps;
  for (std::size_t i = 0; i < 6; ++i) {
    problem p;
    p.z0 = i == 3 ? vec2{{6.0, 0.2}} : vec2{{1.0 + 0.1 * double(i), 0.8 + 0.05 * double(i)}};
    const std::size_t k = 3 + i;
    for (std::size_t j = 0; j < k; ++j) {
      p.times.push_back(0.4 * double(j) + 0.05 * double(j * j % 3));
      p.rows.push_back(vec2{{1.0 + 0.2 * double(j % 3), 1.0 - 0.1 * double(j % 2)}});
    }
    ps.push_back(std::move(p));
  }
  return ps;
}
tlo::options opts() {
  tlo::options o;
  o.rtol = o.atol = 1e-10;
  return o;
}
}  // namespace

TEST_CASE("odeint_adjoint_batch: items, sums and means, bitwise the same for any thread count",
          "[odeint][batch]") {
  const auto ps = make_problems();
  auto item = [&](std::size_t i) {
    return tlo::item(tlo::observation_loss(obs, zi, tlo::each(yi, ps[i].rows), tlo::reduction::mean),
                     ps[i].z0, ps[i].times);
  };
  const auto r1 = tlo::odeint_adjoint_batch(model, ps.size(), item, params, opts(),
                                            ode::runge_kutta_dopri5<state>{}, {.threads = 1});
  REQUIRE(r1.items.size() == ps.size());
  double sum = 0, dbeta = 0;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    CAPTURE(i);
    const auto one = tlo::odeint_adjoint(model, item(i).loss, ps[i].z0, ps[i].times, params,
                                         opts(), ode::runge_kutta_dopri5<state>{});
    CHECK(r1.losses[i] == one.loss);  // the same computation, the same bits
    CHECK(r1.items[i].dparams[beta] == one.dparams[beta]);
    CHECK(r1.items[i].dz0 == one.dz0);
    CHECK(r1.items[i].dtimes == one.dtimes);
    CHECK(r1.items[i].dtimes.size() == ps[i].times.size());
    sum += one.loss;
    dbeta += one.dparams[beta];
  }
  CHECK(r1.loss_sum == sum);
  CHECK(r1.loss_mean == Approx(sum / double(ps.size())).epsilon(1e-15));
  CHECK(r1.dparams_sum[beta] == dbeta);
  CHECK(r1.dparams_mean[beta] == Approx(dbeta / double(ps.size())).epsilon(1e-15));
  // Each item has its own adaptive step: the fast item takes many more steps than a slow one.
  CHECK(r1.items[3].stats.forward_steps > 2 * r1.items[0].stats.forward_steps);

  for (std::size_t threads : {2, 3, 0}) {
    CAPTURE(threads);
    const auto rn = tlo::odeint_adjoint_batch(model, ps.size(), item, params, opts(),
                                              ode::runge_kutta_dopri5<state>{},
                                              {.threads = threads});
    CHECK(rn.losses == r1.losses);
    CHECK(rn.loss_sum == r1.loss_sum);
    CHECK(rn.dparams_sum[alpha] == r1.dparams_sum[alpha]);
    CHECK(rn.dparams_sum[delta] == r1.dparams_sum[delta]);
    CHECK(rn.dparams_mean[gamma_] == r1.dparams_mean[gamma_]);
    for (std::size_t i = 0; i < ps.size(); ++i) CHECK(rn.items[i].dz0 == r1.items[i].dz0);
  }
}

TEST_CASE("solve_batch: every item's states, as from solve", "[odeint][batch]") {
  const auto ps = make_problems();
  const auto s = tlo::solve_batch(
      model, ps.size(), [&](std::size_t i) { return tlo::item(ps[i].z0, ps[i].times); }, params,
      opts(), ode::runge_kutta_dopri5<state>{}, {.threads = 2});
  REQUIRE(s.size() == ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const auto one = tlo::solve(model, ps[i].z0, ps[i].times, params, opts(),
                                ode::runge_kutta_dopri5<state>{});
    CHECK(s[i] == one);
  }
}

TEST_CASE("a failing batch item is named by its index", "[odeint][batch]") {
  auto ps = make_problems();
  ps[4].z0[1] = std::numeric_limits<double>::quiet_NaN();
  ps[2].rows.pop_back();  // one row fewer than times: invalid, and lower than item 4
  const auto copy = ps[2].rows;
  auto item = [&](std::size_t i) {
    return tlo::item(tlo::observation_loss(obs, zi, tlo::each(yi, ps[i].rows), tlo::reduction::mean),
                     ps[i].z0, ps[i].times);
  };
  for (std::size_t threads : {1, 2}) {
    CAPTURE(threads);
    try {
      (void)tlo::odeint_adjoint_batch(model, ps.size(), item, params, opts(),
                                      ode::runge_kutta_dopri5<state>{}, {.threads = threads});
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Catch::StartsWith("batch item 2: ") &&
                               Catch::Contains("observation times: one row per time"));
    }
    CHECK(ps[2].rows == copy);
  }
  ps[2].rows.push_back(vec2{{1.0, 1.0}});
  try {
    (void)tlo::odeint_adjoint_batch(model, ps.size(), item, params, opts(),
                                    ode::runge_kutta_dopri5<state>{}, {.threads = 2});
    FAIL("no exception");
  } catch (const tlo::solver_error& e) {
    CHECK(e.kind() == tlo::failure::non_finite_parameter);
    CHECK_THAT(e.what(), Catch::StartsWith("batch item 4: ") &&
                             Catch::Contains("non-finite initial state"));
  }
}

TEST_CASE("a batch's threads are kept from batch to batch", "[odeint][batch]") {
  // As many threads as the pool has, and the caller: every pool thread takes part. Each of the n
  // items waits until n threads hold one, so each thread runs exactly one.
  auto& pool = tlo::detail::worker_pool::instance();
  const std::size_t n = std::max<std::size_t>(pool.size(), 1) + 1;
  thread_local int items_before = 0;  // this thread's items in earlier batches of this test
  const auto me = std::this_thread::get_id();
  const auto batch = [&] {
    std::mutex m;
    std::condition_variable all_in;
    std::size_t in = 0;
    std::set<std::thread::id> ids;
    bool all_kept = true, timed_out = false;  // (Catch's assertions are for the test's thread)
    const auto failed = tlo::detail::run_items(n, {.threads = n}, [&](std::size_t) {
      std::unique_lock<std::mutex> lock(m);
      ids.insert(std::this_thread::get_id());
      if (std::this_thread::get_id() != me) all_kept = all_kept && items_before > 0;
      ++items_before;
      ++in;
      all_in.notify_all();
      if (!all_in.wait_for(lock, std::chrono::seconds(20), [&] { return in == n; }))
        timed_out = true;
    });
    CHECK(!failed);
    CHECK(!timed_out);
    return std::pair{ids, all_kept};
  };
  const auto first = batch(), second = batch();
  CHECK(first.first.size() == n);
  CHECK(second.first == first.first);  // the same threads, parked between the batches
  CHECK(second.second);                // and their thread-local state kept: not new threads
  CHECK(pool.size() == n - 1);
}

TEST_CASE("batches inside batch items and batches from several threads", "[odeint][batch]") {
  const auto ps = make_problems();
  auto item = [&](std::size_t i) {
    return tlo::item(tlo::observation_loss(obs, zi, tlo::each(yi, ps[i].rows), tlo::reduction::mean),
                     ps[i].z0, ps[i].times);
  };
  auto batch = [&] {
    return tlo::odeint_adjoint_batch(model, ps.size(), item, params, opts(),
                                     ode::runge_kutta_dopri5<state>{}, {.threads = 2});
  };
  const auto reference = tlo::odeint_adjoint_batch(model, ps.size(), item, params, opts(),
                                                   ode::runge_kutta_dopri5<state>{}, {.threads = 1});
  // A batch per item of an outer batch: the pool is busy with the outer one, so the inner ones
  // run on threads of their own, and nothing waits for itself.
  std::vector<double> inner(3);
  const auto failed = tlo::detail::run_items(3, {.threads = 2}, [&](std::size_t i) {
    inner[i] = batch().loss_sum;
  });
  CHECK(!failed);
  for (double v : inner) CHECK(v == reference.loss_sum);
  // Two threads, each running batches: one has the pool, the other threads of its own.
  std::vector<double> sums(2), dbeta(2);
  {
    std::vector<std::jthread> callers;
    for (std::size_t c = 0; c < 2; ++c)
      callers.emplace_back([&, c] {
        for (int k = 0; k < 3; ++k) {
          const auto r = batch();
          sums[c] = r.loss_sum;
          dbeta[c] = r.dparams_sum[beta];
        }
      });
  }
  for (std::size_t c = 0; c < 2; ++c) {
    CHECK(sums[c] == reference.loss_sum);
    CHECK(dbeta[c] == reference.dparams_sum[beta]);
  }
}
