// Batches in float32, with observations counted at run time: each item's gradient against the
// double batch at float tolerances, and the float results bitwise the same on 1 and 2 threads.
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <catch2/catch.hpp>
#include <tapeless/odeint/batch.hpp>
#include <tapeless/tapeless.hpp>
#include <vector>

#include "common.hpp"
#include "lotka_model.hpp"

namespace tl = tapeless;
namespace tlo = tapeless::odeint;
namespace ode = boost::numeric::odeint;

namespace {
using namespace lotka;
constexpr auto zi = tl::var<"zi", 2>;
constexpr auto yi = tl::var<"yi", 2>;

const auto obs = tl::sum(tl::square(zi - yi));

// Four items with 4..7 observations each; every number is a float, in both value types.
template <class V>
struct problems {
  using vec = tl::vector<V, 2>;
  std::vector<vec> z0;
  std::vector<std::vector<V>> times;
  std::vector<std::vector<vec>> rows;
  problems() {
    for (std::size_t i = 0; i < 4; ++i) {
      z0.push_back(vec{{V(float(1.0 + 0.2 * double(i))), V(float(0.9 - 0.1 * double(i)))}});
      times.emplace_back();
      rows.emplace_back();
      for (std::size_t j = 0; j < 4 + i; ++j) {
        times[i].push_back(V(float(0.45 * double(j) + 0.1 * double(j % 2))));
        rows[i].push_back(vec{{V(float(1.0 + 0.3 * double(j % 3))), V(float(0.8 + 0.2 * double(j % 2)))}});
      }
    }
  }
};

template <class V>
auto run(const problems<V>& ps, std::size_t threads, double rtol) {
  tlo::options o;
  o.rtol = rtol;
  o.atol = rtol * 1e-1;
  const auto params = tl::at(alpha = V(1.1f), beta = V(0.6f), gamma_ = V(0.9f), delta = V(0.45f));
  auto item = [&](std::size_t i) {
    return tlo::item(
        tlo::observation_loss(obs, zi, tlo::each(yi, ps.rows[i]), tlo::reduction::mean),
        ps.z0[i], ps.times[i]);
  };
  return tlo::odeint_adjoint_batch(model, ps.z0.size(), item, params, o,
                                   ode::runge_kutta_dopri5<std::array<V, 2>, V>{},
                                   {.threads = threads});
}
}  // namespace

TEST_CASE("float32 batch: against the double batch, and the same bits on 1 and 2 threads",
          "[odeint][batch][float32]") {
  const problems<float> pf;
  const problems<double> pd;
  const auto f1 = run(pf, 1, 3e-5);
  const auto f2 = run(pf, 2, 3e-5);
  const auto d = run(pd, 1, 1e-11);
  static_assert(std::is_same_v<decltype(f1.loss_sum), float>);
  CHECK(f1.losses == f2.losses);
  CHECK(f1.dparams_sum[beta] == f2.dparams_sum[beta]);
  CHECK(f1.dparams_mean[delta] == f2.dparams_mean[delta]);
  using odeint_test::rel_err;
  CHECK(rel_err(f1.loss_mean, d.loss_mean) < 1e-3);
  for (std::size_t i = 0; i < 4; ++i) {
    CAPTURE(i);
    CHECK(rel_err(f1.losses[i], d.losses[i]) < 1e-3);
    CHECK(f1.items[i].dtimes.size() == pd.times[i].size());
    for (std::size_t n = 0; n < 2; ++n)
      CHECK(std::abs(f1.items[i].dz0[n] - d.items[i].dz0[n]) <
            1e-3 * std::max(1.0, std::abs(d.items[i].dz0[n])));
  }
  CHECK(rel_err(f1.dparams_sum[alpha], d.dparams_sum[alpha]) < 1e-3);
  CHECK(rel_err(f1.dparams_sum[beta], d.dparams_sum[beta]) < 1e-3);
  CHECK(rel_err(f1.dparams_sum[gamma_], d.dparams_sum[gamma_]) < 1e-3);
  CHECK(rel_err(f1.dparams_sum[delta], d.dparams_sum[delta]) < 1e-3);
  // float really computed in float: not the double numbers rounded
  CHECK(double(f1.dparams_sum[beta]) != double(float(d.dparams_sum[beta])));
}
